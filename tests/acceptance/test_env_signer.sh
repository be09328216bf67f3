#!/usr/bin/env bash
# The provider registers compose hashes itself (onchain signer) against a real local Ethereum node
# (ganache, tests/eth/chain.mjs) and a simulator that verifies phase-2 transactions on that node —
# after proving each hash is the app's approved compose with only allowed_envs changed (the apps'
# current composes are approved on-chain first, as a deployment does): one apply ends applied; two
# resources of one app in one apply do not collide on nonces; a wrong owner key, a poor account and
# a chain id mismatch are clear errors that leave the update pending_onchain; a dead node is a clear
# error before anything is sent (the KMS's key is read on-chain first); a provider killed after
# sending is finished by the next apply without a second transaction.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh" # kms_sync: the KMS contract's key on-chain
acc_init "$PHALA_BIN" phala phala

node "$REPO_ROOT/tests/eth/chain.mjs" --info-file "$WORK/chain.json" --exit-with-parent \
    >"$WORK/chain.log" 2>&1 &
CHAIN_PID=$!
wait_until 120 "the test chain (ganache) to start" test -s "$WORK/chain.json" ||
    { cat "$WORK/chain.log" >&2; exit 1; }
info() { jq -r "$1" "$WORK/chain.json"; }
RPC=$(info .rpc_url)
CHAIN=$(info .chain_id)
APP0=$(info '.apps[0]' | sed 's/^0x//')
APP1=$(info '.apps[1]' | sed 's/^0x//')
APP2=$(info '.apps[2]' | sed 's/^0x//')
OWNER=$(info .owner_address)
KMS=$(info .kms)

# A world whose on-chain KMS contract lives on the test chain; a second contract (same root key, one
# replica kms_eth01) claims chain 1 (mismatch test).
jq --argjson chain "$CHAIN" --arg a0 "$APP0" --arg a1 "$APP1" --arg a2 "$APP2" --arg kms "$KMS" '
  .kms_contracts |= map(if .chain_id != 0 then .chain_id = $chain | .contract_address = $kms
                        else . end)
  | .kms_contracts += [(.kms_contracts[] | select(.id == "kc_base01") | .id = "kc_eth01"
                        | .slug = "ethereum" | .label = "Ethereum KMS" | .chain_id = 1
                        | .contract_address = "0x1111111111111111111111111111111111111111")]
  | .kms += [(.kms[] | select(.id == "kms_base01") | .id = "kms_eth01" | .slug = "kms-eth-prod1"
              | .contract = "kc_eth01")]
  | [ .cvms[] | select(.id == "cvm_base01") ] as $base
  | .cvms = [ ($base[0] | .id = "cvm_a"  | .name = "app-a"  | .app_id = $a0),
              ($base[0] | .id = "cvm_a2" | .name = "app-a2" | .app_id = $a0),
              ($base[0] | .id = "cvm_b"  | .name = "app-b"  | .app_id = $a1),
              ($base[0] | .id = "cvm_poor" | .name = "app-poor" | .app_id = $a2),
              ($base[0] | .id = "cvm_wrongchain" | .name = "app-wc" | .app_id = $a1 | .kms_id = "kms_eth01") ]
' "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT

rpc() { curl -s -X POST -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC" | jq -r .result; }
nonce() { printf '%d' "$(rpc eth_getTransactionCount "[\"$OWNER\",\"latest\"]")"; }
allowed() { rpc eth_call "[{\"to\":\"0x$1\",\"data\":\"0x2f6622e5$2\"},\"latest\"]"; }

# The owner approved each app's current compose when it deployed it (DstackApp's initial compose
# hash): register it from the contract's owner. ganache signs for its own accounts; the poor
# account gets the gas money for that one transaction only.
send_from() { # send_from FROM TO DATA
    curl -s -X POST -H 'Content-Type: application/json' --data \
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendTransaction\",\"params\":[{\"from\":\"$1\",\"to\":\"$2\",\"data\":\"$3\",\"gas\":\"0x30000\"}]}" \
        "$RPC" | jq -e .result >/dev/null || acc_fail "setup transaction from $1 refused"
}
H0=$(curl -s -H 'X-API-Key: phak_test_key' "$SIM/api/v1/cvms/cvm_a" | jq -r .compose_hash)
POOR=$(info .poor_address)
send_from "$OWNER" "0x$APP0" "0xdfc77223$H0"
send_from "$OWNER" "0x$APP1" "0xdfc77223$H0"
rpc evm_setAccountBalance "[\"$POOR\",\"0xde0b6b3a7640000\"]" >/dev/null
send_from "$POOR" "0x$APP2" "0xdfc77223$H0"
rpc evm_setAccountBalance "[\"$POOR\",\"0x5af3107a4000\"]" >/dev/null # back to 0.0001 ETH

config() { # config "CVM=KEYS_HCL …"
    { phala_header; for r in "$@"; do
        cvm=${r%%=*}
        echo "resource \"phala_encrypted_env\" \"$cvm\" {"
        echo "  cvm_id = \"$cvm\""
        echo "  env    = ${r#*=}"
        echo "}"
    done; } | write_config
}
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(info .owner_key)

acc_log "signer configured: a key change is registered and applied in one apply"
config 'cvm_a={ API_KEY = "a", NEW_KEY = "n" }'
tf_ok init -input=false
n0=$(nonce)
TF_LOG=trace TF_LOG_PATH=$WORK/sign.log tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.cvm_a .status)" applied "one apply"
KEYHEX=$(info .owner_key | sed 's/^0x//')
for f in "$WORK/sign.log" "$WORK/last.out" "$TF/terraform.tfstate"; do
    grep -qi "$KEYHEX" "$f" && acc_fail "the signing key appears in $(basename "$f")"
done
grep -q "registering compose hash on-chain" "$WORK/sign.log" || acc_fail "registration not logged"
H=$(state_attr phala_encrypted_env.cvm_a .compose_hash)
TX=$(state_attr phala_encrypted_env.cvm_a .transaction_hash)
assert_eq "$(allowed "$APP0" "$H")" 0x0000000000000000000000000000000000000000000000000000000000000001 "hash allowed on the contract"
receipt=$(curl -s -X POST -H 'Content-Type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"$TX\"]}" "$RPC")
assert_eq "$(jq -r .result.status <<<"$receipt")" 0x1 "the registering transaction succeeded"
assert_eq "$(nonce)" $((n0 + 1)) "exactly one transaction"
assert_eq "$(sim_env cvm_a)" '{"API_KEY":"a","NEW_KEY":"n"}' "simulator recorded the env"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "plan after signed apply shows changes"; }

acc_log "two resources of one app (one key) in one apply: no nonce collision"
config 'cvm_a={ API_KEY = "a", NEW_KEY = "n" }' 'cvm_a2={ API_KEY = "x", K2 = "y" }' 'cvm_b={ API_KEY = "b", K3 = "z" }'
n0=$(nonce)
tf_ok apply -auto-approve -input=false -parallelism=10
for r in cvm_a2 cvm_b; do assert_eq "$(state_attr phala_encrypted_env.$r .status)" applied "$r applied"; done
assert_eq "$(nonce)" $((n0 + 2)) "two transactions, one per new compose hash"

acc_log "wrong owner key: clear error, pending_onchain"
config 'cvm_a={ API_KEY = "a", NEW_KEY = "n", OWNER_TEST = "o" }' 'cvm_a2={ API_KEY = "x", K2 = "y" }' 'cvm_b={ API_KEY = "b", K3 = "z" }'
PHALA_ONCHAIN_PRIVATE_KEY=$(info .other_key) tf apply -auto-approve -input=false && acc_fail "a non-owner key registered a hash"
assert_contains "$(tf_out)" "Cannot register the compose hash on-chain" "owner diagnostic"
assert_contains "$(tf_out)" "$(info .other_address)" "names the key's address"
assert_eq "$(state_attr phala_encrypted_env.cvm_a .status)" pending_onchain "left pending"
assert_not_contains "$(tf_out)" "$(info .other_key | sed 's/^0x//')" "private key in output"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.cvm_a .status)" applied "the owner key finishes it"
A='cvm_a={ API_KEY = "a", NEW_KEY = "n", OWNER_TEST = "o" }' # kept in every config from here on

acc_log "insufficient balance: clear error"
PHALA_ONCHAIN_PRIVATE_KEY=$(info .poor_key)
config "$A" 'cvm_poor={ API_KEY = "p", POOR = "q" }'
tf apply -auto-approve -input=false && acc_fail "a poor account registered a hash"
assert_contains "$(tf_out)" "below the 0.001 ETH" "balance diagnostic"
assert_eq "$(state_attr phala_encrypted_env.cvm_poor .status)" pending_onchain "left pending"
PHALA_ONCHAIN_PRIVATE_KEY=$(info .owner_key)

acc_log "chain id mismatch: clear error"
config "$A" 'cvm_wrongchain={ API_KEY = "w", WC = "c" }'
tf apply -auto-approve -input=false && acc_fail "a transaction went to the wrong chain"
assert_contains "$(tf_out)" "chain" "chain diagnostic"
assert_contains "$(tf_out)" "$CHAIN" "names the node's chain id"

acc_log "node down: clear error, nothing sent (the KMS's key comes from the chain)"
config "$A" 'cvm_b={ API_KEY = "b", K3 = "z", DOWN = "d" }'
PHALA_ONCHAIN_RPC_URL=http://127.0.0.1:1 tf apply -auto-approve -input=false && acc_fail "registered without a node"
assert_contains "$(tf_out)" "could not reach the Ethereum RPC endpoint" "node-down diagnostic"
assert_contains "$(tf_out)" "Cannot read the KMS's key on-chain" "what could not be read"
assert_eq "$(state_attr phala_encrypted_env.cvm_b .status)" "" "nothing created: nothing was sent"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.cvm_b .status)" applied "finished once the node is back"

acc_log "provider killed after the transaction: the next apply finishes without a second one"
config 'cvm_a={ API_KEY = "a", NEW_KEY = "n", OWNER_TEST = "o", CRASH = "c" }' \
    'cvm_b={ API_KEY = "b", K3 = "z", DOWN = "d" }'
n0=$(nonce)
sim_admin POST /config '{"latency_ms": 2500}' >/dev/null
terraform -chdir="$TF" apply -auto-approve -input=false -refresh=false -no-color >"$WORK/crash.out" 2>&1 &
pid=$!
tx_sent() { [ "$(nonce)" -gt "$n0" ]; }
wait_until 180 "the provider to send the registration transaction" tx_sent
[ "$(kill_providers_of "$pid")" -gt 0 ] || acc_fail "no provider of this apply to kill"
wait "$pid" || true
sim_admin POST /config '{"latency_ms": 0}' >/dev/null
[ "$(state_attr phala_encrypted_env.cvm_a .env.CRASH)" = null ] || acc_fail "state claims the interrupted update"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.cvm_a .status)" applied "finished by the next apply"
assert_eq "$(nonce)" $((n0 + 1)) "no second transaction"
assert_eq "$(sim_env cvm_a | jq -r .CRASH)" c "CVM env after recovery"
echo PASS
