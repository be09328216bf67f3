# Verify an app's env-encryption key offline: the key that signed it must be the KMS's k256_pubkey.
data "phala_app_pubkey" "app" {
  kms    = "base"
  app_id = "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
  verify = false
}

data "phala_kms_contract" "base" {
  contract = "base"
}

locals {
  signer = provider::phala::env_pubkey_signer(data.phala_app_pubkey.app.public_key,
  data.phala_app_pubkey.app.signature, "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f")
}

output "signed_by_the_kms" {
  value = lower(trimprefix(local.signer, "0x")) == lower(trimprefix(data.phala_kms_contract.base.k256_pubkey, "0x"))
}
