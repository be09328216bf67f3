#!/usr/bin/env bash
# No env value and no API key in any log (TF_LOG=trace) or terraform output; plans show values as
# sensitive; write-only values appear nowhere at all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
KEY=phak_Tr4ceTestKeyValue
sim_start "" --api-key "$KEY"
export PHALA_CLOUD_API_KEY=$KEY
{ phala_header; cat <<'TF'
resource "phala_encrypted_env" "e" {
  cvm_id   = "cvm_phala01"
  env      = { API_KEY = "env-secret-value-1" }
  env_file = "DATABASE_URL=file-secret-value-2\n"
}
resource "phala_encrypted_env" "w" {
  cvm_id         = "cvm_base01"
  env_wo         = { API_KEY = "wo-secret-value-3" }
  env_wo_version = 1
}
TF
} | write_config
tf_ok init -input=false
TF_LOG=trace TF_LOG_PATH=$WORK/apply.log tf_ok apply -auto-approve -input=false
cp "$WORK/last.out" "$WORK/apply.out"
TF_LOG=trace TF_LOG_PATH=$WORK/plan.log tf_plan_exit >/dev/null
cp "$WORK/last.out" "$WORK/plan.out"
sed -i 's/env-secret-value-1/env-secret-value-9/' "$TF/main.tf"
tf_plan_exit >/dev/null
assert_contains "$(tf_out)" "(sensitive value)" "changed env shown as sensitive"
cp "$WORK/last.out" "$WORK/plan2.out"
for f in apply.log apply.out plan.log plan.out plan2.out; do
    for s in "$KEY" env-secret-value file-secret-value wo-secret-value; do
        grep -q -- "$s" "$WORK/$f" && acc_fail "$s appears in $f"
    done
done
grep -q "wo-secret-value" "$TF/terraform.tfstate" && acc_fail "write-only value in the state"
grep -q "$KEY" "$TF/terraform.tfstate" && acc_fail "API key in the state"
[ "$(sim_env cvm_base01 | jq -r .API_KEY)" = "wo-secret-value-3" ] || acc_fail "write-only value not delivered"
echo PASS
