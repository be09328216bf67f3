#!/usr/bin/env bash
# Plans show only what will really change: on a Phala-KMS (off-chain) CVM the registration
# results are planned null (not "known after apply"), status "applied" and public_key the CVM's
# key, and the apply agrees with that plan (Terraform checks it); an on-chain CVM keeps them
# unknown. A key rotated between plan and apply stops the saved plan before anything is sent. A
# cvm_id that names no CVM fails the plan itself, with the id and what to do.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
config() { { phala_header; echo "$1"; } | write_config; }
api_cvm() { curl -sS -H "X-API-Key: $PHALA_CLOUD_API_KEY" "$PHALA_CLOUD_API_PREFIX/cvms/$1"; }
# planned ADDRESS JQ — a value of the saved plan's change for ADDRESS (after / after_unknown).
planned() {
    terraform -chdir="$TF" show -json tfplan |
        jq -c --arg a "$1" ".resource_changes[] | select(.address==\$a) | .change$2"
}
# both ENV — the Phala-KMS CVM with env = ENV, beside the on-chain one (env unchanged).
both() {
    config "resource \"phala_encrypted_env\" \"p\" {
  cvm_id = \"cvm_phala01\"
  env    = $1
}
resource \"phala_encrypted_env\" \"b\" {
  cvm_id = \"cvm_base01\"
  env    = { API_KEY = \"a\" }
}"
}
ONCHAIN_ATTRS='["app_id","chain_id","compose_hash","device_id","kms_contract_address","onchain_status","transaction_hash"]'

both '{ API_KEY = "a" }'
tf_ok init -input=false

acc_log "create: off-chain results planned null, on-chain ones unknown"
tf_ok plan -input=false -out=tfplan
text=$(tf_out | sed -n '/phala_encrypted_env.p will be created/,/^$/p' | sed -n '/{/,/}/p')
for a in app_id chain_id compose_hash kms_contract_address transaction_hash public_key status; do
    assert_not_contains "$(grep -E "^ *\+ $a " <<<"$text")" "known after apply" "$a on the Phala-KMS CVM"
done
assert_eq "$(planned phala_encrypted_env.p ".after | [$(jq -r 'map(".\(.)") | join(",")' <<<"$ONCHAIN_ATTRS")] | unique")" \
    '[null]' "registration results planned null"
unknown=$(planned phala_encrypted_env.p '.after_unknown | to_entries | map(select(.value == true) | .key) | sort')
assert_eq "$unknown" '["allowed_envs_changed","correlation_id","encrypted_env"]' "what stays unknown (off-chain)"
key=$(api_cvm cvm_phala01 | jq -r .kms_info.encrypted_env_pubkey)
assert_eq "$(planned phala_encrypted_env.p .after.public_key)" "\"$key\"" "public_key is the CVM's key"
assert_eq "$(planned phala_encrypted_env.p .after.status)" '"applied"' "status planned"
unknown_b=$(planned phala_encrypted_env.b '.after_unknown | [.app_id, .compose_hash, .transaction_hash, .status]')
assert_eq "$unknown_b" '[true,true,true,true]' "the on-chain CVM keeps its results unknown"
tf_ok apply -input=false tfplan
assert_eq "$(state_attr phala_encrypted_env.p .public_key)" "$key" "applied with the planned key"
assert_eq "$(sim_env cvm_phala01)" '{"API_KEY":"a"}' "applied env"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after create shows changes ($rc)"; }

acc_log "update of values: the same, and only the ciphertext is news"
both '{ API_KEY = "b" }'
tf_ok plan -input=false -out=tfplan
unknown=$(planned phala_encrypted_env.p '.after_unknown | to_entries | map(select(.value == true) | .key) | sort')
assert_eq "$unknown" '["allowed_envs_changed","correlation_id","encrypted_env"]' "what stays unknown on update"
tf_ok apply -input=false tfplan
assert_eq "$(sim_env cvm_phala01)" '{"API_KEY":"b"}' "updated env"

acc_log "a key rotated between plan and apply stops the saved plan; nothing is sent"
both '{ API_KEY = "c" }'
tf_ok plan -input=false -out=tfplan
n=$(sim_admin GET /envs/cvm_phala01 | jq .updates)
sim_admin POST /kms/kms_phala01/rotate >/dev/null
new=$(api_cvm cvm_phala01 | jq -r .kms_info.encrypted_env_pubkey)
[ "$new" != "$key" ] || acc_fail "the simulator did not rotate the key"
tf apply -input=false tfplan && acc_fail "a saved plan applied with a key it did not show"
assert_contains "$(flatten "$(tf_out)")" "The CVM changed since the plan" "rotation error"
assert_contains "$(flatten "$(tf_out)")" "its encryption key is $new now, while the plan showed $key" "rotation names both keys"
assert_eq "$(sim_admin GET /envs/cvm_phala01 | jq .updates)" "$n" "nothing sent"
assert_eq "$(sim_env cvm_phala01)" '{"API_KEY":"b"}' "the CVM keeps its env"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env cvm_phala01)" '{"API_KEY":"c"}' "a fresh plan applies with the new key"
assert_eq "$(state_attr phala_encrypted_env.p .public_key)" "$new" "new key in state"

acc_log "a 465 for the Phala-KMS CVM contradicts the plan: an error, nothing committed, state kept"
both '{ API_KEY = "d", NEW = "n" }'
body=$(jq -cn --arg h "0x$(printf 'ba%.0s' $(seq 32))" '{error_code: "ERR-01-005",
  message: "Compose hash registration required on-chain",
  details: [{field: "compose_hash", value: $h}, {field: "app_id", value: "0xe7c1a4a6b2f54b1c9d3e8f70a1b2c3d4e5f60718"}]}')
sim_admin POST /faults "$(jq -cn --arg b "$body" '{count: 5, status: 465, body: $b, method: "PATCH", path_prefix: "/api/v1/cvms/cvm_phala01"}')" >/dev/null
n=$(sim_admin GET /envs/cvm_phala01 | jq .updates)
tf apply -auto-approve -input=false && acc_fail "an apply answered by a 465 for an off-chain CVM succeeded"
sim_admin DELETE /faults >/dev/null
assert_contains "$(flatten "$(tf_out)")" "The API asks for an on-chain registration" "contradiction named"
assert_not_contains "$(tf_out)" "inconsistent" "no Terraform consistency error"
assert_eq "$(state_attr phala_encrypted_env.p .status)" applied "state still the applied env"
assert_eq "$(state_attr phala_encrypted_env.p '.env_keys | join(",")')" API_KEY "state keys unchanged"
assert_eq "$(sim_admin GET /envs/cvm_phala01 | jq .updates)" "$n" "nothing accepted"

acc_log "a cvm_id that names no CVM fails the plan, not the apply"
config 'resource "phala_encrypted_env" "x" {
  cvm_id = "cvm_nope"
  env    = { API_KEY = "a" }
}'
rm -f "$TF/terraform.tfstate"
rc=$(tf_plan_exit)
[ "$rc" = 1 ] || { tf_out; acc_fail "a plan for a missing CVM must fail (exit $rc)"; }
out=$(flatten "$(tf_out)")
assert_contains "$out" "The CVM does not exist" "missing CVM summary"
assert_contains "$out" "There is no CVM cvm_nope" "names the id"
assert_contains "$out" "remove this resource from the configuration" "says what to do"
assert_contains "$out" 'cvm_id = "cvm_nope"' "points at cvm_id"
echo PASS
