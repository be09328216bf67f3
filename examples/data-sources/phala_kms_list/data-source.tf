# Every KMS instance, and only the on-chain ones.
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
