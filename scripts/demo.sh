#!/usr/bin/env bash
# make demo: the flagship job, loan-mc, on the embedded local cluster.
# Generates a 10,000-loan synthetic tape, prices it over 200 interest-rate
# paths with 2 local worker processes, prints the summary and writes the
# result files under BUILD_DIR/demo/loan-mc/.
set -euo pipefail
BUILD_DIR=${1:-build}
BIN="$BUILD_DIR/bin"
DEMO="$BUILD_DIR/demo"
mkdir -p "$DEMO"
TAPE="$(cd "$DEMO" && pwd)/loans.csv"
OUT="$(cd "$DEMO" && pwd)/loan-mc"

echo "demo: generating a synthetic tape of 10,000 loans -> $TAPE"
"$BIN/gridless" gen-loans --count 10000 --format csv --out "$TAPE" --seed 42

# The job file is examples/loan-mc.json with the tape and output paths filled in.
sed -e "s#\"tape\": \"[^\"]*\"#\"tape\": \"$TAPE\"#" examples/loan-mc.json > "$DEMO/loan-mc.json"
echo "demo: loan-mc, 10,000 loans x 200 rate paths, on an embedded coordinator with 2 worker processes"
"$BIN/gridless" run "$DEMO/loan-mc.json" --workers 2 --out "$OUT"
echo "demo: result files in $OUT (the job file used: $DEMO/loan-mc.json)"
