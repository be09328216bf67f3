#!/usr/bin/env bash
# bench_provider.sh — runtime benchmarks of the provider (DESIGN §10), printed as numbers and
# ratios from one run on this machine:
#   exec → handshake line (median of 50, AutoMTLS), GetProviderSchema round trip,
#   peak RSS of a provider process during `terraform plan` (200 resources),
#   `terraform plan` of 200 tftest_thing vs 200 terraform_data (median of 5 each, ratio).
# Usage: bench_provider.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
PHALA_BIN=$BUILD/provider/terraform-provider-phala
TFTEST_BIN=$BUILD/tests/testprovider/terraform-provider-tftest
TFPROBE=$BUILD/tests/acceptance/tfprobe
command -v terraform >/dev/null || { echo "terraform not on PATH" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (make deps installs Debian 'time')" >&2; exit 1; }

echo "== start-up (terraform-provider-phala)"
"$TFPROBE" bench "$PHALA_BIN" 50

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TFTEST_STORE_DIR=$W/store
mkdir -p "$HOME" "$TFTEST_STORE_DIR"
source "$(dirname "$0")/../tools/tfmirror.sh"
tf_mirror "$W" "$TFTEST_BIN" test tftest
# The mirror holds a wrapper so /usr/bin/time can report each provider process's peak RSS.
cat >"$TF_MIRROR_BIN" <<SH
#!/bin/sh
exec /usr/bin/time -a -o "$W/rss.log" -f "%M" "$TFTEST_BIN" "\$@"
SH
chmod +x "$TF_MIRROR_BIN"
mkdir -p "$W/ours" "$W/data"
cat >"$W/ours/main.tf" <<'TF'
terraform {
  required_providers {
    tftest = { source = "local.dev/test/tftest" }
  }
}
resource "tftest_thing" "r" {
  count = 200
  name  = "r${count.index}"
  size  = 0.5
  tags  = { n = "${count.index}" }
}
TF
cat >"$W/data/main.tf" <<'TF'
resource "terraform_data" "r" {
  count = 200
  input = { name = "r${count.index}", size = 0.5, tags = { n = "${count.index}" } }
}
TF
for d in ours data; do
    terraform -chdir="$W/$d" init -input=false >/dev/null
    terraform -chdir="$W/$d" apply -auto-approve -input=false >/dev/null
done
median_plan() {
    local d=$1 times=()
    for _ in 1 2 3 4 5; do
        local t0 t1
        t0=$(date +%s%N)
        terraform -chdir="$W/$d" plan -input=false -detailed-exitcode >/dev/null
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}
: >"$W/rss.log"
ours=$(median_plan ours)
data=$(median_plan data)
peak_kb=$(sort -n "$W/rss.log" | tail -1)
echo "== terraform plan, 200 resources (median of 5, refresh included)"
echo "plan_ms_tftest_200 $ours"
echo "plan_ms_terraform_data_200 $data"
awk -v a="$ours" -v b="$data" 'BEGIN { printf "plan_ratio %.2f (target <= 2.5; Go random: 4.5)\n", a / b }'
echo "== memory"
awk -v k="$peak_kb" 'BEGIN { printf "provider_peak_rss_mib %.1f (max over every provider process of the plans; target <= 10)\n", k / 1024 }'
echo "binary_size_bytes $(stat -c %s "$PHALA_BIN")"
