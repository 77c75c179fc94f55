# shellcheck shell=bash disable=SC2034
# Helpers shared by tests/deploy_*_test.sh (sourced, not run).  Each test
# passes the directory holding gridless, gridless-coordinator and
# gridless-worker as its first argument.
#
# Exit codes: 0 pass, 1 fail, 77 skip (declared with SKIP_RETURN_CODE 77 in
# tests/deploy.cmake).  Every skip and failure prints its reason.

DEPLOY_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# require_binaries BIN_DIR: the three Gridless binaries must exist.
require_binaries() {
  local b
  for b in gridless gridless-coordinator gridless-worker; do
    [[ -x "$1/$b" ]] || return 1
  done
}

# help_has BINARY [SUBCOMMAND] FLAG: whether the --help of BINARY (or of
# `BINARY SUBCOMMAND`) mentions FLAG.
help_has() {
  local flag=${*: -1}
  "${@:1:$#-1}" --help 2>&1 | grep -q -- "$flag"
}

# setup_auth DIR BIN: writes a random token to DIR/token and sets COORD_AUTH,
# WORKER_AUTH and CLIENT_AUTH to the --token-file flags each binary gets (one
# token for both roles; see docs/SECURITY.md).  Fails when a binary does not
# list --token-file in its --help: a coordinator on a non-loopback address
# refuses to start without authentication.  Sets AUTH_NOTE to a summary.
setup_auth() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1/token"
  chmod 600 "$1/token"
  help_has "$2/gridless-coordinator" --token-file || fail "gridless-coordinator --help lists no --token-file"
  help_has "$2/gridless-worker" --token-file || fail "gridless-worker --help lists no --token-file"
  help_has "$2/gridless" submit --token-file || fail "gridless submit --help lists no --token-file"
  COORD_AUTH=(--token-file "$1/token")
  WORKER_AUTH=(--token-file "$1/token")
  CLIENT_AUTH=(--token-file "$1/token")
  AUTH_NOTE="token auth (--token-file) on the coordinator, workers and clients"
}

# write_job FILE: the job the deploy tests run.  GRIDLESS_DEPLOY_JOB names a
# job file to use instead (e.g. a loan-mc job once that kind exists); the
# default is a pi job small enough for a shared 2-core machine.
write_job() {
  if [[ -n "${GRIDLESS_DEPLOY_JOB:-}" ]]; then
    cp "$GRIDLESS_DEPLOY_JOB" "$1"
  else
    echo '{"kind": "pi", "seed": 20240611, "params": {"samples": 40000000, "tasks": 64}}' >"$1"
  fi
}

# wait_for_listen LOG PID TIMEOUT_S: prints the HOST:PORT from the
# coordinator's "gridless-coordinator listening on HOST:PORT" line.
wait_for_listen() {
  local i addr
  for ((i = 0; i < $3 * 10; i++)); do
    addr=$(sed -n 's/^gridless-coordinator listening on //p' "$1" 2>/dev/null | head -1)
    if [[ -n "$addr" ]]; then echo "$addr"; return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# free_port: an unused TCP port on 127.0.0.1 (racy, good enough for tests).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# same_result A.json B.json: the "result" objects of two JSON outputs
# (`gridless result --json` / `gridless run --json`) are equal, every number
# compared bit for bit (as IEEE doubles or exact integers).  Prints the
# difference when they are not.
same_result() {
  python3 - "$1" "$2" <<'PY'
import json, math, struct, sys

def load(path):
    with open(path) as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        sys.exit(f"{path}: not JSON ({e}): {text[:300]!r}")
    if isinstance(doc, dict) and "result" in doc:
        if doc.get("state") not in (None, "SUCCEEDED", "succeeded", "JOB_STATE_SUCCEEDED", "DONE", "done"):
            sys.exit(f"{path}: job state is {doc.get('state')!r}, not succeeded")
        return doc["result"]
    return doc

def diff(a, b, where):
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return f"{where}: {a!r} vs {b!r}"
        if struct.pack("<d", float(a)) != struct.pack("<d", float(b)):
            return f"{where}: {float(a)!r} vs {float(b)!r} (differ in bits)"
        return None
    if type(a) != type(b):
        return f"{where}: {a!r} vs {b!r}"
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in sorted(a):
            d = diff(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} vs {b!r}"

a, b = load(sys.argv[1]), load(sys.argv[2])
d = diff(a, b, "result")
if d:
    sys.exit(f"results differ: {d}")
if a in ({}, [], None):
    sys.exit(f"empty result in {sys.argv[1]}")
print(f"results identical: {json.dumps(a, sort_keys=True)[:200]}")
PY
}

# local_reference BIN JOB OUT: the result of an embedded local run.
local_reference() {
  "$1/gridless" run "$2" --workers 2 --json >"$3" 2>"$3.stderr" ||
    fail "gridless run $2 failed: $(tail -5 "$3.stderr")"
}

# remote_run BIN ADDR JOB OUT [extra client args...]: submit + watch + result.
# Client commands run through $DEPLOY_CLIENT_PREFIX (e.g. `ip netns exec NS`).
remote_run() {
  local bin=$1 addr=$2 job=$3 out=$4 id
  shift 4
  id=$(${DEPLOY_CLIENT_PREFIX:-} "$bin/gridless" submit "$job" --coordinator "$addr" "$@" 2>"$out.submit.stderr") ||
    fail "gridless submit failed: $(tail -5 "$out.submit.stderr")"
  id=$(tr -d '[:space:]' <<<"$id")
  [[ -n "$id" ]] || fail "gridless submit printed no job id"
  log "submitted job $id to $addr"
  ${DEPLOY_CLIENT_PREFIX:-} "$bin/gridless" watch "$id" --coordinator "$addr" "$@" \
    >"$out.watch" 2>&1 || fail "gridless watch $id failed: $(tail -5 "$out.watch")"
  ${DEPLOY_CLIENT_PREFIX:-} "$bin/gridless" result "$id" --coordinator "$addr" --json "$@" \
    >"$out" 2>"$out.stderr" || fail "gridless result $id failed: $(tail -5 "$out.stderr")"
  echo "$id"
}
