#!/usr/bin/env bash
# phala_encrypted_env on a Phala-KMS CVM: what the CVM decrypts equals the configuration exactly
# (unicode, newlines, =, quotes, a 128 KiB value); no-op plans; value and key changes; env_file and
# env precedence; env_wo never stored; destroy with and without clear_on_destroy.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
config() { { phala_header; echo "$1"; } | write_config; }

acc_log "create with awkward values"
config 'locals {
  big = format("%0131072d", 7)
}
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env = {
    API_KEY      = "päss wörd ✓ 秘密"
    DATABASE_URL = "postgres://u:p@h/db?a=1&b==2"
    MULTILINE    = "line1\nline2\r\nline3\ttab"
    QUOTES       = "say \"hi\" and '\''bye'\'' \\ back"
    BIG          = local.big
  }
}'
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
want=$(jq -cnS '{
  API_KEY: "päss wörd ✓ 秘密", DATABASE_URL: "postgres://u:p@h/db?a=1&b==2",
  MULTILINE: "line1\nline2\r\nline3\ttab", QUOTES: "say \"hi\" and '\''bye'\'' \\ back"}')
big_ok=$(sim_admin GET /envs/$CVM |
    jq '.env[] | select(.key == "BIG") | .value | length == 131072 and test("^0+7$")')
assert_eq "$big_ok" true "the 128 KiB value arrived intact"
assert_eq "$(sim_env $CVM | jq -cS 'del(.BIG)')" "$want" "decrypted env"
assert_eq "$(state_attr phala_encrypted_env.e .status)" applied "status"
assert_eq "$(state_attr phala_encrypted_env.e '.env_keys | join(",")')" "API_KEY,BIG,DATABASE_URL,MULTILINE,QUOTES" "sorted env_keys"
assert_eq "$(sim_admin GET /envs/$CVM | jq -c .allowed_envs)" '["API_KEY","BIG","DATABASE_URL","MULTILINE","QUOTES"]' "allowed_envs sent sorted"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "no-op plan shows changes (exit $rc)"; }
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_admin GET /envs/$CVM | jq .updates)" 1 "a no-op apply sends nothing"

acc_log "value change: in-place update, new ciphertext, same keys"
config 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env = { API_KEY = "new", DATABASE_URL = "d" }
}'
tf_plan_exit >/dev/null
assert_contains "$(tf_out)" "will be updated in-place" "update plan"
assert_contains "$(tf_out)" "encrypted_env" "ciphertext re-planned"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"new","DATABASE_URL":"d"}' "updated env"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after update shows changes"; }

acc_log "value change only: env_keys not in the plan"
config 'resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env = { API_KEY = "newer", DATABASE_URL = "d" }
}'
tf_plan_exit >/dev/null
assert_not_contains "$(tf_out)" "env_keys" "value-only plan"
tf_ok apply -auto-approve -input=false

acc_log "env_file + env: env wins; keys from both"
config 'resource "phala_encrypted_env" "e" {
  cvm_id   = "cvm_phala01"
  env_file = <<-DOTENV
    # comment
    FROM_FILE="file value"
    API_KEY=from-file
    export QUOTED='x=y'
  DOTENV
  env = { API_KEY = "from-env" }
}'
tf_plan_exit >/dev/null
assert_contains "$(tf_out)" "env_keys" "key change plans env_keys"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"from-env","FROM_FILE":"file value","QUOTED":"x=y"}' "merged env"

acc_log "env_wo: sent, never stored; env_wo_version re-sends"
config 'resource "phala_encrypted_env" "e" {
  cvm_id         = "cvm_phala01"
  env_wo         = { API_KEY = "write-only-value-1", OTHER = "wo-2" }
  env_wo_version = 1
}'
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"write-only-value-1","OTHER":"wo-2"}' "env_wo delivered"
grep -q "write-only-value-1\|wo-2" "$TF/terraform.tfstate" && acc_fail "env_wo values in the state file"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after env_wo apply shows changes"; }
n=$(sim_admin GET /envs/$CVM | jq .updates)
sed -i 's/write-only-value-1/write-only-value-2/; s/env_wo_version = 1/env_wo_version = 2/' "$TF/main.tf"
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_admin GET /envs/$CVM | jq .updates)" $((n + 1)) "version bump re-sent"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"write-only-value-2","OTHER":"wo-2"}' "new env_wo values"
grep -q "write-only-value" "$TF/terraform.tfstate" && acc_fail "env_wo values in the state file"

acc_log "destroy without clear_on_destroy only forgets"
tf_ok destroy -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{"API_KEY":"write-only-value-2","OTHER":"wo-2"}' "env untouched by destroy"

acc_log "destroy with clear_on_destroy sends an empty env"
config 'resource "phala_encrypted_env" "e" {
  cvm_id           = "cvm_phala01"
  env              = { API_KEY = "x" }
  clear_on_destroy = true
}'
tf_ok apply -auto-approve -input=false
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "clear_on_destroy config shows changes"; }
tf_ok destroy -auto-approve -input=false
assert_eq "$(sim_env $CVM)" '{}' "env cleared"
assert_eq "$(sim_admin GET /envs/$CVM | jq -c .allowed_envs)" '[]' "allowed_envs cleared"
echo PASS
