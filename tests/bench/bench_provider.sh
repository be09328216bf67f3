#!/usr/bin/env bash
# bench_provider.sh — the provider runtime's figures (DESIGN §10), from one run on this machine:
#   a provider life's phases (median of 50 lives started by tfprobe, AutoMTLS as Terraform does
#     it: tfprobe is the provider's parent, so, like Terraform, it is not asked for its P-521
#     certificate; its gRPC core client offers only a P-256 key share, which the TLS 1.3 engine
#     serves through OpenSSL's EVP — Terraform's x25519 costs less, see the plan's lives below):
#     exec → handshake line, TLS handshake + first reply, Shutdown → exit, and the provider's CPU
#     per life (user + system); the GetProviderSchema round trip;
#   `terraform plan` of one phala_kms_contract data source vs one terraform_data (interleaved);
#   `terraform validate` of 200 data sources vs 200 terraform_data (interleaved);
#   peak memory (VmHWM = ru_maxrss) of every provider process during `terraform providers schema
#     -json` and a plan of 200 data sources;
#   the stripped binary's size;
#   start-up against the zero-work floor (DESIGN §10): a plan of one data source, each provider
#     life's CPU during it, and the floor = that plan's time minus all its provider lives' CPU —
#     what the plan would take with a provider that cost nothing — as a ratio to terraform_data's
#     plan (Terraform's own cost) and our plan's ratio to it (target <= 1.1).
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

echo "== start-up against the zero-work floor ($RUNS interleaved triples)"
# A third mirror whose binary is a wrapper that times each provider process: cpuwrap starts it
# (posix_spawn, as Go's os/exec does) and logs the user and system CPU the kernel accounted to
# that process alone (wait4's rusage, all its threads), in ms. bash's `time` keyword, used before,
# added the shell's own rusage and its fork's to the provider's: ~3.5 ms of each measured
# "provider life" on a VM where a page fault costs tens of microseconds, which made the floor too
# low and the ratio to it too high. The floor subtracts a plan's whole provider CPU from its wall
# time: CPU that overlapped Terraform's own work is subtracted too, so the floor is if anything
# too low and the ratio to it too high.
mkdir -p "$W/cpu"
tf_mirror "$W/cpu" "$PHALA_BIN" phala phala
cat >"$TF_MIRROR_BIN" <<SH
#!/bin/sh
exec "$BUILD/tests/bench/cpuwrap" "$W/cpu.log" "$W/provider.real" "\$@"
SH
cp "$W/one/main.tf" "$W/cpu/main.tf"
terraform -chdir="$W/cpu" init -input=false >/dev/null
: >"$W/fl_a" && : >"$W/fl_r" && : >"$W/fl_f" && : >"$W/fl_c" && : >"$W/fl_l" && : >"$W/fl_p"
for i in $(seq "$RUNS"); do
    ta=$(ms_of terraform -chdir="$W/one" plan -input=false -lock=false)
    tb=$(ms_of terraform -chdir="$W/one_data" plan -input=false -lock=false)
    : >"$W/cpu.log"
    ms_of terraform -chdir="$W/cpu" plan -input=false -lock=false >/dev/null
    awk '{ print $1 + $2 }' "$W/cpu.log" >>"$W/fl_l"
    wc -l <"$W/cpu.log" >>"$W/fl_p"
    cpu=$(awk '{ s += $1 + $2 } END { printf "%.1f", s }' "$W/cpu.log")
    echo "$cpu" >>"$W/fl_c"
    f=$(awk -v a="$ta" -v c="$cpu" 'BEGIN { printf "%.1f", a - c }')
    echo "$f" >>"$W/fl_f"
    awk -v f="$f" -v b="$tb" 'BEGIN { printf "%.4f\n", f / b }' >>"$W/fl_r"
    awk -v a="$ta" -v f="$f" 'BEGIN { printf "%.4f\n", a / f }' >>"$W/fl_a"
done
printf 'provider_lives_per_plan %s\n' "$(median <"$W/fl_p")"
printf 'provider_cpu_ms_per_life_in_plan_median %.2f (user + system, %d lives; target <= 3)\n' \
    "$(median <"$W/fl_l")" "$(wc -l <"$W/fl_l")"
printf 'provider_cpu_ms_per_plan_median %.1f (all lives of one plan)\n' "$(median <"$W/fl_c")"
printf 'zero_work_floor_ms_median %.1f (plan of 1 data source minus its provider CPU)\n' \
    "$(median <"$W/fl_f")"
printf 'zero_work_floor_vs_terraform_data_ratio %.2f (median of pairwise ratios; Terraform alone)\n' \
    "$(median <"$W/fl_r")"
printf 'plan_1_data_source_vs_floor_ratio %.2f (median of pairwise ratios; target <= 1.1)\n' \
    "$(median <"$W/fl_a")"
