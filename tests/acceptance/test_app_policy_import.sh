#!/usr/bin/env bash
# Importing phala_app_policy by app id: an import block with -generate-config-out writes a
# configuration that pins what the chain allows (compose hashes, devices, allow_any_device) and
# plans no change; `terraform import` gives the same state; a malformed id is refused.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
policy_world
HA=$(hex32 a1) DA=$(hex32 da)
send_from "$OWNER" "0x$APP0" "0xdfc77223$HA"
send_from "$OWNER" "0x$APP0" "0x2a819728$DA"
{ phala_header; cat <<TF
import {
  to = phala_app_policy.p
  id = "0x$(tr a-f A-F <<<"$APP0")"
}
TF
} | write_config
tf_ok init -input=false
n0=$(nonce "$OWNER")
tf_ok plan -input=false -generate-config-out=generated.tf
gen=$(cat "$TF/generated.tf")
assert_contains "$gen" "0x$H0" "the generated configuration pins the CVM's hash"
assert_contains "$gen" "0x$HA" "and the other allowed hash"
assert_contains "$gen" "0x$DA" "and the device"
assert_contains "$gen" "allow_any_device" "and allow_any_device"
assert_contains "$gen" "app_id" "and the app"
plan_exits 2 "the import itself is planned"
assert_contains "$(tf_out)" "1 to import, 0 to add, 0 to change, 0 to destroy" "no change besides the import"
tf_ok apply -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" "$n0" "an import sends nothing"
assert_eq "$(state_attr phala_app_policy.p .status)" in_sync "status"
plan_exits 0 "the generated configuration must plan no change"

acc_log "terraform import: the same state"
state_before=$(terraform -chdir="$TF" show -json | jq -cS '.values.root_module.resources[0].values')
tf_ok state rm phala_app_policy.p
sed -i '/^import {/,/^}/d' "$TF/main.tf"
tf_ok import -input=false phala_app_policy.p "$APP0"
state_after=$(terraform -chdir="$TF" show -json | jq -cS '.values.root_module.resources[0].values')
assert_eq "$(jq -c '{compose_hashes, devices, allow_any_device, app_id: (.app_id | ascii_downcase | ltrimstr("0x"))}' <<<"$state_after")" \
    "$(jq -c '{compose_hashes, devices, allow_any_device, app_id: (.app_id | ascii_downcase | ltrimstr("0x"))}' <<<"$state_before")" "same sets"
tf_ok state rm phala_app_policy.p
tf import -input=false phala_app_policy.p "0x12" && acc_fail "a malformed id must be refused"
assert_contains "$(tf_out)" "Invalid import id" "import id error"
echo PASS
