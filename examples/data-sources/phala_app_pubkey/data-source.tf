# An app's env-encryption key, with the KMS signature over it verified against the k256_pubkey of
# the KMS contract (the default), or pinned to a known signer. `kms` may be a contract slug or kc_ id,
# a kms_type or a KMS node id or slug.
data "phala_app_pubkey" "app" {
  kms    = "base"
  app_id = "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
}

output "app_public_key" {
  value = data.phala_app_pubkey.app.public_key
}

output "signed_by" {
  value = data.phala_app_pubkey.app.signer
}

output "checked_against_contract" {
  value = data.phala_app_pubkey.app.kms_contract_id
}
