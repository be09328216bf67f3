#!/usr/bin/env bash
# Import that writes its own configuration: `terraform plan -generate-config-out` after an
# `import {}` block writes a phala_encrypted_env that passes `terraform validate` and plans without
# errors — sensitive and write-only attributes null, computed ones left out, no public_key pinned —
# and the plan warns that applying it as written would empty the CVM's env. Filled in, it applies
# once and converges. Import works with every id form the API accepts for a CVM, and a cvm_id
# spelled in another form than the import's is the same object (no replacement).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
APP=$(jq -r '.cvms[] | select(.id == "cvm_phala01") | .app_id' "$REPO_ROOT/tests/sim/seed-default.json")
api_cvm() { curl -sS -H "X-API-Key: $PHALA_CLOUD_API_KEY" "$PHALA_CLOUD_API_PREFIX/cvms/$1"; }
updates() { sim_admin GET /envs/$CVM | jq .updates; }
before_keys=$(sim_admin GET /envs/$CVM | jq -c .allowed_envs)
[ "$before_keys" != '[]' ] && [ "$before_keys" != null ] || acc_fail "the seed CVM has no allowed env keys ($before_keys)"

acc_log "import {} + plan -generate-config-out"
{ phala_header; cat <<TF
import {
  to = phala_encrypted_env.e
  id = "$CVM"
}
TF
} | write_config
tf_ok init -input=false
n0=$(updates)
tf_ok plan -input=false -generate-config-out=generated.tf
gen=$TF/generated.tf
[ -s "$gen" ] || acc_fail "no generated configuration"
for computed in id status encrypted_env env_keys compose_hash chain_id correlation_id \
    kms_contract_address allowed_envs_changed device_id onchain_status; do
    grep -Eq "^ *$computed +=" "$gen" && { cat "$gen" >&2; acc_fail "computed attribute $computed was written"; }
done
# app_id is optional (it pins the CVM's app, issue 17): an import by cvm_ id pins nothing
grep -Eq '^ *app_id += null' "$gen" || { cat "$gen" >&2; acc_fail "app_id must be written as null"; }
grep -Eq "^ *cvm_id += \"$CVM\"" "$gen" || { cat "$gen" >&2; acc_fail "cvm_id not written"; }
grep -Eq '^ *public_key += null' "$gen" || { cat "$gen" >&2; acc_fail "public_key must not be pinned by the import"; }
for s in env env_file env_wo; do
    grep -Eq "^ *$s += null # sensitive" "$gen" || { cat "$gen" >&2; acc_fail "$s not written as a null sensitive value"; }
done
out=$(flatten "$(tf_out)")
assert_contains "$out" "No variables configured" "the plan warns before an empty env is applied"
assert_contains "$out" "replaces the 2 variables of CVM $CVM (API_KEY, DATABASE_URL) with none" "names what would go"

acc_log "the generated configuration validates and plans without errors"
tf_ok validate
tf_ok plan -input=false
assert_contains "$(tf_out)" "1 to import" "import planned"
assert_contains "$(flatten "$(tf_out)")" "No variables configured" "warning on the plain plan too"
assert_eq "$(updates)" "$n0" "planning sent nothing"
assert_eq "$(sim_admin GET /envs/$CVM | jq -c .allowed_envs)" "$before_keys" "the CVM keeps its keys"

acc_log "filled in, it applies once and converges"
sed -i 's/^\( *env *\)= null # sensitive/\1= { API_KEY = "a", DATABASE_URL = "d" }/' "$gen"
tf_ok plan -input=false
assert_not_contains "$(flatten "$(tf_out)")" "No variables configured" "no warning once filled in"
tf_ok apply -auto-approve -input=false
assert_contains "$(tf_out)" "1 imported" "imported"
assert_eq "$(updates)" $((n0 + 1)) "one update"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","DATABASE_URL":"d"}' "the CVM has the filled-in env"
key=$(api_cvm $CVM | jq -r .kms_info.encrypted_env_pubkey)
assert_eq "$(state_attr phala_encrypted_env.e .public_key)" "$key" "the key is in state after the first apply"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "generated configuration does not converge ($rc)"; }

acc_log "import by every id form the API accepts"
uuid=$(api_cvm $CVM | jq -r .vm_uuid)
[[ "$uuid" =~ ^[0-9a-f-]{36}$ ]] || acc_fail "no vm_uuid from the simulator ($uuid)"
rm -f "$gen"
for id in "app_$APP" "$APP" "$uuid" "${uuid//-/}" "$CVM"; do
    acc_log "  import id $id"
    tf_ok state rm phala_encrypted_env.e
    { phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "$id"
  env    = { API_KEY = "a", DATABASE_URL = "d" }
}
TF
    } | write_config
    tf_ok import -input=false phala_encrypted_env.e "$id"
    assert_eq "$(state_attr phala_encrypted_env.e '.env_keys | join(",")')" "API_KEY,DATABASE_URL" "$id: imported keys"
    tf_ok apply -auto-approve -input=false
    assert_contains "$(tf_out)" "1 changed" "$id: one update in place (no replacement)"
    rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "$id: import does not converge ($rc)"; }
done
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","DATABASE_URL":"d"}' "the env after all imports"

acc_log "imported by UUID, configured by cvm_ id: the same CVM, updated in place, not replaced"
tf_ok state rm phala_encrypted_env.e
tf_ok import -input=false phala_encrypted_env.e "$uuid"
tf_ok plan -input=false
assert_not_contains "$(tf_out)" "must be replaced" "no replacement for another spelling of the id"
tf_ok apply -auto-approve -input=false
assert_contains "$(tf_out)" "0 added, 1 changed, 0 destroyed" "one update in place"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "another spelling of the id does not converge ($rc)"; }
acc_log "another CVM in cvm_id is still a replacement"
{ phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_base01"
  env    = { API_KEY = "a", DATABASE_URL = "d" }
}
TF
} | write_config
tf_ok plan -input=false
assert_contains "$(tf_out)" "must be replaced" "a different CVM replaces"
echo PASS
