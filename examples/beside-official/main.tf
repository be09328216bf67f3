# This provider under its own local name, beside another provider that owns the `phala` name
# (Phala's official phala-network/phala). A terraform_data stands in for the official provider's
# CVM resource, so this example runs anywhere; with the official provider it would be
# phala_app.web.id.
terraform {
  required_providers {
    phalakms = { source = "local.dev/phala/phala" }
  }
}

provider "phalakms" {}

variable "cvm_id_from_the_official_provider" {
  type    = string
  default = "cvm_phala01"
}

resource "terraform_data" "cvm" {
  input = var.cvm_id_from_the_official_provider
}

resource "phala_encrypted_env" "web" {
  provider = phalakms
  cvm_id   = provider::phalakms::cvm_id(terraform_data.cvm.output)
  env = {
    DATABASE_URL = "postgres://db.internal/app"
  }
}

data "phala_kms_contracts" "all" {
  provider = phalakms
}

data "phala_kms_contract" "base" {
  provider = phalakms
  contract = "base"
}

data "phala_kms_list" "nodes" {
  provider = phalakms
}

data "phala_kms_info" "node" {
  provider = phalakms
  kms_id   = "kms_phala01"
}

data "phala_kms_onchain" "base" {
  provider = phalakms
  chain    = "base"
}

data "phala_app_pubkey" "app" {
  provider = phalakms
  kms      = "base"
  app_id   = "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
}

resource "phala_app_ids" "ids" {
  provider = phalakms
  counts   = 1
}

output "env_status" {
  value = phala_encrypted_env.web.status
}
