#!/usr/bin/env bash
# phala_encrypted_env on an on-chain-KMS CVM: a key change goes pending_onchain with the compose
# hash the API issued; every plan shows it; a wrong transaction is a 467 error on transaction_hash
# and the state stays pending; the registering transaction completes it with the SAME ciphertext;
# an expired hash (466) is started over; a transaction of an older hash is never reused.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_base01
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f
config() { # config ENV_HCL [TX]
    { phala_header; cat <<TF
resource "phala_encrypted_env" "o" {
  cvm_id = "$CVM"
  env    = $1
${2:+  transaction_hash = \"$2\"}
}
TF
    } | write_config
}
register() { sim_admin POST /chain/register "{\"app_id\":\"$APP\",\"compose_hash\":\"$1\"}" | jq -r .transaction_hash; }

acc_log "same keys as the CVM allows: applied directly"
config '{ API_KEY = "one" }'
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.o .status)" applied "unchanged key set"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"one"}' "env"

acc_log "key change: pending_onchain with the API's compose hash"
config '{ API_KEY = "two", EXTRA = "e" }'
tf_ok apply -auto-approve -input=false
out=$(tf_out)
H=$(sim_admin GET /envs/$CVM | jq -r .pending.compose_hash)
assert_eq "$(state_attr phala_encrypted_env.o .status)" pending_onchain "status"
assert_eq "$(state_attr phala_encrypted_env.o .compose_hash)" "$H" "compose hash from the API"
assert_eq "$(state_attr phala_encrypted_env.o .app_id)" "$APP" "app id"
assert_eq "$(state_attr phala_encrypted_env.o .chain_id)" 8453 "chain id"
assert_contains "$out" "On-chain registration required" "warning"
assert_contains "$out" "addComposeHash(0x$H)" "warning names the hash"
assert_contains "$out" "transaction_hash = \"<the transaction hash>\"" "warning says how to finish"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"one"}' "nothing applied yet"
CIPHER=$(state_attr phala_encrypted_env.o .encrypted_env)
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "a pending update must show in every plan (exit $rc)"; }
assert_contains "$(tf_out)" '"pending_onchain" -> (known after apply)' "plan shows the pending update"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.o .encrypted_env)" "$CIPHER" "re-apply without tx keeps the ciphertext"

acc_log "wrong transaction: 467 on transaction_hash, still pending"
BAD=0x$(printf 'cd%.0s' $(seq 32))
config '{ API_KEY = "two", EXTRA = "e" }' "$BAD"
tf apply -auto-approve -input=false && acc_fail "a wrong transaction was accepted"
out=$(tf_out)
assert_contains "$out" "Transaction does not register the compose hash" "467 diagnostic"
assert_contains "$out" "transaction_hash = \"$BAD\"" "diagnostic points at transaction_hash"
assert_eq "$(state_attr phala_encrypted_env.o .status)" pending_onchain "still pending"
assert_eq "$(state_attr phala_encrypted_env.o .encrypted_env)" "$CIPHER" "ciphertext kept"

acc_log "registered transaction: phase 2 with the same ciphertext"
TX=$(register "$H")
config '{ API_KEY = "two", EXTRA = "e" }' "$TX"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.o .status)" applied "applied after phase 2"
assert_eq "$(state_attr phala_encrypted_env.o .transaction_hash)" "$TX" "tx in state"
assert_eq "$(state_attr phala_encrypted_env.o .encrypted_env)" "$CIPHER" "the registered ciphertext was sent"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"two","EXTRA":"e"}' "CVM env after phase 2"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after phase 2 shows changes (exit $rc)"; }

acc_log "an older compose hash's transaction is not reused for a new key change"
config '{ API_KEY = "three", EXTRA = "e", MORE = "m" }' "$TX"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.o .status)" pending_onchain "new change pending"
assert_contains "$(tf_out)" "was not reused" "warning explains the stale transaction"
H2=$(state_attr phala_encrypted_env.o .compose_hash)
[ "$H2" != "$H" ] || acc_fail "the new key set should have a new compose hash"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"two","EXTRA":"e"}' "stale tx not sent"

acc_log "466: the pending hash expired, the provider starts over once"
TX2=$(register "$H2")
sim_admin POST /config '{"hash_ttl": 1}' >/dev/null
sleep 1.5 # not an event: the simulator's clock must pass the 1 s time-to-live
config '{ API_KEY = "three", EXTRA = "e", MORE = "m" }' "$TX2"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.o .status)" applied "applied after the restart"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"three","EXTRA":"e","MORE":"m"}' "CVM env after restart"
[ "$(state_attr phala_encrypted_env.o .encrypted_env)" != "$CIPHER" ] || acc_fail "restart must re-encrypt"
echo PASS
