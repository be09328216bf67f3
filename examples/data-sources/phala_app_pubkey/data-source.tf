# An app's env-encryption key, with the KMS signature over it verified against the KMS's
# published k256_pubkey (the default), or pinned to a known signer.
data "phala_app_pubkey" "app" {
  kms    = "kms-base-prod1"
  app_id = "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
}

output "app_public_key" {
  value = data.phala_app_pubkey.app.public_key
}

output "signed_by" {
  value = data.phala_app_pubkey.app.signer
}
