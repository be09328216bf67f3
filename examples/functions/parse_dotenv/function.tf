# The variables of a dotenv file, exactly as phala_encrypted_env's env_file reads them: merge
# overrides in, or pick single values.
locals {
  base = provider::phala::parse_dotenv(file("${path.module}/prod.env"))
}

output "database_host" {
  value = local.base["DATABASE_HOST"]
}
