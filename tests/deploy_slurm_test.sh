#!/usr/bin/env bash
# Runs Gridless workers under a real (one-node, loopback) Slurm cluster:
# installs Debian's slurm-wlm and munge when missing (root only), starts
# munged, slurmctld and slurmd from deploy/slurm/test/slurm.conf.in with all
# state in a temporary directory, starts a coordinator on 127.0.0.1, submits
# workers as a job array with deploy/slurm/gridless-slurm, runs a job through
# them (submit, watch, result --json) and checks that the result equals an
# embedded `gridless run` bit for bit, and that the workers then exit on idle
# (scale to zero) with exit code 0.  Every daemon it started is stopped by PID.
#
#   tests/deploy_slurm_test.sh BIN_DIR
# Exit 77 (skip, with the reason) when Slurm cannot be installed or started.
# GRIDLESS_DEPLOY_JOB=FILE runs that job file instead of the default pi job.
set -euo pipefail
# shellcheck source=tests/deploy_common.sh
source "$(dirname "$0")/deploy_common.sh"

BIN=${1:?usage: deploy_slurm_test.sh BIN_DIR}
BIN=$(cd "$BIN" 2>/dev/null && pwd || echo "$BIN")
WORKERS=2
T=$(mktemp -d /tmp/gridless-slurm-test.XXXXXX)
chmod 755 "$T"
PIDS=()          # daemons and the coordinator, stopped in reverse order
ARRAY_JOB=""
COORD_JOB=""

cleanup() {
  local rc=$?
  set +e
  if [[ -n "${SLURM_CONF:-}" ]]; then
    [[ -n "$ARRAY_JOB" ]] && scancel "$ARRAY_JOB" 2>/dev/null
    [[ -n "$COORD_JOB" ]] && scancel "$COORD_JOB" 2>/dev/null
    # Let slurmd deliver the signals before the daemons go.
    for _ in $(seq 50); do [[ -z "$(squeue -h 2>/dev/null)" ]] && break; sleep 0.1; done
  fi
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 50); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PIDS[i]}" 2>/dev/null
    wait "${PIDS[i]}" 2>/dev/null
  done
  # Workers started by slurmd outlive it only if something went wrong; they
  # carry this run's coordinator address, so find them by their parent dir.
  if [[ $rc -ne 0 && $rc -ne 77 ]]; then
    echo "---- logs kept in $T" >&2
    for f in "$T"/slurmctld.log "$T"/slurmd.log "$T"/coordinator.stderr "$T"/logs/*; do
      [[ -f "$f" ]] && { echo "---- $f (tail)" >&2; tail -20 "$f" >&2; }
    done
  else
    rm -rf "$T"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# check_exit_codes JOB N WHAT: the N tasks of array JOB all COMPLETED with
# exit code 0 (slurmctld keeps finished jobs for MinJobAge=60 s).
check_exit_codes() {
  local states
  states=$(scontrol -o show job "$1" 2>/dev/null |
    sed -E 's/.*JobState=([A-Z_]+).*ExitCode=([0-9:]+).*/\1 \2/')
  log "array job $1 tasks after $3: $(tr '\n' ';' <<<"$states")"
  [[ $(grep -c . <<<"$states") -eq $2 ]] || fail "expected $2 finished tasks of job $1, got: $states"
  if grep -qv '^COMPLETED 0:0$' <<<"$states"; then
    fail "worker tasks of job $1 did not all complete with exit 0 after $3: $states"
  fi
}

# ---- 1. Slurm and munge installed?
have_slurm() { command -v slurmctld && command -v slurmd && command -v sbatch && command -v munged && command -v mungekey; } >/dev/null 2>&1
if ! have_slurm; then
  [[ $(id -u) -eq 0 ]] || skip "slurm-wlm/munge are not installed and installing them needs root"
  command -v apt-get >/dev/null || skip "slurm-wlm/munge are not installed and apt-get is not available"
  log "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends slurm-wlm munge >"$T/apt.log" 2>&1; then
    apt-get update -q >>"$T/apt.log" 2>&1 || true
    apt-get install -y -q --no-install-recommends slurm-wlm munge >>"$T/apt.log" 2>&1 ||
      skip "apt-get install slurm-wlm munge failed: $(tail -2 "$T/apt.log" | tr '\n' ' ')"
  fi
  have_slurm || skip "slurm-wlm installed but slurmctld/slurmd/sbatch/munged still not found"
fi

# ---- 2. munged with a fresh key, private socket.
mkdir -p "$T/munge" "$T/ctld" "$T/slurmd" "$T/logs"
chmod 755 "$T/munge"
mungekey --create --keyfile="$T/munge/munge.key" >/dev/null 2>&1 ||
  dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
MUNGE_SOCKET="$T/munge/munge.socket"
munged --foreground --force --socket="$MUNGE_SOCKET" --key-file="$T/munge/munge.key" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
  --seed-file="$T/munge/munged.seed" >"$T/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [[ -S "$MUNGE_SOCKET" ]] && break; sleep 0.1; done
[[ -S "$MUNGE_SOCKET" ]] || skip "munged did not start: $(tail -3 "$T/munged.out" | tr '\n' ' ')"

# ---- 3. slurmctld and slurmd for one node on loopback.
USER_NAME=$(id -un)
sed -e "s|@STATE@|$T|g" -e "s|@CTLD_PORT@|$(free_port)|" -e "s|@SLURMD_PORT@|$(free_port)|" \
  -e "s|@USER@|$USER_NAME|g" -e "s|@CPUS@|$(nproc)|" -e "s|@PARTITION@|gridless|" \
  "$DEPLOY_SRC_DIR/deploy/slurm/test/slurm.conf.in" >"$T/slurm.conf"
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 300); do
  state=$(sinfo -h -n localhost -o %t 2>/dev/null | head -1 || true)
  [[ "$state" == idle ]] && break
  sleep 0.1
done
if [[ "$state" != idle ]]; then
  tail -5 "$T/slurmctld.out" "$T/slurmd.out" >&2 || true
  skip "Slurm did not come up here (node state '${state:-none}' after 30 s); logs above"
fi
log "slurm up: $(sinfo -h -o '%P %a %D %t %N' | head -1)"

# A trivial batch job proves the daemons, munge and the spool work.
smoke=$(sbatch --parsable -o "$T/logs/smoke.out" --wrap 'echo smoke-ok') || fail "sbatch --wrap failed"
for _ in $(seq 200); do [[ -z "$(squeue -h -j "$smoke" 2>/dev/null)" ]] && break; sleep 0.1; done
grep -q smoke-ok "$T/logs/smoke.out" 2>/dev/null || fail "sbatch --wrap job $smoke did not run"

require_binaries "$BIN" ||
  skip "Slurm works here, but gridless binaries are missing in $BIN (build the gridless, gridless-coordinator and gridless-worker targets)"

# ---- 4. A coordinator on loopback (a login node's view of things).
JOB="$T/job.json"
write_job "$JOB"
setup_auth "$T" "$BIN"
log "$AUTH_NOTE"
SLURM_COORD_AUTH=(--token-file "$T/token")
SLURM_WORKER_AUTH=(--token-file "$T/token")
"$BIN/gridless-coordinator" --listen 127.0.0.1:0 --lease-timeout 5 "${COORD_AUTH[@]}" \
  >"$T/coordinator.stdout" 2>"$T/coordinator.stderr" &
PIDS+=($!)
ADDR=$(wait_for_listen "$T/coordinator.stdout" "${PIDS[-1]}" 20) ||
  fail "coordinator did not print its listening line: $(tail -5 "$T/coordinator.stderr")"
log "coordinator at $ADDR"

# ---- 5. Workers through sbatch, via the helper.
ARRAY_JOB=$("$DEPLOY_SRC_DIR/deploy/slurm/gridless-slurm" up --workers "$WORKERS" \
  --partition gridless --time 10 --coordinator "$ADDR" --slots 1 --idle-exit 5 \
  --connect-timeout 30 --bin-dir "$BIN" --output "$T/logs/worker-%A_%a.out" "${SLURM_WORKER_AUTH[@]}") ||
  fail "gridless-slurm up failed"
log "worker array job $ARRAY_JOB submitted"
running=0
for _ in $(seq 300); do
  running=$(squeue -h -r -j "$ARRAY_JOB" -t RUNNING 2>/dev/null | wc -l)
  [[ $running -eq $WORKERS ]] && break
  sleep 0.1
done
[[ $running -eq $WORKERS ]] || fail "only $running of $WORKERS array tasks are running: $(squeue -r -j "$ARRAY_JOB" 2>&1)"

# ---- 6. The job through the Slurm workers; the same job run locally.
id=$(remote_run "$BIN" "$ADDR" "$JOB" "$T/slurm.json" "${CLIENT_AUTH[@]}") || exit 1
local_reference "$BIN" "$JOB" "$T/local.json"
same_result "$T/slurm.json" "$T/local.json" || fail "Slurm run and local run differ"

# ---- 7. Scale to zero: idle workers leave the queue and exit 0.
left=1
for _ in $(seq 600); do
  left=$(squeue -h -r -j "$ARRAY_JOB" 2>/dev/null | wc -l)
  [[ $left -eq 0 ]] && break
  sleep 0.1
done
[[ $left -eq 0 ]] || fail "$left worker array tasks still queued/running 60 s after the job ended (idle exit 5 s)"
check_exit_codes "$ARRAY_JOB" "$WORKERS" "exit on idle"
n_logs=$(ls "$T"/logs/worker-"$ARRAY_JOB"_*.out 2>/dev/null | wc -l)
[[ $n_logs -eq $WORKERS ]] || fail "expected $WORKERS worker logs, found $n_logs"

# ---- 8. The coordinator itself as a Slurm job (gridless-slurm coordinator),
# one worker, and `gridless-slurm down`: the worker drains on SIGTERM and
# its array task completes with exit 0; scancel stops the coordinator.
kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'
export GRIDLESS_LISTEN_HOST=127.0.0.1 GRIDLESS_ADVERTISE=127.0.0.1  # loopback only, in tests
COORD_JOB_OUT="$T/logs/coordinator-%j.out"
ADDR2=$("$DEPLOY_SRC_DIR/deploy/slurm/gridless-slurm" coordinator --state-dir "$T/state" \
  --partition gridless --time 10 --port "$(free_port)" --http-port "$(free_port)" --cpus 1 \
  --bin-dir "$BIN" --wait 60 --output "$COORD_JOB_OUT" "${SLURM_COORD_AUTH[@]}") || fail "gridless-slurm coordinator failed"
COORD_JOB=$(squeue -h -u "$USER_NAME" -n gridless-coordinator -o %i | head -1)
log "coordinator running as Slurm job $COORD_JOB at $ADDR2"
ARRAY_JOB=$("$DEPLOY_SRC_DIR/deploy/slurm/gridless-slurm" up --workers 1 --partition gridless \
  --time 10 --coordinator "$ADDR2" --idle-exit 300 --bin-dir "$BIN" \
  --output "$T/logs/worker2-%A_%a.out" "${SLURM_WORKER_AUTH[@]}") || fail "gridless-slurm up (second coordinator) failed"
id2=$(remote_run "$BIN" "$ADDR2" "$JOB" "$T/slurm2.json" "${CLIENT_AUTH[@]}") || exit 1
same_result "$T/slurm2.json" "$T/local.json" || fail "run through the Slurm-hosted coordinator differs from a local run"
"$DEPLOY_SRC_DIR/deploy/slurm/gridless-slurm" down || fail "gridless-slurm down failed"
for _ in $(seq 300); do
  [[ -z "$(squeue -h -r -j "$ARRAY_JOB" 2>/dev/null)" ]] && break
  sleep 0.1
done
[[ -z "$(squeue -h -r -j "$ARRAY_JOB" 2>/dev/null)" ]] || fail "worker still running 30 s after gridless-slurm down"
check_exit_codes "$ARRAY_JOB" 1 "drain on SIGTERM (gridless-slurm down)"
scancel --signal=TERM --batch "$COORD_JOB"
for _ in $(seq 300); do
  [[ -z "$(squeue -h -j "$COORD_JOB" 2>/dev/null)" ]] && break
  sleep 0.1
done
[[ -z "$(squeue -h -j "$COORD_JOB" 2>/dev/null)" ]] || fail "coordinator job $COORD_JOB still running 30 s after SIGTERM"
[[ ! -e "$T/state/coordinator.addr" ]] || fail "coordinator.addr left behind after the coordinator job ended"
COORD_JOB=""
echo "PASS: job $id ran on $WORKERS Slurm array workers and job $id2 through a Slurm-hosted coordinator;" \
  "results identical to a local run; workers exited on idle and drained on gridless-slurm down; $AUTH_NOTE"
