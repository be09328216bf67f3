# The same compose hashed as the indented app-compose.json Phala Cloud writes: whichever of the two
# equals the CVM's current compose hash tells the form its hashes use.
locals {
  compose = file("${path.module}/app-compose.json")
}

output "compose_hash_forms" {
  value = {
    compact  = provider::phala::compose_hash(local.compose)         # "4b188ac5…aed6"
    indented = provider::phala::compose_hash_indent4(local.compose) # "a4cfd123…d03a"
  }
}
