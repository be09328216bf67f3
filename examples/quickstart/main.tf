# Quickstart (`make demo`): reads the KMS contracts, one contract with its replicas, the on-chain
# detail of Base and a verified app encryption key, and prints them. The demo points the provider at the local simulator; with a
# real key, leave api_prefix unset and export PHALA_CLOUD_API_KEY.
terraform {
  required_providers {
    phala = {
      source = "local.dev/phala/phala"
    }
  }
}

variable "api_prefix" {
  type        = string
  default     = null
  description = "Phala Cloud API base URL (the demo passes the simulator's)."
}

variable "app_id" {
  type        = string
  default     = "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
  description = "App whose env-encryption key to fetch."
}

provider "phala" {
  api_prefix = var.api_prefix
}

data "phala_kms_contracts" "all" {}

data "phala_kms_contract" "onchain" {
  contract = [for k in data.phala_kms_contracts.all.items : k.id if k.chain_id != 0][0]
}

data "phala_kms_onchain" "chain" {
  chain = "base"
}

data "phala_app_pubkey" "app" {
  kms    = data.phala_kms_contract.onchain.slug
  app_id = var.app_id
}

output "kms_contracts" {
  value = { for k in data.phala_kms_contracts.all.items : k.slug => k.chain_id == 0 ? "phala (off-chain)" : "chain ${k.chain_id}" }
}

output "onchain_kms" {
  value = {
    id          = data.phala_kms_contract.onchain.id
    contract    = data.phala_kms_contract.onchain.contract_address
    k256_pubkey = data.phala_kms_contract.onchain.k256_pubkey
    replicas    = [for n in data.phala_kms_contract.onchain.nodes : n.url]
  }
}

output "chain_contracts" {
  value = [for c in data.phala_kms_onchain.chain.contracts : {
    address   = c.contract_address
    devices   = length(c.devices)
    os_images = [for i in c.os_images : "${i.name}${i.on_chain_allowed == true ? " (allowed)" : ""}"]
  }]
}

output "app_encryption_key" {
  value = {
    public_key = data.phala_app_pubkey.app.public_key
    signer     = data.phala_app_pubkey.app.signer
    verified   = data.phala_app_pubkey.app.verified
  }
}

# An encrypted env on the Phala-KMS CVM: encrypted locally for the CVM's key, decrypted only inside.
resource "phala_encrypted_env" "app" {
  cvm_id = var.cvm_id
  env = {
    API_KEY      = var.api_key_value
    DATABASE_URL = "postgres://app@db:5432/app"
  }
}

variable "cvm_id" {
  type        = string
  default     = "cvm_phala01"
  description = "The CVM whose environment to manage."
}

variable "api_key_value" {
  type        = string
  default     = "demo-secret-value"
  sensitive   = true
  description = "A secret for the CVM."
}

output "cvm_env" {
  value = {
    status        = phala_encrypted_env.app.status
    env_keys      = phala_encrypted_env.app.env_keys
    encrypted_env = "${substr(phala_encrypted_env.app.encrypted_env, 0, 32)}…"
  }
}
