#!/usr/bin/env bash
# Drift of a CVM's allowed env keys is reported by plan and -refresh-only and fixed by apply; a
# CVM deleted out of band fails the plan with what to do (not a create that can only fail); import by CVM id (CLI and import block)
# converges after one apply that re-encrypts the configured values.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
config() { { phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "$CVM"
  env    = { API_KEY = "a", DATABASE_URL = "d" }
}
$1
TF
} | write_config; }

config ""
tf_ok init -input=false
tf_ok apply -auto-approve -input=false

acc_log "drift: allowed_envs changed by hand"
sim_admin POST /cvms/$CVM/allowed_envs '{"allowed_envs": ["API_KEY", "DATABASE_URL", "INJECTED"]}' >/dev/null
tf_ok plan -refresh-only -input=false
assert_contains "$(tf_out)" "Objects have changed outside of Terraform" "refresh-only"
assert_contains "$(tf_out)" "INJECTED" "refresh-only shows the remote key"
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "drift must plan changes (exit $rc)"; }
assert_contains "$(tf_out)" "env_keys" "plan names env_keys"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_admin GET /envs/$CVM | jq -c .allowed_envs)" '["API_KEY","DATABASE_URL"]' "apply restores allowed_envs"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after fixing drift shows changes"; }

acc_log "a rotated CVM key plans a re-encryption"
sim_admin POST /kms/kms_phala01/rotate >/dev/null
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "a rotated key must plan a re-encryption (exit $rc)"; }
new_key=$(curl -sS -H "X-API-Key: $PHALA_CLOUD_API_KEY" "$PHALA_CLOUD_API_PREFIX/cvms/$CVM" | jq -r .kms_info.encrypted_env_pubkey)
assert_contains "$(flatten "$(tf_out)")" "The CVM's encryption key changed" "plan says why it re-encrypts"
assert_contains "$(flatten "$(tf_out)")" "the CVM's key is $new_key now" "plan shows the new key"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","DATABASE_URL":"d"}' "decrypts with the rotated key"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after rotation shows changes"; }

acc_log "import with the CLI"
tf_ok state rm phala_encrypted_env.e
tf_ok import -input=false phala_encrypted_env.e $CVM
assert_eq "$(state_attr phala_encrypted_env.e '.env_keys | join(",")')" "API_KEY,DATABASE_URL" "imported keys"
# no key until the first apply: -generate-config-out would otherwise write it, pinning it
assert_eq "$(state_attr phala_encrypted_env.e .public_key)" null "imported public key"
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "after import the values must be re-encrypted (exit $rc)"; }
n=$(sim_admin GET /envs/$CVM | jq .updates)
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_admin GET /envs/$CVM | jq .updates)" $((n + 1)) "one update after import"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "import does not converge"; }

acc_log "import block"
tf_ok state rm phala_encrypted_env.e
config "import {
  to = phala_encrypted_env.e
  id = \"$CVM\"
}"
tf_ok apply -auto-approve -input=false
assert_contains "$(tf_out)" "1 imported" "import block applied"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "import block does not converge"; }

acc_log "importing an unknown CVM fails clearly"
tf_ok state rm phala_encrypted_env.e
config ""
tf import -input=false phala_encrypted_env.e cvm_nope && acc_fail "import of an unknown CVM succeeded"
assert_contains "$(tf_out)" "Cannot import non-existent remote object" "unknown CVM import"

acc_log "CVM deleted out of band: the plan says so instead of proposing a create that must fail"
tf_ok import -input=false phala_encrypted_env.e $CVM
sim_admin DELETE /cvms/$CVM >/dev/null
rc=$(tf_plan_exit)
[ "$rc" = 1 ] || { tf_out; acc_fail "a deleted CVM must fail the plan (exit $rc)"; }
out=$(flatten "$(tf_out)")
assert_not_contains "$out" "will be created" "no create proposed"
assert_contains "$out" "The CVM no longer exists" "refresh says it is gone"
assert_contains "$out" "There is no CVM $CVM" "the plan names the CVM"
assert_contains "$out" "remove this resource from the configuration" "and what to do"
acc_log "removing the resource from the configuration then plans nothing, and destroy works"
{ phala_header; echo 'resource "terraform_data" "other" {}'; } | write_config
tf_ok apply -auto-approve -input=false
assert_contains "$(tf_out)" "Resources: 1 added, 0 changed, 0 destroyed" "nothing to do for the deleted CVM"
assert_eq "$(terraform -chdir="$TF" state list | grep -c phala_encrypted_env || true)" 0 "its env left the state"
tf_ok destroy -auto-approve -input=false
echo PASS
