#!/usr/bin/env bash
# `exec` is opt-in, and no exec command sees a worker's token (issue 11,
# item 3; docs/SECURITY.md, "Jobs that run commands").  Real coordinator and
# worker processes.  Argument: the directory holding gridless,
# gridless-coordinator and gridless-worker.  Exit 0 pass, 1 fail.
#
#   1. a coordinator without --allow-exec refuses an exec job: `gridless
#      submit` exits 2 naming --allow-exec;
#   2. an exec job journaled by a coordinator with --allow-exec is not
#      resumed by one without: it ends FAILED naming --allow-exec, `retry`
#      is refused, and a later restart with the flag does not revive it;
#   3. with --allow-exec a worker given its token in GRIDLESS_TOKEN runs an
#      exec job printing `env` and the worker's /proc/PID/environ: the job
#      succeeds, and neither its output nor its result holds the token;
#   4. a worker with GRIDLESS_TOKEN set and --token-file refuses an exec job
#      printing `env` and `cat`ting the token file: the job fails naming
#      --token-file, and no output, result, failure or log holds the token;
#   5. `gridless run` runs an exec job, whose `env` has no GRIDLESS_TOKEN.
# No step waits for time to pass: the journaled job has no worker to run
# it, and `result --wait` waits for each job's end.
set -euo pipefail

bin=${1:?usage: exec_security_test.sh BIN_DIR}
gridless="$bin/gridless"
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-exec-sec.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" > "$work/token"
chmod 600 "$work/token"

# start_coordinator NAME [FLAGS...]: sets $addr and $coordinator.
start_coordinator() {
  local name=$1
  shift
  "$bin/gridless-coordinator" --listen 127.0.0.1:0 --token-file "$work/token" \
    --lease-timeout 2 "$@" > "$work/$name.out" 2> "$work/$name.err" &
  coordinator=$!
  pids+=("$coordinator")
  addr=""
  for _ in $(seq 300); do
    addr=$(sed -n 's/^gridless-coordinator listening on //p' "$work/$name.out")
    [[ -n "$addr" ]] && return 0
    kill -0 "$coordinator" 2>/dev/null || break
    sleep 0.1
  done
  fail "coordinator $name did not start: $(cat "$work/$name.err")"
}
stop() { kill -TERM "$1"; wait "$1" || true; }
client() {
  local cmd=$1
  shift
  "$gridless" "$cmd" "$@" --coordinator "$addr" --token-file "$work/token"
}
# exec_job NAME SHELL-SCRIPT: an exec job of one shard running sh -c SCRIPT,
# one attempt, output in $work/NAME.parts.
exec_job() {
  /usr/bin/python3 -c 'import json, sys
print(json.dumps({"kind": "exec", "max_attempts": 1,
                  "params": {"command": ["sh", "-c", sys.argv[1]],
                             "output": sys.argv[2]}}))' "$2" "$work/$1.parts" \
    > "$work/$1.json"
}
# no_token WHAT FILE...: fails when a file holds the token.
no_token() {
  local what=$1
  shift
  if grep -l -F -e "$token" "$@" 2>/dev/null; then
    fail "$what shows the worker's token"
  fi
}

log "1. a coordinator without --allow-exec refuses exec jobs"
exec_job plain 'echo hello'
start_coordinator plain
grep -q -e "--allow-exec" "$work/plain.err" ||
  fail "the coordinator's start line does not mention --allow-exec: $(cat "$work/plain.err")"
rc=0
client submit "$work/plain.json" > "$work/submit.out" 2> "$work/submit.err" || rc=$?
[[ $rc == 2 ]] || fail "submit of an exec job exited $rc, want 2: $(cat "$work/submit.out" "$work/submit.err")"
grep -q -e "--allow-exec" "$work/submit.err" ||
  fail "the refusal does not name --allow-exec: $(cat "$work/submit.err")"
grep -q "plain.json" "$work/submit.err" ||
  fail "the refusal does not name the job file: $(cat "$work/submit.err")"
[[ ! -s "$work/submit.out" ]] || fail "a refused submit printed a job id"
stop "$coordinator"

log "2. a journaled exec job is not resumed without --allow-exec"
start_coordinator journal1 --allow-exec --journal "$work/journal.db"
id=$(client submit "$work/plain.json") || fail "submit with --allow-exec"
stop "$coordinator"  # no worker ever connected: the job is unfinished
start_coordinator journal2 --journal "$work/journal.db"
rc=0
client result "$id" --wait --json > "$work/restored.json" 2> "$work/restored.err" || rc=$?
[[ $rc == 1 ]] || fail "result of the restored job exited $rc, want 1: $(cat "$work/restored.json" "$work/restored.err")"
grep -q '"state": *"failed"' "$work/restored.json" ||
  fail "the restored exec job is not failed: $(cat "$work/restored.json")"
grep -q -e "--allow-exec" "$work/restored.json" ||
  fail "the restored job's error does not name --allow-exec: $(cat "$work/restored.json")"
rc=0
client retry "$id" > "$work/retry.out" 2> "$work/retry.err" || rc=$?
[[ $rc != 0 ]] || fail "retry of an exec job without --allow-exec was accepted"
grep -q -e "--allow-exec" "$work/retry.err" ||
  fail "the retry refusal does not name --allow-exec: $(cat "$work/retry.err")"
stop "$coordinator"
start_coordinator journal3 --allow-exec --journal "$work/journal.db"
client result "$id" --json > "$work/restored3.json" 2>&1 || true
grep -q '"state": *"failed"' "$work/restored3.json" ||
  fail "a restart with --allow-exec revived the failed job: $(cat "$work/restored3.json")"
[[ ! -e "$work/plain.parts/part-00000" ]] || fail "the refused job ran"

log "3. a worker with GRIDLESS_TOKEN: exec commands do not see it"
GRIDLESS_TOKEN="$token" "$bin/gridless-worker" --coordinator "$addr" --slots 1 \
  --verbose 2> "$work/w1.err" &
w1=$!
pids+=("$w1")
exec_job env 'env; echo ---; tr "\000" "\n" < /proc/$PPID/environ || echo unreadable'
id=$(client submit "$work/env.json") || fail "submit of the env job"
client result "$id" --wait --json > "$work/env.result" 2> "$work/env.err" ||
  fail "the env job failed: $(cat "$work/env.result" "$work/env.err")"
grep -q "^GRIDLESS_SHARD=0$" "$work/env.parts/part-00000" ||
  fail "the job did not print its environment: $(cat "$work/env.parts/part-00000")"
# `env` (before the ---) must not list the variable at all; the worker's
# /proc/PID/environ (after it) may show it emptied, never its value.
if sed '/^---$/q' "$work/env.parts/part-00000" | grep -q "^GRIDLESS_TOKEN="; then
  fail "GRIDLESS_TOKEN reached the command's environment"
fi
no_token "the env job's output, result or the worker's log" \
  "$work/env.parts/part-00000" "$work/env.result" "$work/env.err" "$work/w1.err"
stop "$w1"

log "4. a worker with a token file refuses exec"
GRIDLESS_TOKEN="$token" "$bin/gridless-worker" --coordinator "$addr" --slots 1 \
  --verbose --token-file "$work/token" 2> "$work/w2.err" &
w2=$!
pids+=("$w2")
exec_job cat "env; cat $work/token"
id=$(client submit "$work/cat.json") || fail "submit of the cat job"
rc=0
client result "$id" --wait --json > "$work/cat.result" 2> "$work/cat.err" || rc=$?
[[ $rc != 0 ]] || fail "the cat job succeeded: $(cat "$work/cat.parts"/part-* 2>/dev/null | head -50)"
grep -q "refuses exec tasks" "$work/cat.result" ||
  fail "the job's error does not say the worker refuses exec: $(cat "$work/cat.result")"
grep -q -e "--token-file" "$work/cat.result" ||
  fail "the job's error does not name --token-file: $(cat "$work/cat.result")"
client failures "$id" > "$work/cat.failures" 2>&1 || true
no_token "the cat job's result, failures or the worker's log" \
  "$work/cat.result" "$work/cat.err" "$work/cat.failures" "$work/w2.err"
if compgen -G "$work/cat.parts/part-*" > /dev/null; then
  no_token "the cat job's output" "$work"/cat.parts/part-*
fi
stop "$w2"
stop "$coordinator"

log "5. gridless run admits exec, and its workers' commands get no token"
exec_job run 'env'
"$gridless" run "$work/run.json" --workers 1 --json > "$work/run.result" 2> "$work/run.err" ||
  fail "gridless run of an exec job: $(cat "$work/run.result" "$work/run.err")"
grep -q "^GRIDLESS_SHARD=0$" "$work/run.parts/part-00000" ||
  fail "the job did not print its environment: $(cat "$work/run.parts/part-00000")"
if grep -q "^GRIDLESS_TOKEN=" "$work/run.parts/part-00000"; then
  fail "the token of gridless run reached the command's environment"
fi
log "PASS"
