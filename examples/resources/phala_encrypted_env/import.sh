# Import by CVM id: keys and public key come from the CVM; the next apply re-encrypts the
# configured values (they cannot be read back).
terraform import phala_encrypted_env.app cvm_phala01
