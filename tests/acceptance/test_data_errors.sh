#!/usr/bin/env bash
# Errors a user can meet with the data sources, each asserted by its diagnostic text and the
# attribute it points at: wrong API key, unknown KMS, invalid app_id, a signature that does not
# match, a 503 burst with Retry-After (retried, succeeds) and a permanent 500 (clear error).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f
config() { { phala_header; echo "$1"; } | write_config; }

config 'data "phala_kms_info" "x" {
  kms_id = "kms-base-prod1"
}'
tf_ok init -input=false

acc_log "wrong API key"
PHALA_CLOUD_API_KEY=phak_wrong tf plan -input=false && acc_fail "plan with a wrong key succeeded"
out=$(tf_out)
assert_contains "$out" "HTTP 401" "401 diagnostic"
assert_contains "$out" "PHALA_CLOUD_API_KEY" "401 diagnostic says what to check"
assert_not_contains "$out" "phak_wrong" "401 diagnostic"

acc_log "unknown KMS: error on kms_id with the API's message and request id"
config 'data "phala_kms_info" "x" {
  kms_id = "kms_nope"
}'
tf plan -input=false && acc_fail "plan with an unknown KMS succeeded"
out=$(tf_out)
assert_contains "$out" "Cannot read the KMS" "404 diagnostic"
assert_contains "$out" "KMS not found" "the API's message"
assert_contains "$out" "sim-" "the request id"
assert_contains "$out" 'kms_id = "kms_nope"' "diagnostic points at kms_id"

acc_log "invalid app_id is rejected at plan time, before any request"
sim_admin POST /stats/reset >/dev/null
config 'data "phala_app_pubkey" "x" {
  kms    = "kms-base-prod1"
  app_id = "0xnot-an-app-id"
}'
tf validate && acc_fail "validate accepted a bad app_id"
out=$(tf_out)
assert_contains "$out" "is not an app id: expected 40 hex digits" "app_id diagnostic"
assert_contains "$out" 'app_id = "0xnot-an-app-id"' "diagnostic points at app_id"
assert_eq "$(sim_admin GET /stats | jq .total)" 0 "no request for an invalid app_id"

acc_log "a signature that does not match the expected signer"
OTHER=0x031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f
config "data \"phala_app_pubkey\" \"x\" {
  kms             = \"kms-base-prod1\"
  app_id          = \"$APP\"
  expected_signer = \"$OTHER\"
}"
tf plan -input=false && acc_fail "a mismatching signature was accepted"
out=$(tf_out)
assert_contains "$out" "App key signature does not match" "mismatch diagnostic"
assert_contains "$out" "but $OTHER was expected" "names the expected key"
K256=$(curl -s -H "X-API-Key: phak_test_key" "$SIM/api/v1/kms/kms-base-prod1" | jq -r .k256_pubkey)
assert_contains "$out" "was signed by $K256" "names the recovered key"
assert_contains "$out" "expected_signer = \"$OTHER\"" "diagnostic points at expected_signer"

acc_log "503 burst with Retry-After: retried, then succeeds"
config 'data "phala_kms_info" "x" {
  kms_id = "kms-base-prod1"
}
output "slug" { value = data.phala_kms_info.x.slug }'
sim_admin POST /faults '{"count": 2, "status": 503, "retry_after": "1", "path_prefix": "/api/v1/kms"}' >/dev/null
start=$(date +%s%N)
tf_ok apply -auto-approve -input=false
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "$(terraform -chdir="$TF" output -raw slug)" kms-base-prod1 "result after retries"
[ "$elapsed" -ge 2000 ] || acc_fail "Retry-After not honoured (${elapsed} ms for two 1 s waits)"

acc_log "permanent 500: a clear error"
config 'provider "phala" {
  max_retries = 1
}
data "phala_kms_info" "x" {
  kms_id = "kms-base-prod1"
}'
sim_admin POST /faults '{"count": 50, "status": 500, "path_prefix": "/api/v1/kms"}' >/dev/null
tf plan -input=false -refresh=true && acc_fail "plan succeeded against a failing server"
out=$(tf_out)
assert_contains "$out" "Cannot read the KMS" "500 diagnostic"
assert_contains "$out" "HTTP 500" "500 diagnostic"
sim_admin DELETE /faults >/dev/null
echo PASS
