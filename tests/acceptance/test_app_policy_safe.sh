#!/usr/bin/env bash
# A real Safe 1.4.1 (2-of-3) owns the app and the provider's key is not an owner: apply sends
# nothing, writes the batch file (MultiSendCallOnly, safeTxHash for the Safe's nonce) and leaves
# status pending_owner with a warning naming the file and the safeTxHash; planning and applying again
# while nothing was executed gives the same safeTxHash; two owners sign and execute it with
# @safe-global/protocol-kit (tests/eth/safe_exec.mjs); the next plan shows no change, the state says
# in_sync, and the provider's key never sent a transaction. An app owned by another account (not a
# Safe) gets the same file without the Safe part; the account sends it and the state settles too.
# With remove_on_destroy, destroying the Safe-owned policy writes the removals' batch (next nonce),
# forgets the resource and sends nothing; the owners execute it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start --safe
SAFE_APP=$(chain_info .safe_app | sed 's/^0x//')
SAFE=$(chain_info .safe.address)
MULTISEND=$(chain_info .safe.multisend_call_only)
onchain_seed "$WORK/seed.json" "[ (\$base | .id = \"cvm_s\" | .name = \"app-s\" | .app_id = \"$SAFE_APP\"),
                                  (\$base | .id = \"cvm_q\" | .name = \"app-q\" | .app_id = \$a2) ]"
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
HA=0x$(hex32 a1) HB=0x$(hex32 b2)
BATCH=$WORK/batch.json QBATCH=$WORK/q.json
{ phala_header; cat <<TF
resource "phala_app_policy" "q" {
  app_id         = "$APP2"
  compose_hashes = $(set_hcl "$HA")
  batch_file     = "$QBATCH"
}
resource "phala_app_policy" "p" {
  app_id         = "$SAFE_APP"
  compose_hashes = $(set_hcl "$HA" "$HB")
  batch_file     = "$BATCH"
  multisend      = "$MULTISEND"
}
TF
} | write_config
tf_ok init -input=false
n_key=$(nonce "$OWNER")
safe_nonce() { printf '%d' "$(rpc eth_call "[{\"to\":\"$SAFE\",\"data\":\"0xaffed0e0\"},\"latest\"]")"; }
s0=$(safe_nonce)

acc_log "apply: the batch for the Safe, pending_owner"
tf_ok apply -auto-approve -input=false
out=$(tf_out)
assert_eq "$(state_attr phala_app_policy.p .status)" pending_owner "status"
assert_eq "$(state_attr phala_app_policy.p .owner_is_safe)" true "owner_is_safe"
assert_eq "$(state_attr phala_app_policy.p .owner)" "$SAFE" "owner"
STH=$(state_attr phala_app_policy.p .pending_safe_tx_hash)
assert_eq "$(jq -r .safeTransaction.safeTxHash "$BATCH")" "$STH" "the file's safeTxHash is the state's"
assert_eq "$(jq -r .safeTransaction.nonce "$BATCH")" "$s0" "for the Safe's nonce"
assert_eq "$(jq -r .safeTransaction.to "$BATCH")" "$MULTISEND" "two calls go through MultiSendCallOnly"
assert_eq "$(jq -c .calls "$BATCH")" "[\"addComposeHash($HA)\",\"addComposeHash($HB)\"]" "the calls"
assert_contains "$out" "$BATCH" "the warning names the file"
assert_contains "$out" "$STH" "the warning names the safeTxHash"
assert_eq "$(allowed_hash "$SAFE_APP" "$HA")" false "nothing executed yet"
assert_eq "$(nonce "$OWNER")" "$n_key" "the provider's key sent nothing"
assert_eq "$(state_attr phala_app_policy.q .status)" pending_owner "account owner: pending too"
assert_eq "$(state_attr phala_app_policy.q .owner_is_safe)" false "not a Safe"
assert_eq "$(state_attr phala_app_policy.q .pending_safe_tx_hash)" null "no safeTxHash"
assert_eq "$(jq -r .safeTransaction "$QBATCH")" null "no Safe part"
assert_eq "$(jq -r '.transactions[0].data' "$QBATCH")" "0xdfc77223${HA#0x}" "the plain call"
assert_eq "$(jq -r '.transactions[0].to | ascii_downcase' "$QBATCH")" "0x$APP2" "to the app"

acc_log "again before the owners act: still pending, the same Safe transaction"
plan_exits 2 "the pending change must show in the plan"
tf_ok apply -auto-approve -input=false
assert_eq "$(jq -r .safeTransaction.safeTxHash "$BATCH")" "$STH" "no second, different batch"
assert_eq "$(state_attr phala_app_policy.p .pending_safe_tx_hash)" "$STH" "same safeTxHash"

acc_log "two of the three owners execute it with protocol-kit"
keys=$(chain_info '.safe.owner_keys[0:2] | join(",")')
node "$REPO_ROOT/tests/eth/safe_exec.mjs" --info "$WORK/chain.json" --batch "$BATCH" \
    --owner-keys "$keys" >"$WORK/exec.json" || acc_fail "safe_exec.mjs failed"
assert_eq "$(jq -r .safeTxHash "$WORK/exec.json")" "$STH" "protocol-kit agrees on the safeTxHash"
assert_eq "$(allowed_hash "$SAFE_APP" "$HA")" true "HA allowed"
assert_eq "$(allowed_hash "$SAFE_APP" "$HB")" true "HB allowed"

rpc evm_setAccountBalance "[\"$POOR\",\"0xde0b6b3a7640000\"]" >/dev/null
send_from "$POOR" "$(jq -r '.transactions[0].to' "$QBATCH")" "$(jq -r '.transactions[0].data' "$QBATCH")"
assert_eq "$(allowed_hash "$APP2" "$HA")" true "the account made the call"

acc_log "the next plan sees it complete; the apply records it without sending anything"
plan_exits 0 "nothing left to do after the owners executed"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_app_policy.p .status)" in_sync "status"
assert_eq "$(state_attr phala_app_policy.p .pending_calls)" "[]" "nothing pending"
assert_eq "$(state_attr phala_app_policy.p .pending_safe_tx_hash)" null "no safeTxHash"
assert_eq "$(state_attr phala_app_policy.q .status)" in_sync "the account's change settled"
assert_eq "$(nonce "$OWNER")" "$n_key" "the provider's key never sent a transaction"

acc_log "remove_on_destroy with a Safe owner: destroy writes the removals' batch, forgets, sends nothing"
{ phala_header; cat <<TF
resource "phala_app_policy" "p" {
  app_id            = "$SAFE_APP"
  compose_hashes    = $(set_hcl "$HA" "$HB")
  batch_file        = "$BATCH"
  multisend         = "$MULTISEND"
  remove_on_destroy = true
}
TF
} | write_config
tf_ok apply -auto-approve -input=false # state.q is dropped: forgotten, nothing sent
assert_eq "$(state_attr phala_app_policy.p '.added_compose_hashes | sort | join(",")')" "$HA,$HB" "the record of additions"
rm -f "$BATCH"
tf_ok destroy -auto-approve -input=false
out=$(tf_out)
[ -s "$BATCH" ] || acc_fail "destroy wrote no batch for the Safe"
assert_eq "$(jq -c '.calls | sort' "$BATCH")" "[\"removeComposeHash($HA)\",\"removeComposeHash($HB)\"]" "the removals"
assert_eq "$(jq -r .safeTransaction.nonce "$BATCH")" "$((s0 + 1))" "for the Safe's next nonce"
assert_contains "$out" "$BATCH" "the destroy's warning names the file"
assert_eq "$(terraform -chdir="$TF" state list | grep -c phala_app_policy || true)" 0 "forgotten"
assert_eq "$(allowed_hash "$SAFE_APP" "$HA")" true "nothing removed before the owners act"
assert_eq "$(nonce "$OWNER")" "$n_key" "the provider's key sent nothing"
node "$REPO_ROOT/tests/eth/safe_exec.mjs" --info "$WORK/chain.json" --batch "$BATCH" \
    --owner-keys "$keys" >"$WORK/exec2.json" || acc_fail "safe_exec.mjs failed on the removals"
assert_eq "$(allowed_hash "$SAFE_APP" "$HA"),$(allowed_hash "$SAFE_APP" "$HB")" false,false "removed by the owners"
echo PASS
