#!/usr/bin/env bash
# A pending update's commit token is kept sealed in Terraform's private state. A sealed token that
# does not open (changed in the state file, or sealed with another credential) is not used, and not
# silently: the plan and the apply warn on cvm_id naming the CVM, and the update is committed
# through the confirm PATCH instead. The untouched token commits through commit-update, unwarned.
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
commits() { sim_admin GET /stats | jq '.requests["POST /cvms/{id}/commit-update"] // 0'; }
# private_token — the sealed token kept in the resource's private state
private_token() {
    jq -r '.resources[] | select(.type == "phala_encrypted_env") | .instances[0].private | @base64d | fromjson | .token // empty' "$TF/terraform.tfstate"
}
# tamper — changes one hex digit of the sealed token in the state file
tamper() {
    jq '(.resources[] | select(.type == "phala_encrypted_env") | .instances[0].private) |=
        (@base64d | fromjson | .token |= (.[:-1] + (if .[-1:] == "0" then "1" else "0" end)) | tojson | @base64)' \
        "$TF/terraform.tfstate" >"$WORK/state.json"
    mv "$WORK/state.json" "$TF/terraform.tfstate"
}
WARNING="The pending update's commit token does not open"
# pending ENV_HCL — a key change that waits for the chain; sets H to its compose hash
pending() {
    config "$1"
    tf_ok apply -auto-approve -input=false
    assert_eq "$(state_attr phala_encrypted_env.o .status)" pending_onchain "a key change is pending"
    H=$(state_attr phala_encrypted_env.o .compose_hash)
    [ -n "$(private_token)" ] || acc_fail "no sealed commit token in the private state"
}

config '{ API_KEY = "one" }'
tf_ok init -input=false
tf_ok apply -auto-approve -input=false

acc_log "untouched token: committed with it, no warning"
pending '{ API_KEY = "two", EXTRA = "e" }'
TX=$(register "$H")
config '{ API_KEY = "two", EXTRA = "e" }' "$TX"
c0=$(commits)
tf_ok apply -auto-approve -input=false
assert_not_contains "$(flatten "$(tf_out)")" "$WARNING" "no warning for a token that opens"
assert_eq "$(state_attr phala_encrypted_env.o .status)" applied "applied"
assert_eq "$(commits)" $((c0 + 1)) "committed through commit-update with the token"

acc_log "tampered token: a warning naming the CVM, committed through the confirm PATCH"
pending '{ API_KEY = "three", EXTRA = "e", MORE = "m" }'
tamper
TX=$(register "$H")
config '{ API_KEY = "three", EXTRA = "e", MORE = "m" }' "$TX"
c0=$(commits)
tf_ok apply -auto-approve -input=false
out=$(flatten "$(tf_out)")
assert_contains "$out" "Warning: $WARNING" "warning"
assert_contains "$out" "The pending update of CVM $CVM has a sealed commit token" "the warning names the CVM"
assert_contains "$out" 'cvm_id = "cvm_base01"' "the warning points at cvm_id"
assert_eq "$(state_attr phala_encrypted_env.o .status)" applied "applied through the confirm PATCH"
assert_eq "$(commits)" "$c0" "the tampered token was not used"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"three","EXTRA":"e","MORE":"m"}' "the CVM got the env"
echo PASS
