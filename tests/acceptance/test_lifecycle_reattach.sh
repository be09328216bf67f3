#!/usr/bin/env bash
# The same lifecycle against one long-lived provider started with --debug (reattach mode): every
# terraform run attaches to it through TF_REATTACH_PROVIDERS instead of starting its own.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$TFTEST_BIN" test tftest
export TFTEST_STORE_DIR=$WORK/store
"$TFTEST_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
ACC_BG_PID=$!
wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out") || acc_fail "no reattach line"
eval "export $line"
jq -e '."local.dev/test/tftest".ProtocolVersion == 6 and ."local.dev/test/tftest".Test == true' \
    <<<"$TF_REATTACH_PROVIDERS" >/dev/null || acc_fail "bad reattach JSON: $TF_REATTACH_PROVIDERS"
source "$(dirname "$0")/lifecycle_body.sh"
kill -0 "$ACC_BG_PID" || acc_fail "debug provider died during the runs"
kill -TERM "$ACC_BG_PID"
wait "$ACC_BG_PID" || true
ACC_BG_PID=
echo PASS
