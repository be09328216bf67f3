# Quickstart used by `make demo`: points the provider at the local simulator.
terraform {
  required_providers {
    phala = {
      source = "local.dev/phala/phala"
    }
  }
}

variable "api_prefix" {
  type        = string
  description = "Phala Cloud API base URL (the demo passes the simulator's)."
}

provider "phala" {
  api_prefix = var.api_prefix
}
