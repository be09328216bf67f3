#!/usr/bin/env bash
# The linux_arm64 release binary, run under qemu-aarch64 as Terraform starts a provider (magic
# cookie, protocol 6, a real P-521 client certificate in PLUGIN_CLIENT_CERT), prints a valid
# go-plugin handshake line: 1|6|unix|<socket that exists>|grpc|<base64 DER of a certificate for
# localhost, no padding>.
source "$(dirname "$0")/lib.sh"
rel_need qemu-aarch64-static openssl unzip
rel_work
unzip -q "$(rel_zip arm64)" -d "$WORK"
bin=$WORK/${REL_NAME}_v$RELEASE_VERSION

# go-plugin's client certificate: ECDSA P-521, CN localhost.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -keyout "$WORK/client.key" \
    -out "$WORK/client.pem" -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null

TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2 \
    PLUGIN_PROTOCOL_VERSIONS=6 PLUGIN_CLIENT_CERT="$(cat "$WORK/client.pem")" TMPDIR=$WORK \
    qemu-aarch64-static "$bin" >"$WORK/out" 2>"$WORK/err" &
REL_PIDS+=($!)
# go-plugin waits a minute for the line; so does this test (qemu on a loaded machine is slow).
deadline=$((SECONDS + 60))
until [ "$(wc -l <"$WORK/out")" -ge 1 ]; do
    kill -0 "${REL_PIDS[0]}" 2>/dev/null || { cat "$WORK/err" >&2; rel_fail "provider exited before the handshake"; }
    [ $SECONDS -lt $deadline ] || { cat "$WORK/err" >&2; rel_fail "no handshake line within 60 s"; }
    sleep 0.05
done
line=$(head -1 "$WORK/out")
IFS='|' read -r core proto net addr kind cert extra <<<"$line"
[ "$core" = 1 ] && [ "$proto" = 6 ] && [ "$net" = unix ] && [ "$kind" = grpc ] && [ -z "$extra" ] ||
    rel_fail "not a go-plugin protocol-6 line: $line"
[ -S "$addr" ] || rel_fail "the handshake names $addr, which is not a listening socket"
[[ $cert != *=* ]] || rel_fail "certificate is base64 with padding (go-plugin uses RawStdEncoding)"
case $((${#cert} % 4)) in 2) cert+="==" ;; 3) cert+="=" ;; esac
base64 -d <<<"$cert" >"$WORK/server.der" ||
    rel_fail "certificate field is not base64"
openssl x509 -inform DER -in "$WORK/server.der" -noout -ext subjectAltName >"$WORK/san" 2>&1 ||
    rel_fail "certificate field does not decode as an X.509 certificate"
grep -q 'DNS:localhost' "$WORK/san" || rel_fail "server certificate is not for localhost: $(cat "$WORK/san")"
echo "--- arm64 handshake: ${line:0:60}…" >&2
echo "PASS"
