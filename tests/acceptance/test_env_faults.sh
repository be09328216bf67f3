#!/usr/bin/env bash
# API faults during the env update (PATCH /cvms/{id}): 503 bursts with Retry-After and 409
# "operation in progress" are retried; a 409 with an error_code and a timeout are reported; the state
# never claims a change the simulator did not record. An ambiguous write — the server applied the
# update, then the connection dropped — is an error that makes the next plan send the configured env
# again, even when the configuration went back to what state holds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
PATCH=/api/v1/cvms/$CVM
config() { { phala_header; cat <<TF
provider "phala" {
  timeout_seconds = 2
}
resource "phala_encrypted_env" "e" {
  cvm_id = "$CVM"
  env    = { API_KEY = "$1" }
}
TF
} | write_config; }
updates() { sim_admin GET /envs/$CVM | jq .updates; }

config v1
tf_ok init -input=false
tf_ok apply -auto-approve -input=false

acc_log "503 burst with Retry-After: retried"
config v2
sim_admin POST /faults "{\"count\": 2, \"status\": 503, \"retry_after\": \"1\", \"path_prefix\": \"$PATCH\", \"method\": \"PATCH\"}" >/dev/null
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v2"}' "applied after 503s"

acc_log "409 without error_code (operation in progress): retried"
config v3
sim_admin POST /faults "{\"count\": 1, \"status\": 409, \"body\": \"{\\\"detail\\\":\\\"another operation in progress\\\"}\", \"path_prefix\": \"$PATCH\", \"method\": \"PATCH\"}" >/dev/null
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v3"}' "applied after a 409"

acc_log "409 with an error_code: reported, state unchanged"
config v4
n=$(updates)
sim_admin POST /faults "{\"count\": 1, \"status\": 409, \"body\": \"{\\\"error_code\\\":\\\"ERR-03-009\\\",\\\"message\\\":\\\"CVM is being deleted\\\"}\", \"path_prefix\": \"$PATCH\", \"method\": \"PATCH\"}" >/dev/null
tf apply -auto-approve -input=false && acc_fail "a deterministic 409 was ignored"
assert_contains "$(tf_out)" "CVM is being deleted" "409 diagnostic"
assert_eq "$(updates)" "$n" "nothing recorded"
assert_eq "$(state_attr phala_encrypted_env.e '.env.API_KEY')" v3 "state keeps the last accepted env"
rc=$(tf_plan_exit); [ "$rc" = 2 ] || acc_fail "the failed change must still be planned"

acc_log "timeout during PATCH: reported, state unchanged"
sim_admin POST /faults "{\"count\": 1, \"status\": 200, \"latency_ms\": 4000, \"path_prefix\": \"$PATCH\", \"method\": \"PATCH\"}" >/dev/null
tf apply -auto-approve -input=false && acc_fail "a timed-out PATCH was taken as success"
assert_contains "$(tf_out)" "Cannot update the env" "timeout diagnostic"
assert_eq "$(updates)" "$n" "nothing recorded"
assert_eq "$(state_attr phala_encrypted_env.e '.env.API_KEY')" v3 "state keeps the last accepted env"
assert_eq "$(state_attr phala_encrypted_env.e .status)" applied "status still describes the accepted env"

acc_log "recovers once the API is healthy"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v4"}' "applied after recovery"

acc_log "applied, then the connection dropped: an error, and the next plan sends the env again"
config v5
n=$(updates)
sim_admin POST /faults "{\"count\": 1, \"mode\": \"apply_drop\", \"path_prefix\": \"$PATCH\", \"method\": \"PATCH\"}" >/dev/null
tf apply -auto-approve -input=false && acc_fail "an unanswered PATCH was taken as success"
assert_contains "$(tf_out)" "may have been applied" "ambiguous diagnostic"
assert_eq "$(updates)" $((n + 1)) "the simulator applied it"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v5"}' "the CVM holds the new env"
assert_eq "$(state_attr phala_encrypted_env.e '.env.API_KEY')" v4 "state keeps the last confirmed env"
config v4 # back to what state holds: without the mark this plans nothing
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "after an ambiguous write the plan must send the env again (exit $rc)"; }
assert_contains "$(tf_out)" "The env is sent again" "the plan says why"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"v4"}' "the simulator's env equals the configuration"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "the mark must be gone after the re-send (exit $rc)"; }
echo PASS
