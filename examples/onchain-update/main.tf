# A key change on a CVM whose KMS is on-chain: the first apply ends in status "pending_onchain" and
# prints what to register; set transaction_hash to the registering transaction and apply again.
terraform {
  required_providers {
    phala = {
      source = "local.dev/phala/phala"
    }
  }
}

variable "transaction_hash" {
  type        = string
  default     = null
  description = "The transaction that registered the compose hash (second apply)."
}

resource "phala_encrypted_env" "onchain" {
  cvm_id = "cvm_base01"
  env = {
    API_KEY          = "demo-key"
    NEW_FEATURE_FLAG = "on" # a new key: the compose hash changes
  }
  transaction_hash = var.transaction_hash
}

output "status" {
  value = phala_encrypted_env.onchain.status
}

output "register" {
  value = phala_encrypted_env.onchain.status == "pending_onchain" ? {
    compose_hash = phala_encrypted_env.onchain.compose_hash
    app_contract = phala_encrypted_env.onchain.app_id
    chain_id     = phala_encrypted_env.onchain.chain_id
  } : null
}
