#!/usr/bin/env bash
# Provider logs are JSON lines that Terraform parses at their level (TF_LOG_PROVIDER), and no
# secret (sensitive or write-only value) ever reaches them, even at trace level.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$TFTEST_BIN" test tftest
export TFTEST_STORE_DIR=$WORK/store
mkdir -p "$TFTEST_STORE_DIR"
write_config <<'TF'
terraform {
  required_providers {
    tftest = { source = "local.dev/test/tftest" }
  }
}
resource "tftest_thing" "l" {
  name     = "logged"
  token_wo = "write-only-secret-value"
}
resource "tftest_thing" "s" {
  name  = "sensitive"
  token = "sensitive-value-in-state"
}
TF
tf_ok init -input=false
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok apply -auto-approve -input=false
log=$(cat "$WORK/trace.log")
grep -F "[DEBUG] provider.terraform-provider-tftest_v0.1.0: ApplyResourceChange:" <<<"$log" |
    grep -qF "type_name=tftest_thing" || acc_fail "no debug line for ApplyResourceChange with its type_name"
assert_contains "$log" "[TRACE] provider.terraform-provider-tftest_v0.1.0: received gRPC call" "trace log"
assert_not_contains "$log" "write-only-secret-value" "trace log"
assert_not_contains "$log" "sensitive-value-in-state" "trace log"
assert_not_contains "$log" "@level" "trace log (every provider line was parsed as JSON)"

TF_LOG_PROVIDER=error TF_LOG_PATH=$WORK/error.log tf_ok plan -input=false
assert_not_contains "$(cat "$WORK/error.log")" "provider.terraform-provider-tftest_v0.1.0: PlanResourceChange" "error-level log"
echo PASS
