#!/usr/bin/env bash
# End-to-end loan-mc rate through the embedded cluster: generates a tape,
# runs `gridless run JOB.json --workers N --json` and prints loan-path-months
# per second (wall clock) in total and per worker process.
#
#   bench/loan_mc/end_to_end.sh [BUILD_DIR] [LOANS] [PATHS] [WORKERS]
# defaults: build 20000 200 2.  Needs jq.
set -euo pipefail
BUILD_DIR=${1:-build}
LOANS=${2:-20000}
PATHS=${3:-200}
WORKERS=${4:-2}
BIN="$BUILD_DIR/bin"
command -v jq >/dev/null || { echo "end_to_end.sh: needs jq" >&2; exit 2; }
[[ -x "$BIN/gridless" ]] || { echo "end_to_end.sh: no $BIN/gridless (build first)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TAPE="$WORK/tape.csv"
"$BIN/gridless" gen-loans --count "$LOANS" --format csv --seed 1 --out "$TAPE" >/dev/null
cat >"$WORK/job.json" <<JOB
{"kind": "loan-mc", "seed": 1,
 "params": {"tape": "$TAPE", "paths": $PATHS}}
JOB
OUT=$("$BIN/gridless" run "$WORK/job.json" --workers "$WORKERS" --json --quiet)
STATE=$(jq -r .state <<<"$OUT")
if [[ "${STATE,,}" != "succeeded" ]]; then
  echo "end_to_end.sh: job $STATE: $(jq -r '.error // ""' <<<"$OUT")" >&2
  exit 1
fi
jq -r --argjson workers "$WORKERS" '
  .result.loan_path_months as $lpm | .wall_seconds as $wall |
  .worker_seconds as $busy |
  "loans \(.result.loans)  paths \(.result.paths)  tasks \(.tasks.total)  workers \($workers)",
  "loan-path-months     \($lpm)",
  "wall seconds         \($wall)",
  "end to end           \($lpm / $wall | . * 1000 | round / 1000) loan-path-months/s",
  "per worker process   \($lpm / $wall / $workers | . * 1000 | round / 1000) loan-path-months/s",
  "per busy core-second \(if $busy > 0 then ($lpm / $busy | . * 1000 | round / 1000) else "n/a" end) loan-path-months/s (worker_seconds \($busy))",
  "pv_mean \(.result.pv_mean)  pv_stderr \(.result.pv_stderr)  expected_loss \(.result.expected_loss)"
' <<<"$OUT"
