#!/usr/bin/env bash
# Prints the Debian packages that provide the shared libraries the given
# binaries load (one per line, sorted), so the runtime image installs exactly
# those and no compilers or -dev packages.  Used by the Dockerfile's builder
# stage; runs on any Debian host too:
#   deploy/kubernetes/runtime-packages.sh build/bin/gridless*
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }
for bin in "$@"; do
  [[ -x "$bin" ]] || { echo "runtime-packages.sh: $bin is not an executable" >&2; exit 2; }
  if ldd "$bin" | grep -q 'not found'; then
    echo "runtime-packages.sh: $bin has unresolved libraries:" >&2
    ldd "$bin" | grep 'not found' >&2
    exit 1
  fi
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while read -r lib; do
  # dpkg knows the path it installed, which may be the /usr-merged twin.
  real=$(readlink -f "$lib")
  dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null ||
    { echo "runtime-packages.sh: no Debian package owns $lib" >&2; exit 1; }
done | cut -d: -f1 | sort -u
