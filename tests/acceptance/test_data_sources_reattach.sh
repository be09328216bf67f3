#!/usr/bin/env bash
# The data-source suite against one provider started with --debug (reattach mode).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
# A reattached provider reads PHALA_CLOUD_* from its own environment, not terraform's: start the
# simulator (which exports them) before the provider.
sim_start
"$PHALA_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
ACC_BG_PID=$!
wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out") || acc_fail "no reattach line"
eval "export $line"
source "$(dirname "$0")/data_sources_body.sh"
kill -TERM "$ACC_BG_PID"
echo PASS
