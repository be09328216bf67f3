#!/usr/bin/env bash
# OpenSSL's error strings are loaded when they may be needed (provider/runtime/tlserr.h), not in
# every provider life: an outbound HTTPS failure still names OpenSSL's reason in words. TLS to a
# plain-HTTP server (the simulator) fails with OpenSSL's "wrong version number", which libcurl
# quotes from OpenSSL's string table; without the table it reads "reason(267)".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
export PHALA_CLOUD_API_PREFIX="https://127.0.0.1:$(cat "$WORK/sim.port")/api/v1"
{ phala_header; cat <<'TF'
data "phala_kms_contracts" "all" {}
TF
} | write_config
tf_ok init -input=false
plan_expect_tls_reason
assert_contains "$out" "wrong version number" "OpenSSL's reason in the diagnostic"
assert_not_contains "$out" "reason(" "the diagnostic"
echo PASS
