#!/usr/bin/env bash
# Provider functions through the real terraform (outputs and `terraform console`): cvm_id in every
# form the API accepts, parse_dotenv on the dotenv fixtures (the same values env_file sends to the
# CVM), env_pubkey_signer on the signature vectors of research/phala-api.md §4.4, and errors that
# name the argument at fault. Functions are pure: the same call twice gives the same result.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
{ phala_header; echo 'output "ok" { value = provider::phala::cvm_id("cvm_phala01") }'; } | write_config
tf_ok init -input=false
console() { printf '%s\n' "$1" | terraform -chdir="$TF" console -no-color 2>&1; }

acc_log "cvm_id: the SDKs' normalisation"
assert_eq "$(console 'provider::phala::cvm_id("6f1d0c3e-2b4a-4c8d-9e7f-0a1b2c3d4e5f")')" '"6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f"' "UUID with dashes"
assert_eq "$(console 'provider::phala::cvm_id("6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f")')" '"6f1d0c3e2b4a4c8d9e7f0a1b2c3d4e5f"' "UUID without dashes"
assert_eq "$(console 'provider::phala::cvm_id("0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f")')" '"app_0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"' "app id"
assert_eq "$(console 'provider::phala::cvm_id("app_0b5e6d8f")')" '"app_0b5e6d8f"' "app_ form"
assert_eq "$(console 'provider::phala::cvm_id("cvm_phala01")')" '"cvm_phala01"' "other ids as they are"
out=$(console 'provider::phala::cvm_id("..")') || true
assert_contains "$out" 'Invalid value for "id" parameter' "the error names the argument"

acc_log "parse_dotenv: the dotenv fixtures, as env_file reads them"
for env in "$REPO_ROOT"/tests/data/dotenv/*.env; do
    want=$(jq -cS 'map({(.[0]): .[1]}) | add // {}' "${env%.env}.expected.json") # pairs, in order
    got=$(console "jsonencode(provider::phala::parse_dotenv(file(\"$env\")))" | jq -r . | jq -cS .)
    assert_eq "$got" "$want" "parse_dotenv of $(basename "$env")"
done
acc_log "parse_dotenv and env_file put the same env on the CVM"
{ phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = provider::phala::parse_dotenv(file("$REPO_ROOT/tests/data/dotenv/basic.env"))
}
TF
} | write_config
tf_ok apply -auto-approve -input=false
via_function=$(sim_env cvm_phala01)
{ phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id   = "cvm_phala01"
  env_file = file("$REPO_ROOT/tests/data/dotenv/basic.env")
}
TF
} | write_config
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env cvm_phala01)" "$via_function" "the CVM's env both ways"
tf_ok destroy -auto-approve -input=false

acc_log "env_pubkey_signer: the §4.4 vectors (legacy signatures)"
for name in upstream_legacy upstream_legacy_0x_app_id; do
    v=$(jq -c --arg n "$name" '.valid[] | select(.name == $n)' "$REPO_ROOT/tests/data/crypto/pubkey_sig.json")
    call="provider::phala::env_pubkey_signer(\"$(jq -r .public_key <<<"$v")\", \"$(jq -r .signature <<<"$v")\", \"$(jq -r .app_id <<<"$v")\")"
    assert_eq "$(console "$call")" "\"0x$(jq -r .signer <<<"$v")\"" "signer of $name"
    assert_eq "$(console "$call == $call")" "true" "$name: the same arguments, the same result"
done
out=$(console 'provider::phala::env_pubkey_signer("e33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a", "00", "0000000000000000000000000000000000000000")') || true
assert_contains "$out" 'Invalid value for "signature" parameter' "a bad signature is blamed on signature"
out=$(console 'provider::phala::env_pubkey_signer("e33a", "00", "0000000000000000000000000000000000000000")') || true
assert_contains "$out" 'Invalid value for "public_key" parameter' "a bad key is blamed on public_key"
out=$(console 'provider::phala::env_pubkey_signer("e33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a", "8542c49081fbf4e03f62034f13fbf70630bdf256a53032e38465a27c36fd6bed7a5e7111652004aef37f7fd92fbfc1285212c4ae6a6154203a48f5e16cad2cef00", "xyz")') || true
assert_contains "$out" 'Invalid value for "app_id" parameter' "a bad app id is blamed on app_id"

acc_log "functions in outputs, planned and applied"
{ phala_header; cat <<'TF'
output "id" { value = provider::phala::cvm_id("6F1D0C3E-2B4A-4C8D-9E7F-0A1B2C3D4E5F") }
output "env" { value = provider::phala::parse_dotenv("A=1\nexport B=\"two words\"\n") }
TF
} | write_config
tf_ok apply -auto-approve -input=false
assert_eq "$(terraform -chdir="$TF" output -raw id)" "6F1D0C3E2B4A4C8D9E7F0A1B2C3D4E5F" "output of cvm_id"
assert_eq "$(terraform -chdir="$TF" output -json env | jq -cS .)" '{"A":"1","B":"two words"}' "output of parse_dotenv"
echo PASS
