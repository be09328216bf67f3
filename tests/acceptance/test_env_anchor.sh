#!/usr/bin/env bash
# The KMS key that vouches for an app key comes from the chain or the user (issue 17, MEDIUM): with
# onchain.rpc_url the KMS contract's own k256 key (kmsInfo() of the KmsStandIn on the ganache chain)
# is the anchor and the API's k256_pubkey must equal it; without it an expected_signer (resource or
# provider) or the key recorded in state is, and a changed API key is an error until the
# configuration names the new one. The plan says which source vouched (public_key_signer_source).
# Served by the simulator: an app key signed by a foreign key behind the real anchor (the resource's
# own signature check must refuse it), and a foreign KMS's key with its valid signature. Each refusal:
# the message, the owner key signs nothing (nonce), nothing is committed, the state file unchanged.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
onchain_seed "$WORK/seed.json" '[ $base | .id = "cvm_k" | .name = "app-k" | .app_id = $a0 ]'
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
OWNER_KEY=$(chain_info .owner_key)
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$OWNER_KEY
approve_current cvm_k "$APP0" "$OWNER"
S=$(kms_k256) # the KMS's key, on-chain (kms_sync wrote the simulator's)
[ ${#S} = 68 ] || acc_fail "no k256 key on the KmsStandIn ($S)"

config() { # config ENV [RESOURCE_LINE] [PROVIDER_LINE]
    { phala_header; cat <<TF
provider "phala" {
  ${3:-}
}
resource "phala_encrypted_env" "k" {
  cvm_id = "cvm_k"
  env    = $1
  ${2:-}
}
TF
    } | write_config
}
updates() { sim_admin GET /envs/cvm_k | jq .updates; }
# the resources' values in state (a failed apply may rewrite the file with nothing changed in it)
statesum() { terraform -chdir="$TF" show -json | jq -cS '.values // {}'; }
snapshot() { n0=$(nonce "$OWNER"); u0=$(updates); s0=$(statesum); }
# refused WHAT TEXT… — the last command failed naming every TEXT, and changed nothing.
refused() {
    local what=$1 out t
    shift
    out=$(flatten "$(tf_out)")
    for t in "$@"; do assert_contains "$out" "$t" "$what"; done
    assert_eq "$(nonce "$OWNER")" "$n0" "$what: the owner key signed nothing"
    assert_eq "$(updates)" "$u0" "$what: nothing committed"
    assert_eq "$(sim_admin GET /envs/cvm_k | jq -c .pending)" null "$what: nothing prepared"
    assert_eq "$(statesum)" "$s0" "$what: state unchanged"
}
planned_source() { # the plan's public_key_signer_source (needs a change planned)
    terraform -chdir="$TF" plan -input=false -out="$WORK/p.plan" >/dev/null 2>&1 || true
    terraform -chdir="$TF" show -json "$WORK/p.plan" |
        jq -r '.resource_changes[] | select(.address == "phala_encrypted_env.k") | .change.after.public_key_signer_source'
}

acc_log "honest create with rpc_url: the chain vouches (planned), the signer is the on-chain key"
config '{ API_KEY = "a", K1 = "1" }'
tf_ok init -input=false
assert_eq "$(planned_source)" chain "the plan names the chain"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.k .status)" applied "applied"
assert_eq "$(state_attr phala_encrypted_env.k .public_key_signer_source)" chain "source recorded"
assert_eq "$(state_attr phala_encrypted_env.k .public_key_signer)" "$S" "the on-chain key vouched"

acc_log "the data source phala_app_pubkey with rpc_url: verified against the on-chain key"
mkdir -p "$WORK/ds"
{ phala_header; cat <<TF
data "phala_app_pubkey" "p" {
  kms    = "base"
  app_id = "$APP0"
}
output "verified" { value = data.phala_app_pubkey.p.verified }
output "signer" { value = data.phala_app_pubkey.p.signer }
TF
} >"$WORK/ds/main.tf"
terraform -chdir="$WORK/ds" init -input=false >/dev/null 2>&1 || acc_fail "init of the data source config"
terraform -chdir="$WORK/ds" apply -auto-approve -input=false >"$WORK/ds.out" 2>&1 ||
    { cat "$WORK/ds.out"; acc_fail "the data source failed on an honest KMS"; }
assert_eq "$(terraform -chdir="$WORK/ds" output -raw verified)" true "verified"
assert_eq "$(terraform -chdir="$WORK/ds" output -raw signer)" "$S" "signed by the on-chain key"

R2=$(printf 'f0%.0s' $(seq 32))
acc_log "an app key signed by a foreign key behind the real anchor: the resource refuses it"
sim_admin POST /kms/kc_base01/rotate "{\"root_secret\":\"$R2\",\"keep_k256\":true}" >/dev/null
config '{ API_KEY = "a", K1 = "1", K2 = "2" }'
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "a foreign-signed app key was used"; }
refused "foreign signature" "The CVM's encryption key is not signed by its KMS" "$S" "vouched for by: chain"

acc_log "a foreign KMS's key and its valid signature, with rpc_url: the chain's key decides"
sim_admin POST /kms/kc_base01/rotate "{\"root_secret\":\"$R2\",\"keep_k256\":false}" >/dev/null
F=$(curl -sS -H 'X-API-Key: phak_test_key' -H 'X-Phala-Version: 2026-06-23' "$SIM/api/v1/kms/base" |
    jq -r .k256_pubkey)
[ "$F" != "$S" ] || acc_fail "the rotation did not change the advertised key"
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "an app key vouched for by a foreign KMS key was used"; }
refused "foreign KMS, chain" "The API's KMS key is not the one on-chain" "$S" "$F"

acc_log "... the data source phala_app_pubkey reads the anchor from the chain too"
out=$(terraform -chdir="$WORK/ds" plan -input=false -no-color 2>&1) && { echo "$out"; acc_fail "the data source accepted a foreign KMS key"; }
assert_contains "$(flatten "$out")" "The API's KMS key is not the one on-chain" "data source refuses"
assert_contains "$(flatten "$out")" "$S" "data source names the on-chain key"

unset PHALA_ONCHAIN_RPC_URL PHALA_ONCHAIN_PRIVATE_KEY
acc_log "no rpc_url, the old key pinned on the resource: refused"
config '{ API_KEY = "a", K1 = "1", K2 = "2" }' "expected_signer = \"$S\""
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "expected_signer did not hold"; }
refused "pinned on the resource" "The API's KMS key is not expected_signer" "$S" "$F"

acc_log "no rpc_url, the old key pinned on the provider: refused"
config '{ API_KEY = "a", K1 = "1", K2 = "2" }' "" "expected_signer = \"$S\""
tf apply -auto-approve -input=false && { tf_out; acc_fail "the provider's expected_signer did not hold"; }
refused "pinned on the provider" "The API's KMS key is not expected_signer" "$S" "$F"

acc_log "no rpc_url, nothing pinned: the key recorded in state holds, like an SSH host key"
config '{ API_KEY = "a", K1 = "1", K2 = "2" }'
assert_eq "$(planned_source)" state "the plan names the state"
tf apply -auto-approve -input=false && { tf_out; acc_fail "a changed KMS key was accepted silently"; }
refused "changed anchor" "The KMS key changed" "$S" "expected_signer = \"$F\""

acc_log "the configuration names the new key: accepted, recorded"
config '{ API_KEY = "a2", K1 = "1" }' "expected_signer = \"$F\""
assert_eq "$(planned_source)" configuration "the plan names the configuration"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.k .status)" applied "applied with the new key"
assert_eq "$(state_attr phala_encrypted_env.k .public_key_signer)" "$F" "the new key recorded"
assert_eq "$(state_attr phala_encrypted_env.k .public_key_signer_source)" configuration "source"
assert_eq "$(sim_env cvm_k | jq -r .API_KEY)" a2 "the CVM got the env"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "does not converge ($rc)"; }
echo PASS
