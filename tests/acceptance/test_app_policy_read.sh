#!/usr/bin/env bash
# Data source phala_app_policy against the ganache chain and the simulator (issue 19): after a mix
# of adds and removes on an app — three addComposeHash and one removeComposeHash, two addDevice and
# one removeDevice, a hash added with only a PolicyChanged log (setEventMode(2)), a forged entry (a
# hash added, then its allowedComposeHashes slot poked false: its log says added, the view call
# says no), setAllowAnyDevice(false) — the data source shows exactly the live sets, the owner,
# allow_any_device and per-CVM would_boot. from_block above the first adds still finds what the
# app's CVMs run with (the API's hashes and devices are candidates) and nothing else below it; the
# API's lagged view is a warning naming the CVM; an app unknown to the API is read with chain_id
# (without it, or with a chain_id other than the API's or the RPC's, an error); an RPC on another
# chain and bad input are errors.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
# D1 is the seed's sim-node-1 device (the API names it); D2 and D3 are unknown to it.
D1=7a82191bd4dedb9d716e3aa422963cf1009f36e3068404a0322feca1ce517dc9
D2=$(printf 'd2%.0s' $(seq 32))
D3=$(printf 'd3%.0s' $(seq 32))
onchain_seed "$WORK/seed.json" "[ (\$base | .id = \"cvm_p1\" | .name = \"pol-1\" | .app_id = \$a0 | .device_id = \"$D1\"),
                                  (\$base | .id = \"cvm_p2\" | .name = \"pol-2\" | .app_id = \$a0 | .device_id = \"$D2\"),
                                  (\$base | .id = \"cvm_p3\" | .name = \"pol-3\" | .app_id = \$a0 | .device_id = \"$D3\") ]"
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID ${CHAIN2_PID:-} ${SLOW_PID:-} 2>/dev/null; acc_cleanup' EXIT
export PHALA_ONCHAIN_RPC_URL=$RPC

HR=$(current_hash cvm_p1) # what all three CVMs run
[ "$(current_hash cvm_p3)" = "$HR" ] || acc_fail "setup: the CVMs run different composes"
HA=$(printf 'a1%.0s' $(seq 32))
HB=$(printf 'b2%.0s' $(seq 32))
HP=$(printf 'c3%.0s' $(seq 32))
HF=$(printf 'f4%.0s' $(seq 32))
call() { send_from "$OWNER" "0x$APP0" "$1$2"; } # call SELECTOR WORD
head_block() { printf '%d' "$(rpc eth_blockNumber '[]')"; }

acc_log "policy changes: 3 adds + 1 remove, 2 devices + 1 remove, PolicyChanged-only, forged, any-device off"
FIRST=$(($(head_block) + 1))
call 0xdfc77223 "$HA"
call 0xdfc77223 "$HB"
call 0xdfc77223 "$HR"
call 0x67b3f22c "$HB" # removeComposeHash
call 0x2a819728 "$D1"
call 0x2a819728 "$D2"
call 0x1d266200 "$D2" # removeDevice
call 0x2a030f44 "$(printf '%064x' 2)" # setEventMode(2): PolicyChanged only
AFTER_ADDS=$(($(head_block) + 1))
call 0xdfc77223 "$HP"
call 0x2a030f44 "$(printf '%064x' 0)"
assert_eq "$(log_count "$APP0" "$TOPIC_COMPOSE_HASH_ADDED" "$HP")" 0 "HP has no legacy log"
call 0xdfc77223 "$HF"
slot=$(node -e "const {keccak256}=require(process.argv[1]); console.log(keccak256('0x'+process.argv[2]+'0'.repeat(63)+'1'))" \
    "$REPO_ROOT/tests/node/node_modules/viem" "$HF")
rpc evm_setAccountStorageAt "[\"0x$APP0\",\"$slot\",\"$FALSE_WORD\"]" >/dev/null
assert_eq "$(hash_allowed "$APP0" "$HF")" "$FALSE_WORD" "forged: the view call says false"
assert_eq "$(log_count "$APP0" "$TOPIC_COMPOSE_HASH_ADDED" "$HF")" 1 "forged: its log says added"
call 0x7c4beeb8 "${FALSE_WORD#0x}" # setAllowAnyDevice(false)

config() { # config [EXTRA_ATTRIBUTES] [APP_ID]
    { phala_header; cat <<TF
data "phala_app_policy" "p" {
  app_id = "${2:-0x$APP0}"
  ${1:-}
}
output "p" { value = data.phala_app_policy.p }
TF
    } | write_config
}
out() { terraform -chdir="$TF" output -json p; }

acc_log "the live sets, owner, allow_any_device, per-CVM would_boot"
config
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
APPLY_OUT=$(tf_out)
P=$(out)
assert_eq "$(jq -c '.compose_hashes | sort' <<<"$P")" "$(jq -nc --arg a "0x$HA" --arg r "0x$HR" --arg p "0x$HP" '[$a,$r,$p] | sort')" "compose_hashes"
assert_eq "$(jq -c '[.devices[] | [.device_id, .node_name, .cvm_ids]]' <<<"$P")" "[[\"0x$D1\",\"sim-node-1\",[\"cvm_p1\"]]]" "devices"
assert_eq "$(jq -r .allow_any_device <<<"$P")" false "allow_any_device"
assert_eq "$(jq -r .owner <<<"$P")" "$OWNER" "owner"
assert_eq "$(jq -r .owner_is_contract <<<"$P")" false "owner is an account"
assert_eq "$(jq -r .owner_safe <<<"$P")" null "no Safe"
assert_eq "$(jq -c '[.cvms[] | [.cvm_id, .compose_hash, .device_id, .would_boot, .api_is_allowed]] | sort' <<<"$P")" \
    "$(jq -nc --arg h "0x$HR" --arg d1 "0x$D1" --arg d2 "0x$D2" --arg d3 "0x$D3" \
        '[["cvm_p1",$h,$d1,true,true],["cvm_p2",$h,$d2,false,false],["cvm_p3",$h,$d3,false,false]]')" "cvms"
assert_not_contains "$APPLY_OUT" "Warning" "no warning for a complete, agreeing read"
head=$(head_block)
assert_eq "$(jq -r .block_number <<<"$P")" "$head" "read at the head"
assert_eq "$(jq -r '[.searched_from_block, .searched_to_block, .log_search_complete] | @tsv' <<<"$P")" \
    "$(printf '0\t%s\ttrue' "$head")" "searched the whole chain"

acc_log "from_block above the first adds: the CVMs' hash and device are still found, HA is not"
config "from_block = $AFTER_ADDS"
tf_ok apply -auto-approve -input=false
P=$(out)
[ "$AFTER_ADDS" -gt "$FIRST" ] || acc_fail "setup: from_block not above the first add"
assert_eq "$(jq -c '.compose_hashes | sort' <<<"$P")" "$(jq -nc --arg r "0x$HR" --arg p "0x$HP" '[$r,$p] | sort')" "compose_hashes from block $AFTER_ADDS"
assert_eq "$(jq -c '[.devices[].device_id]' <<<"$P")" "[\"0x$D1\"]" "D1 found through cvm_p1"
assert_eq "$(jq -r '[.searched_from_block, .log_search_complete] | @tsv' <<<"$P")" "$(printf '%s\ttrue' "$AFTER_ADDS")" "searched from from_block"

acc_log "the API lags: a warning names the CVM it disagrees about"
sim_admin POST /lag "{\"blocks\": $((head - AFTER_ADDS + 7))}" >/dev/null # before HR was added
config
tf_ok apply -auto-approve -input=false
assert_contains "$(tf_out)" "The API and the chain disagree about a CVM" "disagreement warning"
assert_contains "$(tf_out)" "For CVM cvm_p1" "names the CVM"
assert_eq "$(out | jq -c '[.cvms[] | select(.cvm_id == "cvm_p1") | .would_boot, .api_is_allowed]')" "[true,false]" "would_boot from the chain"
sim_admin POST /lag '{"blocks": 0}' >/dev/null

acc_log "a slow node: the search runs out of log_search_seconds, a warning names the blocks searched"
node "$REPO_ROOT/tests/eth/limited_rpc.mjs" --upstream "$RPC" --max-range 2 --logs-delay-ms 400 \
    --port-file "$WORK/slow.port" --exit-with-parent >"$WORK/slow.log" 2>&1 &
SLOW_PID=$!
wait_until 30 "the slow RPC proxy" test -s "$WORK/slow.port" || { cat "$WORK/slow.log" >&2; exit 1; }
config "log_search_seconds = 1"
PHALA_ONCHAIN_RPC_URL=http://127.0.0.1:$(cat "$WORK/slow.port") tf_ok apply -auto-approve -input=false
P=$(out)
assert_eq "$(jq -r .log_search_complete <<<"$P")" false "search cut short"
from=$(jq -r .searched_from_block <<<"$P")
to=$(jq -r .searched_to_block <<<"$P")
[ "$from" -gt "$FIRST" ] || acc_fail "a 1 s search over 2-block windows 400 ms apart reached block $from"
want=$(jq -nc --arg r "0x$HR" --arg p "0x$HP" --argjson hp "$([ "$from" -le "$AFTER_ADDS" ] && echo true || echo false)" \
    'if $hp then [$r, $p] else [$r] end | sort')
assert_contains "$(tf_out)" "The log search was incomplete" "incomplete warning"
assert_contains "$(tf_out)" "searched in blocks $from..$to only" "names the blocks searched"
assert_eq "$(jq -c '.compose_hashes | sort' <<<"$P")" "$want" "the CVMs' hash, HP if its log was reached, never HA"
assert_eq "$(jq -c '[.devices[].device_id]' <<<"$P")" "[\"0x$D1\"]" "D1 through cvm_p1"
kill "$SLOW_PID"

acc_log "chain_id: an app with no CVM is read from the chain alone when chain_id names its chain"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: phak_test_key' \
    "$SIM/api/v1/apps/$APP1/device-allowlist")" 404 "setup: the API knows no CVM of APP1"
send_from "$OWNER" "0x$APP1" "0xdfc77223$HA" # addComposeHash(HA) on APP1, before any CVM
config "" "0x$APP1"
tf plan -input=false && acc_fail "an app unknown to the API was read without chain_id"
assert_contains "$(tf_out)" "The API knows no CVM of this app" "unknown app"
assert_contains "$(tf_out)" "set chain_id to that chain" "says to set chain_id"
config "chain_id = $CHAIN" "0x$APP1"
tf_ok apply -auto-approve -input=false
P=$(out)
assert_eq "$(jq -c '.compose_hashes' <<<"$P")" "[\"0x$HA\"]" "APP1's hash, from its log"
assert_eq "$(jq -r '[.chain_id, .owner, (.cvms | length)] | @tsv' <<<"$P")" "$(printf '%s\t%s\t0' "$CHAIN" "$OWNER")" "chain, owner, no CVMs"
config "chain_id = 1" "0x$APP1"
tf plan -input=false && acc_fail "chain_id 1 was read through an RPC on chain $CHAIN"
assert_contains "$(tf_out)" "The RPC endpoint is on another chain" "chain_id vs the RPC"
config "chain_id = 1"
tf plan -input=false && acc_fail "chain_id 1 was accepted for an app the API puts on chain $CHAIN"
assert_contains "$(tf_out)" "chain_id is 1 but the API says app 0x$APP0's KMS is on chain $CHAIN" "chain_id vs the API"

acc_log "bad input and missing or wrong RPC are errors naming what to fix"
config "" "not-an-app"
tf plan -input=false && acc_fail "an invalid app_id was accepted"
assert_contains "$(tf_out)" "Invalid app id" "app_id error"
assert_contains "$(tf_out)" "app_id must be the app's DstackApp contract address" "names app_id"
config
( unset PHALA_ONCHAIN_RPC_URL; tf plan -input=false ) && acc_fail "a read without an RPC succeeded"
assert_contains "$(tf_out)" "onchain.rpc_url" "names onchain.rpc_url"
node "$REPO_ROOT/tests/eth/chain.mjs" --info-file "$WORK/chain2.json" --chain-id 31337 --use-artifact \
    --exit-with-parent >"$WORK/chain2.log" 2>&1 &
CHAIN2_PID=$!
wait_until 120 "a second chain (31337) to start" test -s "$WORK/chain2.json" || { cat "$WORK/chain2.log" >&2; exit 1; }
( PHALA_ONCHAIN_RPC_URL=$(jq -r .rpc_url "$WORK/chain2.json") tf plan -input=false ) &&
    acc_fail "an RPC on chain 31337 was used for an app on chain $CHAIN"
assert_contains "$(tf_out)" "The RPC endpoint is on another chain" "chain mismatch"
assert_contains "$(tf_out)" "serves chain 31337 but app 0x$APP0's KMS is on chain $CHAIN" "names both chains"
