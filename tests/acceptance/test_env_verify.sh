#!/usr/bin/env bash
# The provider signs only a compose hash it proved (issue 11 part 1): against the ganache chain and
# a simulator whose 465s a compromised API controls. Honest updates are signed exactly once, in both
# canonical forms (compact and indented app-compose). A 465 naming an arbitrary hash, a foreign app,
# a compose with another docker_compose_file, the right compose in an unknown form, a current
# compose the contract does not allow, another device or another chain (issue 17): no transaction
# (the owner's nonce is counted), the resource waits in pending_onchain, the warning names the
# mismatch and what this provider computes; the next apply asks again. onchain.verify_compose =
# false signs blindly, with a warning.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
onchain_seed "$WORK/seed.json" '[ ($base | .id = "cvm_h" | .name = "app-h" | .app_id = $a0),
                                  ($base | .id = "cvm_i" | .name = "app-i" | .app_id = $a1
                                         | .hash_form = "indent4") ]'
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
approve_current cvm_h "$APP0" "$OWNER"
approve_current cvm_i "$APP1" "$OWNER"

VERIFY=true
config() { # config H_ENV [I_ENV]
    { phala_header; cat <<TF
provider "phala" {
  onchain {
    verify_compose = $VERIFY
  }
}
resource "phala_encrypted_env" "h" {
  cvm_id = "cvm_h"
  env    = $1
}
TF
    [ -n "${2:-}" ] && cat <<TF
resource "phala_encrypted_env" "i" {
  cvm_id = "cvm_i"
  env    = $2
}
TF
    true; } | write_config
}
hostile() { sim_admin POST /cvms/cvm_h/hostile "$1" >/dev/null; }
calm() { sim_admin DELETE /cvms/cvm_h/hostile >/dev/null; }
# no_tx_pending WHAT — the last apply sent nothing and left cvm_h pending.
no_tx_pending() {
    assert_eq "$(nonce "$OWNER")" "$n0" "$1: no transaction"
    assert_eq "$(state_attr phala_encrypted_env.h .status)" pending_onchain "$1: pending"
    assert_contains "$(tf_out)" "Compose hash not verified: nothing was signed" "$1: warning"
}

acc_log "honest, compact form: verified, one addComposeHash, applied"
config '{ API_KEY = "a", K1 = "1" }' '{ API_KEY = "b" }'
tf_ok init -input=false
n0=$(nonce "$OWNER")
TF_LOG_PROVIDER=info TF_LOG_PATH=$WORK/h.log tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.h .status)" applied "compact: applied"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "compact: exactly one transaction"
H1=$(state_attr phala_encrypted_env.h .compose_hash)
assert_eq "$(current_hash cvm_h)" "$H1" "the registered hash is the CVM's new compose hash"
assert_eq "$(hash_allowed "$APP0" "$H1")" "$TRUE_WORD" "allowed on the app contract"
grep -q 'compose hash verified: ' "$WORK/h.log" || acc_fail "no verification logged"
grep -q 'compact (dstack getComposeHash)' "$WORK/h.log" || acc_fail "compact form not named"

acc_log "honest, indented form: verified, one addComposeHash, applied"
config '{ API_KEY = "a", K1 = "1" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
TF_LOG_PROVIDER=info TF_LOG_PATH=$WORK/i.log tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.i .status)" applied "indented: applied"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "indented: exactly one transaction"
assert_eq "$(current_hash cvm_i)" "$(state_attr phala_encrypted_env.i .compose_hash)" "indented hash"
grep -q 'indented (app-compose.json' "$WORK/i.log" || acc_fail "indented form not named"

BABA=$(printf 'ba%.0s' $(seq 32))
acc_log "hostile 465 naming 0xbaba…: nothing signed, allowedComposeHashes(0xbaba…) stays false"
hostile "{\"compose_hash\":\"$BABA\"}"
config '{ API_KEY = "a", K1 = "1", K3 = "3" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "arbitrary hash"
assert_contains "$(tf_out)" "differs from the approved one in more than allowed_envs" "names it"
assert_contains "$(tf_out)" "This provider computes 0x" "the locally computed hash"
assert_eq "$(hash_allowed "$APP0" "$BABA")" "$FALSE_WORD" "0xbaba… must not be allowed"
assert_not_contains "$(tf_out)" "$(chain_info .owner_key | sed 's/^0x//')" "private key in output"

acc_log "hostile 465 naming another app the key owns: nothing signed"
hostile "{\"app_id\":\"$APP1\"}"
config '{ API_KEY = "a", K1 = "1", K4 = "4" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "foreign app"
assert_contains "$(tf_out)" "but the CVM belongs to app 0x$APP0" "names the app"

acc_log "hostile compose with another docker_compose_file: nothing signed, the field named"
hostile '{"docker_compose_file":"services:\n  miner:\n    image: evil/miner\n","serve_compose":true}'
config '{ API_KEY = "a", K1 = "1", K5 = "5" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "other docker_compose_file"
assert_contains "$(tf_out)" "is not allowed by app contract 0x$APP0" "the served compose is not approved"
assert_contains "$(tf_out)" "last approved through this provider in docker_compose_file" "names the field"
assert_contains "$(tf_out)" "is itself not approved" "no hash offered for an unapproved compose"

acc_log "hostile hash of the right compose in an unknown form: nothing signed"
hostile '{"unknown_form":true}'
config '{ API_KEY = "a", K1 = "1", K6 = "6" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "unknown form"
assert_contains "$(tf_out)" "in a form no Phala SDK uses" "names the form"

acc_log "the current compose is not allowed on-chain (removed by the owner): nothing signed"
calm
send_from "$OWNER" "0x$APP0" "0x67b3f22c$H1" # removeComposeHash(current)
config '{ API_KEY = "a", K1 = "1", K7 = "7" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "current compose not allowed"
assert_contains "$(tf_out)" "is not allowed by app contract 0x$APP0" "names the contract"
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "the unproved update must show in the plan (exit $rc)"; }

acc_log "the owner approves the compose again: the next apply prepares the update again and signs once"
send_from "$OWNER" "0x$APP0" "0xdfc77223$H1"
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.h .status)" applied "applied after the approval"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "exactly one transaction"
assert_eq "$(sim_env cvm_h | jq -r .K7)" 7 "the CVM got the env"

EEEE=$(printf 'ee%.0s' $(seq 32))
acc_log "hostile 465 naming another device: nothing signed, both devices named"
hostile "{\"device_id\":\"$EEEE\"}"
config '{ API_KEY = "a", K1 = "1", K7 = "7", K9 = "9" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "foreign device"
DEV_H=$(curl -s -H 'X-API-Key: phak_test_key' "$SIM/api/v1/cvms/cvm_h" | jq -r .node_info.device_id)
assert_contains "$(tf_out)" "the API names device 0x$EEEE, but the CVM runs on device 0x$DEV_H" "names the devices"

acc_log "hostile 465 naming another chain: nothing signed, both chains named"
hostile '{"chain_id": 1}'
config '{ API_KEY = "a", K1 = "1", K7 = "7", K10 = "10" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
no_tx_pending "foreign chain"
assert_contains "$(tf_out)" "the API names chain 1, but the CVM's KMS is on chain $CHAIN" "names the chains"

acc_log "verify_compose = false signs what the API names (dangerous), with a warning"
VERIFY=false
hostile "{\"compose_hash\":\"$BABA\"}"
config '{ API_KEY = "a", K1 = "1", K7 = "7", K8 = "8" }' '{ API_KEY = "b", K2 = "2" }'
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
assert_contains "$(tf_out)" "Compose hash signed without verification" "the opt-out warns"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "the opt-out signs"
assert_eq "$(hash_allowed "$APP0" "$BABA")" "$TRUE_WORD" "what the API named got approved"
echo PASS
