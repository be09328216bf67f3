# One KMS contract, by slug (or by its kc_ id), with its replicas.
data "phala_kms_contract" "base" {
  contract = "base"
}

output "base_contract" {
  value = {
    id          = data.phala_kms_contract.base.id
    address     = data.phala_kms_contract.base.contract_address
    chain_id    = data.phala_kms_contract.base.chain_id
    k256_pubkey = data.phala_kms_contract.base.k256_pubkey
  }
}

output "base_replicas" {
  value = [for n in data.phala_kms_contract.base.nodes : "${n.slug} ${n.url} (${n.version})"]
}
