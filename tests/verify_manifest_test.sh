#!/usr/bin/env bash
# The run manifest across real processes (issue 13 item 4): a loan-mc result
# run by `gridless run` carries the tape's SHA-256; `gridless verify-manifest`
# accepts summary.json and the --json output (exit 0), catches a tape changed
# after the run (exit 1, naming both hashes), follows --tape to a copy, and
# refuses a file without a manifest (exit 2).  Argument: the directory holding
# gridless.  Exit 0 pass, 1 fail.
set -euo pipefail

bin=${1:?usage: verify_manifest_test.sh BIN_DIR}
gridless="$bin/gridless"
work=$(mktemp -d "${TMPDIR:-/tmp}/gridless-manifest.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$gridless" gen-loans --count 300 --format fannie-sflp --seed 4 \
  --out "$work/tape.psv" > /dev/null
cat > "$work/job.json" <<JOB
{"kind": "loan-mc", "seed": 8,
 "params": {"tape": "$work/tape.psv", "paths": 16, "out": "$work/out"}}
JOB
"$gridless" run "$work/job.json" --workers 2 --json --quiet > "$work/run.json" ||
  fail "gridless run failed"

want=$(sha256sum "$work/tape.psv" | cut -d' ' -f1)
got=$(jq -r .result.manifest.tape.sha256 "$work/run.json")
[[ "$got" == "$want" ]] || fail "manifest sha256 $got, sha256sum says $want"
[[ $(jq -r .manifest.tape.sha256 "$work/out/summary.json") == "$want" ]] ||
  fail "summary.json lacks the tape's sha256"
[[ $(jq -r .result.manifest.seed "$work/run.json") == 8 ]] || fail "seed"

"$gridless" verify-manifest "$work/out/summary.json" > "$work/ok.txt" ||
  fail "verify-manifest refused an unchanged tape"
grep -q "manifest ok" "$work/ok.txt" || fail "no 'manifest ok' line"
"$gridless" verify-manifest "$work/run.json" > /dev/null ||
  fail "verify-manifest refused the --json output"

cp "$work/tape.psv" "$work/original.psv"
# Same size, one digit changed: only the hash tells.
sed -i '1s/0/1/' "$work/tape.psv"
cmp -s "$work/tape.psv" "$work/original.psv" && fail "the edit did not change the tape"
rc=0
"$gridless" verify-manifest "$work/out/summary.json" 2> "$work/err.txt" || rc=$?
[[ $rc == 1 ]] || fail "changed tape: exit $rc, want 1"
grep -q "changed since the run" "$work/err.txt" || fail "message: $(cat "$work/err.txt")"
grep -q "$want" "$work/err.txt" || fail "message does not name the recorded hash"

"$gridless" verify-manifest "$work/out/summary.json" --tape "$work/original.psv" \
  > /dev/null || fail "--tape with the original copy refused"

rc=0
"$gridless" verify-manifest "$work/job.json" 2> /dev/null || rc=$?
[[ $rc == 2 ]] || fail "a file without a manifest: exit $rc, want 2"
echo "PASS verify_manifest"
