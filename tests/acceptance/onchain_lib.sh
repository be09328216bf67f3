# onchain_lib.sh — the chain side of the on-chain acceptance tests (source it after lib.sh and
# acc_init): start the ganache test chain (tests/eth/chain.mjs, ComposeHashApp contracts with
# DstackApp's compose-hash and device interfaces), a simulator world whose base KMS contract lives on
# that chain, and raw JSON-RPC helpers that bypass the provider (ganache signs for its own accounts):
# sending from an account, nonces, contract reads, log counts.

# chain_start [--safe] — starts the chain; sets RPC CHAIN APP0 APP1 APP2 (40 hex, no 0x), OWNER OTHER
# POOR (addresses), KMS (the KmsStandIn's address, 0x…; the three apps are registered on it) and
# CHAIN_PID. With --safe also Safe 1.4.1 and a 2-of-3 Safe owning a fourth app: SAFE_APP (40 hex, no
# 0x) and SAFE (0x…); the owners' keys are `chain_info '.safe.owner_keys[N]'` (tests/eth/README.md).
chain_start() {
    node "$REPO_ROOT/tests/eth/chain.mjs" --info-file "$WORK/chain.json" --exit-with-parent "$@" \
        >"$WORK/chain.log" 2>&1 &
    CHAIN_PID=$!
    wait_until 120 "the test chain (ganache) to start" test -s "$WORK/chain.json" ||
        { cat "$WORK/chain.log" >&2; exit 1; }
    RPC=$(chain_info .rpc_url)
    CHAIN=$(chain_info .chain_id)
    APP0=$(chain_info '.apps[0]' | sed 's/^0x//')
    APP1=$(chain_info '.apps[1]' | sed 's/^0x//')
    APP2=$(chain_info '.apps[2]' | sed 's/^0x//')
    OWNER=$(chain_info .owner_address)
    OTHER=$(chain_info .other_address)
    POOR=$(chain_info .poor_address)
    KMS=$(chain_info .kms)
    if [ "${1:-}" = --safe ]; then
        SAFE=$(chain_info .safe.address)
        SAFE_APP=$(chain_info .safe_app | sed 's/^0x//')
    fi
}
chain_info() { jq -r "$1" "$WORK/chain.json"; }

# onchain_seed OUT CVMS_JQ — the default seed with its base KMS contract on the test chain (at the
# KmsStandIn's address) and the CVMs that CVMS_JQ builds from $base (cvm_base01) with $a0 $a1 $a2
# bound to the apps.
onchain_seed() {
    jq --argjson chain "$CHAIN" --arg a0 "$APP0" --arg a1 "$APP1" --arg a2 "$APP2" --arg kms "$KMS" "
      .kms_contracts |= map(if .chain_id != 0 then .chain_id = \$chain | .contract_address = \$kms
                            else . end)
      | (.cvms[] | select(.id == \"cvm_base01\")) as \$base
      | .cvms = $2
    " "$REPO_ROOT/tests/sim/seed-default.json" >"$1"
}

# rpc METHOD PARAMS_JSON — the result member of a JSON-RPC call to the chain.
rpc() {
    curl -s -X POST -H 'Content-Type: application/json' \
        --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC" | jq -r .result
}
# send_from FROM TO DATA — a transaction from an account ganache holds (mined before it returns).
send_from() {
    curl -s -X POST -H 'Content-Type: application/json' --data \
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendTransaction\",\"params\":[{\"from\":\"$1\",\"to\":\"$2\",\"data\":\"$3\",\"gas\":\"0x30000\"}]}" \
        "$RPC" | jq -e .result >/dev/null || acc_fail "transaction from $1 to $2 refused"
}
nonce() { printf '%d' "$(rpc eth_getTransactionCount "[\"$1\",\"latest\"]")"; }
TRUE_WORD=0x0000000000000000000000000000000000000000000000000000000000000001
FALSE_WORD=0x0000000000000000000000000000000000000000000000000000000000000000
# hash_allowed APP HASH / device_listed APP DEVICE — the contract's answer word.
hash_allowed() { rpc eth_call "[{\"to\":\"0x$1\",\"data\":\"0x2f6622e5${2#0x}\"},\"latest\"]"; }
device_listed() { rpc eth_call "[{\"to\":\"0x$1\",\"data\":\"0xbf8b211b${2#0x}\"},\"latest\"]"; }
# log_count APP TOPIC DATA — how many logs with that topic and data the app emitted (whole chain).
log_count() {
    rpc eth_getLogs "[{\"address\":\"0x$1\",\"topics\":[\"$2\"],\"fromBlock\":\"0x0\",\"toBlock\":\"latest\"}]" |
        jq --arg d "0x${3#0x}" '[.[] | select(.data == $d)] | length'
}
TOPIC_COMPOSE_HASH_ADDED=0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af
TOPIC_DEVICE_ADDED=0x67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b

# current_hash CVM — the compose hash the simulator computes for the CVM's current compose.
current_hash() { curl -s -H 'X-API-Key: phak_test_key' "$SIM/api/v1/cvms/$1" | jq -r .compose_hash; }
# approve_current CVM APP FROM — the owner approves the CVM's current compose (as a deployment does).
approve_current() { send_from "$3" "0x$2" "0xdfc77223$(current_hash "$1")"; }

# kms_sync [SLUG] — the KMS operator's setKmsInfo: writes the k256 key the simulator's KMS contract
# SLUG (default base) advertises into the KmsStandIn, so that the chain vouches for it as DstackKms
# does. Run after sim_start (the simulator override below does it for every on-chain world).
kms_sync() {
    local k256
    k256=$(curl -sS -H 'X-API-Key: phak_test_key' -H 'X-Phala-Version: 2026-06-23' \
        "$SIM/api/v1/kms/${1:-base}" | jq -r .k256_pubkey)
    kms_set_k256 "$k256"
}
# kms_set_k256 KEY — setK256Pubkey(bytes KEY) on the KmsStandIn from its owner (33-byte key).
kms_set_k256() {
    local k=${1#0x}
    [ ${#k} = 66 ] || acc_fail "kms_set_k256: not a compressed key: $1"
    send_from "$OWNER" "$KMS" \
        "0x63dbe3e6$(printf '%064x%064x' 32 33)${k}$(printf '%062d' 0)"
}
# kms_k256 — what kmsInfo() holds now (0x + 66 hex; empty when unset).
kms_k256() {
    local w
    w=$(rpc eth_call "[{\"to\":\"$KMS\",\"data\":\"0x09177063\"},\"latest\"]")
    w=${w#0x}
    echo "0x${w:320:66}"
}

# sim_start, once a chain runs: the simulator, then kms_sync — every on-chain world starts with the
# KmsStandIn holding the base contract's key (the provider reads it with onchain.rpc_url).
eval "lib_$(declare -f sim_start)"
sim_start() {
    lib_sim_start "$@"
    if [ -n "${KMS:-}" ]; then kms_sync; fi
}
