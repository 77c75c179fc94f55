#!/usr/bin/env bash
# Every `gridless gen-*` generator writes its file atomically
# (common/atomic_file.h, issue 14): a generator that fails or is killed
# midway never leaves a half-written file under the name asked for.  The
# failure is made deterministic, with no timing: a file-size limit
# (ulimit -f) that the output outgrows.
#   1. write fails (SIGXFSZ ignored, so write() returns EFBIG): the command
#      exits non-zero and the directory is left empty (no final file, no
#      temporary one);
#   2. killed mid-write (SIGXFSZ at its default, which kills the process):
#      no final file; at most a hidden temporary file (".out.tmp-PID-N",
#      the name map-reduce's tidy-up recognizes);
#   3. without the limit: the final file and nothing else.
# Argument: the directory holding gridless.  Exit 0 pass, 1 fail.
set -euo pipefail

bin=${1:?usage: generators_atomic_test.sh BIN_DIR}
gridless="$bin/gridless"
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-gen-atomic.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 64 KiB (bash counts ulimit -f in 1024-byte blocks); every output below is
# several MiB, written in 1 MiB pieces.
limit_kib=64
generators=(
  "gen-loans --count 40000 --format csv"
  "gen-loans --count 40000 --format fannie-sflp"
  "gen-records --count 40000"
  "gen-text --bytes 4000000"
  "gen-bdb --table uservisits --rows 40000"
)

n=0
for gen in "${generators[@]}"; do
  n=$((n + 1))
  read -r -a args <<< "$gen"
  name=${args[0]}

  dir="$work/fail-$n"
  mkdir "$dir"
  rc=0
  (ulimit -c 0; ulimit -f "$limit_kib"; trap '' XFSZ
   exec "$gridless" "${args[@]}" --out "$dir/out") > "$dir.log" 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || fail "$gen: exit 0 although its output outgrew the limit"
  left=$(ls -A "$dir")
  [[ -z "$left" ]] || fail "$gen: a failed write left: $left"
  grep -q "out" "$dir.log" || fail "$gen: the error does not name the file: $(cat "$dir.log")"

  dir="$work/killed-$n"
  mkdir "$dir"
  rc=0
  (ulimit -c 0; ulimit -f "$limit_kib"
   exec "$gridless" "${args[@]}" --out "$dir/out") > "$dir.log" 2>&1 || rc=$?
  [[ $rc -eq $((128 + $(kill -l XFSZ))) ]] ||
    fail "$gen: expected death by SIGXFSZ, got exit $rc: $(cat "$dir.log")"
  [[ ! -e "$dir/out" ]] || fail "$gen: killed midway, yet $dir/out exists"
  for f in "$dir"/.* "$dir"/*; do
    base=$(basename "$f")
    [[ "$base" == "." || "$base" == ".." || ! -e "$f" ]] && continue
    [[ "$base" == .out.tmp-* ]] ||
      fail "$gen: killed midway, it left \"$base\", not a hidden temporary file"
  done

  dir="$work/ok-$n"
  mkdir "$dir"
  "$gridless" "${args[@]}" --out "$dir/out" > "$dir.log" 2>&1 ||
    fail "$gen: $(cat "$dir.log")"
  left=$(ls -A "$dir")
  [[ "$left" == "out" ]] || fail "$gen: expected only out, found: $left"
  [[ -s "$dir/out" ]] || fail "$gen: empty output"
  echo "ok: $name (${args[*]:1})"
done
echo "PASS"
