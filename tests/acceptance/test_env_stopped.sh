#!/usr/bin/env bash
# A stopped CVM (issue 18 item 4): the API accepts an env update, in_progress stays false and the
# status stays "stopped". With the default timeouts (20m) the apply returns within seconds with a
# warning that the CVM uses the new env when it starts, and state records the update; so for any
# other status that does not change by itself ("exited"). A CVM that is stopping or restarting is
# followed until it settles: stopped (the warning again) or running (no warning).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
config() { # config VALUE
    { phala_header; cat <<TF
resource "phala_encrypted_env" "s" {
  cvm_id = "$CVM"
  env    = { API_KEY = "$1" }
}
TF
    } | write_config; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
flow() { sim_admin GET "/cvms/$CVM/flow" | jq -r "$1"; }
# apply_timed — an apply that must end within 90 s (a CVM it waited for would take 20 minutes):
# sets ELAPSED (ms) and RC, leaves the output in tf_out.
apply_timed() {
    local t0 pid
    t0=$(now_ms)
    terraform -chdir="$TF" apply -auto-approve -input=false >"$WORK/last.raw" 2>&1 &
    pid=$! # terraform itself, so that the interrupt reaches it
    while kill -0 "$pid" 2>/dev/null && [ $(($(now_ms) - t0)) -lt 90000 ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        wait "$pid" || true
        acc_fail "the apply still waited after 90 s"
    fi
    RC=0
    wait "$pid" || RC=$?
    ELAPSED=$(($(now_ms) - t0))
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/last.raw" >"$WORK/last.out"
}

config v1
tf_ok init -input=false
tf_ok apply -auto-approve -input=false

acc_log "a stopped CVM: accepted, not waited for, a warning; state records the update"
sim_admin POST "/cvms/$CVM/power" '{"action":"stop"}' >/dev/null
sim_admin POST /config '{"update_ms": 3000}' >/dev/null # a running CVM would restart for 3 s
config v2
apply_timed
echo "apply of a stopped CVM (default timeouts): ${ELAPSED} ms"
[ "$RC" = 0 ] || { tf_out; acc_fail "the apply of a stopped CVM failed"; }
out=$(tf_out)
assert_contains "$out" "The CVM is not running" "warning"
assert_contains "$out" "which is \"stopped\" and not updating" "the warning names the status"
assert_contains "$out" "will use the new env when it starts" "the warning says when the env is used"
[ "$ELAPSED" -lt 20000 ] || acc_fail "the apply of a stopped CVM took ${ELAPSED} ms"
assert_eq "$(state_attr phala_encrypted_env.s .status)" applied "state records the update"
assert_eq "$(state_attr phala_encrypted_env.s .env.API_KEY)" v2 "state holds the new env"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v2"}' "the API recorded the new env"
assert_eq "$(flow '"\(.status) \(.in_progress)"')" "stopped false" "the CVM is still stopped"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "the update is planned again (exit $rc)"; }

acc_log "another status that does not change by itself (exited): the same"
sim_admin POST "/cvms/$CVM/power" '{"status":"exited"}' >/dev/null
config v3
apply_timed
echo "apply of an exited CVM: ${ELAPSED} ms"
[ "$RC" = 0 ] || { tf_out; acc_fail "the apply of an exited CVM failed"; }
assert_contains "$(tf_out)" "which is \"exited\" and not updating" "the warning names the status"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v3"}' "the API recorded the new env"

acc_log "a stopping CVM is followed until it is stopped, then the warning"
sim_admin POST "/cvms/$CVM/power" '{"action":"stop","ms":3000}' >/dev/null
assert_eq "$(flow .status)" stopping "the CVM is stopping"
config v4
apply_timed
echo "apply of a stopping CVM (3 s): ${ELAPSED} ms"
[ "$RC" = 0 ] || { tf_out; acc_fail "the apply of a stopping CVM failed"; }
[ "$ELAPSED" -ge 2500 ] || acc_fail "the apply returned after ${ELAPSED} ms, before the CVM stopped"
assert_contains "$(tf_out)" "which is \"stopped\" and not updating" "warning once stopped"

acc_log "a restarting CVM is followed until it runs the new env: no warning"
sim_admin POST "/cvms/$CVM/power" '{"action":"restart","ms":3000}' >/dev/null
sim_admin POST /config '{"update_ms": 0}' >/dev/null
config v5
apply_timed
echo "apply of a restarting CVM (3 s): ${ELAPSED} ms"
[ "$RC" = 0 ] || { tf_out; acc_fail "the apply of a restarting CVM failed"; }
[ "$ELAPSED" -ge 2500 ] || acc_fail "the apply returned after ${ELAPSED} ms, while the CVM restarted"
assert_not_contains "$(tf_out)" "The CVM is not running" "no warning for a CVM that runs"
assert_eq "$(flow '"\(.status) \(.in_progress)"')" "running false" "the CVM runs"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v5"}' "the API recorded the new env"
echo PASS
