#!/usr/bin/env bash
# Many hosts on one machine: network namespaces joined by veth pairs.
#
#   host "c"  (coordinator, clients)  br0 10.77.0.1/24 --+-- veth -- "w1" eth0 10.77.0.2
#                                                        +-- veth -- "w2" eth0 10.77.0.3
#
# The addresses exist only inside these namespaces (nothing is added to the
# machine's own network), and every process talks over them, never loopback.
#  1. w2's link is impaired (netem delay + loss on both ends; where the kernel
#     has no netem, nftables random loss plus a tbf rate limit instead, said
#     so in the output): a job completes with the result of a local run.
#  2. A larger job starts; w2's link is cut (link down) for longer than the
#     coordinator's --lease-timeout: w2's leases expire, its tasks are
#     rescheduled on w1 (gridless_tasks_total{outcome="retried"} > 0), the link
#     comes back (usually mid-job, so w2's late results meet the re-leased
#     copies), w2 rejoins, and the result still equals a local run bit for bit.
# Everything started (namespaces, processes) is removed on exit.
#
#   tests/deploy_netns_test.sh BIN_DIR
# Exit 77 (skip, with the reason) when this machine does not allow network
# namespaces or veth pairs (not root, no CAP_NET_ADMIN, no iproute2).
# GRIDLESS_DEPLOY_JOB=FILE runs that job file in step 1 instead of a pi job.
set -euo pipefail
# shellcheck source=tests/deploy_common.sh
source "$(dirname "$0")/deploy_common.sh"

BIN=${1:?usage: deploy_netns_test.sh BIN_DIR}
BIN=$(cd "$BIN" 2>/dev/null && pwd || echo "$BIN")
LEASE_TIMEOUT=3           # seconds; the cut lasts 3x this
SUBNET=10.77.0            # private range, only inside our namespaces
COORD_IP=$SUBNET.1
PORT=7070                 # each namespace has its own ports: no clash
HTTP_PORT=7071
NS_PREFIX="gl$$"
NS_C=$NS_PREFIX-c NS_W1=$NS_PREFIX-w1 NS_W2=$NS_PREFIX-w2
T=$(mktemp -d /tmp/gridless-netns-test.XXXXXX)
PIDS=()
NAMESPACES=()

cleanup() {
  local rc=$? i ns
  set +e
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null; done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 50); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[i]}" 2>/dev/null
    wait "${PIDS[i]}" 2>/dev/null
  done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [[ $rc -ne 0 && $rc -ne 77 ]]; then
    echo "---- logs kept in $T" >&2
    for f in "$T"/*.stderr "$T"/*.log; do
      [[ -f "$f" ]] && { echo "---- $f (tail)" >&2; tail -15 "$f" >&2; }
    done
  else
    rm -rf "$T"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- 1. Can this machine make namespaces and veth pairs?
command -v ip >/dev/null || skip "iproute2's ip is not installed"
[[ $(id -u) -eq 0 ]] || skip "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"
for ns in "$NS_C" "$NS_W1" "$NS_W2"; do
  ip netns add "$ns" 2>"$T/netns.err" || skip "ip netns add is not allowed here: $(cat "$T/netns.err")"
  NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
done
ip -n "$NS_C" link add br0 type bridge 2>"$T/netns.err" || skip "cannot create a bridge: $(cat "$T/netns.err")"
ip -n "$NS_C" addr add "$COORD_IP/24" dev br0
ip -n "$NS_C" link set br0 up
host=2
for ns in "$NS_W1" "$NS_W2"; do
  ip -n "$NS_C" link add "port$host" type veth peer name eth0 netns "$ns" 2>"$T/netns.err" ||
    skip "cannot create veth pairs: $(cat "$T/netns.err")"
  ip -n "$NS_C" link set "port$host" master br0
  ip -n "$NS_C" link set "port$host" up
  ip -n "$ns" addr add "$SUBNET.$host/24" dev eth0
  ip -n "$ns" link set eth0 up
  host=$((host + 1))
done
W2_PORT=port3   # w2's link, as seen from the coordinator's side
log "namespaces $NS_C (coordinator $COORD_IP), $NS_W1 ($SUBNET.2), $NS_W2 ($SUBNET.3) up"

require_binaries "$BIN" ||
  skip "namespaces work here, but gridless binaries are missing in $BIN (build gridless, gridless-coordinator and gridless-worker)"

# ---- 2. Impairment for w2's link: netem when the kernel has it.
IMPAIR=""
if ip netns exec "$NS_W2" tc qdisc add dev eth0 root netem delay 30ms 10ms loss 2% 2>"$T/tc.err" &&
   ip netns exec "$NS_C" tc qdisc add dev "$W2_PORT" root netem delay 30ms 10ms loss 2% 2>>"$T/tc.err"; then
  IMPAIR="netem delay 30ms +-10ms, loss 2% each way"
else
  log "netem is not available in this kernel ($(head -1 "$T/tc.err")); using nftables loss + tbf rate limit instead (no added delay)"
  ip netns exec "$NS_W2" tc qdisc del dev eth0 root 2>/dev/null || true
  if ! command -v nft >/dev/null && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nftables >"$T/apt.log" 2>&1 || true
  fi
  if command -v nft >/dev/null && ip netns exec "$NS_W2" nft -f - 2>"$T/nft.err" <<'EOF'
table inet gridless_impair {
  chain in { type filter hook input priority 0; policy accept; numgen random mod 100 < 2 drop; }
  chain out { type filter hook output priority 0; policy accept; numgen random mod 100 < 2 drop; }
}
EOF
  then
    IMPAIR="nftables random loss 2% each way"
  else
    log "nftables not usable ($(head -1 "$T/nft.err" 2>/dev/null)); no packet loss"
  fi
  for dev in "$NS_W2:eth0" "$NS_C:$W2_PORT"; do
    if ip netns exec "${dev%%:*}" tc qdisc add dev "${dev#*:}" root tbf rate 20mbit burst 32kbit latency 200ms 2>/dev/null; then
      [[ "$IMPAIR" == *tbf* ]] || IMPAIR="${IMPAIR:+$IMPAIR, }tbf 20 Mbit/s each way"
    fi
  done
fi
log "w2's link: ${IMPAIR:-not impaired (neither netem, nftables nor tbf available)}"

# ---- 3. Auth: a token for every binary that takes one (issue 4).
setup_auth "$T" "$BIN"
log "$AUTH_NOTE"

# ---- 4. Coordinator in c, one worker in each of w1 and w2.
ip netns exec "$NS_C" "$BIN/gridless-coordinator" --listen "$COORD_IP:$PORT" \
  --http "$COORD_IP:$HTTP_PORT" --lease-timeout "$LEASE_TIMEOUT" "${COORD_AUTH[@]}" \
  >"$T/coordinator.stdout" 2>"$T/coordinator.stderr" &
PIDS+=($!)
ADDR=$(wait_for_listen "$T/coordinator.stdout" "${PIDS[-1]}" 20) ||
  fail "coordinator did not start on $COORD_IP:$PORT: $(tail -5 "$T/coordinator.stderr")"
[[ "$ADDR" == "$COORD_IP:$PORT" ]] || fail "coordinator says it listens on $ADDR, not $COORD_IP:$PORT"
log "coordinator listening on $ADDR"

# Both run behind a --task-gate (docs/TESTING.md), open while its file is
# absent; step 6 closes w2's so that w2 provably holds leases when its link
# is cut, however fast the machine.
start_worker() {  # namespace name
  ip netns exec "$1" "$BIN/gridless-worker" --coordinator "$ADDR" --slots 1 \
    --connect-timeout 60 --verbose --task-gate "$T/$2.gate" "${WORKER_AUTH[@]}" \
    >"$T/$2.stdout" 2>"$T/$2.stderr" &
  PIDS+=($!)
}
start_worker "$NS_W1" worker1
start_worker "$NS_W2" worker2

metrics() { ip netns exec "$NS_C" curl -fsS --max-time 5 "http://$COORD_IP:$HTTP_PORT/metrics"; }
metric() {  # name (with labels) -> value, 0 when absent
  metrics 2>/dev/null | awk -v m="$1" '$1 == m { v = $2 } END { print (v == "" ? 0 : v) + 0 }'
}
command -v curl >/dev/null || fail "curl is needed to read /metrics"
workers=0
for _ in $(seq 200); do
  workers=$(metric gridless_workers)
  [[ $workers -eq 2 ]] && break
  sleep 0.1
done
[[ $workers -eq 2 ]] || fail "expected 2 workers connected over the veths, /metrics says $workers"

DEPLOY_CLIENT_PREFIX="ip netns exec $NS_C"

# ---- 5. A job over the impaired link.
JOB_A="$T/job-a.json"
write_job "$JOB_A"
id_a=$(remote_run "$BIN" "$ADDR" "$JOB_A" "$T/a.remote.json" "${CLIENT_AUTH[@]}") || exit 1
local_reference "$BIN" "$JOB_A" "$T/a.local.json"
same_result "$T/a.remote.json" "$T/a.local.json" || fail "job $id_a over namespaces differs from a local run"
log "step 1 passed: job $id_a over the impaired link equals the local run"

# ---- 6. Cut w2's link mid-job for longer than the lease.
# w2's gate is closed first: w2 leases tasks of job B but starts none, so
# when its link goes down it holds leases and the job cannot have ended;
# w1 runs the rest, then w2's tasks once their leases expire.
JOB_B="$T/job-b.json"
echo '{"kind": "pi", "seed": 77, "params": {"samples": 240000000, "tasks": 1200}}' >"$JOB_B"
echo 0 >"$T/worker2.gate.tmp" && mv "$T/worker2.gate.tmp" "$T/worker2.gate"
retried_before=$(metric 'gridless_tasks_total{outcome="retried"}')
id_b=$($DEPLOY_CLIENT_PREFIX "$BIN/gridless" submit "$JOB_B" --coordinator "$ADDR" "${CLIENT_AUTH[@]}" 2>"$T/b.submit.stderr") ||
  fail "submit of job B failed: $(tail -3 "$T/b.submit.stderr")"
id_b=$(tr -d '[:space:]' <<<"$id_b")
# Wait until w2 holds a task of job B (a hang guard, not a timed assertion),
# then cut.
for _ in $(seq 600); do
  grep -q "holding task .* of job $id_b" "$T/worker2.stderr" && break
  sleep 0.1
done
grep -q "holding task .* of job $id_b" "$T/worker2.stderr" ||
  fail "w2 took no task of job $id_b in 60 s: $(tail -3 "$T/worker2.stderr")"
ip -n "$NS_C" link set "$W2_PORT" down
ip -n "$NS_W2" link set eth0 down
cut_at=$SECONDS
log "job $id_b running; w2's link cut while it holds leases (running tasks: $(metric gridless_running_tasks))"
sleep $((LEASE_TIMEOUT * 2 + 1))  # the cut outlasts the lease...
# ...and lasts until the coordinator took w2's leases back (a hang guard).
for _ in $(seq 600); do
  [[ $(metric 'gridless_tasks_total{outcome="retried"}') -gt $retried_before ]] && break
  sleep 0.1
done
ip -n "$NS_C" link set "$W2_PORT" up
ip -n "$NS_W2" link set eth0 up
rm -f "$T/worker2.gate"  # w2's held attempts may run now: late duplicates
log "w2's link restored after $((SECONDS - cut_at)) s (lease timeout ${LEASE_TIMEOUT} s);" \
  "jobs still running: $(metric 'gridless_jobs{state="running"}')"

$DEPLOY_CLIENT_PREFIX timeout 120 "$BIN/gridless" watch "$id_b" --coordinator "$ADDR" "${CLIENT_AUTH[@]}" \
  >"$T/b.watch" 2>&1 || fail "watch of job $id_b failed: $(tail -5 "$T/b.watch")"
$DEPLOY_CLIENT_PREFIX "$BIN/gridless" result "$id_b" --coordinator "$ADDR" --json "${CLIENT_AUTH[@]}" \
  >"$T/b.remote.json" 2>"$T/b.result.stderr" || fail "result of job $id_b failed: $(tail -3 "$T/b.result.stderr")"
retried=$(( $(metric 'gridless_tasks_total{outcome="retried"}') - retried_before ))
[[ $retried -gt 0 ]] ||
  fail "no task was rescheduled after w2's link was cut: the cut did not strand any lease (gridless_tasks_total{outcome=\"retried\"} unchanged)"
local_reference "$BIN" "$JOB_B" "$T/b.local.json"
# The cut host comes back: its worker reconnects (or never lost its stream).
for _ in $(seq 600); do
  workers=$(metric gridless_workers)
  [[ $workers -eq 2 ]] && break
  sleep 0.1
done
[[ $workers -eq 2 ]] || fail "w2's worker did not rejoin within 60 s of its link coming back ($workers connected)"
same_result "$T/b.remote.json" "$T/b.local.json" || fail "job $id_b after the cut differs from a local run"
echo "PASS: over veth namespaces (${IMPAIR:-no impairment}; $AUTH_NOTE) job $id_a equals a local run; job $id_b survived a $((LEASE_TIMEOUT * 2 + 1)) s cut of w2's link ($retried task attempts rescheduled) and equals a local run"
