#!/usr/bin/env bash
# The production failure of research/phala-api-2026-06.md §2.5 (SDK PR #494): the base contract has
# a replica an operator disabled, which accepts TCP and never answers, and the node-era kms_type
# fallback (X-Phala-Version 2026-05-22) routes the app-key lookup to it, so the call hangs for the
# server's 30 s KMS RPC timeout and fails with an empty message. The provider's replica-safe path
# (no pin) must finish far below that — timed here — for phala_app_pubkey named by kms_type and for
# phala_encrypted_env; pinned to the old version it must at least say what hung and that the server
# gave no reason.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
jq '.kms |= .[0:2] + [{id: "kms_base06", slug: "kms-base-prod6", url: "-", version: "v0.5.7",
                         contract: "kc_base01", enabled: false, blackhole: true}] + .[2:]' \
    "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json" # the server's KMS RPC timeout: 30 s, as in production
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f

acc_log "the trap is real: the pinned node-namespace lookup reaches the silent replica"
rc=0
curl -s -o /dev/null --max-time 5 -H "X-API-Key: phak_test_key" -H "X-Phala-Version: 2026-05-22" \
    "$SIM/api/v1/kms/base/pubkey/$APP" || rc=$?
assert_eq "$rc" 28 "curl timed out after 5 s (no answer from the disabled replica)"

acc_log "the replica-safe path: phala_app_pubkey by kms_type and phala_encrypted_env"
{ phala_header; cat <<TF
data "phala_app_pubkey" "base" {
  kms    = "base"
  app_id = "$APP"
}
resource "phala_encrypted_env" "worker" {
  cvm_id = "cvm_base01"
  env    = { API_KEY = "fast-path" }
}
output "verified" { value = data.phala_app_pubkey.base.verified }
output "status"   { value = phala_encrypted_env.worker.status }
TF
} | write_config
tf_ok init -input=false
sim_admin DELETE /requests >/dev/null
start=$(date +%s%N)
tf_ok apply -auto-approve -input=false
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
acc_log "terraform apply with a silent replica in the contract: ${elapsed} ms (the old path: >= 30000 ms)"
[ "$elapsed" -lt 15000 ] || acc_fail "apply took ${elapsed} ms: the lookup must not wait for the disabled replica"
assert_eq "$(terraform -chdir="$TF" output -raw verified)" true "key verified against the contract"
assert_eq "$(terraform -chdir="$TF" output -raw status)" applied "env applied"
assert_eq "$(sim_env cvm_base01)" '{"API_KEY":"fast-path"}' "the CVM decrypted the env"
log=$(sim_admin GET /requests)
assert_eq "$(jq '[.requests[] | select(.path | test("/pubkey/"))] | length' <<<"$log")" 2 \
    "one key lookup per consumer"
assert_eq "$(jq -c '[.requests[] | select(.path | test("/pubkey/")) | .version] | unique' <<<"$log")" \
    '["2026-06-23"]' "lookups on the current version, never the node-namespace pin"
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "second plan shows changes (exit $rc)"; }

acc_log "pinned to 2026-05-22 by hand: the client's timeout names the call that hung"
{ phala_header; cat <<TF
provider "phala" {
  api_version     = "2026-05-22"
  timeout_seconds = 3
  max_retries     = 0
}
data "phala_app_pubkey" "base" {
  kms    = "base"
  app_id = "$APP"
}
TF
} | write_config
rm -f "$TF/terraform.tfstate"
tf plan -input=false && acc_fail "the pinned lookup did not hang"
out=$(tf_out)
assert_contains "$out" "did not answer in time" "timeout diagnostic"
assert_contains "$out" "no complete answer to GET /kms/base/pubkey/$APP within 3000 ms" "names the call"

acc_log "…and when the server gives up first, the empty answer says so"
sim_admin POST /config '{"kms_rpc_timeout_ms": 1000}' >/dev/null
tf plan -input=false && acc_fail "the pinned lookup succeeded"
out=$(tf_out)
assert_contains "$out" "HTTP 500" "the server's error"
assert_contains "$out" "GET /kms/base/pubkey/$APP: the server gave no reason (HTTP 500 Internal Server Error, no message in the body)" \
    "an empty message is named as such, with the call"
echo PASS
