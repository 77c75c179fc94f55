#!/usr/bin/env bash
# /metrics of a live coordinator and a live worker pass `promtool check
# metrics` (Debian prometheus) after jobs ran, so that every histogram has
# samples (issue 12).  Also checks the numbers the jobs must have left: one
# succeeded and one PARTIAL job, task run times on both sides, a journal
# commit, a dispatch batch.  Arguments: the directory holding gridless,
# gridless-coordinator and gridless-worker; promtool.  Exit 0 pass, 1 fail.
set -euo pipefail

bin=${1:?usage: metrics_promtool_test.sh BIN_DIR PROMTOOL}
promtool=${2:?usage: metrics_promtool_test.sh BIN_DIR PROMTOOL}
gridless="$bin/gridless"
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-metrics.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
# The address a process printed after "PATTERN" into FILE (waits up to 10 s).
address_in() {
  local file=$1 pattern=$2 addr=""
  for _ in $(seq 100); do
    addr=$(sed -n "s/.*$pattern \([0-9.:]*\).*/\1/p" "$file" | head -1)
    [[ -n "$addr" ]] && break
    sleep 0.1
  done
  echo "$addr"
}
fetch() {
  if command -v curl > /dev/null; then
    curl -sf "http://$1$2"
  else
    /usr/bin/python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "http://$1$2"
  fi
}
# The value of the sample line that starts with "$2 " in file $1 (or "").
value_of() { awk -v k="$2" 'index($0, k " ") == 1 { print $2; exit }' "$1"; }

"$bin/gridless-coordinator" --listen 127.0.0.1:0 --http 127.0.0.1:0 \
  --journal "$work/journal.db" > "$work/coord.out" 2> "$work/coord.err" &
pids+=($!)
addr=$(address_in "$work/coord.out" "listening on")
[[ -n "$addr" ]] || fail "coordinator did not start: $(cat "$work/coord.err")"
http=$(address_in "$work/coord.err" "HTTP (dashboard, \/api\/, \/healthz, \/metrics) on")
[[ -n "$http" ]] || fail "coordinator printed no HTTP address: $(cat "$work/coord.err")"

"$bin/gridless-worker" --coordinator "$addr" --slots 2 --http 127.0.0.1:0 \
  > "$work/worker.out" 2> "$work/worker.err" &
pids+=($!)
whttp=$(address_in "$work/worker.err" "HTTP (\/healthz, \/metrics) on")
[[ -n "$whttp" ]] || fail "worker printed no HTTP address: $(cat "$work/worker.err")"

log "a pi job and a noop job that ends partial"
echo '{"kind": "pi", "seed": 3, "params": {"samples": 2000000, "tasks": 8}}' \
  > "$work/pi.json"
echo '{"kind": "noop", "max_attempts": 1, "max_failed_tasks": 1,
       "params": {"tasks": 4, "fail": [2]}}' > "$work/partial.json"
pi=$("$gridless" submit "$work/pi.json" --coordinator "$addr")
partial=$("$gridless" submit "$work/partial.json" --coordinator "$addr")
"$gridless" result "$pi" --wait --json --coordinator "$addr" > /dev/null ||
  fail "pi job did not succeed"
rc=0
"$gridless" result "$partial" --wait --json --coordinator "$addr" \
  > /dev/null 2>&1 || rc=$?
[[ $rc == 3 ]] || fail "noop job should end partial (exit 3), got exit $rc"

fetch "$http" /metrics > "$work/coord.metrics" || fail "GET coordinator /metrics"
fetch "$whttp" /metrics > "$work/worker.metrics" || fail "GET worker /metrics"
for side in coord worker; do
  "$promtool" check metrics < "$work/$side.metrics" > "$work/$side.lint" 2>&1 ||
    fail "promtool check metrics on the $side's /metrics: $(cat "$work/$side.lint")"
done

expect() {  # FILE SAMPLE OP VALUE
  local v
  v=$(value_of "$1" "$2")
  [[ -n "$v" ]] || fail "$2 missing from $1"
  awk -v v="$v" -v x="$4" "BEGIN { exit !(v $3 x) }" ||
    fail "$2 is $v, expected $3 $4"
}
c="$work/coord.metrics"
w="$work/worker.metrics"
expect "$c" 'gridless_jobs{state="succeeded"}' == 1
expect "$c" 'gridless_jobs{state="partial"}' == 1
expect "$c" 'gridless_jobs_by_kind{kind="noop",state="partial"}' == 1
expect "$c" 'gridless_jobs_submitted_total{kind="pi"}' == 1
expect "$c" 'gridless_task_run_seconds_count{outcome="succeeded"}' '>=' 11
expect "$c" 'gridless_task_run_seconds_count{outcome="failed"}' '>=' 1
expect "$c" 'gridless_job_queue_wait_seconds_count{kind="pi"}' == 1
expect "$c" 'gridless_dispatch_batch_tasks_count' '>=' 1
expect "$c" 'gridless_dispatch_batch_tasks_sum' '>=' 12
expect "$c" 'gridless_merge_seconds_count' '>=' 1
expect "$c" 'gridless_journal_commit_seconds_count' '>=' 1
expect "$c" 'gridless_workers' == 1
expect "$w" 'gridless_worker_capacity_slots' == 2
expect "$w" 'gridless_worker_busy_slots' == 0
expect "$w" 'gridless_worker_tasks_total{kind="pi",outcome="succeeded"}' == 8
expect "$w" 'gridless_worker_tasks_total{kind="noop",outcome="failed"}' == 1
expect "$w" 'gridless_worker_task_run_seconds_count{kind="pi"}' == 8
[[ $(fetch "$whttp" /healthz) == ok ]] || fail "worker /healthz"

log "deploy/grafana: the scrape config is valid, the dashboard's metrics exist"
grafana="$(dirname "$0")/../deploy/grafana"
"$promtool" check config "$grafana/prometheus.yml" > "$work/config.lint" 2>&1 ||
  fail "promtool check config deploy/grafana/prometheus.yml: $(cat "$work/config.lint")"
names=$(/usr/bin/python3 -c 'import json, re, sys
d = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in d["panels"] for t in p["targets"]]
exprs += [v["query"]["query"] for v in d["templating"]["list"] if v["type"] == "query"]
print("\n".join(sorted({m for e in exprs for m in re.findall(r"gridless_[a-z_]+", e)})))' \
  "$grafana/gridless-dashboard.json") || fail "deploy/grafana/gridless-dashboard.json is not valid JSON"
[[ -n "$names" ]] || fail "the dashboard queries no gridless_ metric"
for name in $names; do
  grep -q "^$name[{ ]" "$c" "$w" || fail "the dashboard queries $name, which neither /metrics serves"
done
log "PASS"
