#!/usr/bin/env bash
# bench_latency.sh — the provider as production sees it: the simulator over HTTPS behind a relay that
# adds a network round trip (50 ms and 150 ms; latency_relay.c: half each way, one more for a TCP
# connect, so TLS handshakes cost their real round trips). Two runs per latency, each fresh (a new
# Terraform command, new provider processes, no warm connection):
#   apply_200   `terraform apply` of 200 phala_encrypted_env changes (its plan and its apply);
#   plan_200    `terraform plan` of 200 phala_kms_contract data sources (3 contracts).
# Each prints requests (the simulator's count), connections and TLS handshakes (the relay's count),
# wall time, and the ideal: round trips x latency / parallelism 10, where the round trips are the
# requests plus two per connection Terraform's parallelism needs per provider process (TCP + TLS),
# and the ratio wall / ideal (target <= 1.2 for apply_200 at 150 ms; connections <= 12 per process).
# A latency of 0 (e.g. LATENCIES="0 50 150") shows what Terraform and the provider cost locally.
# Figures, never a pass/fail.   Usage: bench_latency.sh BUILD_DIR [PROVIDER_BINARY] [LATENCIES]
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"
BIN=${2:-}
[ -n "$BIN" ] || BIN=$(bench_provider_binary)
LATENCIES=${3:-50 150}
N=${BENCH_N:-200} # BENCH_N: a smaller run to try the script
P=10
RELAY_PID=
trap '[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null; [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$W"' EXIT

# A throw-away CA and a certificate for 127.0.0.1, given to the provider as SSL_CERT_FILE.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
    -keyout "$W/ca.key" -out "$W/ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$W/server.key" -out "$W/server.csr" 2>/dev/null
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
    -out "$W/server.pem" \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') 2>/dev/null
export SSL_CERT_FILE=$W/ca.pem

# 200 Phala-KMS CVMs (the env update is accepted at once and the CVM runs it at once).
jq --argjson n $N '.cvms = [range($n) as $i | .cvms[0] | .id = "cvm_p\($i)" | .name = "app-\($i)"
     | .app_id = ("%040d" | sub("%040d"; ("0" * (40 - ($i | tostring | length))) + ($i | tostring)))]' \
    "$ROOT/tests/sim/seed-default.json" >"$W/seed.json"
"$BUILD/tests/sim/phala-cloud-sim" --seed "$W/seed.json" --port 0 --port-file "$W/port" --quiet \
    --tls-cert "$W/server.pem" --tls-key "$W/server.key" >/dev/null 2>&1 &
SIM_PID=$!
for _ in $(seq 400); do [ -s "$W/port" ] && break; sleep 0.025; done
[ -s "$W/port" ] || { echo "bench: the simulator did not start" >&2; exit 1; }
SIM=https://127.0.0.1:$(cat "$W/port")
export PHALA_CLOUD_API_KEY=phak_test_key
admin() { curl -s --cacert "$W/ca.pem" -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$SIM/_sim$2"; }

relay_start() { # relay_start RTT_MS — the API prefix goes through the relay
    rm -f "$W/relay.port"
    "$BUILD/tests/bench/latency_relay" "$(cat "$W/port")" "$1" "$W/relay.port" "$W/relay.json" &
    RELAY_PID=$!
    for _ in $(seq 400); do [ -s "$W/relay.port" ] && break; sleep 0.025; done
    export PHALA_CLOUD_API_PREFIX=https://127.0.0.1:$(cat "$W/relay.port")/api/v1
}
relay_stop() { kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=; }
relay_stats() { # resets the relay's counts; prints them
    rm -f "$W/relay.json"
    kill -USR1 "$RELAY_PID"
    for _ in $(seq 400); do [ -s "$W/relay.json" ] && break; sleep 0.01; done
    cat "$W/relay.json"
}

tf_mirror "$W" "$BIN" phala phala
hdr='terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}'
env_config() { # env_config SUFFIX
    printf '%s\nresource "phala_encrypted_env" "e" {\n  count  = %d\n  cvm_id = "cvm_p${count.index}"\n  env    = { API_KEY = "key-${count.index}-%s" }\n}\n' \
        "$hdr" "$N" "$1" >"$W/apply/main.tf"
}
mkdir -p "$W/apply"
env_config v0
terraform -chdir="$W/apply" init -input=false >/dev/null
bench_dir plan <<TF
$hdr
data "phala_kms_contract" "k" {
  count    = $N
  contract = ["phala", "base", "kc_base01"][count.index % 3]
}
TF

# measure NAME RTT WALKS CMD… — one fresh run: requests, connections, handshakes, wall, ideal.
measure() {
    local name=$1 rtt=$2 walks=$3 t0 t1 ms stats req conns hs
    shift 3
    admin POST /stats/reset >/dev/null
    relay_stats >/dev/null
    t0=$(date +%s%N)
    "$@" >"$W/out" 2>&1 || { cat "$W/out" >&2; echo "bench: $name failed" >&2; exit 1; }
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    stats=$(admin GET /stats)
    req=$(jq .total <<<"$stats")
    read -r conns hs < <(relay_stats | jq -r '"\(.connections) \(.tls_handshakes)"')
    awk -v n="$name" -v rtt="$rtt" -v ms="$ms" -v req="$req" -v c="$conns" -v hs="$hs" \
        -v w="$walks" -v p=$P -v routes="$(jq -c .requests <<<"$stats")" 'BEGIN {
        ideal = (req + 2 * p * w) * rtt / p
        printf "%s_rtt%dms requests %d connections %d (%d provider processes; target <= %d each) tls_handshakes %d wall_ms %d",
            n, rtt, req, c, w, p + 2, hs, ms
        if (ideal > 0) printf " ideal_ms %d ratio %.2f (target <= 1.2)", ideal, ms / ideal
        printf " %s\n", routes }'
}

# the first env (a create), straight to the simulator
PHALA_CLOUD_API_PREFIX=$SIM/api/v1 terraform -chdir="$W/apply" apply -auto-approve -input=false >/dev/null
for rtt in $LATENCIES; do
    relay_start "$rtt"
    env_config "at-$rtt"
    # walks: the plan's provider process and the apply's
    measure apply_200 "$rtt" 2 terraform -chdir="$W/apply" apply -auto-approve -input=false -parallelism=$P
    measure plan_200 "$rtt" 1 terraform -chdir="$W/plan" plan -input=false -lock=false -parallelism=$P
    relay_stop
done
