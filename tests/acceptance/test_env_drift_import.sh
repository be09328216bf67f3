#!/usr/bin/env bash
# Drift of a CVM's allowed env keys is reported by plan and -refresh-only and fixed by apply; a
# CVM deleted out of band is planned for re-creation; import by CVM id (CLI and import block)
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
assert_contains "$(tf_out)" "public_key" "plan shows the new key"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","DATABASE_URL":"d"}' "decrypts with the rotated key"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after rotation shows changes"; }

acc_log "import with the CLI"
tf_ok state rm phala_encrypted_env.e
tf_ok import -input=false phala_encrypted_env.e $CVM
assert_eq "$(state_attr phala_encrypted_env.e '.env_keys | join(",")')" "API_KEY,DATABASE_URL" "imported keys"
[ "$(state_attr phala_encrypted_env.e .public_key)" != null ] || acc_fail "imported public key"
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

acc_log "CVM deleted out of band: the next plan re-creates"
tf_ok import -input=false phala_encrypted_env.e $CVM
sim_admin DELETE /cvms/$CVM >/dev/null
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "a deleted CVM must plan a create (exit $rc)"; }
assert_contains "$(tf_out)" "will be created" "re-create planned"
echo PASS
