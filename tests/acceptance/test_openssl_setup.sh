#!/usr/bin/env bash
# OpenSSL is set up on first need (provider/runtime/tlsinit.h), never by OpenSSL itself: a path
# that reached OpenSSL before tls_openssl_init would make OpenSSL initialise itself with its
# defaults, which read the build machine's openssl.cnf. Every provider life of a plan and an
# apply that encrypts an env (AES-GCM) and talks to the API runs under strace here: no process may
# so much as look for an OpenSSL configuration file, and each life's answer must still be right.
# Nor may one read /etc/localtime: the certificate's dates are UTC (utctime.h), and glibc's gmtime_r
# would read the time zone file on its first call for nothing (a life over HTTPS still does, once,
# when OpenSSL checks a certificate's dates; the simulator here speaks HTTP).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || acc_fail "strace is not installed (make deps installs it)"
acc_init "$PHALA_BIN" phala phala
unset TZ # glibc reads /etc/localtime only for a TZ it cannot parse, or none
sim_start
# the mirror's binary becomes a wrapper before init, which records its hash
cp "$TF_MIRROR_BIN" "$WORK/provider.real"
cat >"$TF_MIRROR_BIN" <<SH
#!/bin/sh
exec strace -f -qq -e trace=open,openat,stat,newfstatat,access -o "$WORK/strace.\$\$" "$WORK/provider.real" "\$@"
SH
{ phala_header; cat <<'TF'
data "phala_kms_contract" "k" {
  contract = "phala"
}
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = { API_KEY = "k1" }
}
TF
} | write_config
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
assert_eq "$(sim_env cvm_phala01)" '{"API_KEY":"k1"}' "the env the CVM decrypts"
lives=$(ls "$WORK"/strace.* | wc -l)
[ "$lives" -ge 3 ] || acc_fail "expected the provider's lives under strace, found $lives"
if grep -l "openssl\.cnf\|OPENSSL_CONF\|/ssl/openssl" "$WORK"/strace.* >/dev/null; then
    grep -h "openssl\.cnf\|/ssl/openssl" "$WORK"/strace.* | head -5 >&2
    acc_fail "a provider life looked for OpenSSL's configuration: OpenSSL initialised itself"
fi
echo "ok   $lives provider lives, none looked for an OpenSSL configuration file"
if grep -l "/etc/localtime" "$WORK"/strace.* >/dev/null; then
    grep -h "/etc/localtime" "$WORK"/strace.* | head -3 >&2
    acc_fail "a provider life read /etc/localtime (TZ unset): gmtime_r's tzset"
fi
echo "ok   none read /etc/localtime"
echo PASS
