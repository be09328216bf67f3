#!/usr/bin/env bash
# bench_data_sources.sh — `terraform plan` of 200 phala_kms_info data sources against the simulator
# vs 200 terraform_data resources (ratio, target <= 2.5), the same plan with 20 ms injected API
# latency vs the ideal 200 x 20 ms / parallelism 10 (target <= 1.3x), and the connections the
# simulator saw per provider process.   Usage: bench_data_sources.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v terraform >/dev/null || { echo "terraform not on PATH" >&2; exit 1; }
W=$(mktemp -d)
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill $SIM_PID; rm -rf "$W"' EXIT
"$BUILD/tests/sim/phala-cloud-sim" --seed "$ROOT/tests/sim/seed-default.json" --port 0 \
    --port-file "$W/port" --quiet >/dev/null 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
SIM=http://127.0.0.1:$(cat "$W/port")
export PHALA_CLOUD_API_PREFIX=$SIM/api/v1 PHALA_CLOUD_API_KEY=phak_test_key
export HOME=$W/home TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
mkdir -p "$HOME" "$W/ours" "$W/data"
source "$ROOT/tests/tools/tfmirror.sh"
tf_mirror "$W" "$BUILD/provider/terraform-provider-phala" phala phala
cat >"$W/ours/main.tf" <<'TF'
terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}
data "phala_kms_info" "k" {
  count  = 200
  kms_id = ["kms_phala01", "kms_phala02", "kms-base-prod1"][count.index % 3]
}
TF
cat >"$W/data/main.tf" <<'TF'
resource "terraform_data" "r" {
  count = 200
  input = { kms_id = ["kms_phala01", "kms_phala02", "kms-base-prod1"][count.index % 3] }
}
TF
terraform -chdir="$W/ours" init -input=false >/dev/null
terraform -chdir="$W/data" init -input=false >/dev/null
terraform -chdir="$W/data" apply -auto-approve -input=false >/dev/null
admin() { curl -s -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$SIM/_sim$2"; }
median_plan() { # median_plan DIR RUNS
    local times=()
    for _ in $(seq "$2"); do
        local t0 t1
        t0=$(date +%s%N)
        terraform -chdir="$W/$1" plan -input=false >/dev/null
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( ($2 + 1) / 2 ))p"
}
terraform -chdir="$W/ours" plan -input=false >/dev/null # warm caches
admin POST /stats/reset >/dev/null
ours=$(median_plan ours 5)
stats=$(admin GET /stats)
data=$(median_plan data 5)
echo "plan_ms_phala_kms_info_200 $ours"
echo "plan_ms_terraform_data_200 $data"
awk -v a="$ours" -v b="$data" 'BEGIN { printf "plan_ratio %.2f (target <= 2.5)\n", a / b }'
echo "connections_per_plan $(( $(jq .connections <<<"$stats") / 5 )) for $(( $(jq .total <<<"$stats") / 5 )) requests (simulator count, one provider process reads per plan)"
admin POST /config '{"latency_ms": 20}' >/dev/null
slow=$(median_plan ours 3)
admin POST /config '{"latency_ms": 0}' >/dev/null
echo "plan_ms_with_20ms_latency $slow"
awk -v s="$slow" -v base="$ours" 'BEGIN { ideal = 200 * 20 / 10; printf "latency_overhead_ratio %.2f ((plan_with_latency - plan_without) / ideal %d ms; target <= 1.3)\n", (s - base) / ideal, ideal }'
