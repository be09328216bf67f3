#!/usr/bin/env bash
# phala_app_policy with the owner's key: create from configuration, add and remove compose hashes
# and devices (adds before removals, each call sent once — counted with the owner's nonce and the
# contract's view calls), spelling never shows as a change, a removeComposeHash made out of band is
# drift in the plan and the next apply restores it; the second plan is empty every time. Destroy
# forgets (nothing sent); with remove_on_destroy it removes what the resource added, nothing else.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
policy_world
HA=0x$(hex32 a1) HB=$(hex32 b2) DA=0x$(hex32 da) DB=0x$(hex32 db)
HB_UPPER=$(tr a-f A-F <<<"$HB")
config() { # config HASHES_HCL DEVICES_HCL [REMOVE_ON_DESTROY]
    { phala_header; cat <<TF
resource "phala_app_policy" "p" {
  app_id         = "$APP0"
  compose_hashes = $1
  devices        = $2
${3:+  remove_on_destroy = $3}
}
TF
    } | write_config
}

acc_log "create: two hashes (one already allowed, written without 0x in capitals), two devices"
config "$(set_hcl "$(tr a-f A-F <<<"$H0")" "$HA")" "$(set_hcl "$DA" "$DB")"
tf_ok init -input=false
n0=$(nonce "$OWNER")
plan_exits 2 "create must be planned"
assert_contains "$(tf_out)" "\"addComposeHash($HA)\"" "the plan lists the calls"
assert_contains "$(tf_out)" "\"addDevice($DA)\"" "the plan lists the device calls"
assert_not_contains "$(tf_out)" "addComposeHash(0x$H0)" "an allowed hash needs no call"
tf_ok apply -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" $((n0 + 3)) "three transactions: addComposeHash, addDevice x2"
assert_eq "$(allowed_hash "$APP0" "$HA")" true "HA allowed"
assert_eq "$(allowed_device "$APP0" "$DA")" true "DA listed"
assert_eq "$(allowed_device "$APP0" "$DB")" true "DB listed"
assert_eq "$(state_attr phala_app_policy.p .status)" in_sync "status"
assert_eq "$(state_attr phala_app_policy.p .owner)" "$OWNER" "owner"
assert_eq "$(state_attr phala_app_policy.p .chain_id)" "$CHAIN" "chain id"
plan_exits 0 "the second plan must be empty (spelling is no change)"

acc_log "update: add HB, remove HA and DB — adds first"
config "$(set_hcl "0x$H0" "$HB_UPPER")" "$(set_hcl "$DA")"
plan_exits 2 "the update must be planned"
out=$(tf_out)
assert_contains "$out" "- \"$HA\"" "the plan shows the hash removed"
assert_contains "$out" "+ \"$HB_UPPER\"" "the plan shows the hash added"
assert_contains "$out" "- \"$DB\"" "the plan shows the device removed"
assert_eq "$(planned_attr phala_app_policy.p .planned_calls)" \
    "[\"addComposeHash(0x$HB)\",\"removeComposeHash($HA)\",\"removeDevice($DB)\"]" "calls in order, adds first"
n1=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" $((n1 + 3)) "three transactions"
assert_eq "$(allowed_hash "$APP0" "$HA")" false "HA removed"
assert_eq "$(allowed_hash "$APP0" "$HB")" true "HB added"
assert_eq "$(allowed_hash "$APP0" "$H0")" true "H0 kept"
assert_eq "$(allowed_device "$APP0" "$DB")" false "DB removed"
assert_eq "$(allowed_device "$APP0" "$DA")" true "DA kept"
assert_eq "$(log_count "$APP0" "$TOPIC_COMPOSE_HASH_ADDED" "$HB")" 1 "HB added once"
plan_exits 0 "the second plan must be empty"

acc_log "out of band: the owner removes HB; the plan shows the drift, apply restores it"
send_from "$OWNER" "0x$APP0" "0x67b3f22c$HB"
assert_eq "$(allowed_hash "$APP0" "$HB")" false "removed out of band"
plan_exits 2 "the drift must show in the plan"
assert_contains "$(tf_out)" "+ \"$HB_UPPER\"" "the plan adds HB back"
assert_contains "$(tf_out)" "\"addComposeHash(0x$HB)\"" "with the call"
n2=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" $((n2 + 1)) "one transaction"
assert_eq "$(allowed_hash "$APP0" "$HB")" true "restored"
plan_exits 0 "the second plan must be empty"

acc_log "destroy forgets: nothing sent, nothing removed"
n3=$(nonce "$OWNER")
tf_ok destroy -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" "$n3" "destroy sent nothing"
assert_eq "$(allowed_hash "$APP0" "$HB")" true "HB still allowed"

acc_log "remove_on_destroy: removes what the resource added (HA), keeps H0 it found"
config "$(set_hcl "$H0" "$HA")" "$(set_hcl "$DA")" true
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_app_policy.p '.added_compose_hashes | join(",")')" "$HA" "the record of additions"
n4=$(nonce "$OWNER")
tf_ok destroy -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" $((n4 + 1)) "one removal"
assert_eq "$(allowed_hash "$APP0" "$HA")" false "HA removed"
assert_eq "$(allowed_hash "$APP0" "$H0")" true "H0 kept"
assert_eq "$(allowed_device "$APP0" "$DA")" true "DA kept (found, not added)"

acc_log "an app with no CVM yet (the API knows none): with chain_id, a hash is allowed before deploying"
HN=$(hex32 5e)
{ phala_header; cat <<TF
resource "phala_app_policy" "pre" {
  app_id         = "0x$APP1"
  chain_id       = $CHAIN
  compose_hashes = ["$HN"]
}
TF
} | write_config
n5=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" $((n5 + 1)) "one addComposeHash on APP1"
assert_eq "$(allowed_hash "$APP1" "$HN")" true "HN allowed before any CVM"
plan_exits 0 "the second plan must be empty"
tf_ok destroy -auto-approve -input=false
echo PASS
