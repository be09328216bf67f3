# Deprecated: every KMS node in the node shape of API 2026-05-22 — use phala_kms_contracts instead.
data "phala_kms_list" "all" {}

data "phala_kms_list" "onchain" {
  is_onchain = true
}

output "kms_slugs" {
  value = [for k in data.phala_kms_list.all.items : k.slug]
}

output "onchain_by_id" {
  value = { for k in data.phala_kms_list.onchain.items : k.id => k.chain_id }
}
