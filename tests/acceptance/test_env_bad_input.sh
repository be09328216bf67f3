#!/usr/bin/env bash
# Bad input is reported on the attribute (and map key) at fault before any API call: invalid key
# names, too many variables, an oversized value, an invalid public_key or transaction_hash,
# env_wo together with env; an unknown CVM fails the plan on cvm_id.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
expect_error() { # expect_error HCL TEXT… — plan must fail with every TEXT and without API calls
    local hcl=$1
    shift
    { phala_header; echo "$hcl"; } | write_config
    sim_admin POST /stats/reset >/dev/null
    tf plan -input=false && acc_fail "plan accepted: $hcl"
    for t in "$@"; do assert_contains "$(tf_out)" "$t" "diagnostic"; done
    assert_eq "$(sim_admin GET /stats | jq .total)" 0 "API calls for invalid input"
}
{ phala_header; echo 'resource "phala_encrypted_env" "e" { cvm_id = "cvm_phala01" }'; } | write_config
tf_ok init -input=false

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = { "bad-key" = "x", GOOD = "y" }
}' 'Invalid environment variable name' '"bad-key" is not a valid variable name' 'env = { "bad-key" = "x", GOOD = "y" }'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id   = "cvm_phala01"
  env_file = "1ST=x\n"
}' '"1ST" is not a valid variable name' 'env_file = "1ST=x\n"'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = merge({ for i in range(1000) : "K${i}" => "v" }, { for i in range(25) : "L${i}" => "v" })
}' 'Environment too large' '1024'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = { HUGE = format("%0131073d", 1) }
}' 'Environment too large' 'HUGE'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id     = "cvm_phala01"
  env        = { A = "b" }
  public_key = "0xnothex"
}' 'Invalid public key' 'public_key = "0xnothex"'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id           = "cvm_phala01"
  env              = { A = "b" }
  transaction_hash = "0x1234"
}' 'Invalid transaction hash' 'transaction_hash = "0x1234"'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = { A = "b" }
  env_wo = { A = "c" }
}' 'Conflicting attributes'

expect_error 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = { A = "b" }
  timeouts {
    update = "soon"
  }
}' 'Invalid timeout' 'update = "soon"'

acc_log "unknown CVM: the plan fails on cvm_id, nothing stored"
{ phala_header; echo 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_nope"
  env    = { A = "b" }
}'; } | write_config
tf apply -auto-approve -input=false && acc_fail "apply on an unknown CVM succeeded"
assert_contains "$(tf_out)" "The CVM does not exist" "unknown CVM"
assert_contains "$(tf_out)" 'cvm_id = "cvm_nope"' "diagnostic points at cvm_id"
assert_eq "$(terraform -chdir="$TF" state list | wc -l)" 0 "nothing in state"
echo PASS
