#!/usr/bin/env bash
# phala_kms_list walks every page: 150 KMS instances (page size 100) come back complete and in API
# order; is_onchain filters across pages too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
jq '.kms = [range(150) as $i | {
      id: ("kms_gen" + ($i | tostring)), slug: ("gen-" + ($i | tostring)),
      url: "https://kms.example", version: "v0.5.7",
      chain_id: (if $i % 3 == 0 then 8453 else null end),
      kms_contract_address: (if $i % 3 == 0 then "0x2f83172a49584c017f2b256f0fb2dca14126ba9c" else null end),
      gateway_app_id: null,
      root_secret: ("%064x" | sub("%064x"; ("0" * 62) + ((($i % 90) + 10) | tostring)))}]
    | .cvms = [] | .onchain = {}' "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
{ phala_header; cat <<'TF'
data "phala_kms_list" "all" {}
data "phala_kms_list" "onchain" {
  is_onchain = true
}
data "phala_kms_list" "offchain" {
  is_onchain = false
}
output "all"      { value = [for k in data.phala_kms_list.all.items : k.id] }
output "onchain"  { value = length(data.phala_kms_list.onchain.items) }
output "offchain" { value = length(data.phala_kms_list.offchain.items) }
output "total"    { value = data.phala_kms_list.all.total }
TF
} | write_config
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
out=$(terraform -chdir="$TF" output -json)
assert_eq "$(jq '.all.value | length' <<<"$out")" 150 "all instances across pages"
assert_eq "$(jq -c .all.value <<<"$out")" "$(jq -c '[range(150) | "kms_gen\(.)"]' <<<null)" "API order"
assert_eq "$(jq .total.value <<<"$out")" 150 "total"
assert_eq "$(jq .onchain.value <<<"$out")" 50 "is_onchain = true"
assert_eq "$(jq .offchain.value <<<"$out")" 100 "is_onchain = false"
assert_eq "$(sim_admin GET /stats | jq '.requests["GET /kms"]')" 4 "2 pages for all + 1 + 1 filtered"
echo PASS
