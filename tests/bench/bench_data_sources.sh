#!/usr/bin/env bash
# bench_data_sources.sh — a fresh `terraform plan` of 200 phala_kms_contract data sources against the
# simulator vs a fresh plan of 200 terraform_data resources (nothing applied: both sides plan 200 new
# objects; interleaved; target <= 1.3), the same plan with 20 ms injected
# API latency vs the ideal (requests x 20 ms / parallelism 10; target <= 1.1x), and the connections
# the simulator saw per plan.   Usage: bench_data_sources.sh BUILD_DIR [RUNS]
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${2:-7}
source "$(dirname "$0")/lib.sh"
bench_sim_start
tf_mirror "$W" "$(bench_provider_binary)" phala phala
bench_dir ours <<'TF'
terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}
data "phala_kms_contract" "k" {
  count    = 200
  contract = ["phala", "base", "kc_base01"][count.index % 3]
}
TF
bench_dir data <<'TF'
resource "terraform_data" "r" {
  count = 200
  input = { contract = ["phala", "base", "kc_base01"][count.index % 3] }
}
TF
admin() { curl -s -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$SIM/_sim$2"; }

interleaved plan_200_data_sources "$RUNS" \
    'terraform -chdir="$W/ours" plan -input=false -lock=false' \
    'terraform -chdir="$W/data" plan -input=false -lock=false' 1.3

admin POST /stats/reset >/dev/null
terraform -chdir="$W/ours" plan -input=false -lock=false >/dev/null
stats=$(admin GET /stats)
requests=$(jq .total <<<"$stats")
echo "connections_per_plan $(jq .connections <<<"$stats") for $requests requests (simulator count)"

base=$(for _ in 1 2 3; do ms_of terraform -chdir="$W/ours" plan -input=false -lock=false; done | median)
admin POST /config '{"latency_ms": 20}' >/dev/null
slow=$(for _ in 1 2 3; do ms_of terraform -chdir="$W/ours" plan -input=false -lock=false; done | median)
admin POST /config '{"latency_ms": 0}' >/dev/null
echo "plan_ms_with_20ms_latency $slow (without: $base)"
# ideal: every request of the plan waits 20 ms, ten at a time (Terraform's parallelism), and a
# data source's two requests (the contract, then its nodes) one after the other
awk -v s="$slow" -v base="$base" -v n="$requests" 'BEGIN { ideal = n * 20 / 10; if (ideal < 40) ideal = 40; printf "latency_overhead_ratio %.2f ((plan_with_latency - plan_without) / ideal %d ms for %d requests; target <= 1.1)\n", (s - base) / ideal, ideal, n }'
