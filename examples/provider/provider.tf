terraform {
  required_providers {
    phala = {
      source = "local.dev/phala/phala"
    }
  }
}

# The API key comes from PHALA_CLOUD_API_KEY unless set here; it is never stored in state. In CI
# without a long-lived key, an OIDC token (PHALA_OIDC_TOKEN, or oidc_token) works instead.
provider "phala" {
  # api_key       = var.phala_api_key
  # oidc_token    = var.github_oidc_token # an ephemeral variable; used only without api_key
  # workspace     = "my-team"             # X-Phala-Workspace; else PHALA_CLOUD_WORKSPACE
  # api_prefix    = "https://cloud-api.phala.com/api/v1"
  timeout_seconds = 60

  # Optional: lets the provider register compose hashes on-chain itself.
  # onchain {
  #   rpc_url     = "https://mainnet.base.org"
  #   private_key = var.app_owner_key
  # }
}
