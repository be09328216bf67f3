# The KMS contracts on Base, with the devices and OS images they allow.
data "phala_kms_onchain" "base" {
  chain = "base"
}

output "allowed_devices" {
  value = flatten([for c in data.phala_kms_onchain.base.contracts :
    [for d in c.devices : d.device_id if d.on_chain_allowed == true]])
}
