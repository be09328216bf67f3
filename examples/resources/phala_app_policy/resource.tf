# The app contract allows exactly the compose the CVM runs now: the hash of every older compose is
# removed once the env update that replaced it has completed (the policy depends on the env).
resource "phala_encrypted_env" "app" {
  cvm_id = "cvm_base01"
  env    = { API_KEY = "example-api-key", LOG_LEVEL = "info" }
}

resource "phala_app_policy" "app" {
  app_id           = phala_encrypted_env.app.app_id
  compose_hashes   = [phala_encrypted_env.app.compose_hash]
  devices          = []   # no device listed one by one ...
  allow_any_device = true # ... because any device may run the app
}

# An app owned by a Safe: the provider writes the owners' batch and waits in "pending_owner".
resource "phala_app_policy" "treasury" {
  app_id         = "0xdb56f2e9369e0d7bd191099125a3f6c370f8ed15"
  compose_hashes = ["0x4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"]
  batch_file     = "${path.root}/treasury-policy.batch.json"
}

output "treasury_safe_tx_hash" {
  value = phala_app_policy.treasury.pending_safe_tx_hash
}
