#!/usr/bin/env bash
# examples/resources/phala_app_policy/resource.tf as written, on the test chain with Safe 1.4.1
# (the example's Safe-owned app is the chain's safe_app) and cvm_base01 running app APP0: the env
# update registers and commits its compose, the policy prunes the older one, the Safe-owned app waits
# in pending_owner with its batch file; the data-source example reads the pruned policy; destroy
# forgets both (nothing sent).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
source "$(dirname "$0")/app_policy_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start --safe
SAFE_APP=$(chain_info .safe_app | sed 's/^0x//')
onchain_seed "$WORK/seed.json" \
    "[ (\$base | .app_id = \$a0), (\$base | .id = \"cvm_s\" | .name = \"app-s\" | .app_id = \"$SAFE_APP\") ]"
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
approve_current cvm_base01 "$APP0" "$OWNER"
H0=$(current_hash cvm_base01)
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
EX=$REPO_ROOT/examples/resources/phala_app_policy/resource.tf
grep -q "$(chain_info .safe_app)" "$EX" || acc_fail "the example's Safe-owned app is not the chain's safe_app"
cp "$EX" "$TF/main.tf"
cat "$REPO_ROOT/examples/provider/provider.tf" >"$TF/provider.tf"
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
H1=$(state_attr phala_encrypted_env.app .compose_hash)
assert_eq "$(current_hash cvm_base01)" "${H1#0x}" "the CVM runs the new compose"
assert_eq "$(allowed_hash "$APP0" "$H1")" true "the new compose allowed"
assert_eq "$(allowed_hash "$APP0" "$H0")" false "the old compose pruned"
assert_eq "$(state_attr phala_app_policy.app .status)" in_sync "app policy in sync"
assert_eq "$(state_attr phala_app_policy.treasury .status)" pending_owner "treasury waits for the Safe"
[ -s "$TF/treasury-policy.batch.json" ] || acc_fail "no batch file"
assert_eq "$(jq -r .safeTransaction.safeTxHash "$TF/treasury-policy.batch.json")" \
    "$(state_attr phala_app_policy.treasury .pending_safe_tx_hash)" "the batch's safeTxHash"
# examples/data-sources/phala_app_policy/data-source.tf as written, on this chain's app: its
# from_block lies beyond this short chain's head, so the old hash's log is not searched; what the
# CVM runs is still found (the CVMs' hashes are candidates), confirmed by the view call.
DS=$REPO_ROOT/examples/data-sources/phala_app_policy/data-source.tf
app_lit=$(grep -o 'app_id *= *"0x[0-9a-f]\{40\}"' "$DS" | grep -o '0x[0-9a-f]*')
[ -n "$app_lit" ] || acc_fail "the data-source example names no app_id"
sed "s/$app_lit/0x$APP0/" "$DS" >"$TF/ds.tf"
tf_ok apply -auto-approve -input=false
dsout() { terraform -chdir="$TF" output -json "$1"; }
assert_eq "$(dsout allowed_compose_hashes | jq -c .)" "[\"0x${H1#0x}\"]" "data source: only the live hash"
assert_eq "$(dsout cvms_that_would_not_boot | jq -c .)" "[]" "data source: the CVM would boot"
assert_eq "$(dsout owner_is_multisig)" false "data source: an account owns APP0"
rm "$TF/ds.tf"
n0=$(nonce "$OWNER")
tf_ok destroy -auto-approve -input=false
assert_eq "$(nonce "$OWNER")" "$n0" "destroy forgets"
assert_eq "$(allowed_hash "$APP0" "$H1")" true "nothing removed"
echo PASS
