#!/usr/bin/env bash
# End-to-end map-reduce and exec through `gridless run` with real worker
# processes (issue 5).  Argument: the directory holding gridless and
# gridless-worker.  Exit 0 pass, 1 fail.
#
#   sort: output passes validate-sort and equals LC_ALL=C sort of the input;
#   wordcount: equals tr -cs A-Za-z '\n' | sort | uniq -c;
#   groupby: one line per sourceIP prefix, sums equal a single-process awk;
#   exec: a command that fails once (exit 75) is retried and succeeds, one
#   that always fails is dead-lettered and fails the job naming its shard,
#   one that hangs is killed at timeout_s, a missing command fails at once.
set -euo pipefail

bin=${1:?usage: mapreduce_cli_test.sh BIN_DIR}
gridless="$bin/gridless"
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-mr-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
run() {  # run NAME KIND PARAMS [TOP-LEVEL-JSON]: gridless run, 2 workers
  echo "{\"kind\": \"$2\", ${4:-} \"params\": $3}" > "$work/$1.json"
  "$gridless" run "$work/$1.json" --workers 2 --json > "$work/$1.out" 2> "$work/$1.err"
}

log "sort"
"$gridless" gen-records --count 30000 --out "$work/records.dat" --seed 5 > /dev/null
run sort sort "{\"input\": \"$work/records.dat\", \"output\": \"$work/sorted\", \"reducers\": 3, \"split_bytes\": 400000}" ||
  fail "sort job: $(cat "$work/sort.err")"
"$gridless" validate-sort "$work/records.dat" --output "$work/sorted" > "$work/valid.txt" ||
  fail "validate-sort: $(cat "$work/valid.txt")"
cmp -s <(cat "$work"/sorted/part-*) <(LC_ALL=C sort "$work/records.dat") ||
  fail "sort output differs from LC_ALL=C sort"

log "wordcount"
"$gridless" gen-text --bytes 2000000 --out "$work/text.txt" --seed 3 > /dev/null
run wc wordcount "{\"input\": \"$work/text.txt\", \"output\": \"$work/wc\", \"reducers\": 4, \"split_bytes\": 300000}" ||
  fail "wordcount job: $(cat "$work/wc.err")"
diff <(cat "$work"/wc/part-* | LC_ALL=C sort) \
     <(LC_ALL=C tr -cs A-Za-z '\n' < "$work/text.txt" | LC_ALL=C sort | uniq -c |
       awk '$2 != "" {print $2 "\t" $1}' | LC_ALL=C sort) > /dev/null ||
  fail "wordcount differs from tr | sort | uniq -c"

log "groupby"
"$gridless" gen-bdb --table uservisits --rows 20000 --out "$work/uv.csv" > /dev/null
run gb groupby "{\"input\": \"$work/uv.csv\", \"output\": \"$work/gb\", \"query\": \"aggregation\", \"prefix_length\": 5, \"split_bytes\": 500000}" ||
  fail "groupby job: $(cat "$work/gb.err")"
paste <(cat "$work"/gb/part-* | LC_ALL=C sort) \
      <(awk -F, '{s[substr($1, 1, 5)] += $4} END {for (k in s) printf "%s\t%.6f\n", k, s[k]}' "$work/uv.csv" | LC_ALL=C sort) |
  awk -F'\t' '$1 != $3 || ($2 - $4) > 1e-4 || ($4 - $2) > 1e-4 {bad = 1; print} END {exit bad}' ||
  fail "groupby sums differ from awk"

log "exec: retried once, then succeeds"
run retry exec "{\"command\": [\"sh\", \"-c\", \"if [ ! -e $work/tried-\$0 ]; then touch $work/tried-\$0; exit 75; fi; echo shard \$0\", \"{shard}\"], \"shards\": 3, \"output\": \"$work/ex1\"}" \
  '"max_attempts": 3,' || fail "exec retry job: $(cat "$work/retry.err")"
[[ $(cat "$work"/ex1/part-*) == $'shard 0\nshard 1\nshard 2' ]] || fail "exec retry output: $(cat "$work"/ex1/part-*)"

log "exec: always failing shard is dead-lettered"
if run dead exec "{\"command\": [\"sh\", \"-c\", \"[ \$0 != 1 ] || exit 75\", \"{shard}\"], \"shards\": 3, \"output\": \"$work/ex2\"}" '"max_attempts": 2,'; then
  fail "a job with an always-failing shard succeeded"
fi
grep -q "shard 1" "$work/dead.err" "$work/dead.out" || fail "dead-letter error does not name shard 1: $(cat "$work/dead.err")"

log "exec: hanging command is killed"
if run hang exec "{\"command\": [\"sleep\", \"600\"], \"timeout_s\": 0.5, \"output\": \"$work/ex3\"}" '"max_attempts": 1,'; then
  fail "a hanging command succeeded"
fi
grep -q "timeout_s" "$work/hang.err" "$work/hang.out" || fail "timeout not reported: $(cat "$work/hang.err")"
pgrep -f "sleep 600" > /dev/null && fail "the hanging command outlived its task"

log "exec: missing command"
if run missing exec "{\"command\": [\"gridless-no-such-program\"], \"output\": \"$work/ex4\"}"; then
  fail "a missing command succeeded"
fi
grep -q "gridless-no-such-program" "$work/missing.err" "$work/missing.out" || fail "missing command not named"

log "PASS"
