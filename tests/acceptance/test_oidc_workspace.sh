#!/usr/bin/env bash
# CI without a long-lived key: with only an OIDC token (PHALA_OIDC_TOKEN, or oidc_token from an
# ephemeral variable) every data source and phala_encrypted_env work, every request carries
# `Authorization: Bearer` and no X-API-Key, and the token appears in no TF_LOG=trace log, state file,
# plan file or terraform output. A 401/403 says the OIDC token was used and what to check. And
# X-Phala-Workspace goes out exactly when a workspace is set (attribute or PHALA_CLOUD_WORKSPACE).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
SEED=$REPO_ROOT/tests/sim/seed-default.json
TOKEN=$(jq -r '.oidc_tokens[0].token' "$SEED")  # trusted in acme-ci only
SHARED=$(jq -r '.oidc_tokens[1].token' "$SEED") # trusted in acme-ci and acme-prod
APP=0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f
unset PHALA_CLOUD_API_KEY PHALA_CLOUD_WORKSPACE
requests() { sim_admin GET /requests; }

# Every place a secret could leak to: terraform's output, its trace log, state, the plan file (a
# zip, compressed: searched as is and through `terraform show -json`, which prints every value the
# plan holds, sensitive ones included).
assert_nowhere() { # assert_nowhere SECRET WHAT
    local f
    for f in "$WORK/last.raw" "$WORK/trace.log" "$TF/terraform.tfstate" "$TF"/terraform.tfstate.backup \
        "$WORK/plan.bin" "$WORK/plan.txt" "$WORK/plan.json"; do
        [ -f "$f" ] || continue
        if grep -aqF -- "$1" "$f"; then acc_fail "$2 found in $(basename "$f")"; fi
    done
}
show_plan() { # the plan as text and as JSON, for assert_nowhere
    terraform -chdir="$TF" show -no-color "$WORK/plan.bin" >"$WORK/plan.txt"
    terraform -chdir="$TF" show -json "$WORK/plan.bin" >"$WORK/plan.json"
    jq -e '.planned_values' "$WORK/plan.json" >/dev/null || acc_fail "show -json gave no plan"
}

config() { # config < PROVIDER_BLOCK — the provider block on stdin, then the resources
    {
        phala_header
        cat
        cat <<TF
data "phala_kms_contract" "base" {
  contract = "base"
}
data "phala_app_pubkey" "app" {
  kms    = "base"
  app_id = "$APP"
}
resource "phala_encrypted_env" "worker" {
  cvm_id = "cvm_base01"
  env    = { API_KEY = "ci-secret-value" }
}
output "nodes"    { value = length(data.phala_kms_contract.base.nodes) }
output "verified" { value = data.phala_app_pubkey.app.verified }
TF
    } | write_config
}

acc_log "OIDC only, from PHALA_OIDC_TOKEN: works, never leaks"
echo 'provider "phala" {}' | config
tf_ok init -input=false
export PHALA_OIDC_TOKEN=$TOKEN
sim_admin DELETE /requests >/dev/null
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok plan -input=false -out="$WORK/plan.bin"
show_plan
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok apply -auto-approve -input=false "$WORK/plan.bin"
assert_eq "$(terraform -chdir="$TF" output -raw verified)" true "app key verified with OIDC auth"
assert_eq "$(terraform -chdir="$TF" output -raw nodes)" 1 "contract nodes read with OIDC auth"
assert_eq "$(sim_env cvm_base01)" '{"API_KEY":"ci-secret-value"}' "env applied with OIDC auth"
[ -s "$WORK/trace.log" ] || acc_fail "TF_LOG=trace wrote no log"
assert_nowhere "$TOKEN" "the OIDC token"
log=$(requests)
assert_eq "$(jq -c '[.requests[].auth] | unique' <<<"$log")" '["bearer"]' "every request used the bearer token"
assert_eq "$(jq -c '[.requests[].workspace] | unique' <<<"$log")" '[null]' "no workspace header unless set"
tf_ok destroy -auto-approve -input=false

acc_log "OIDC token from an ephemeral variable: works, never leaks"
cat >"$TF/vars.tf" <<'TF'
variable "phala_oidc_token" {
  type      = string
  sensitive = true
  ephemeral = true
}
TF
echo 'provider "phala" {
  oidc_token = var.phala_oidc_token
}' | config
unset PHALA_OIDC_TOKEN
rm -f "$WORK/trace.log"
export TF_VAR_phala_oidc_token=$TOKEN
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok plan -input=false -out="$WORK/plan.bin"
show_plan
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok apply -auto-approve -input=false "$WORK/plan.bin"
assert_eq "$(terraform -chdir="$TF" output -raw verified)" true "works with oidc_token from a variable"
assert_nowhere "$TOKEN" "the OIDC token"
tf_ok destroy -auto-approve -input=false
unset TF_VAR_phala_oidc_token
rm -f "$TF/vars.tf"

acc_log "a rejected token: the diagnostic names the OIDC token, never its value"
export PHALA_OIDC_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.ZXhwaXJlZA
echo 'provider "phala" {}' | config
tf plan -input=false && acc_fail "an unknown token was accepted"
out=$(tf_out)
assert_contains "$out" "the OIDC token was rejected (HTTP 401)" "says which credential"
assert_contains "$out" "oidc_token / PHALA_OIDC_TOKEN" "says where it came from"
assert_not_contains "$out" "$PHALA_OIDC_TOKEN" "the diagnostic"
assert_not_contains "$out" "PHALA_CLOUD_API_KEY" "no API key was involved"

acc_log "a token trusted in two workspaces: 403 without one, fine with workspace set"
export PHALA_OIDC_TOKEN=$SHARED
tf plan -input=false && acc_fail "a token trusted in two workspaces worked without a workspace"
out=$(tf_out)
assert_contains "$out" "the OIDC token is not allowed to do this (HTTP 403)" "says which credential"
assert_contains "$out" "workspace / PHALA_CLOUD_WORKSPACE" "says what to set"
assert_not_contains "$out" "$SHARED" "the diagnostic"
echo 'provider "phala" {
  workspace = "acme-prod"
}' | config
sim_admin DELETE /requests >/dev/null
tf_ok apply -auto-approve -input=false
log=$(requests)
assert_eq "$(jq -c '[.requests[].workspace] | unique' <<<"$log")" '["acme-prod"]' "X-Phala-Workspace on every request"
tf_ok destroy -auto-approve -input=false
unset PHALA_OIDC_TOKEN

acc_log "API key: the workspace header exactly when PHALA_CLOUD_WORKSPACE is set, the key preferred"
export PHALA_CLOUD_API_KEY=phak_test_key PHALA_OIDC_TOKEN=$SHARED
echo 'provider "phala" {}' | config
sim_admin DELETE /requests >/dev/null
PHALA_CLOUD_WORKSPACE=" acme-ci " tf_ok plan -input=false
log=$(requests)
assert_eq "$(jq -c '[.requests[] | [.auth, .workspace]] | unique' <<<"$log")" '[["api_key","acme-ci"]]' \
    "the API key wins over the token; the workspace trimmed"
sim_admin DELETE /requests >/dev/null
tf_ok plan -input=false
log=$(requests)
assert_eq "$(jq -c '[.requests[] | [.auth, .workspace]] | unique' <<<"$log")" '[["api_key",null]]' \
    "no workspace header when none is set"
PHALA_CLOUD_API_KEY=phak_wrong tf plan -input=false && acc_fail "a wrong key was accepted"
assert_contains "$(tf_out)" "(an OIDC token is configured too, but the API key takes precedence)" \
    "a 401 with both says which one was sent"
echo PASS
