# Import by app id (40 hex digits, optional 0x): the state then manages every part of the policy
# exactly as the chain has it — compose_hashes, devices and allow_any_device.
terraform import phala_app_policy.app 0xdb56f2e9369e0d7bd191099125a3f6c370f8ed15

# Or let Terraform write the configuration: with an import block
#   import {
#     to = phala_app_policy.app
#     id = "0xdb56f2e9369e0d7bd191099125a3f6c370f8ed15"
#   }
# run
terraform plan -generate-config-out=generated.tf
# generated.tf pins what the chain allows today and plans no change. Then edit the sets: the next
# plan shows exactly which hashes and devices would be added or removed.
