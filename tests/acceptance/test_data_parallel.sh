#!/usr/bin/env bash
# Data sources read in parallel share one connection pool (the simulator counts connections), and
# Ctrl-C (StopProvider) cancels reads stuck on a slow API at once.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
{ phala_header; cat <<'TF'
data "phala_kms_info" "k" {
  count  = 30
  kms_id = ["kms_phala01", "kms_phala02", "kms-base-prod1"][count.index % 3]
}
TF
} | write_config
tf_ok init -input=false
sim_admin POST /config '{"latency_ms": 50}' >/dev/null
sim_admin POST /stats/reset >/dev/null
tf_ok plan -input=false -parallelism=10
stats=$(sim_admin GET /stats)
echo "simulator: $stats"
assert_eq "$(jq '.requests["GET /kms/{id}"] // .requests["GET /kms/{kms_id}"] // .total' <<<"$stats")" 3 \
    "one request per KMS: 30 data sources read 3, and a plan answers identical reads once"
conns=$(jq .connections <<<"$stats")
[ "$conns" -le 10 ] || acc_fail "$conns connections for 30 reads: the pool is not shared"

acc_log "StopProvider cancels in-flight reads"
sim_admin POST /config '{"latency_ms": 30000}' >/dev/null
terraform -chdir="$TF" plan -input=false -no-color >"$WORK/plan.out" 2>&1 &
pid=$!
reads_in_flight() { [ "$(sim_admin GET /stats | jq .total)" -gt 3 ]; }
wait_until 60 "the plan's reads to reach the simulator" reads_in_flight
start=$(date +%s%N)
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "terraform exited $rc, ${elapsed} ms after the interrupt"
[ "$rc" != 0 ] || acc_fail "interrupted plan must fail"
assert_contains "$(cat "$WORK/plan.out")" "Operation cancelled" "plan output"
[ "$elapsed" -lt 3000 ] || acc_fail "reads were not cancelled (${elapsed} ms)"
sim_admin POST /config '{"latency_ms": 0}' >/dev/null
echo PASS
