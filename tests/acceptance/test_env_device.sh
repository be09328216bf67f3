#!/usr/bin/env bash
# The device allowlist before phase 2 (issue 11 part 4), against the ganache chain: the app allows
# no device but those it lists (setAllowAnyDevice(false)). With a key but without add_device the hash
# is registered and the update waits with instructions naming the device and addDevice; with
# onchain { add_device = true } one addDevice, then applied; a provider killed between addDevice and
# phase 2 is finished by the next apply without a second addDevice (DeviceAdded logs counted).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/onchain_lib.sh"
acc_init "$PHALA_BIN" phala phala
chain_start
D1=$(printf 'd1%.0s' $(seq 32))
D2=$(printf 'd2%.0s' $(seq 32))
onchain_seed "$WORK/seed.json" "[ (\$base | .id = \"cvm_d1\" | .name = \"dev-1\" | .app_id = \$a0 | .device_id = \"$D1\"),
                                  (\$base | .id = \"cvm_d2\" | .name = \"dev-2\" | .app_id = \$a0 | .device_id = \"$D2\") ]"
sim_start "$WORK/seed.json" --rpc-url "$RPC"
trap 'kill $SIM_PID $CHAIN_PID 2>/dev/null; acc_cleanup' EXIT
export PHALA_ONCHAIN_RPC_URL=$RPC PHALA_ONCHAIN_PRIVATE_KEY=$(chain_info .owner_key)
approve_current cvm_d1 "$APP0" "$OWNER"
send_from "$OWNER" "0x$APP0" "0x7c4beeb8${FALSE_WORD#0x}" # setAllowAnyDevice(false)
[ "$(rpc eth_call "[{\"to\":\"0x$APP0\",\"data\":\"0x3440a16a\"},\"latest\"]")" = "$FALSE_WORD" ] ||
    acc_fail "setup: allowAnyDevice is still true"

ADD_DEVICE=false
config() { # config D1_ENV [D2_ENV]
    { phala_header; cat <<TF
provider "phala" {
  onchain {
    add_device = $ADD_DEVICE
  }
}
resource "phala_encrypted_env" "d1" {
  cvm_id = "cvm_d1"
  env    = $1
}
TF
    [ -n "${2:-}" ] && cat <<TF
resource "phala_encrypted_env" "d2" {
  cvm_id = "cvm_d2"
  env    = $2
}
TF
    true; } | write_config
}

acc_log "device not allowed, no add_device: the hash is registered, the update waits for the device"
config '{ API_KEY = "a", DEV = "1" }'
tf_ok init -input=false
n0=$(nonce "$OWNER")
tf_ok apply -auto-approve -input=false
out=$(tf_out)
assert_eq "$(state_attr phala_encrypted_env.d1 .status)" pending_onchain "pending for the device"
assert_eq "$(state_attr phala_encrypted_env.d1 .device_id)" "$D1" "device id in state"
assert_contains "$out" "The CVM's device is not allowed by the app" "warning"
assert_contains "$out" "addDevice(0x$D1)" "names the call and the device"
assert_eq "$(nonce "$OWNER")" $((n0 + 1)) "only addComposeHash was sent"
assert_eq "$(device_listed "$APP0" "$D1")" "$FALSE_WORD" "no device added without the opt-in"
rc=$(tf_plan_exit); [ "$rc" = 2 ] || { tf_out; acc_fail "plan exit $rc"; }
assert_contains "$(tf_out)" "Registration found; the device is not allowed" "the plan says what is missing"

acc_log "add_device = true: one addDevice, then applied"
ADD_DEVICE=true
config '{ API_KEY = "a", DEV = "1" }'
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.d1 .status)" applied "applied after addDevice"
assert_eq "$(nonce "$OWNER")" $((n0 + 2)) "exactly one more transaction: addDevice"
assert_eq "$(device_listed "$APP0" "$D1")" "$TRUE_WORD" "device allowed"
assert_eq "$(log_count "$APP0" "$TOPIC_DEVICE_ADDED" "$D1")" 1 "one DeviceAdded"
assert_eq "$(sim_env cvm_d1 | jq -r .DEV)" 1 "the CVM got the env"

acc_log "provider killed between addDevice and phase 2: no second addDevice"
approve_current cvm_d2 "$APP0" "$OWNER"
config '{ API_KEY = "a", DEV = "1" }' '{ API_KEY = "b", DEV2 = "2" }'
n0=$(nonce "$OWNER")
sim_admin POST /config '{"latency_ms": 2000}' >/dev/null
terraform -chdir="$TF" apply -auto-approve -input=false -refresh=false -no-color >"$WORK/crash.out" 2>&1 &
pid=$!
device_sent() { [ "$(nonce "$OWNER")" -ge $((n0 + 2)) ]; }
wait_until 180 "the provider to send addComposeHash and addDevice" device_sent ||
    { cat "$WORK/crash.out" >&2; exit 1; }
[ "$(kill_providers_of "$pid")" -gt 0 ] || acc_fail "no provider of this apply to kill"
wait "$pid" || true
sim_admin POST /config '{"latency_ms": 0}' >/dev/null
[ "$(state_attr phala_encrypted_env.d2 .status)" != applied ] || acc_fail "state claims the interrupted update"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr phala_encrypted_env.d2 .status)" applied "finished by the next apply"
assert_eq "$(nonce "$OWNER")" $((n0 + 2)) "no second transaction"
assert_eq "$(log_count "$APP0" "$TOPIC_DEVICE_ADDED" "$D2")" 1 "one DeviceAdded for the device"
assert_eq "$(sim_env cvm_d2 | jq -r .DEV2)" 2 "the CVM got the env"
echo PASS
