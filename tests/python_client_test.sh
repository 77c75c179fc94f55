#!/usr/bin/env bash
# The Python client (python/gridless) end to end against a real coordinator
# (with a client token) and two workers: tests/python_client_test.py.
# Arguments: the directory holding gridless, gridless-coordinator and
# gridless-worker; the source's python/ directory; the generated stubs'
# directory (build/python).  Exit 0 pass, 1 fail.
set -euo pipefail

bin=${1:?usage: python_client_test.sh BIN_DIR PYTHON_DIR STUBS_DIR}
pydir=${2:?usage: python_client_test.sh BIN_DIR PYTHON_DIR STUBS_DIR}
stubs=${3:?usage: python_client_test.sh BIN_DIR PYTHON_DIR STUBS_DIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-python.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ -f "$stubs/gridless/v1/job_pb2_grpc.py" ]] ||
  fail "no generated stubs in $stubs (build the gridless_python_stubs target)"
"$bin/gridless" gen-loans --count 1000 --format fannie-sflp --seed 4 \
  --out "$work/tape.txt" > /dev/null
"$bin/gridless" gen-text --bytes 400000 --out "$work/text.txt" --seed 2 \
  > /dev/null
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
echo "$token" > "$work/token"
chmod 600 "$work/token"

"$bin/gridless-coordinator" --listen 127.0.0.1:0 --token-file "$work/token" \
  > "$work/coord.out" 2> "$work/coord.err" &
pids+=($!)
addr=""
for _ in $(seq 100); do
  addr=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$work/coord.out")
  [[ -n "$addr" ]] && break
  sleep 0.1
done
[[ -n "$addr" ]] || fail "coordinator did not start: $(cat "$work/coord.err")"
for i in 1 2; do
  "$bin/gridless-worker" --coordinator "$addr" --slots 2 \
    --token-file "$work/token" > "$work/worker$i.out" 2> "$work/worker$i.err" &
  pids+=($!)
done

GRIDLESS_TEST_COORDINATOR=$addr GRIDLESS_TEST_TOKEN=$token \
GRIDLESS_TEST_BIN=$bin GRIDLESS_TEST_WORK=$work \
PYTHONPATH="$pydir:$stubs" PYTHONDONTWRITEBYTECODE=1 \
  /usr/bin/python3 "$(dirname "$0")/python_client_test.py"
