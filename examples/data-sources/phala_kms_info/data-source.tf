# One KMS instance, by id or slug.
data "phala_kms_info" "base" {
  kms_id = "kms-base-prod1"
}

output "kms_signing_key" {
  value = data.phala_kms_info.base.k256_pubkey
}
