# Before approving a registration (a multisig owner, say): the compose hash a change of env keys
# asks the app contract to allow, computed from the compose that was approved before. It must equal
# phala_encrypted_env's compose_hash (and the hash in the provider's warning).
locals {
  approved_compose = jsonencode({
    runner              = "docker-compose"
    docker_compose_file = "services:\n  app:\n    image: nginx:latest\n"
    allowed_envs        = ["API_KEY"]
  })
}

output "compose_hash_now" {
  value = provider::phala::compose_hash(local.approved_compose) # "4b188ac5…aed6"
}

output "compose_hash_with_new_keys" {
  value = provider::phala::compose_hash(local.approved_compose, ["DATABASE_URL", "API_KEY"])
}
