# app_policy_lib.sh — what the phala_app_policy tests share (source after lib.sh, onchain_lib.sh and
# acc_init): a chain, a simulator whose CVM cvm_p runs app APP0 with its current compose approved,
# the provider holding the owner's key, and small readers of the app's policy through view calls.

# policy_world [CHAIN_ARGS…] — chain, seed, simulator; sets H0 (cvm_p's compose hash, allowed),
# D0 (its device) and exports the provider's onchain settings (the owner's key).
policy_world() {
    chain_start "$@"
    onchain_seed "$WORK/seed.json" '[ $base | .id = "cvm_p" | .name = "app-p" | .app_id = $a0 ]'
    sim_start "$WORK/seed.json" --rpc-url "$RPC"
    trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
    approve_current cvm_p "$APP0" "$OWNER"
    H0=$(current_hash cvm_p)
    D0=0x$(jq -r '.cvms[] | select(.id == "cvm_p") | .device_id' "$WORK/seed.json")
    export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
}

# hex32 C — 64 hex digits of the byte C repeated (a made-up compose hash or device id).
hex32() { printf "$1%.0s" $(seq 32); }

# allowed_hash APP HASH / allowed_device APP DEVICE — true/false from the contract's view calls.
allowed_hash() { [ "$(hash_allowed "$1" "$2")" = "$TRUE_WORD" ] && echo true || echo false; }
allowed_device() { [ "$(device_listed "$1" "$2")" = "$TRUE_WORD" ] && echo true || echo false; }
any_device() {
    [ "$(rpc eth_call "[{\"to\":\"0x$1\",\"data\":\"0x3440a16a\"},\"latest\"]")" = "$TRUE_WORD" ] &&
        echo true || echo false
}
# set_hcl V… — an HCL list of strings.
set_hcl() { local s="" v; for v in "$@"; do s="$s${s:+, }\"$v\""; done; echo "[$s]"; }
# planned_attr ADDRESS JQ — an attribute of the plan's "after" value (plan -out + show -json), as
# compact JSON; the plan's text output is in $WORK/last.out.
planned_attr() {
    tf_ok plan -input=false -out="$WORK/p.plan"
    terraform -chdir="$TF" show -json "$WORK/p.plan" |
        jq -c --arg a "$1" ".resource_changes[] | select(.address==\$a) | .change.after$2"
}
# plan_exits CODE WHAT — a plan with -detailed-exitcode must end with CODE (0 no change, 2 changes).
plan_exits() {
    local rc
    rc=$(tf_plan_exit)
    [ "$rc" = "$1" ] || { tf_out; acc_fail "$2 (plan exit $rc)"; }
}
