#!/usr/bin/env bash
# The CA certificates are found at run time like Go's crypto/x509: inside a Debian 11 root that has
# no CA certificates of its own, a throw-away test CA placed at each well-known bundle path, or as
# any file (not a hashed name) in each well-known directory, lets an HTTPS call to the simulator
# (TLS on loopback, certificate for localhost signed by that CA) succeed; SSL_CERT_FILE and
# SSL_CERT_DIR (colon-separated) replace those lists; another CA, or none at all, never gives a
# connection, and with none the error names SSL_CERT_FILE and SSL_CERT_DIR and the paths tried.
# ca_probe is one API call through libphalakms, linked statically like the provider. A host name
# that only the root's /etc/hosts knows (as an API host would be known to DNS) resolves too: c-ares
# reads the files itself, without glibc's NSS modules.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/chroot.sh"
rel_private_mounts "$0" "$@"
rel_need openssl
[ -x "${CA_PROBE:-}" ] || rel_fail "ca_probe not built (CA_PROBE)"
rel_work
rel_chroot_up
[ ! -e "$ROOT/etc/ssl" ] && [ ! -e "$ROOT/etc/pki" ] || rel_fail "the Debian 11 root already has CA certificates"

rel_log "a test CA and a server certificate for localhost"
ca() { # ca NAME — a self-signed P-256 CA in WORK/NAME.pem (+ .key)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1" \
        -keyout "$WORK/$1.key" -out "$WORK/$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
}
ca test-ca
ca other-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/test-ca.pem" -CAkey "$WORK/test-ca.key" \
    -CAcreateserial -days 2 -out "$WORK/server.pem" \
    -extfile <(printf 'subjectAltName=DNS:localhost,DNS:api.phala.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null
rel_sim --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key"
url=https://localhost:$SIM_PORT/api/v1
install -m 0755 "$CA_PROBE" "$ROOT/work/ca_probe"
cp "$WORK/test-ca.pem" "$WORK/other-ca.pem" "$ROOT/work/"

printf '127.0.0.1\tapi.phala.test\n' >>"$ROOT/etc/hosts"

# place PATH [CA] — nothing but CA (default test-ca) at PATH inside the root.
place() {
    rm -rf "$ROOT/etc/ssl" "$ROOT/etc/pki" "$ROOT/opt/ca"
    [ -n "${1:-}" ] || return 0
    mkdir -p "$ROOT$(dirname "$1")"
    cp "$WORK/${2:-test-ca}.pem" "$ROOT$1"
}
# probe [VAR=VALUE…] — ca_probe inside the root; output in $out, status in $rc.
probe() {
    rc=0
    out=$(rel_in_root PHALA_CLOUD_API_KEY=phak_test_key "$@" /work/ca_probe "${probe_url:-$url}" 2>&1) || rc=$?
}
expect_ok() { # expect_ok WHAT [VAR=VALUE…]
    local what=$1
    shift
    probe "$@"
    [ $rc = 0 ] && [[ $out == ok* ]] || rel_fail "$what: HTTPS call failed: $out"
    echo "--- ok: $what" >&2
}
expect_refused() { # expect_refused WHAT [VAR=VALUE…] — no connection; $out holds the error
    local what=$1
    shift
    probe "$@"
    [ $rc != 0 ] && [[ $out != ok* ]] || rel_fail "$what: the call succeeded without a trusted CA"
    echo "--- refused: $what: $out" >&2
}

bundles=(/etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/ca-bundle.pem
         /etc/pki/tls/cacert.pem /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem /etc/ssl/cert.pem)
for b in "${bundles[@]}"; do
    place "$b"
    expect_ok "bundle $b"
done
for d in /etc/ssl/certs /etc/pki/tls/certs; do
    place "$d/phala-test-ca.pem"
    expect_ok "any file in $d"
done
# OpenSSL's hash links name a file of the same directory and are skipped, as Go skips them: a link
# to a file elsewhere is read.
place /opt/ca/test-ca.pem
mkdir -p "$ROOT/etc/ssl/certs" && ln -s /opt/ca/test-ca.pem "$ROOT/etc/ssl/certs/deadbeef.0"
expect_ok "a symlink in /etc/ssl/certs to a file outside it"

place /opt/ca/test-ca.pem
expect_ok "SSL_CERT_FILE outside the well-known paths" SSL_CERT_FILE=/opt/ca/test-ca.pem
probe_url=https://api.phala.test:$SIM_PORT/api/v1
expect_ok "a host name from /etc/hosts" SSL_CERT_FILE=/opt/ca/test-ca.pem
probe_url=https://no-such-host.phala.test:$SIM_PORT/api/v1
expect_refused "a host name nobody knows" SSL_CERT_FILE=/opt/ca/test-ca.pem
grep -qiE 'resolve|host' <<<"$out" || rel_fail "an unknown host should be reported as such: $out"
unset probe_url
expect_ok "SSL_CERT_DIR as a colon-separated list" SSL_CERT_DIR=/nonexistent:/opt/ca
place /etc/ssl/certs/ca-certificates.crt other-ca
expect_ok "SSL_CERT_FILE instead of the bundle list" SSL_CERT_FILE=/work/test-ca.pem SSL_CERT_DIR=/nonexistent

place /etc/ssl/certs/ca-certificates.crt other-ca
expect_refused "only another CA in the Debian bundle"
grep -qiE 'certificate|SSL' <<<"$out" || rel_fail "a verification failure should say so: $out"
expect_refused "SSL_CERT_FILE replaces the bundle" SSL_CERT_FILE=/work/other-ca.pem SSL_CERT_DIR=/nonexistent
place /etc/pki/tls/certs/ca-bundle.crt
expect_refused "SSL_CERT_DIR replaces the directories" SSL_CERT_FILE=/nonexistent SSL_CERT_DIR=/nonexistent

place ""
expect_refused "no CA certificates anywhere"
for s in SSL_CERT_FILE SSL_CERT_DIR /etc/ssl/certs/ca-certificates.crt /etc/ssl/cert.pem /etc/pki/tls/certs; do
    grep -qF -- "$s" <<<"$out" || rel_fail "the diagnostic without CA certificates lacks [$s]: $out"
done
echo "PASS"
