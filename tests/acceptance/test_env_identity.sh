#!/usr/bin/env bash
# A CVM's identity is pinned (issue 17, HIGH): the app, KMS contract and chain the state recorded at
# create (or the configuration's app_id, or an import id naming the app) are compared with every
# read of the CVM. A compromised API answering every request about cvm_a with the data of cvm_b
# (app B, same owner key, its compose approved) gets an error on cvm_id naming both apps — at
# refresh, at plan, at first create with the app pinned in the configuration, and at import — and
# the owner key signs nothing (nonce counted), nothing is committed (the simulator's update
# counters) and the state is untouched. Once with the simulator's own hostile switch, once with the
# simulator honest behind an independent rewriting proxy (tests/tools/rewrite_proxy.mjs). The signer
# also refuses an app the CVM's KMS contract does not list in registeredApps, and signs once the KMS
# registers it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
# An app the owner deployed but that is not registered on the KMS contract (registeredApps false).
deploy=$(curl -s -X POST -H 'Content-Type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,
  \"method\":\"eth_sendTransaction\",\"params\":[{\"from\":\"$OWNER\",\"gas\":\"0x200000\",
  \"data\":\"$(jq -r .bytecode "$REPO_ROOT/tests/eth/ComposeHashApp.json")\"}]}" "$RPC" | jq -r .result)
APPX=$(rpc eth_getTransactionReceipt "[\"$deploy\"]" | jq -r .contractAddress | sed 's/^0x//')
[[ "$APPX" =~ ^[0-9a-f]{40}$ ]] || acc_fail "setup: no unregistered app deployed ($APPX)"
jq_appx() { jq --arg ax "$APPX" "$@"; }
onchain_seed "$WORK/seed0.json" '[ ($base | .id = "cvm_a" | .name = "app-a" | .app_id = $a0),
                                   ($base | .id = "cvm_b" | .name = "app-b" | .app_id = $a1),
                                   ($base | .id = "cvm_x" | .name = "app-x") ]'
jq_appx '(.cvms[] | select(.id == "cvm_x") | .app_id) = $ax' "$WORK/seed0.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
approve_current cvm_a "$APP0" "$OWNER"
approve_current cvm_b "$APP1" "$OWNER"

config() { # config ENV [APP_ID_LINE]
    { phala_header; cat <<TF
resource "phala_encrypted_env" "a" {
  cvm_id = "cvm_a"
  env    = $1
  ${2:-}
}
TF
    } | write_config
}
updates() { sim_admin GET "/envs/$1" | jq .updates; }
hash_logs() { log_count "$1" "$TOPIC_COMPOSE_HASH_ADDED" "" 2>/dev/null || true; }
# the resources' values in state (a failed apply may rewrite the file with nothing changed in it)
statesum() { terraform -chdir="$TF" show -json | jq -cS '.values // {}'; }
# refused WHAT [import] — the last command failed with the identity error naming app A and app B, and signed,
# committed and stored nothing.
refused() {
    local out
    out=$(flatten "$(tf_out)")
    assert_contains "$out" "The CVM is not the one this resource manages" "$1: the error"
    if [ "${2:-}" != import ]; then # an import's diagnostics name no configuration line
        assert_contains "$out" "with phala_encrypted_env.a" "$1: on the resource"
        assert_contains "$out" 'cvm_id = "cvm_a"' "$1: on cvm_id"
    fi
    assert_contains "$out" "app 0x$APP0" "$1: names the pinned app"
    assert_contains "$out" "the API now says app 0x$APP1" "$1: names the API's app"
    assert_eq "$(nonce "$OWNER")" "$n0" "$1: the owner key signed nothing"
    assert_eq "$(updates cvm_a)" "$ua" "$1: nothing committed on cvm_a"
    assert_eq "$(updates cvm_b)" "$ub" "$1: nothing committed on cvm_b"
    assert_eq "$(sim_admin GET /envs/cvm_b | jq -c .pending)" null "$1: nothing prepared on cvm_b"
    assert_eq "$(statesum)" "$s0" "$1: state unchanged"
}
snapshot() { n0=$(nonce "$OWNER"); ua=$(updates cvm_a); ub=$(updates cvm_b); s0=$(statesum); }

acc_log "honest create on cvm_a: app A recorded"
config '{ API_KEY = "a", K1 = "1" }'
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.a .app_id)" "$APP0" "app A recorded in state"
assert_eq "$(state_attr phala_encrypted_env.a .status)" applied "applied"
KMS=$(state_attr phala_encrypted_env.a .kms_contract_address)
[ "$KMS" != null ] && [ -n "$KMS" ] || acc_fail "no KMS contract recorded"
assert_eq "$(state_attr phala_encrypted_env.a .chain_id)" "$CHAIN" "chain recorded"

acc_log "the API answers for cvm_a with cvm_b (app B, approved, same owner): refused at refresh"
sim_admin POST /cvms/cvm_a/hostile '{"answer_as":"cvm_b"}' >/dev/null
config '{ API_KEY = "a", K1 = "1", K2 = "2" }'
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "apply on an impersonated CVM succeeded"; }
refused "refresh"

acc_log "... and at plan, without a refresh"
tf apply -auto-approve -input=false -refresh=false &&
    { tf_out; acc_fail "apply -refresh=false on an impersonated CVM succeeded"; }
refused "plan"

acc_log "first create with app_id pinned in the configuration: refused before anything is sent"
tf_ok state rm phala_encrypted_env.a
config '{ API_KEY = "a", K1 = "1", K3 = "3" }' "app_id = \"0x${APP0^^}\""
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "create on an impersonated CVM succeeded"; }
refused "pinned create"
assert_contains "$(flatten "$(tf_out)")" "according to the configuration (app_id)" "names the pin's source"

acc_log "import by app id pins the app: refused"
tf import -input=false phala_encrypted_env.a "app_$APP0" &&
    { tf_out; acc_fail "import of an impersonated CVM succeeded"; }
refused "import by app id" import

# The same attack from outside the simulator: the simulator honest (its answer_as switch off) and an
# independent rewriting proxy (tests/tools/rewrite_proxy.mjs) between the provider and it, answering
# every request naming cvm_a (any spelling) from cvm_b with cvm_b's id and name rewritten to cvm_a's,
# writes forwarded to cvm_b too. The proxy's log proves it rewrote in each case.
rewrite_proxy_start() { # rewrite_proxy_start VICTIM AS — sets PROXY (base URL) and PROXY_PID
    : >"$WORK/rewrite.log"
    # stdin from a pipe this test holds: the proxy exits when it is closed (or the test ends)
    exec {PROXY_FD}> >(exec node "$REPO_ROOT/tests/tools/rewrite_proxy.mjs" --upstream "$SIM/api/v1" \
        --victim "$1" --as "$2" --port-file "$WORK/rewrite.port" --log "$WORK/rewrite.log" \
        2>>"$WORK/rewrite.err")
    PROXY_PID=$!
    wait_until 60 "the rewriting proxy to listen" test -s "$WORK/rewrite.port" ||
        { cat "$WORK/rewrite.err" >&2; exit 1; }
    PROXY=http://127.0.0.1:$(cat "$WORK/rewrite.port")
}
rewrites() { grep -c '^REWRITE ' "$WORK/rewrite.log" || true; }
# through_proxy WHAT — the last refusal happened with the proxy rewriting more requests than before
through_proxy() {
    local now
    now=$(rewrites)
    [ "$now" -gt "$r0" ] || { cat "$WORK/rewrite.log" >&2; acc_fail "$1: the proxy rewrote nothing"; }
    r0=$now
}

acc_log "rewriting proxy: the simulator is honest again, state records app A"
sim_admin DELETE /cvms/cvm_a/hostile >/dev/null
assert_eq "$(curl -s -H "X-API-Key: $PHALA_CLOUD_API_KEY" "$SIM/api/v1/cvms/cvm_a" | jq -r .app_id)" \
    "$APP0" "the simulator answers for cvm_a itself"
config '{ API_KEY = "a", K1 = "1" }'
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.a .app_id)" "$APP0" "app A recorded in state"
rewrite_proxy_start cvm_a cvm_b
trap 'kill $SIM_PID $CHAIN_PID $PROXY_PID 2>/dev/null; acc_cleanup' EXIT
export PHALA_CLOUD_API_PREFIX=$PROXY/api/v1
r0=$(rewrites)

acc_log "rewriting proxy: refused at refresh"
config '{ API_KEY = "a", K1 = "1", K2 = "2" }'
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "apply through the rewriting proxy succeeded"; }
refused "proxy: refresh"
through_proxy "proxy: refresh"
grep -qE '^REWRITE GET /api/v1/cvms/cvm_a -> /api/v1/cvms/cvm_b 200 fields=[1-9]' "$WORK/rewrite.log" ||
    { cat "$WORK/rewrite.log" >&2; acc_fail "the proxy served cvm_b's CVM without cvm_a's id"; }

acc_log "rewriting proxy: ... and at plan, without a refresh"
tf apply -auto-approve -input=false -refresh=false &&
    { tf_out; acc_fail "apply -refresh=false through the rewriting proxy succeeded"; }
refused "proxy: plan"
through_proxy "proxy: plan"

acc_log "rewriting proxy: first create with app_id pinned in the configuration"
tf_ok state rm phala_encrypted_env.a
config '{ API_KEY = "a", K1 = "1", K3 = "3" }' "app_id = \"0x${APP0^^}\""
snapshot
tf apply -auto-approve -input=false && { tf_out; acc_fail "create through the rewriting proxy succeeded"; }
refused "proxy: pinned create"
assert_contains "$(flatten "$(tf_out)")" "according to the configuration (app_id)" "proxy: the pin's source"
through_proxy "proxy: pinned create"

acc_log "rewriting proxy: import by app id"
tf import -input=false phala_encrypted_env.a "app_$APP0" &&
    { tf_out; acc_fail "import through the rewriting proxy succeeded"; }
refused "proxy: import by app id" import
through_proxy "proxy: import by app id"
grep -qE "^REWRITE GET /api/v1/cvms/app_$APP0 -> /api/v1/cvms/app_$APP1 " "$WORK/rewrite.log" ||
    { cat "$WORK/rewrite.log" >&2; acc_fail "the proxy did not rewrite the app-id spelling"; }
export PHALA_CLOUD_API_PREFIX=$SIM/api/v1
exec {PROXY_FD}>&-
kill "$PROXY_PID" 2>/dev/null || true
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT

acc_log "honest again: the pinned create applies, app_id kept as written, converges"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.a .app_id)" "0x${APP0^^}" "configured app_id as written"
assert_eq "$(state_attr phala_encrypted_env.a .status)" applied "applied"
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "pinned app does not converge ($rc)"; }

acc_log "a configured app_id the CVM does not have is an error at plan"
config '{ API_KEY = "a", K1 = "1", K4 = "4" }' "app_id = \"$APP1\""
snapshot
tf plan -input=false && { tf_out; acc_fail "a wrong app_id planned"; }
assert_contains "$(flatten "$(tf_out)")" "The CVM is not the one this resource manages" "wrong app_id"
config '{ API_KEY = "a" }' 'app_id = "not-hex"'
tf validate && { tf_out; acc_fail "an invalid app_id validated"; }
assert_contains "$(tf_out)" "Invalid app id" "app_id validated"
acc_log "an app not registered on the CVM's KMS contract: the owner key does not sign for it"
approve_current cvm_x "$APPX" "$OWNER"
{ phala_header; cat <<TF
resource "phala_encrypted_env" "x" {
  cvm_id = "cvm_x"
  env    = { API_KEY = "x", X1 = "1" }
}
TF
} | write_config
n0=$(nonce "$OWNER")
tf apply -auto-approve -input=false && { tf_out; acc_fail "signed for an app its KMS does not list"; }
assert_contains "$(flatten "$(tf_out)")" "The app is not registered on the CVM's KMS contract" "refused"
assert_contains "$(flatten "$(tf_out)")" "does not list app contract $APPX" "names the app"
assert_eq "$(nonce "$OWNER")" "$n0" "nothing signed for an unregistered app"
assert_eq "$(log_count "$APPX" "$TOPIC_COMPOSE_HASH_ADDED" "$(current_hash cvm_x)")" 1 "only the approval"
acc_log "... registered by the KMS owner (registerApp): signed once, applied"
send_from "$OWNER" "$KMS" "0x17a1d80f000000000000000000000000$APPX"
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.x .status)" applied "applied once registered"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "one addComposeHash"
echo PASS
