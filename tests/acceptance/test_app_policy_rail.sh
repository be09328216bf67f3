#!/usr/bin/env bash
# The lockout rail of phala_app_policy: a plan that removes the compose hash a running CVM boots
# with, or turns off allow_any_device while its device is not listed, is an error naming the CVM
# and allow_lockout, and nothing is sent (when the same change adds a hash the chain does not allow
# yet — an env update in flight — the plan warns and the apply refuses); with allow_lockout = true
# it goes through with a warning.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
policy_world
HA=0x$(hex32 a1) HB=0x$(hex32 b2)
send_from "$OWNER" "0x$APP0" "0xdfc77223${HA#0x}" # allowed already: the change below only removes
config() { # config HASHES_HCL ANY [LOCKOUT]
    { phala_header; cat <<TF
resource "phala_app_policy" "p" {
  app_id           = "$APP0"
  compose_hashes   = $1
  allow_any_device = $2
${3:+  allow_lockout    = $3}
}
TF
    } | write_config
}
acc_log "removing the hash cvm_p runs with: a plan error naming the CVM"
config "$(set_hcl "$HA")" true
tf_ok init -input=false
n0=$(nonce "$OWNER")
tf plan -input=false && acc_fail "a plan that locks cvm_p out must fail"
out=$(tf_out)
assert_contains "$out" "lock a running CVM out" "summary"
assert_contains "$out" "CVM cvm_p" "names the CVM"
assert_contains "$out" "0x$H0" "names the hash"
assert_contains "$out" "allow_lockout = true" "names the opt-in"

acc_log "turning off any-device while cvm_p's device is not listed: the same"
config "$(set_hcl "$H0")" false
tf plan -input=false && acc_fail "turning off any-device must fail the plan"
out=$(tf_out)
assert_contains "$out" "CVM cvm_p" "names the CVM"
assert_contains "$out" "allow_any_device would be turned off" "says why"
assert_contains "$out" "$D0" "names the device"
tf apply -auto-approve -input=false && acc_fail "the apply must refuse as well"
assert_eq "$(nonce "$OWNER")" "$n0" "nothing sent"
assert_eq "$(any_device "$APP0")" true "any-device untouched"

acc_log "replaced by a hash the chain does not allow yet: a plan warning, the apply refuses"
config "$(set_hcl "$HB")" true
tf_ok plan -input=false
assert_contains "$(tf_out)" "compose hash is replaced" "the plan warns"
assert_contains "$(tf_out)" "CVM cvm_p" "naming the CVM"
tf apply -auto-approve -input=false && acc_fail "the apply must refuse while cvm_p runs H0"
assert_contains "$(tf_out)" "lock a running CVM out" "apply-time rail"
assert_eq "$(nonce "$OWNER")" "$n0" "nothing sent, not even the add"
assert_eq "$(allowed_hash "$APP0" "$HB")" false "HB not added"

acc_log "allow_lockout = true: goes through with a warning"
config "$(set_hcl "$HA")" true true
tf_ok apply -auto-approve -input=false
out=$(tf_out)
assert_contains "$out" "locked out (allow_lockout = true)" "warning"
assert_contains "$out" "CVM cvm_p" "the warning names the CVM"
assert_eq "$(allowed_hash "$APP0" "$H0")" false "H0 removed"
assert_eq "$(allowed_hash "$APP0" "$HA")" true "HA added"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "one transaction: removeComposeHash(H0)"
plan_exits 0 "the second plan must be empty"
echo PASS
