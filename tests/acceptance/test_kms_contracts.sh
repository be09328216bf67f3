#!/usr/bin/env bash
# The contract-centric KMS data sources against the simulator: phala_kms_contracts walks every page
# of 150 contracts in API order and filters by is_onchain; phala_kms_contract reads one by slug and
# by kc_ id with its nodes; phala_kms_onchain shows the contracts' anchors; phala_app_pubkey takes a
# contract slug, a kc_ id, a node id and a node slug and says which contract's key it checked; an
# unknown contract or KMS is a diagnostic naming the value; the deprecated node-shaped data sources
# warn and stay on their 2026-05-22 pin while the contract ones send 2026-06-23.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
# The default seed's two contracts (phala, base: with nodes and CVMs) first, then 148 generated ones;
# every third generated contract is on-chain.
jq '.kms_contracts += [range(148) as $i | {
      id: ("kc_gen" + ($i | tostring)), slug: ("gen-" + ($i | tostring)), label: ("Gen \($i)"),
      contract_address: (if $i % 3 == 0 then "0x" + ("0" * 37) + (($i + 100) | tostring) else "phala" end),
      chain_id: (if $i % 3 == 0 then 8453 else 0 end),
      root_secret: (("0" * 61) + (($i + 100) | tostring))}]' \
    "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f
api() { curl -s -H "X-API-Key: phak_test_key" -H "X-Phala-Version: ${2:-2026-06-23}" "$SIM/api/v1$1"; }
{ phala_header; cat <<TF
data "phala_kms_contracts" "all" {}
data "phala_kms_contracts" "onchain" {
  is_onchain = true
}
data "phala_kms_contracts" "offchain" {
  is_onchain = false
}
data "phala_kms_contract" "by_slug" {
  contract = "base"
}
data "phala_kms_contract" "by_id" {
  contract = data.phala_kms_contract.by_slug.id
}
data "phala_kms_onchain" "base" {
  chain = "base"
}
data "phala_app_pubkey" "slug" {
  kms    = "base"
  app_id = "$APP"
}
data "phala_app_pubkey" "contract_id" {
  kms    = "kc_base01"
  app_id = "$APP"
}
data "phala_app_pubkey" "node_id" {
  kms    = "kms_base01"
  app_id = "$APP"
}
data "phala_app_pubkey" "node_slug" {
  kms    = "kms-base-prod1"
  app_id = "$APP"
}
output "ids"       { value = [for k in data.phala_kms_contracts.all.items : k.id] }
output "total"     { value = data.phala_kms_contracts.all.total }
output "first"     { value = data.phala_kms_contracts.all.items[0] }
output "onchain"   { value = length(data.phala_kms_contracts.onchain.items) }
output "offchain"  { value = length(data.phala_kms_contracts.offchain.items) }
output "by_slug"   { value = data.phala_kms_contract.by_slug }
output "by_id"     { value = data.phala_kms_contract.by_id }
output "anchors"   { value = data.phala_kms_onchain.base.contracts[0] }
output "pubkeys"   { value = { for k, v in {
  slug = data.phala_app_pubkey.slug, contract_id = data.phala_app_pubkey.contract_id,
  node_id = data.phala_app_pubkey.node_id, node_slug = data.phala_app_pubkey.node_slug } :
  k => { key = v.public_key, verified = v.verified, contract = v.kms_contract_id, signer = v.signer } } }
TF
} | write_config
tf_ok init -input=false
sim_admin POST /stats/reset >/dev/null
sim_admin DELETE /requests >/dev/null
tf_ok apply -auto-approve -input=false
out=$(terraform -chdir="$TF" output -json)

acc_log "every page, in API order, and the filters"
want_ids=$(jq -c '["kc_phala01", "kc_base01"] + [range(148) | "kc_gen\(.)"]' <<<null)
assert_eq "$(jq -c .ids.value <<<"$out")" "$want_ids" "150 contracts across pages, in API order"
assert_eq "$(jq .total.value <<<"$out")" 150 "total"
assert_eq "$(jq .onchain.value <<<"$out")" 51 "is_onchain = true (base + 50 generated)"
assert_eq "$(jq .offchain.value <<<"$out")" 99 "is_onchain = false (phala + 98 generated)"
assert_eq "$(jq -cS .first.value <<<"$out")" "$(api /kms | jq -cS '.items[0]')" "items as the API sends them"
# Two pages of 100 for all, one page per filter (the test's own curl calls send no query).
assert_eq "$(sim_admin GET /requests | jq -c '[.requests[] | select(.path == "/kms" and .query) | .query] | sort')" \
    '["page=1&page_size=100","page=1&page_size=100&is_onchain=false","page=1&page_size=100&is_onchain=true","page=2&page_size=100"]' \
    "GET /kms: every page once"

acc_log "one contract by slug and by kc_ id, with its nodes"
want=$(api /kms/base | jq -cS --argjson n "$(api /kms/base/nodes | jq -c .items)" '. + {nodes: $n}')
assert_eq "$(jq -cS '.by_slug.value | del(.contract)' <<<"$out")" "$want" "by slug: the contract and its nodes"
assert_eq "$(jq -cS '.by_id.value | del(.contract)' <<<"$out")" "$want" "by kc_ id: the same contract"
assert_eq "$(jq -r '.by_slug.value.nodes[0].url' <<<"$out")" "https://kms.base-prod1.sim.phala.example" "node url"

acc_log "on-chain detail carries the anchors"
assert_eq "$(jq -r .anchors.value.k256_pubkey <<<"$out")" "$(api /kms/base | jq -r .k256_pubkey)" "anchor k256_pubkey"
assert_eq "$(jq -r .anchors.value.ca_pubkey <<<"$out")" "$(api /kms/base | jq -r .ca_pubkey)" "anchor ca_pubkey"
assert_eq "$(jq -r .anchors.value.gateway_contract_address <<<"$out")" \
    0x18a3ab8bd0e5a7b0ff4c3c8e2c4f9a2b8d7c6e5f "gateway contract"

acc_log "phala_app_pubkey: every name for the KMS, checked against the right anchor"
K256=$(api /kms/base | jq -r .k256_pubkey)
KEY=$(api "/kms/base/pubkey/$APP" | jq -r .public_key)
for n in slug contract_id node_id node_slug; do
    assert_eq "$(jq -r ".pubkeys.value.$n.key" <<<"$out")" "$KEY" "$n: the contract's app key"
    assert_eq "$(jq -r ".pubkeys.value.$n.verified" <<<"$out")" true "$n: verified"
    assert_eq "$(jq -r ".pubkeys.value.$n.signer" <<<"$out")" "$K256" "$n: signed by the contract's key"
done
assert_eq "$(jq -r .pubkeys.value.slug.contract <<<"$out")" kc_base01 "slug: named contract"
assert_eq "$(jq -r .pubkeys.value.contract_id.contract <<<"$out")" kc_base01 "kc_ id: named contract"
assert_eq "$(jq -r .pubkeys.value.node_id.contract <<<"$out")" null "a node id: the node's key was the anchor"
log=$(sim_admin GET /requests)
assert_eq "$(jq -c '[.requests[] | select(.path | test("/pubkey/")) | .version] | unique' <<<"$log")" \
    '["2026-06-23"]' "app key lookups on the current version, never the node-namespace pin"
assert_eq "$(jq -c '[.requests[] | select(.path == "/kms" or (.path | test("^/kms/(base|kc_base01)(/nodes)?$"))) | .version] | unique' <<<"$log")" \
    '["2026-06-23"]' "contract endpoints pinned to 2026-06-23"

rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "second plan shows changes (exit $rc)"; }

acc_log "unknown contract and unknown KMS: diagnostics naming the value"
{ phala_header; cat <<TF
data "phala_kms_contract" "x" {
  contract = "no-such-contract"
}
TF
} | write_config
tf plan -input=false && acc_fail "an unknown contract was accepted"
out=$(tf_out)
assert_contains "$out" "Unknown KMS contract" "summary"
assert_contains "$out" 'No KMS contract has the slug or id "no-such-contract"' "names the value"
assert_contains "$out" 'contract = "no-such-contract"' "points at contract"
{ phala_header; cat <<TF
data "phala_app_pubkey" "x" {
  kms    = "no-such-kms"
  app_id = "$APP"
}
TF
} | write_config
tf plan -input=false && acc_fail "an unknown KMS was accepted"
out=$(tf_out)
assert_contains "$out" 'The API knows no KMS "no-such-kms"' "names the value"
assert_contains "$out" 'kms    = "no-such-kms"' "points at kms"

acc_log "the node-shaped data sources: deprecated, still pinned to 2026-05-22"
{ phala_header; cat <<TF
data "phala_kms_list" "old" {}
data "phala_kms_info" "old" {
  kms_id = "kms_base01"
}
output "n"    { value = length(data.phala_kms_list.old.items) }
output "slug" { value = data.phala_kms_info.old.slug }
TF
} | write_config
sim_admin DELETE /requests >/dev/null
tf_ok apply -auto-approve -input=false
out=$(tf_out)
assert_contains "$out" "Deprecated" "a deprecation warning"
assert_contains "$out" "Use the phala_kms_contracts data source" "names the replacement"
assert_contains "$out" "Use the phala_kms_contract data source" "names the replacement"
assert_eq "$(terraform -chdir="$TF" output -raw n)" 3 "node list: the three nodes"
assert_eq "$(terraform -chdir="$TF" output -raw slug)" kms-base-prod1 "node info"
assert_eq "$(sim_admin GET /requests | jq -c '[.requests[].version] | unique')" '["2026-05-22"]' \
    "the deprecated data sources keep the node-shaped pin"
echo PASS
