#!/usr/bin/env bash
# Builds and runs the tests under sanitizers, as CI does:
#   asan  - unit and multi-process tests under AddressSanitizer + UBSan
#   tsan  - the coordinator's scheduler tests under ThreadSanitizer
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-all}
JOBS=${JOBS:-$(nproc)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

run_asan() {
  echo "sanitize: ASan+UBSan build in build-asan"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRIDLESS_WERROR=ON \
    -DGRIDLESS_SANITIZE=address,undefined >/dev/null
  cmake --build build-asan -j "$JOBS"
  # Deploy tests (Slurm, namespaces, manifests) exercise the same binaries as
  # the Release run and mostly wait on daemons: skip them here.
  ctest --test-dir build-asan --output-on-failure -j "$JOBS" --timeout 600 -LE 'deploy|bench'
}

run_tsan() {
  echo "sanitize: TSan build of the scheduler tests in build-tsan"
  # clang: GCC 12's TSan runtime crashes inside protobuf's Map on Debian 12.
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DGRIDLESS_SANITIZE=thread >/dev/null
  cmake --build build-tsan -j "$JOBS" --target scheduler_test
  ctest --test-dir build-tsan --output-on-failure -j "$JOBS" --timeout 600 -R '^Scheduler'
}

case "$WHICH" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "sanitize: unknown mode $WHICH (asan|tsan|all)" >&2; exit 2 ;;
esac
