# Deprecated: one KMS node in the node shape of API 2026-05-22 — use phala_kms_contract instead.
data "phala_kms_info" "base" {
  kms_id = "kms-base-prod1"
}

output "kms_signing_key" {
  value = data.phala_kms_info.base.k256_pubkey
}
