#!/usr/bin/env bash
# The flagship job on the embedded local cluster (2 worker processes).
set -euo pipefail
BUILD_DIR=${1:-build}
BIN="$BUILD_DIR/bin"
echo "demo: option-mc on an embedded coordinator with 2 local worker processes"
"$BIN/gridless" run examples/option-mc.json --workers 2
