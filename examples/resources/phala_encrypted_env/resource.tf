# Encrypted env of a CVM on Phala's KMS: values are encrypted locally for the CVM's key.
resource "phala_encrypted_env" "app" {
  cvm_id = "cvm_phala01"

  # dotenv text (e.g. file("prod.env")); `env` wins on a duplicate key
  env_file = <<-DOTENV
    LOG_LEVEL=info
  DOTENV

  env = {
    API_KEY      = "example-api-key" # use a sensitive variable in real configurations
    DATABASE_URL = "postgres://app@db:5432/app"
  }
}

# With Terraform >= 1.11, keep values out of state entirely: bump env_wo_version to send new ones.
resource "phala_encrypted_env" "onchain" {
  cvm_id         = "cvm_base01"
  env_wo         = { API_KEY = "example-write-only-key" }
  env_wo_version = 1
  # transaction_hash = "0x…"   # set after registering the compose hash a key change asks for
}

output "app_env_keys" {
  value = phala_encrypted_env.app.env_keys
}

output "onchain_status" {
  value = phala_encrypted_env.onchain.status
}
