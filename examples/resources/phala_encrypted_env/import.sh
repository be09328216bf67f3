# Import by any id the API accepts for the CVM: its id (cvm_…), its UUID (with or without dashes),
# its app id (40 hex digits) or app_<app id>; cvm_id may spell it in any of them. The keys come from the
# CVM; the values cannot be read back, so the next apply re-encrypts the configured ones (and the
# public key appears in state with that apply).
terraform import phala_encrypted_env.app cvm_phala01

# Or let Terraform write the configuration: with an import block
#   import {
#     to = phala_encrypted_env.app
#     id = "cvm_phala01"
#   }
# run
terraform plan -generate-config-out=generated.tf
# generated.tf has cvm_id, and env / env_file / env_wo as `null # sensitive`: fill one of them in
# before applying — the plan warns ("No variables configured") that applying it as written would
# replace the CVM's variables with none.
