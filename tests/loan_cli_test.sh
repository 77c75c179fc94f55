#!/usr/bin/env bash
# loan-mc across real processes (issue 3): the result is bit-identical with
# 1 and 3 worker processes and in-process, and with a worker killed (SIGKILL)
# mid-job on a standalone coordinator.  Argument: the directory holding
# gridless, gridless-coordinator and gridless-worker.  Exit 0 pass, 1 fail.
# No race with the machine's speed: the worker to be killed runs behind a
# closed --task-gate (docs/TESTING.md), so it holds leases it cannot finish.
set -euo pipefail

bin=${1:?usage: loan_cli_test.sh BIN_DIR}
gridless="$bin/gridless"
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-loan-cli.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
# The result object with sorted keys: numbers are printed at round-trip
# precision, so equal text means equal bits.
result() { jq -S .result "$1"; }

"$gridless" gen-loans --count 4000 --format fannie-sflp --seed 9 \
  --out "$work/tape.txt" > /dev/null
cat > "$work/job.json" <<JOB
{"kind": "loan-mc", "seed": 5, "max_attempts": 4,
 "params": {"tape": "$work/tape.txt", "paths": 48, "loan_block": 512,
            "path_block": 8, "volatility": 0.012, "sda": 150}}
JOB

log "1 worker, 3 workers, in-process"
for w in 1 3 0; do
  "$gridless" run "$work/job.json" --workers $w --json --quiet \
    > "$work/run$w.json" 2> "$work/run$w.err" ||
    fail "gridless run --workers $w: $(cat "$work/run$w.err")"
done
[[ $(jq -r .result.loans "$work/run1.json") == 4000 ]] ||
  fail "expected 4000 loans, got $(jq -r .result.loans "$work/run1.json")"
[[ $(jq -r .result.inactive_loans "$work/run1.json") == 80 ]] ||
  fail "expected 80 paid-off loans"
cmp -s <(result "$work/run1.json") <(result "$work/run3.json") ||
  fail "1 and 3 workers differ: $(diff <(result "$work/run1.json") <(result "$work/run3.json") | head)"
cmp -s <(result "$work/run1.json") <(result "$work/run0.json") ||
  fail "in-process run differs from 1 worker"

log "credit model (issue 16: default_model ltv, house price paths): 1 and 3 workers"
sed -e 's/"sda": 150/"default_model": "ltv", "hpi_volatility": 0.08/' \
  "$work/job.json" > "$work/ltv.json"
for w in 1 3; do
  "$gridless" run "$work/ltv.json" --workers $w --json --quiet \
    > "$work/ltv$w.json" 2> "$work/ltv$w.err" ||
    fail "gridless run ltv --workers $w: $(cat "$work/ltv$w.err")"
done
[[ $(jq -r .result.default_model "$work/ltv1.json") == ltv ]] ||
  fail "the ltv job ran $(jq -r .result.default_model "$work/ltv1.json")"
cmp -s <(result "$work/ltv1.json") <(result "$work/ltv3.json") ||
  fail "ltv: 1 and 3 workers differ: $(diff <(result "$work/ltv1.json") <(result "$work/ltv3.json") | head)"

log "a worker killed mid-job"
"$bin/gridless-coordinator" --listen 127.0.0.1:0 --lease-timeout 2 --quiet \
  > "$work/coord.out" 2> "$work/coord.err" &
pids+=($!)
disown $!
for _ in $(seq 100); do
  addr=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/coord.out")
  [[ -n "$addr" ]] && break
  sleep 0.1
done
[[ -n "$addr" ]] || fail "coordinator did not start: $(cat "$work/coord.err")"
# The victim starts alone behind a closed --task-gate: it leases tasks but
# can start none, so when it is killed it holds leases and the job cannot
# have ended, however fast the machine.
echo 0 > "$work/gate"
"$bin/gridless-worker" --coordinator "$addr" --slots 1 \
  --task-gate "$work/gate" 2> "$work/victim.err" &
victim=$!
pids+=($victim)
disown $victim
id=$("$gridless" submit "$work/job.json" --coordinator "$addr") ||
  fail "submit"
progress() { "$gridless" list --json --coordinator "$addr" |
  jq -c --arg id "$id" '.[] | select(.job_id == $id)'; }
leased=0
for _ in $(seq 600); do  # a hang guard (60 s), not a timed assertion
  leased=$(progress | jq -r .tasks.running)
  [[ $leased -gt 0 ]] && break
  sleep 0.1
done
[[ $leased -gt 0 ]] ||
  fail "the gated worker leased no task: $(progress) $(cat "$work/victim.err")"
[[ $(progress | jq -r '.state + " " + (.tasks.succeeded | tostring)') == "running 0" ]] ||
  fail "a task finished behind a closed gate: $(progress)"
kill -9 "$victim"
for w in 2 3; do
  "$bin/gridless-worker" --coordinator "$addr" --slots 1 2> "$work/w$w.err" &
  pids+=($!)
  disown $!
done
"$gridless" result "$id" --wait --json --coordinator "$addr" > "$work/killed.json" ||
  fail "job with a killed worker: $(jq -r .error "$work/killed.json")"
[[ $(jq -r .tasks.retried "$work/killed.json") -gt 0 ]] ||
  fail "the killed worker's leases were not retried: $(jq -c .tasks "$work/killed.json")"
cmp -s <(result "$work/run1.json") <(result "$work/killed.json") ||
  fail "result with a killed worker differs: $(diff <(result "$work/run1.json") <(result "$work/killed.json") | head)"
log "PASS ($(jq -r .tasks.retried "$work/killed.json") leases of the killed worker retried)"
