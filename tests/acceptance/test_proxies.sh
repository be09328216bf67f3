#!/usr/bin/env bash
# Proxies: a loopback API (plain http://, allowed only because it stays on this machine) never goes
# through a proxy, whatever http_proxy / HTTP_PROXY / ALL_PROXY / all_proxy say — the API key would
# travel in clear to the proxy. A remote HTTPS API still uses HTTPS_PROXY, and the proxy then sees a
# CONNECT tunnel and never the key.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
command -v node >/dev/null || acc_fail "node is missing (make deps installs it)"

proxy_start() { # proxy_start TARGET_PORT — a recording proxy; sets PROXY
    : >"$WORK/proxy.log"
    rm -f "$WORK/proxy.port"
    # stdin from a pipe that closes when this test ends: the proxy exits with it
    exec {PROXY_FD}> >(node "$REPO_ROOT/tests/tools/connect_proxy.mjs" --port-file "$WORK/proxy.port" \
        --log "$WORK/proxy.log" --target-port "$1" --secret "$PHALA_CLOUD_API_KEY" 2>>"$WORK/proxy.err")
    wait_until 60 "the test proxy to listen" test -s "$WORK/proxy.port"
    PROXY=http://127.0.0.1:$(cat "$WORK/proxy.port")
}

read_config() {
    { phala_header; cat <<'TF'
data "phala_kms_contracts" "all" {}
output "n" { value = data.phala_kms_contracts.all.total }
TF
    } | write_config
}

acc_log "a loopback API with every proxy variable set: no proxy"
sim_start
proxy_start 9
read_config
tf_ok init -input=false
http_proxy=$PROXY HTTP_PROXY=$PROXY all_proxy=$PROXY ALL_PROXY=$PROXY https_proxy=$PROXY \
    HTTPS_PROXY=$PROXY tf_ok plan -input=false -no-color
assert_contains "$(tf_out)" "n = 2" "the plan read the simulator"
assert_eq "$(cat "$WORK/proxy.log")" "" "what went through the proxy"
kill "$SIM_PID"

acc_log "a remote HTTPS API through HTTPS_PROXY: a tunnel, the key never visible"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=api.phala.test \
    -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 2 -out "$WORK/server.pem" \
    -extfile <(printf 'subjectAltName=DNS:api.phala.test\nextendedKeyUsage=serverAuth\n') 2>/dev/null
rm -f "$WORK/sim.port"
sim_start "$REPO_ROOT/tests/sim/seed-default.json" --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key"
proxy_start "${SIM##*:}"
# api.phala.test resolves nowhere: only the proxy's CONNECT can reach it
export PHALA_CLOUD_API_PREFIX="https://api.phala.test:${SIM##*:}/api/v1" SSL_CERT_FILE=$WORK/ca.pem
HTTPS_PROXY=$PROXY tf_ok plan -input=false -no-color
assert_contains "$(tf_out)" "n = 2" "the plan read the API through the tunnel"
assert_contains "$(cat "$WORK/proxy.log")" "CONNECT api.phala.test:${SIM##*:}" "the proxy saw a tunnel"
assert_not_contains "$(cat "$WORK/proxy.log")" "SECRET IN TUNNEL" "proxy log"
assert_not_contains "$(cat "$WORK/proxy.log")" "PLAIN" "proxy log"
echo PASS
