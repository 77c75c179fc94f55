#!/usr/bin/env bash
# Installs the Debian 12 packages Gridless builds and tests with, when missing.
# Idempotent and quiet when everything is there.  Uses sudo when not root.
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libtbb-dev libboost-random-dev librandom123-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  libcivetweb-dev  # the coordinator's HTTP endpoint (--http)
  libssl-dev  # SHA-256 of loan tapes in the run manifest
  python3-distributed python3-pandas  # the benchmarks' Dask baselines
  prometheus-cpp-dev  # /metrics of the coordinator and workers
  prometheus  # promtool, which checks /metrics in tests/metrics_promtool_test.sh
  python3-grpcio python3-protobuf  # python/gridless, the Python client
  chromium  # the dashboard's browser test (tests/dashboard_browser_test.py)
)
# Extra packages a caller may ask for (e.g. sanitizer or fuzzing toolchains).
PACKAGES+=(${GRIDLESS_EXTRA_PACKAGES:-})

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    SUDO="sudo"
  else
    echo "deps: missing ${missing[*]}; run as root or install sudo, then retry" >&2
    exit 1
  fi
fi
echo "deps: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || { echo "deps: apt-get update failed; check the network or apt sources" >&2; exit 1; }
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" || {
  echo "deps: apt-get install failed for: ${missing[*]}; see the apt output above" >&2
  exit 1
}
echo "deps: done"
