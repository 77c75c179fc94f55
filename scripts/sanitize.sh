#!/usr/bin/env bash
# Builds and runs the tests under sanitizers, as CI does (.ci/run):
#   asan  - unit and multi-process tests under AddressSanitizer + UBSan
#           (clang, -fno-sanitize-recover: a UBSan finding fails the test).
#           The build also has libFuzzer's coverage hooks (GRIDLESS_FUZZ), so
#           scripts/fuzz.sh reuses it instead of compiling everything again.
#           Deploy tests (Slurm, namespaces, manifests) and benchmarks are
#           left out: they run the same binaries as `make test` and mostly
#           wait on daemons.
#   tsan  - the multi-threaded parts under ThreadSanitizer (clang: Debian 12's
#           GCC 12 TSan runtime crashes inside protobuf): the scheduler
#           (scheduler_test), the journal (journal_test), the worker's task
#           executor and session (worker_test), and the coordinator's worker
#           hub and streams over real gRPC (coordinator_grpc_test,
#           worker_stream_test).  Only these targets are built: their
#           libraries hold no built-in kind.  Debian's gRPC, protobuf, TBB
#           and Abseil are not built with TSan: our code locks std::mutex
#           (TSan sees it), shows TSan the hand-offs that TBB and gRPC make
#           (worker/task_executor.cc, coordinator/worker_stream.h), and
#           scripts/tsan.supp suppresses reports inside those libraries'
#           own code, never ours.
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
# Environment: ASAN_BUILD_DIR (build-asan), TSAN_BUILD_DIR (build-tsan),
# JOBS (nproc).  Installs clang and the sanitizer runtimes when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH=${1:-all}
JOBS=${JOBS:-$(nproc)}
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
TSAN_BUILD_DIR=${TSAN_BUILD_DIR:-build-tsan}
# -O1 as the sanitizers' documentation advises, and line tables only:
# enough for symbolized reports, and quicker to compile and link than -O2 -g.
SANITIZER_OPT_FLAGS="-O1 -gline-tables-only -DNDEBUG"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# ignore_noninstrumented_modules: calls made from inside gRPC, protobuf and
# TBB (malloc, memcpy...) are not recorded; see scripts/tsan.supp.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$PWD/scripts/tsan.supp}

GRIDLESS_EXTRA_PACKAGES="clang libclang-rt-14-dev llvm" scripts/install-deps.sh

# Every buildable target except benchmarks and tools not needed by tests.
test_targets() {
  cmake --build "$1" --target help |
    sed -n 's/^\.\.\. \([A-Za-z0-9_.+-]*\).*/\1/p' |
    grep -vE '^(all|clean|depend|edit_cache|rebuild_cache|test|install.*|list_install_components|bench_.*|make_corpus)$'
}

run_asan() {
  echo "sanitize: ASan+UBSan (clang) build in $ASAN_BUILD_DIR"
  cmake -S . -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$SANITIZER_OPT_FLAGS" \
    -DCMAKE_CXX_COMPILER=clang++ -DGRIDLESS_WERROR=ON -DGRIDLESS_FUZZ=ON >/dev/null
  # shellcheck disable=SC2046
  cmake --build "$ASAN_BUILD_DIR" -j "$JOBS" --target $(test_targets "$ASAN_BUILD_DIR")
  echo "sanitize: ASan+UBSan tests"
  ctest --test-dir "$ASAN_BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 600 \
    -LE 'deploy|bench'
}

# The TSan stage's test binaries (see the header).
TSAN_TESTS="scheduler_test journal_test worker_test coordinator_grpc_test worker_stream_test"

run_tsan() {
  echo "sanitize: TSan (clang) build of $TSAN_TESTS in $TSAN_BUILD_DIR"
  cmake -S . -B "$TSAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$SANITIZER_OPT_FLAGS" \
    -DCMAKE_CXX_COMPILER=clang++ -DGRIDLESS_WERROR=ON -DGRIDLESS_SANITIZE=thread >/dev/null
  # shellcheck disable=SC2086
  cmake --build "$TSAN_BUILD_DIR" -j "$JOBS" --target $TSAN_TESTS
  echo "sanitize: TSan tests"
  local t status=0
  for t in $TSAN_TESTS; do
    echo "sanitize: TSan $t"
    "$TSAN_BUILD_DIR/bin/$t" --gtest_brief=1 || status=1
  done
  return "$status"
}

case "$WHICH" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "sanitize: unknown mode $WHICH (asan|tsan|all)" >&2; exit 2 ;;
esac
