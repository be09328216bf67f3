#!/usr/bin/env bash
# phala_app_policy with phala_encrypted_env (the pattern of the guide): compose_hashes =
# [phala_encrypted_env.e.compose_hash]. An env-key change registers and commits the new compose hash
# (the env resource), then the policy removes the superseded one — after the commit, so the CVM is
# allowed throughout (the new hash was added before the old one went, and the CVM ran the new compose
# when it went); neither resource undoes the other's work and the second plan is empty.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
policy_world
config() { # config ENV_HCL
    { phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_p"
  env    = $1
}
resource "phala_app_policy" "p" {
  app_id         = phala_encrypted_env.e.app_id
  compose_hashes = [phala_encrypted_env.e.compose_hash]
}
TF
    } | write_config
}

config '{ API_KEY = "a", NEW_KEY = "n" }'
tf_ok init -input=false
n0=$(nonce "$OWNER")
acc_log "key change: the env registers and commits H1, then the policy removes H0"
tf_ok apply -auto-approve -input=false
H1=$(state_attr phala_encrypted_env.e .compose_hash)
[ "${H1#0x}" != "${H0#0x}" ] || acc_fail "the key change did not change the compose hash"
assert_eq "$(state_attr phala_encrypted_env.e .status)" applied "env applied"
assert_eq "$(current_hash cvm_p)" "${H1#0x}" "the CVM runs the new compose"
assert_eq "$(allowed_hash "$APP0" "$H1")" true "H1 allowed"
assert_eq "$(allowed_hash "$APP0" "$H0")" false "H0 pruned"
assert_eq "$(nonce "$OWNER")" $((n0 + 2)) "addComposeHash(H1) by the env, removeComposeHash(H0) by the policy"
assert_eq "$(log_count "$APP0" "$TOPIC_COMPOSE_HASH_ADDED" "$H1")" 1 "H1 added once"
# the order on-chain: H1 added before H0 removed (the CVM always had an allowed compose)
added=$(rpc eth_getLogs "[{\"address\":\"0x$APP0\",\"topics\":[\"$TOPIC_COMPOSE_HASH_ADDED\"],\"fromBlock\":\"0x0\",\"toBlock\":\"latest\"}]" |
    jq -r --arg d "0x${H1#0x}" '[.[] | select(.data == $d)][0].blockNumber')
removed=$(rpc eth_getLogs "[{\"address\":\"0x$APP0\",\"topics\":[\"0x755b79bd4b0eeab344d032284a99003b2ddc018b646752ac72d681593a6e8947\"],\"fromBlock\":\"0x0\",\"toBlock\":\"latest\"}]" |
    jq -r --arg d "0x${H0#0x}" '[.[] | select(.data == $d)][0].blockNumber')
[ $((added)) -lt $((removed)) ] || acc_fail "H0 was removed (block $removed) before H1 was added (block $added)"
assert_eq "$(state_attr phala_app_policy.p .status)" in_sync "policy in sync"
plan_exits 0 "the second plan must be empty"

acc_log "another key change: H2 registered and committed, H1 pruned"
config '{ API_KEY = "a", NEW_KEY = "n", THIRD = "t" }'
n1=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
H2=$(state_attr phala_encrypted_env.e .compose_hash)
assert_eq "$(current_hash cvm_p)" "${H2#0x}" "the CVM runs the newest compose"
assert_eq "$(allowed_hash "$APP0" "$H2")" true "H2 allowed"
assert_eq "$(allowed_hash "$APP0" "$H1")" false "H1 pruned"
assert_eq "$(nonce "$OWNER")" $((n1 + 2)) "one add, one removal"
plan_exits 0 "the second plan must be empty"
echo PASS
