# Every KMS contract (a group of KMS replicas sharing one root key), and only the on-chain ones.
data "phala_kms_contracts" "all" {}

data "phala_kms_contracts" "onchain" {
  is_onchain = true
}

output "contract_slugs" {
  value = [for c in data.phala_kms_contracts.all.items : c.slug]
}

# The signing key app encryption keys are verified against, per on-chain contract.
output "onchain_anchors" {
  value = { for c in data.phala_kms_contracts.onchain.items : c.id => c.k256_pubkey }
}
