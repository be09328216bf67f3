terraform {
  required_providers {
    phala = {
      source = "local.dev/phala/phala"
    }
  }
}

# The API key comes from PHALA_CLOUD_API_KEY unless set here; it is never stored in state.
provider "phala" {
  # api_key       = var.phala_api_key
  # api_prefix    = "https://cloud-api.phala.com/api/v1"
  timeout_seconds = 30

  # Optional: lets the provider register compose hashes on-chain itself.
  # onchain {
  #   rpc_url     = "https://mainnet.base.org"
  #   private_key = var.app_owner_key
  # }
}
