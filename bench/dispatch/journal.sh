#!/usr/bin/env bash
# bench/dispatch/journal.sh: what the journal costs in dispatch speed.  Runs
# the same no-op job through a standalone gridless-coordinator and 2 local
# gridless-worker processes twice in one run, without and with --journal
# (SQLite WAL, batched commits), alternating ROUNDS times, and prints a table
# with the median rate of each and their ratio.
#
#   bench/dispatch/journal.sh [BUILD_DIR] [--tasks N] [--rounds R]
set -euo pipefail
BUILD_DIR=build
if [[ $# -gt 0 && "$1" != --* ]]; then BUILD_DIR=$1; shift; fi
TASKS=200000
ROUNDS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tasks) TASKS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "bench/dispatch/journal.sh: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
BIN="$BUILD_DIR/bin"
for b in gridless gridless-coordinator gridless-worker; do
  [[ -x "$BIN/$b" ]] || { echo "bench/dispatch/journal.sh: $BIN/$b not found; run 'make build' first" >&2; exit 1; }
done
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
printf '{"kind": "noop", "seed": 1, "params": {"tasks": %d}}\n' "$TASKS" > "$TMP/noop.json"

one_run() {  # MODE(plain|journal) -> prints tasks/s
  local mode=$1 extra=()
  [[ $mode == journal ]] && { rm -f "$TMP/j.db"*; extra=(--journal "$TMP/j.db"); }
  "$BIN/gridless-coordinator" --listen 127.0.0.1:0 --quiet "${extra[@]}" > "$TMP/coord.out" &
  local coord=$!
  PIDS+=("$coord")
  local addr=""
  for _ in $(seq 100); do
    addr=$(sed -n 's/^gridless-coordinator listening on //p' "$TMP/coord.out")
    [[ -n $addr ]] && break
    sleep 0.1
  done
  [[ -n $addr ]] || { echo "bench/dispatch/journal.sh: the coordinator did not start" >&2; exit 1; }
  local w1 w2
  "$BIN/gridless-worker" --coordinator "$addr" --slots 1 & w1=$!
  "$BIN/gridless-worker" --coordinator "$addr" --slots 1 & w2=$!
  PIDS+=("$w1" "$w2")
  local id
  id=$("$BIN/gridless" submit "$TMP/noop.json" --coordinator "$addr")
  "$BIN/gridless" result "$id" --wait --json --coordinator "$addr" > "$TMP/out.json"
  kill "$w1" "$w2" "$coord" 2>/dev/null || true
  wait "$w1" "$w2" "$coord" 2>/dev/null || true
  /usr/bin/python3 - "$TMP/out.json" "$TASKS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert r["state"] == "succeeded", r
assert r["result"]["tasks_merged"] == n, r
print(n / r["wall_seconds"])
PY
}

echo "bench/dispatch/journal.sh: $(nproc) cores; $TASKS no-op tasks; $ROUNDS rounds, alternating" >&2
plain=(); journal=()
for r in $(seq "$ROUNDS"); do
  echo "  round $r/$ROUNDS..." >&2
  plain+=("$(one_run plain)")
  journal+=("$(one_run journal)")
done
/usr/bin/python3 - "${plain[*]}" "${journal[*]}" <<'PY'
import statistics, sys
p = [float(x) for x in sys.argv[1].split()]
j = [float(x) for x in sys.argv[2].split()]
mp, mj = statistics.median(p), statistics.median(j)
print(f"{'coordinator':<28} {'median tasks/s':>15} {'runs':>40}")
print(f"{'no journal':<28} {mp:>15.0f} {' '.join(f'{x:.0f}' for x in p):>40}")
print(f"{'--journal (SQLite WAL)':<28} {mj:>15.0f} {' '.join(f'{x:.0f}' for x in j):>40}")
print(f"journal / no journal = {mj / mp:.2f}")
PY
