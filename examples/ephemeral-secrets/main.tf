# Secrets that Terraform never stores: ephemeral variables (and a local built from one) feed the
# write-only env_wo. Give the values at every plan and apply, e.g. TF_VAR_db_password and
# TF_VAR_api_token from the CI job's secret store; bump secrets_version when they change.
terraform {
  required_version = ">= 1.11" # ephemeral variables: 1.10; write-only attributes (env_wo): 1.11
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}

variable "db_password" {
  type      = string
  ephemeral = true # in no plan file and no state
  sensitive = true # and never shown
}

variable "api_token" {
  type      = string
  ephemeral = true
  sensitive = true
}

# Not ephemeral: it is stored, and a change of it is what sends env_wo again.
variable "secrets_version" {
  type    = number
  default = 1
}

locals {
  # Built from an ephemeral value, so ephemeral too.
  database_url = "postgres://app:${var.db_password}@db.internal:5432/app"
}

resource "phala_encrypted_env" "app" {
  cvm_id = "cvm_phala01"
  env_wo = {
    DATABASE_URL = local.database_url
    API_TOKEN    = var.api_token
  }
  env_wo_version = var.secrets_version
}

output "env_keys" {
  value = phala_encrypted_env.app.env_keys # the names are stored; the values never
}
