#!/usr/bin/env bash
# Ids that would become another endpoint once in a request path ("" , ".", "..": libcurl and
# servers collapse dot segments, so kms_id = "." read GET /kms/, the list) are refused by
# `terraform validate` on the attribute that holds them, for every data source and the resource,
# and as import ids; ids with characters that need escaping reach the API percent-encoded.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
{ phala_header; echo 'data "phala_kms_contracts" "all" {}'; } | write_config
tf_ok init -input=false

refused() { # refused ATTRIBUTE HCL — validate fails naming the attribute, and no request is sent
    { phala_header; echo "$2"; } | write_config
    sim_admin DELETE /requests >/dev/null
    tf validate -no-color && acc_fail "validate accepted: $2"
    assert_contains "$(tf_out)" "Invalid id" "validate of $1"
    assert_contains "$(tf_out)" "$1 =" "the diagnostic points at $1"
    assert_eq "$(sim_admin GET /requests | jq '.requests | length')" 0 "requests sent for an invalid $1"
}
for bad in "." ".." ""; do
    refused kms_id "data \"phala_kms_info\" \"x\" { kms_id = \"$bad\" }"
    refused kms "data \"phala_app_pubkey\" \"x\" {
  kms    = \"$bad\"
  app_id = \"0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f\"
}"
    refused chain "data \"phala_kms_onchain\" \"x\" { chain = \"$bad\" }"
    refused contract "data \"phala_kms_contract\" \"x\" { contract = \"$bad\" }"
    refused cvm_id "resource \"phala_encrypted_env\" \"x\" {
  cvm_id = \"$bad\"
  env    = { A = \"1\" }
}"
done

acc_log "import of \"..\" is refused before any request"
{ phala_header; echo 'resource "phala_encrypted_env" "x" {
  cvm_id = "cvm_phala01"
  env    = { A = "1" }
}'; } | write_config
sim_admin DELETE /requests >/dev/null
tf import -input=false phala_encrypted_env.x .. && acc_fail "import of .. accepted"
assert_contains "$(tf_out)" "Invalid import id" "import diagnostic"
assert_eq "$(sim_admin GET /requests | jq '.requests | length')" 0 "requests sent for import id .."

acc_log "an id that needs escaping is sent percent-encoded, as one segment"
{ phala_header; echo 'data "phala_kms_contract" "x" { contract = "a/../b c" }'; } | write_config
sim_admin DELETE /requests >/dev/null
tf plan -input=false -no-color || true
assert_contains "$(tf_out)" 'a/../b c' "the unknown contract is named"
# the simulator logs the decoded path: had the id gone out unescaped, libcurl would have collapsed
# "a/../b" and the log would read /kms/b c
path=$(sim_admin GET /requests | jq -r '.requests[0].path')
assert_eq "$path" "/kms/a/../b c" "the request path (decoded by the simulator)"
echo PASS
