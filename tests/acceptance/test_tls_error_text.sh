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
# The simulator answers the ClientHello with a 400 and closes with the hello's rest unread, which
# can reset the connection before the 400 is read (SSL_ERROR_SYSCALL, no OpenSSL reason in the
# message, ~1 run in 12): a few tries get the answer read.
for try in 1 2 3 4 5 6; do
    if tf plan -input=false -no-color; then
        acc_fail "a plan over TLS to a plain-HTTP server succeeded"
    fi
    out=$(flatten "$(tf_out)")
    [[ $out == *"wrong version number"* ]] && break
    assert_contains "$out" "SSL_ERROR_SYSCALL" "a TLS failure without OpenSSL's reason (try $try)"
done
assert_contains "$out" "wrong version number" "OpenSSL's reason in the diagnostic"
assert_not_contains "$out" "reason(" "the diagnostic"
echo PASS
