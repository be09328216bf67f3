#!/usr/bin/env bash
# The API key never appears in Terraform's trace log, the provider's stderr or the state, and is
# not an attribute of anything stored.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
KEY=phak_Sup3rS3cretKeyValue
sim_start "" --api-key "$KEY"
export PHALA_CLOUD_API_KEY=$KEY
{ phala_header; cat <<'TF'
data "phala_kms_list" "all" {}
data "phala_app_pubkey" "app" {
  kms    = "kms-base-prod1"
  app_id = "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
}
resource "phala_app_ids" "ids" {
  counts = 1
}
TF
} | write_config
tf_ok init -input=false
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok apply -auto-approve -input=false
cp "$WORK/last.out" "$WORK/apply.out"
grep -c "provider.terraform-provider-phala" "$WORK/trace.log" >/dev/null || acc_fail "no provider lines in the trace log"
grep -q "GET /kms" "$WORK/trace.log" || acc_fail "HTTP requests are not logged at debug level"
for f in trace.log apply.out; do
    grep -q "$KEY" "$WORK/$f" && acc_fail "the API key appears in $f"
done
grep -q "$KEY" "$TF/terraform.tfstate" && acc_fail "the API key appears in the state"
echo PASS
