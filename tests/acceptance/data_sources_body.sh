# data_sources_body.sh — every phala data source and phala_app_ids against the simulator, sourced
# by test_data_sources*.sh after they chose the transport (AutoMTLS, no TLS, reattach).
[ -n "${SIM:-}" ] || sim_start
K256=$(curl -s -H "X-API-Key: phak_test_key" "$SIM/api/v1/kms/kms-base-prod1" | jq -r .k256_pubkey)
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f
{ phala_header; cat <<TF
provider "phala" {}

data "phala_kms_list" "all" {}
data "phala_kms_list" "onchain" {
  is_onchain = true
}
data "phala_kms_info" "base" {
  kms_id = "kms-base-prod1"
}
data "phala_kms_onchain" "base" {
  chain = "base"
}
data "phala_app_pubkey" "app" {
  kms    = data.phala_kms_info.base.slug
  app_id = "0x$APP"
}
data "phala_app_pubkey" "pinned" {
  kms             = "kms-base-prod1"
  app_id          = "$APP"
  expected_signer = "$K256"
}
resource "phala_app_ids" "ids" {
  counts = 3
}
output "ids"         { value = [for k in data.phala_kms_list.all.items : k.id] }
output "total"       { value = data.phala_kms_list.all.total }
output "onchain_ids" { value = [for k in data.phala_kms_list.onchain.items : k.id] }
output "phala_chain" { value = data.phala_kms_list.all.items[0].chain_id }
output "info"        { value = data.phala_kms_info.base }
output "onchain"     { value = data.phala_kms_onchain.base }
output "pubkey"      { value = data.phala_app_pubkey.app }
output "pinned"      { value = data.phala_app_pubkey.pinned.verified }
output "app_ids"     { value = phala_app_ids.ids.app_ids }
TF
} | write_config
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
out=$(terraform -chdir="$TF" output -json)
api() { curl -s -H "X-API-Key: phak_test_key" "$SIM/api/v1$1"; }
assert_eq "$(jq -cS .ids.value <<<"$out")" "$(api /kms | jq -cS '[.items[].id]')" "kms_list ids in API order"
assert_eq "$(jq -r .total.value <<<"$out")" 3 "kms_list total"
assert_eq "$(jq -cS .onchain_ids.value <<<"$out")" '["kms_base01"]' "is_onchain filter"
assert_eq "$(jq -r .phala_chain.value <<<"$out")" null "absent chain_id is null"
assert_eq "$(jq -cS '.info.value | del(.kms_id)' <<<"$out")" "$(api /kms/kms_base01 | jq -cS '{chain_id,gateway_app_id,id,k256_pubkey,kms_contract_address,slug,url,version}')" "kms_info fields"
assert_eq "$(jq -cS '.onchain.value | del(.chain)' <<<"$out")" "$(api /kms/on-chain/base | jq -cS '{chain_id,chain_name,contracts}')" "kms_onchain as the API returns it"
assert_eq "$(jq -r .pubkey.value.public_key <<<"$out")" "$(api "/kms/kms-base-prod1/pubkey/$APP" | jq -r .public_key)" "app public key"
assert_eq "$(jq -r .pubkey.value.verified <<<"$out")" true "verified against k256_pubkey"
assert_eq "$(jq -r .pubkey.value.signer <<<"$out")" "$K256" "recovered signer"
assert_eq "$(jq -r .pinned.value <<<"$out")" true "verified against expected_signer"
assert_eq "$(jq -r '.app_ids.value | length' <<<"$out")" 3 "three app ids reserved"
jq -e '.app_ids.value | all(.app_id | test("^[0-9a-f]{40}$"))' <<<"$out" >/dev/null || acc_fail "app ids are not 40 hex"
first=$(jq -cS .app_ids.value <<<"$out")

rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "second plan shows changes (exit $rc)"; }
tf_ok apply -auto-approve -input=false
assert_eq "$(terraform -chdir="$TF" output -json app_ids | jq -cS .)" "$first" "app ids kept in state"
assert_eq "$(sim_admin GET /stats | jq '.requests["GET /kms/phala/next_app_id"]')" 1 \
    "app ids reserved once over two applies and two plans"

acc_log "counts forces a new reservation; destroy only forgets"
sed -i 's/counts = 3/counts = 2/' "$TF/main.tf"
tf_plan_exit >/dev/null
assert_contains "$(tf_out)" "forces replacement" "counts change"
tf_ok destroy -auto-approve -input=false
