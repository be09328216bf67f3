#!/usr/bin/env bash
# bench_provider.sh — the provider runtime's figures (DESIGN §10), from one run on this machine:
#   exec → handshake line (median of 50, AutoMTLS with a P-521 client certificate, as Terraform's)
#     and the GetProviderSchema round trip;
#   `terraform plan` of one phala_kms_contract data source vs one terraform_data (interleaved);
#   `terraform validate` of 200 data sources vs 200 terraform_data (interleaved);
#   peak memory (VmHWM = ru_maxrss) of every provider process during `terraform providers schema
#     -json` and a plan of 200 data sources;
#   the stripped binary's size.
# Usage: bench_provider.sh BUILD_DIR [RUNS]
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=${2:-11}
source "$(dirname "$0")/lib.sh"
PHALA_BIN=$(bench_provider_binary)

echo "== start-up"
"$BUILD/tests/acceptance/tfprobe" bench "$PHALA_BIN" 50

bench_sim_start
tf_mirror "$W" "$PHALA_BIN" phala phala
HDR='terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}'
bench_dir one <<TF
$HDR
data "phala_kms_contract" "k" {
  contract = "phala"
}
TF
bench_dir one_data <<'TF'
resource "terraform_data" "r" {
  input = { contract = "phala" }
}
TF
terraform -chdir="$W/one_data" apply -auto-approve -input=false >/dev/null
bench_dir many <<TF
$HDR
data "phala_kms_contract" "k" {
  count    = 200
  contract = ["phala", "base", "kc_base01"][count.index % 3]
}
TF
bench_dir many_data <<'TF'
resource "terraform_data" "r" {
  count = 200
  input = { contract = ["phala", "base", "kc_base01"][count.index % 3] }
}
TF

echo "== terraform, interleaved runs ($RUNS pairs)"
interleaved plan_1_data_source "$RUNS" \
    'terraform -chdir="$W/one" plan -input=false -lock=false' \
    'terraform -chdir="$W/one_data" plan -input=false -lock=false' 1.6
interleaved validate_200 "$RUNS" \
    'terraform -chdir="$W/many" validate' \
    'terraform -chdir="$W/many_data" validate' 1.5

echo "== memory"
# A second mirror whose binary is a wrapper: /usr/bin/time reports each provider process's maxrss,
# which is its VmHWM. It must be in place before init, which records the plugin's hash.
mkdir -p "$W/mem"
cp "$PHALA_BIN" "$W/provider.real"
tf_mirror "$W/mem" "$PHALA_BIN" phala phala
cat >"$TF_MIRROR_BIN" <<SH
#!/bin/sh
exec /usr/bin/time -a -o "$W/rss.log" -f "%M" "$W/provider.real" "\$@"
SH
cp "$W/many/main.tf" "$W/mem/main.tf"
terraform -chdir="$W/mem" init -input=false >/dev/null
: >"$W/rss.log"
terraform -chdir="$W/mem" providers schema -json >/dev/null
schema_kb=$(sort -n "$W/rss.log" | tail -1)
: >"$W/rss.log"
terraform -chdir="$W/mem" plan -input=false -lock=false >/dev/null
plan_kb=$(sort -n "$W/rss.log" | tail -1)
procs=$(wc -l <"$W/rss.log")
awk -v k="$schema_kb" 'BEGIN { printf "vmhwm_mib_providers_schema %.1f (target <= 10)\n", k / 1024 }'
awk -v k="$plan_kb" -v n="$procs" 'BEGIN { printf "vmhwm_mib_plan_200_data_sources %.1f (max of %d provider processes; target <= 10)\n", k / 1024, n }'

echo "binary_size_stripped_bytes $(stat -c %s "$PHALA_BIN") (target <= 10 MB)"
echo "binary_needed_libraries $(readelf -d "$PHALA_BIN" | grep -c NEEDED || true) (target 0)"
