#!/usr/bin/env bash
# The CA certificates are read once and decoded only when a verification needs them
# (kmsapi/src/net/ca_certs.c): decoding every certificate of Debian's bundle and /etc/ssl/certs up
# front cost ~500M instructions in each provider process that made a TLS connection. A bundle of
# 40 unrelated CAs with the simulator's CA among them: a plan over HTTPS succeeds, all 41 are
# indexed, and only the simulator's CA was decoded. The same bundle without that CA: the plan
# fails verification. A long-lived --debug provider serves the plans; gdb reads its counters
# (attaching needs PHALA_PROVIDER_CORE_DUMPS=1).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v gdb >/dev/null || acc_fail "gdb (Debian package gdb) is missing: make deps installs it"
command -v openssl >/dev/null || acc_fail "openssl (Debian package openssl) is missing"
acc_init "$PHALA_BIN" phala phala

ca() { # ca NAME — a self-signed P-256 CA in WORK/NAME.pem (+ .key)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
        -keyout "$WORK/$1.key" -out "$WORK/$1.pem" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign 2>/dev/null
}
ca sim-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/sim-ca.pem" -CAkey "$WORK/sim-ca.key" \
    -CAcreateserial -days 2 -out "$WORK/server.pem" \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null
: >"$WORK/bundle.pem"
: >"$WORK/others.pem"
for i in $(seq 40); do
    ca "other-$i"
    cat "$WORK/other-$i.pem" >>"$WORK/others.pem"
    cat "$WORK/other-$i.pem" >>"$WORK/bundle.pem"
    [ "$i" = 20 ] && cat "$WORK/sim-ca.pem" >>"$WORK/bundle.pem"
done
mkdir -p "$WORK/no-dir"
sim_start "$REPO_ROOT/tests/sim/seed-default.json" --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key"
HTTPS=https://127.0.0.1:$(cat "$WORK/sim.port")/api/v1

# debug_provider BUNDLE — a --debug provider trusting BUNDLE only; sets ACC_BG_PID, exports the
# reattach line
debug_provider() {
    SSL_CERT_FILE=$1 SSL_CERT_DIR=$WORK/no-dir PHALA_PROVIDER_CORE_DUMPS=1 \
        "$PHALA_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
    ACC_BG_PID=$!
    wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
    local line
    line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out") || acc_fail "no reattach line"
    eval "export $line"
}
counter() { # counter FUNCTION — what the provider's FUNCTION() answers
    local out
    out=$(gdb -p "$ACC_BG_PID" -batch -nx -ex "print (long)$1()" 2>"$WORK/gdb.err") ||
        { cat "$WORK/gdb.err" >&2; acc_fail "gdb could not attach to the provider"; }
    grep -o '^\$1 = [0-9]*' <<<"$out" | cut -d' ' -f3 || { echo "$out" >&2; acc_fail "unexpected gdb answer"; }
}
{ phala_header; cat <<TF
provider "phala" {
  api_prefix = "$HTTPS"
}
data "phala_kms_contract" "k" {
  contract = "phala"
}
TF
} | write_config
tf_ok init -input=false

debug_provider "$WORK/bundle.pem"
tf_ok plan -input=false
assert_contains "$(flatten "$(tf_out)")" "phala_kms_contract" "the plan over HTTPS"
assert_eq "$(counter pkx_ca_indexed)" 41 "certificates indexed"
assert_eq "$(counter pkx_ca_decoded)" 1 "certificates decoded (the simulator's CA only)"
kill -TERM "$ACC_BG_PID"
wait "$ACC_BG_PID" 2>/dev/null || true

debug_provider "$WORK/others.pem"
if tf plan -input=false -no-color; then
    acc_fail "a plan succeeded although no trusted CA issued the server's certificate"
fi
assert_contains "$(flatten "$(tf_out)")" "certificate" "the verification failure"
assert_eq "$(counter pkx_ca_decoded)" 0 "certificates decoded when none is the server's issuer"
kill -TERM "$ACC_BG_PID"
echo PASS
