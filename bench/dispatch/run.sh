#!/usr/bin/env bash
# bench/dispatch: end-to-end dispatch rate of no-op tasks (submit to result)
# through one coordinator and 2 local worker processes, beside Dask's
# LocalCluster (2 worker processes) on the same count, in the same run.
#
#   bench/dispatch/run.sh [BUILD_DIR] [--tasks N] [--dask-tasks N] [--no-dask]
#
# Prints a table.  Gridless' figure comes from the job's own wall_seconds
# (submit to final result, as measured by the coordinator).
set -euo pipefail
BUILD_DIR=build
if [[ $# -gt 0 && "$1" != --* ]]; then BUILD_DIR=$1; shift; fi
TASKS=1000000
DASK_TASKS=20000
DASK=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tasks) TASKS=$2; shift 2 ;;
    --dask-tasks) DASK_TASKS=$2; shift 2 ;;
    --no-dask) DASK=0; shift ;;
    *) echo "bench/dispatch: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
GRIDLESS="$BUILD_DIR/bin/gridless"
[[ -x "$GRIDLESS" ]] || { echo "bench/dispatch: $GRIDLESS not found; run 'make build' first" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

gridless_rate() {  # N -> prints "wall tasks/s"
  local n=$1
  printf '{"kind": "noop", "seed": 1, "params": {"tasks": %d}}\n' "$n" > "$TMP/noop.json"
  "$GRIDLESS" run "$TMP/noop.json" --workers 2 --json --quiet > "$TMP/out.json"
  /usr/bin/python3 - "$TMP/out.json" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
assert r["state"] == "succeeded", r
assert r["result"]["tasks_merged"] == n, r
print(r["wall_seconds"], n / r["wall_seconds"])
PY
}

echo "bench/dispatch: $(nproc) cores; Gridless 2 worker processes; Dask LocalCluster 2 processes x 1 thread" >&2
printf '%-32s %12s %12s %14s\n' "system" "tasks" "seconds" "tasks/s"
read -r w r < <(gridless_rate "$DASK_TASKS")
printf '%-32s %12d %12.3f %14.0f\n' "gridless (same count as dask)" "$DASK_TASKS" "$w" "$r"
small_rate=$r
read -r w r < <(gridless_rate "$TASKS")
printf '%-32s %12d %12.3f %14.0f\n' "gridless" "$TASKS" "$w" "$r"
big_rate=$r
if [[ $DASK == 1 ]]; then
  if ! /usr/bin/python3 -c 'import distributed' 2>/dev/null; then
    echo "bench/dispatch: Dask is missing; install python3-distributed (make deps) or pass --no-dask" >&2
    exit 1
  fi
  echo "bench/dispatch: running $DASK_TASKS tasks through Dask (about 40 s)..." >&2
  read -r w r < <(/usr/bin/python3 "$HERE/dask_noop.py" "$DASK_TASKS" 2>/dev/null |
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["wall_seconds"], d["tasks_per_second"])')
  printf '%-32s %12d %12.3f %14.0f\n' "dask LocalCluster" "$DASK_TASKS" "$w" "$r"
  /usr/bin/python3 -c "import sys; print('ratio gridless/dask: %.0fx at %s tasks, %.0fx at full rate' % ($small_rate/$r, $DASK_TASKS, $big_rate/$r))"
fi
