#!/usr/bin/env bash
# The KMS's lag (issue 18 item 5): dstack's KMS, and the API's commit check with it, read the app
# contract some blocks behind the chain head. The simulator lags N blocks behind ganache: is-allowed
# and commits see a registration only N blocks after it. The provider registers the compose hash with
# its key, then asks is-allowed until the KMS sees it before committing (progress in the info log):
# the apply waits and succeeds. With a timeout shorter than the lag it fails clearly, the update stays
# pending_onchain, and the next apply commits without a second transaction (the owner's nonce). The
# 465s spell the hash 0x + upper case here: the same-apply commit echoes it (item 6). On an API
# without is-allowed, onchain.confirmations above the lag is what the provider has (documented).
# ganache mines only on demand; a miner loop of this test adds one empty block a second.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
onchain_seed "$WORK/seed.json" '[ $base | .id = "cvm_lag" | .name = "lag" | .app_id = $a0 ]'
sim_start "$WORK/seed.json" --rpc-url "$RPC"
MINER_PID=
trap 'kill $MINER_PID $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
CVM=cvm_lag
approve_current $CVM "$APP0" "$OWNER"
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
config() { # config KEYS_HCL [EXTRA_HCL]
    { phala_header; cat <<TF
resource "phala_encrypted_env" "l" {
  cvm_id = "$CVM"
  env    = $1
  ${2:-}
}
TF
    } | write_config; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
head_block() { printf '%d' "$(rpc eth_blockNumber '[]')"; }
mine() { local i; for ((i = 0; i < $1; i++)); do rpc evm_mine '[]' >/dev/null; done; }
miner_start() { (while :; do rpc evm_mine '[]' >/dev/null; sleep 1; done) & MINER_PID=$!; }
miner_stop() { kill "$MINER_PID" 2>/dev/null || true; wait "$MINER_PID" 2>/dev/null || true; MINER_PID=; }
is_allowed() { # is_allowed HASH — the API's view (the lagging KMS's)
    curl -s -X POST -H 'X-API-Key: phak_test_key' -H 'Content-Type: application/json' \
        --data "{\"compose_hash\":\"$1\"}" "$SIM/api/v1/cvms/$CVM/is-allowed" | jq -r .is_allowed
}
sim_admin POST "/cvms/$CVM/flow" '{"hash_echo":"0xupper"}' >/dev/null

acc_log "the simulator's KMS sees a registration only N blocks after it"
sim_admin POST /lag '{"blocks": 4}' >/dev/null
H=$(printf 'ab%.0s' $(seq 32))
send_from "$OWNER" "0x$APP0" "0xdfc77223$H"
assert_eq "$(hash_allowed "$APP0" "$H")" "$TRUE_WORD" "the contract allows it at the head"
assert_eq "$(is_allowed "$H")" false "not allowed to the KMS in the registering block"
mine 3
assert_eq "$(is_allowed "$H")" false "not allowed 3 blocks after"
mine 1
assert_eq "$(is_allowed "$H")" true "allowed 4 blocks after"

acc_log "the provider registers, waits for the KMS, then commits: one apply"
sim_admin POST /lag '{"blocks": 5}' >/dev/null
config '{ API_KEY = "a", NEW_KEY = "n" }'
tf_ok init -input=false
n0=$(nonce "$OWNER")
miner_start
t0=$(now_ms)
TF_LOG_PROVIDER=info TF_LOG_PATH=$WORK/lag.log tf_ok apply -auto-approve -input=false
elapsed=$(($(now_ms) - t0))
miner_stop
echo "apply with a 5-block KMS lag at 1 block/s: ${elapsed} ms"
assert_eq "$(state_attr phala_encrypted_env.l .status)" applied "applied in one apply"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "one transaction"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","NEW_KEY":"n"}' "the simulator recorded the env"
grep -q 'waiting for the KMS to see the registration' "$WORK/lag.log" ||
    acc_fail "no progress of the wait in the info log"
grep -q 'the KMS allows the registration: committing' "$WORK/lag.log" ||
    acc_fail "the end of the wait is not logged"
H=$(state_attr phala_encrypted_env.l .compose_hash)
[[ $H =~ ^0x[0-9A-F]{64}$ ]] || acc_fail "state should keep the 465's spelling, got $H"
assert_eq "$(sim_admin GET "/cvms/$CVM/flow" | jq -r .last_commit_hash)" "$H" \
    "the same-apply commit echoes the 465's compose hash"

acc_log "a timeout shorter than the lag: a clear error, pending; the next apply needs no transaction"
sim_admin POST /lag '{"blocks": 1000}' >/dev/null
config '{ API_KEY = "a", NEW_KEY = "n", MORE = "m" }' 'timeouts {
    create = "6s"
    update = "6s"
  }'
n0=$(nonce "$OWNER")
miner_start
t0=$(now_ms)
tf apply -auto-approve -input=false && acc_fail "a commit the KMS cannot see yet was reported done"
elapsed=$(($(now_ms) - t0))
miner_stop
echo "apply with a timeout (6s) shorter than the lag: failed after ${elapsed} ms"
out=$(tf_out)
assert_contains "$out" "Timed out waiting for the KMS to see the registration" "timeout diagnostic"
assert_contains "$out" "the next" "says what happens next"
[ "$elapsed" -lt 60000 ] || acc_fail "the 6 s timeout took ${elapsed} ms"
assert_eq "$(state_attr phala_encrypted_env.l .status)" pending_onchain "the update stays pending"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "the registration was sent once"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","NEW_KEY":"n"}' "nothing committed"
sim_admin POST /lag '{"blocks": 5}' >/dev/null
mine 5
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.l .status)" applied "the next apply commits"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "no second transaction"
assert_eq "$(sim_env $CVM)" '{"API_KEY":"a","MORE":"m","NEW_KEY":"n"}' "the env was committed"

acc_log "an API without is-allowed (PATCH envs): onchain.confirmations above the lag covers it"
sim_admin POST /config '{"legacy_only": true}' >/dev/null
sim_admin POST /lag '{"blocks": 3}' >/dev/null
{ phala_header; cat <<TF
provider "phala" {
  onchain {
    confirmations = 4
  }
}
resource "phala_encrypted_env" "l" {
  cvm_id = "$CVM"
  env    = { API_KEY = "a", NEW_KEY = "n", MORE = "m", OLD_API = "o" }
}
TF
} | write_config
n0=$(nonce "$OWNER")
miner_start
t0=$(now_ms)
tf_ok apply -auto-approve -input=false
elapsed=$(($(now_ms) - t0))
miner_stop
echo "apply on an API without is-allowed, 3-block lag, confirmations = 4: ${elapsed} ms"
assert_eq "$(state_attr phala_encrypted_env.l .status)" applied "applied in one apply"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "one transaction"
assert_eq "$(sim_env $CVM | jq -r .OLD_API)" o "the env was committed through PATCH envs"
echo PASS
