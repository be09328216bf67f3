#!/usr/bin/env bash
# Waiting until the CVM runs the new env (issue 11 part 5): the simulator keeps the CVM in_progress
# for a while after an accepted update. The apply returns only after it ends, with progress in the
# TF_LOG_PROVIDER=info log; a CVM that never finishes is a timeout error at the configured
# timeouts.update naming its last status, and state records the accepted update; Ctrl-C during the
# wait ends terraform within 1 s; wait_for_update = false returns as soon as the API accepts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
config() { # config VALUE [EXTRA_HCL]
    { phala_header; cat <<TF
resource "phala_encrypted_env" "w" {
  cvm_id = "$CVM"
  env    = { API_KEY = "$1" }
  ${2:-}
}
TF
} | write_config; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
cvm_state() { curl -s -H 'X-API-Key: phak_test_key' "$SIM/api/v1/cvms/$CVM" | jq -r '"\(.status) \(.in_progress)"'; }

config v1
tf_ok init -input=false
tf_ok apply -auto-approve -input=false

acc_log "the CVM restarts for 3 s: the apply returns after it runs the new env"
sim_admin POST /config '{"update_ms": 3000}' >/dev/null
config v2
t0=$(now_ms)
TF_LOG_PROVIDER=info TF_LOG_PATH=$WORK/wait.log tf_ok apply -auto-approve -input=false
elapsed=$(($(now_ms) - t0))
echo "apply with a 3 s update: ${elapsed} ms"
[ "$elapsed" -ge 3000 ] || acc_fail "the apply returned after ${elapsed} ms, before the CVM finished"
assert_eq "$(cvm_state)" "running false" "the CVM runs when the apply returns"
grep -q 'waiting for the CVM to run the new env: .*status=starting' "$WORK/wait.log" ||
    acc_fail "no progress in the info log"
grep -q 'the CVM runs the new env' "$WORK/wait.log" || acc_fail "the end of the wait is not logged"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v2"}' "env"

acc_log "a CVM that never finishes: timeout error at timeouts.update, the update recorded as accepted"
sim_admin POST /config '{"update_ms": -1}' >/dev/null
config v3 'timeouts { update = "3s" }'
t0=$(now_ms)
tf apply -auto-approve -input=false && acc_fail "a CVM that never finished was reported done"
elapsed=$(($(now_ms) - t0))
out=$(tf_out)
assert_contains "$out" "Timed out waiting for the CVM to run the new env" "timeout diagnostic"
assert_contains "$out" "within 3s" "names the timeout"
assert_contains "$out" 'its last status is "starting"' "names the last status"
[ "$elapsed" -lt 20000 ] || acc_fail "the 3 s timeout took ${elapsed} ms"
assert_eq "$(state_attr phala_encrypted_env.w .status)" applied "state records the accepted update"
assert_eq "$(state_attr phala_encrypted_env.w .env.API_KEY)" v3 "state holds what the API accepted"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "the accepted update is planned again (exit $rc)"; }

acc_log "Ctrl-C during the wait: terraform ends within 1 s"
config v4 'timeouts { update = "10m" }'
TF_LOG_PROVIDER=info TF_LOG_PATH=$WORK/stop.log \
    terraform -chdir="$TF" apply -auto-approve -input=false -no-color >"$WORK/stop.out" 2>&1 &
pid=$!
waiting() { grep -q 'waiting for the CVM to run the new env' "$WORK/stop.log" 2>/dev/null; }
wait_until 120 "the provider to wait for the CVM" waiting || { cat "$WORK/stop.out" >&2; exit 1; }
t0=$(now_ms)
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
elapsed=$(($(now_ms) - t0))
echo "terraform exited $rc, ${elapsed} ms after the interrupt"
[ "$rc" != 0 ] || acc_fail "the interrupted apply must fail"
assert_contains "$(cat "$WORK/stop.out")" "Waiting for the CVM was cancelled" "cancel diagnostic"
[ "$elapsed" -lt 1000 ] || acc_fail "terraform took ${elapsed} ms to stop"
assert_eq "$(state_attr phala_encrypted_env.w .env.API_KEY)" v4 "state records the accepted update"

acc_log "wait_for_update = false: the apply returns as soon as the API accepts"
config v5 'wait_for_update = false'
t0=$(now_ms)
tf_ok apply -auto-approve -input=false
elapsed=$(($(now_ms) - t0))
echo "apply without waiting: ${elapsed} ms"
assert_eq "$(cvm_state)" "starting true" "the CVM is still restarting"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v5"}' "the API accepted it"
echo PASS
