#!/usr/bin/env bash
# How big a book loan-mc handles: generates LOANS synthetic loans (csv),
# converts them to a .gtape, runs PATHS paths on a standalone coordinator with
# WORKERS worker processes, and prints the time of each step and the peak
# memory of the coordinator and of each worker (private = anonymous memory;
# the mapped tape's pages are shared page cache, shown apart).  With TAPE=csv
# the job reads the text tape instead, for comparison.
#
#   bench/loan_mc/gtape_scale.sh [BUILD_DIR] [LOANS] [PATHS] [WORKERS]
# defaults: build 1000000 10 2.  Needs jq.  Writes under ${TMPDIR:-/tmp}.
set -euo pipefail
BUILD_DIR=${1:-build}
LOANS=${2:-1000000}
PATHS=${3:-10}
WORKERS=${4:-2}
TAPE_KIND=${TAPE:-gtape}
BIN="$BUILD_DIR/bin"
command -v jq >/dev/null || { echo "gtape_scale.sh: needs jq" >&2; exit 2; }
[[ -x "$BIN/gridless-coordinator" ]] ||
  { echo "gtape_scale.sh: no $BIN/gridless-coordinator (build first)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gtape-scale.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now)
log "gen-loans --count $LOANS (csv)"
"$BIN/gridless" gen-loans --count "$LOANS" --format csv --seed 1 \
  --out "$WORK/tape.csv" > /dev/null
t1=$(now)
TAPE_FILE="$WORK/tape.csv"
convert_rss=n/a
if [[ "$TAPE_KIND" == gtape ]]; then
  log "convert-tape -> .gtape"
  /usr/bin/time -f "%M" -o "$WORK/convert.rss" \
    "$BIN/gridless" convert-tape "$WORK/tape.csv" --out "$WORK/tape.gtape" >&2
  convert_rss=$(( $(cat "$WORK/convert.rss") / 1024 ))
  TAPE_FILE="$WORK/tape.gtape"
fi
t2=$(now)

"$BIN/gridless-coordinator" --listen 127.0.0.1:0 --quiet \
  > "$WORK/coord.out" 2> "$WORK/coord.err" &
coord=$!
pids+=($coord)
for _ in $(seq 100); do
  addr=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$WORK/coord.out")
  [[ -n "$addr" ]] && break
  sleep 0.1
done
[[ -n "${addr:-}" ]] || { echo "coordinator did not start: $(cat "$WORK/coord.err")" >&2; exit 1; }
workers=()
for w in $(seq "$WORKERS"); do
  "$BIN/gridless-worker" --coordinator "$addr" --slots 1 2> "$WORK/w$w.err" &
  workers+=($!)
  pids+=($!)
done

# Peak private (RssAnon) and total (VmRSS) memory of each process, sampled.
sample() {
  local pid=$1 file=$2
  while kill -0 "$pid" 2>/dev/null; do
    awk '/^RssAnon|^VmRSS|^RssFile/ { print $1, $2 }' "/proc/$pid/status" \
      >> "$file" 2>/dev/null || true
    sleep 0.2
  done
}
sample "$coord" "$WORK/mem.coord" &
samplers=($!)
for w in "${workers[@]}"; do sample "$w" "$WORK/mem.$w" & samplers+=($!); done
peak() { awk -v k="$2" '$1 == k":" && $2 > m { m = $2 } END { printf "%d", m / 1024 }' "$1"; }

cat > "$WORK/job.json" <<JOB
{"kind": "loan-mc", "seed": 1, "params": {"tape": "$TAPE_FILE", "paths": $PATHS}}
JOB
log "loan-mc: $LOANS loans x $PATHS paths, $WORKERS workers"
id=$("$BIN/gridless" submit "$WORK/job.json" --coordinator "$addr")
"$BIN/gridless" watch "$id" --coordinator "$addr" >&2 || true
"$BIN/gridless" result "$id" --json --coordinator "$addr" > "$WORK/result.json"
t3=$(now)
state=$(jq -r .state "$WORK/result.json")
[[ "${state,,}" == succeeded ]] ||
  { echo "gtape_scale.sh: job $state: $(jq -r '.error // ""' "$WORK/result.json")" >&2; exit 1; }
sleep 0.5
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait "${samplers[@]}" 2>/dev/null || true

lpm=$(jq .result.loan_path_months "$WORK/result.json")
busy=$(jq .worker_seconds "$WORK/result.json")
wall=$(jq .wall_seconds "$WORK/result.json")
echo "loans $LOANS  paths $PATHS  workers $WORKERS  tape $TAPE_KIND ($(du -h "$TAPE_FILE" | cut -f1))"
printf '%-34s %s\n' "gen-loans (csv) seconds" "$(secs "$t0" "$t1")"
printf '%-34s %s\n' "convert-tape seconds" "$(secs "$t1" "$t2")"
printf '%-34s %s\n' "convert-tape peak RSS MB" "$convert_rss"
printf '%-34s %s\n' "job wall seconds" "$wall"
printf '%-34s %s\n' "tasks" "$(jq .tasks.total "$WORK/result.json")"
printf '%-34s %s\n' "coordinator peak private MB" "$(peak "$WORK/mem.coord" RssAnon)"
printf '%-34s %s\n' "coordinator peak RSS MB" "$(peak "$WORK/mem.coord" VmRSS)"
for w in "${workers[@]}"; do
  printf '%-34s %s / %s (mapped tape %s)\n' "worker peak private / RSS MB" \
    "$(peak "$WORK/mem.$w" RssAnon)" "$(peak "$WORK/mem.$w" VmRSS)" \
    "$(peak "$WORK/mem.$w" RssFile)"
done
awk -v l="$lpm" -v b="$busy" -v w="$wall" -v p="$PATHS" 'BEGIN {
  printf "%-34s %.3g\n", "loan-path-months per CPU-second", l / b
  printf "%-34s %.3g\n", "loan-path-months per wall second", l / w
  printf "%-34s %.1f\n", "projected core-hours, 1,000 paths", b / p * 1000 / 3600 }'
jq -r '"pv_mean \(.result.pv_mean)  expected_loss \(.result.expected_loss)"' "$WORK/result.json"
