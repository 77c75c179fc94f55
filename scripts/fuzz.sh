#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for
# FUZZ_SECONDS (default 30) starting from its committed corpus in
# fuzz/corpus/<name>.  New inputs go to a scratch directory, not the corpus.
# A crash stops the run and leaves its input as crash-* in the build dir:
# add it to fuzz/corpus/<name>/ (the fuzz_<name> ctest replays it in every
# build) and fix the bug.
# Usage: scripts/fuzz.sh [NAME...]   (default: every fuzz/*_fuzzer.cc)
# Environment: BUILD_DIR (build-asan, the tree scripts/sanitize.sh asan
# builds, so CI compiles once), FUZZ_SECONDS, JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-asan}
SECONDS_EACH=${FUZZ_SECONDS:-30}
JOBS=${JOBS:-$(nproc)}
GRIDLESS_EXTRA_PACKAGES="clang libclang-rt-14-dev llvm" scripts/install-deps.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DGRIDLESS_WERROR=ON -DGRIDLESS_FUZZ=ON >/dev/null
if [[ $# -gt 0 ]]; then
  names=("$@")
else
  mapfile -t names < <(cd fuzz && ls *_fuzzer.cc | sed 's/_fuzzer\.cc$//')
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${names[@]/%/_fuzzer}"
for name in "${names[@]}"; do
  corpus="$PWD/fuzz/corpus/$name"
  scratch=$(mktemp -d)
  echo "fuzz: ${name}_fuzzer for ${SECONDS_EACH}s from $corpus"
  status=0
  (cd "$BUILD_DIR" && "bin/${name}_fuzzer" -max_total_time="$SECONDS_EACH" -timeout=10 \
     -rss_limit_mb=2048 -print_final_stats=1 "$scratch" "$corpus") \
     >"$scratch.log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    tail -n 80 "$scratch.log"
    echo "fuzz: ${name}_fuzzer FAILED (exit $status); the input is $BUILD_DIR/crash-* (or leak-/timeout-/oom-)" >&2
    rm -rf "$scratch"
    exit 1
  fi
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$scratch.log" || true
  echo "fuzz: ${name}_fuzzer: $(ls "$scratch" | wc -l) new inputs, no crash"
  rm -rf "$scratch" "$scratch.log"
done
echo "fuzz: all targets ran without a crash"
