# The id phala_encrypted_env and the API use, from whatever form another tool printed.
output "cvm_id" {
  value = provider::phala::cvm_id("6f1d0c3e-2b4a-4c8d-9e7f-0a1b2c3d4e5f") # "6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f"
}
