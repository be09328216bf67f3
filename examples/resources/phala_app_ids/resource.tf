# Reserve three app ids for Phala's off-chain KMS, once.
resource "phala_app_ids" "ids" {
  counts = 3
}

output "first_app_id" {
  value = phala_app_ids.ids.app_ids[0].app_id
}
