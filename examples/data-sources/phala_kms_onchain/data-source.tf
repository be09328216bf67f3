# The KMS contracts on Base, with their verification anchors and the devices and OS images they
# allow.
data "phala_kms_onchain" "base" {
  chain = "base"
}

output "anchors" {
  value = { for c in data.phala_kms_onchain.base.contracts : c.contract_address => {
    k256_pubkey = c.k256_pubkey
    ca_pubkey   = c.ca_pubkey
    gateway     = c.gateway_contract_address
  } }
}

output "allowed_devices" {
  value = flatten([for c in data.phala_kms_onchain.base.contracts :
  [for d in c.devices : d.device_id if d.on_chain_allowed == true]])
}
