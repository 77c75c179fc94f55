#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for
# FUZZ_SECONDS (default 30) on its committed corpus in fuzz/corpus/<name>.
# New inputs go to a scratch directory, not the corpus.  A crash leaves its
# input as crash-* in the build dir: turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-30}
command -v clang++ >/dev/null || { echo "fuzz: clang++ missing; apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DGRIDLESS_FUZZ=ON >/dev/null
targets=$(cd fuzz && ls *_fuzzer.cc | sed 's/\.cc$//')
cmake --build "$BUILD_DIR" -j "$(nproc)" --target $targets
for t in $targets; do
  corpus="fuzz/corpus/${t%_fuzzer}"
  scratch=$(mktemp -d)
  echo "fuzz: $t for ${SECONDS_EACH}s on $corpus"
  (cd "$BUILD_DIR" && "bin/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "$scratch" "$OLDPWD/$corpus") 2>&1 | tail -n 12
  rm -rf "$scratch"
done
echo "fuzz: all targets ran without a crash"
