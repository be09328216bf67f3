# Who may get an app's keys: the allowed compose hashes and devices on its DstackApp contract, each
# confirmed by a view call, and whether each of the app's CVMs would boot now. Needs the app's chain:
# provider "phala" { onchain { rpc_url = "https://mainnet.base.org" } } (or PHALA_ONCHAIN_RPC_URL).
data "phala_app_policy" "app" {
  app_id = "0x0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
  # On a long chain, start the event search at the app's deployment block; hashes and devices the
  # app's CVMs use are found even when their logs are older.
  from_block = 24000000
}

output "allowed_compose_hashes" {
  value = data.phala_app_policy.app.compose_hashes
}

output "cvms_that_would_not_boot" {
  value = [for c in data.phala_app_policy.app.cvms : c.cvm_id if !c.would_boot]
}

output "owner_is_multisig" {
  value = data.phala_app_policy.app.owner_safe != null
}
