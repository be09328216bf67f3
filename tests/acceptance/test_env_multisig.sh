#!/usr/bin/env bash
# Registrations made elsewhere complete by themselves (issue 11 part 2): the app contract belongs to
# another account (a stand-in for a Safe) and the provider holds no key. A key change waits in
# pending_onchain, with the hash this provider computed itself in the warning; the owner registers
# it; the next plan shows status "pending_onchain" -> "applied" and says how it will commit; the
# apply completes without a transaction_hash. Checked through the API's is-allowed, then through the
# contract (onchain.rpc_url), then on an API that predates the unified PATCH (PATCH envs: the
# registering transaction is found by its ComposeHashAdded log on a node that refuses log ranges
# wider than 4 blocks). The commit token never appears in state, plan or logs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
onchain_seed "$WORK/seed.json" '[ $base | .id = "cvm_m" | .name = "app-m" | .app_id = $a1 ]'
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID ${PROXY_PID:-} 2>/dev/null; acc_cleanup' EXIT
unset PHALA_ONCHAIN_RPC_URL PHALA_ONCHAIN_PRIVATE_KEY
# The owner deployed the app with its compose approved, then handed the contract to "the Safe".
approve_current cvm_m "$APP1" "$OWNER"
send_from "$OWNER" "0x$APP1" "0xf2fde38b000000000000000000000000${OTHER#0x}"

config() { { phala_header; cat <<TF
resource "phala_encrypted_env" "m" {
  cvm_id = "cvm_m"
  env    = $1
}
TF
} | write_config; }
commits() { sim_admin GET /stats | jq '.requests["POST /cvms/{id}/commit-update"] // 0'; }
# safe_registers HASH — the multisig's transaction: addComposeHash from the contract's owner.
safe_registers() { send_from "$OTHER" "0x$APP1" "0xdfc77223${1#0x}"; }

acc_log "key change without a key: pending, the warning shows the hash this provider computed"
config '{ API_KEY = "a", M1 = "1" }'
tf_ok init -input=false
n_other=$(nonce "$OTHER")
TF_LOG=trace TF_LOG_PATH=$WORK/trace.log tf_ok apply -auto-approve -input=false
out=$(tf_out)
H=$(state_attr phala_encrypted_env.m .compose_hash)
assert_eq "$(state_attr phala_encrypted_env.m .status)" pending_onchain "pending"
assert_contains "$out" "This provider computed the same hash, 0x$H" "locally verified hash"
assert_contains "$out" "A multisig owner" "the warning explains the multisig path"
assert_eq "$(state_attr phala_encrypted_env.m .onchain_status.compose_hash_allowed)" false "onchain_status"
TOKEN=$(sim_admin GET /cvms/cvm_m/commit_token | jq -r .token)
[ "$TOKEN" != null ] || acc_fail "the unified PATCH was not prepare-only (no commit token)"
for f in "$WORK/trace.log" "$WORK/last.out" "$TF/terraform.tfstate"; do
    grep -q "$TOKEN" "$f" && acc_fail "the commit token appears in $(basename "$f")"
done
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "a pending update must show in the plan (exit $rc)"; }
assert_contains "$(tf_out)" '"pending_onchain" -> (known after apply)' "not registered yet"
assert_contains "$(tf_out)" "Still waiting for the on-chain registration" "the plan says it checked"

acc_log "the multisig registers it: the plan shows the completion, the apply needs no transaction_hash"
safe_registers "$H"
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "the completion must show in the plan (exit $rc)"; }
out=$(tf_out)
assert_contains "$out" '"pending_onchain" -> "applied"' "the plan shows the completion"
assert_contains "$out" "Registration found: this apply completes the update" "the plan says so"
assert_contains "$out" "POST /cvms/{id}/is-allowed" "checked through the API"
assert_contains "$out" "commit-update with its commit token" "says how it commits"
c0=$(commits)
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.m .status)" applied "applied"
assert_eq "$(commits)" $((c0 + 1)) "committed with the token"
assert_eq "$(sim_env cvm_m)" '{"API_KEY":"a","M1":"1"}' "the CVM got the env"
assert_eq "$(nonce "$OTHER")" $((n_other + 1)) "the Safe's one transaction, nothing else"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after completion shows changes"; }

acc_log "with onchain.rpc_url (still no key) the contract itself is asked"
export PHALA_ONCHAIN_RPC_URL=$RPC
config '{ API_KEY = "a", M1 = "1", M2 = "2" }'
tf_ok apply -auto-approve -input=false
H2=$(state_attr phala_encrypted_env.m .compose_hash)
assert_eq "$(state_attr phala_encrypted_env.m .status)" pending_onchain "pending"
assert_contains "$(tf_out)" "(the current compose is allowed on-chain)" "verified against the contract"
safe_registers "$H2"
rc=$(tf_plan_exit); [ "$rc" = 2 ] || { tf_out; acc_fail "plan exit $rc"; }
assert_contains "$(tf_out)" '"pending_onchain" -> "applied"' "plan shows the completion"
assert_contains "$(tf_out)" "checked with the app contract (onchain rpc_url)" "asked the contract"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.m .status)" applied "applied through the contract check"
assert_eq "$(sim_env cvm_m | jq -r .M2)" 2 "the CVM got the env"

acc_log "an API without the unified PATCH, a node refusing log ranges wider than 4 blocks"
sim_admin POST /config '{"legacy_only": true}' >/dev/null
node "$REPO_ROOT/tests/eth/limited_rpc.mjs" --upstream "$RPC" --max-range 4 \
    --port-file "$WORK/proxy.port" --exit-with-parent >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
wait_until 60 "the range-limited RPC proxy to listen" test -s "$WORK/proxy.port"
PROXY=http://127.0.0.1:$(cat "$WORK/proxy.port")
export PHALA_ONCHAIN_RPC_URL=$PROXY
for _ in $(seq 30); do rpc evm_mine '[]' >/dev/null; done # history below the registration
config '{ API_KEY = "a", M1 = "1", M2 = "2", M3 = "3" }'
tf_ok apply -auto-approve -input=false
H3=$(state_attr phala_encrypted_env.m .compose_hash)
assert_eq "$(state_attr phala_encrypted_env.m .status)" pending_onchain "pending (PATCH envs)"
safe_registers "$H3"
SAFE_TX=$(rpc eth_getLogs "[{\"address\":\"0x$APP1\",\"topics\":[\"$TOPIC_COMPOSE_HASH_ADDED\"],\"fromBlock\":\"0x0\",\"toBlock\":\"latest\"}]" |
    jq -r --arg d "0x$H3" '[.[] | select(.data == $d)][0].transactionHash')
for _ in $(seq 20); do rpc evm_mine '[]' >/dev/null; done # the log is not in the newest window
rc=$(tf_plan_exit); [ "$rc" = 2 ] || { tf_out; acc_fail "plan exit $rc"; }
assert_contains "$(tf_out)" '"pending_onchain" -> "applied"' "plan shows the completion"
assert_contains "$(tf_out)" "found by its ComposeHashAdded log" "says how it commits"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.m .status)" applied "applied through PATCH envs"
assert_eq "$(state_attr phala_encrypted_env.m .transaction_hash)" "$SAFE_TX" "the Safe's transaction was found"
assert_eq "$(sim_env cvm_m | jq -r .M3)" 3 "the CVM got the env"
stats=$(curl -s "$PROXY/stats")
[ "$(jq .refused <<<"$stats")" -gt 0 ] || acc_fail "the node never refused: $stats"
[ "$(jq .searched <<<"$stats")" -ge 2 ] || acc_fail "the search took one window: $stats"
jq -e '[.windows[] | .[1] - .[0] + 1 <= 4] | all' <<<"$stats" >/dev/null ||
    acc_fail "a window wider than the node allows went through: $stats"
echo PASS
