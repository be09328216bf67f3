#!/usr/bin/env bash
# A provider killed (SIGKILL) between the transactions of one apply: the chain is the journal. With
# onchain.confirmations = 2 on a chain that mines only on demand, the provider waits after its
# first transaction for a block that never comes — the kill lands there. No transaction is ever
# sent twice (the owner's nonce and the contract's logs), the next apply sends only the rest, and
# the second plan is empty.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
policy_world
HA=0x$(hex32 a1) HB=0x$(hex32 b2) HC=0x$(hex32 c3)
config() { # config CONFIRMATIONS
    { cat <<TF
terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}
provider "phala" {
  onchain {
    confirmations = $1
  }
}
resource "phala_app_policy" "p" {
  app_id         = "$APP0"
  compose_hashes = $(set_hcl "$H0" "$HA" "$HB" "$HC")
}
TF
    } | write_config
}
config 2
tf_ok init -input=false
n0=$(nonce "$OWNER")
terraform -chdir="$TF" apply -auto-approve -input=false -no-color >"$WORK/apply.out" 2>&1 &
pid=$!
first_sent() { [ "$(nonce "$OWNER")" -gt "$n0" ]; }
wait_until 120 "the first transaction" first_sent
[ "$(kill_providers_of "$pid")" -gt 0 ] || acc_fail "no provider process of this apply to kill"
rc=0
wait "$pid" || rc=$?
[ "$rc" != 0 ] || acc_fail "apply with a killed provider must fail"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "exactly one transaction before the kill"

acc_log "the next apply sends only the two calls left"
config 1
plan_exits 2 "the rest must be planned"
tf_ok apply -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" $((n0 + 3)) "three transactions in all"
for h in "$HA" "$HB" "$HC"; do
    assert_eq "$(allowed_hash "$APP0" "$h")" true "$h allowed"
    assert_eq "$(log_count "$APP0" "$TOPIC_COMPOSE_HASH_ADDED" "$h")" 1 "$h added exactly once"
done
assert_eq "$(state_attr phala_app_policy.p .status)" in_sync "status"
plan_exits 0 "the second plan must be empty"
echo PASS
