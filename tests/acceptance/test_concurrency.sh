#!/usr/bin/env bash
# RPCs really run concurrently: 40 resources whose create sleeps 200 ms, applied with
# -parallelism=10; the provider records the peak number of creates in flight (asserted by count).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$TFTEST_BIN" test tftest
export TFTEST_STATS_FILE=$WORK/peak
write_config <<'TF'
terraform {
  required_providers {
    tftest = { source = "local.dev/test/tftest" }
  }
}
resource "tftest_slow" "s" {
  count    = 40
  name     = "slow-${count.index}"
  delay_ms = 200
}
TF
tf_ok init -input=false
tf_ok apply -auto-approve -input=false -parallelism=10
peak=$(cat "$TFTEST_STATS_FILE")
echo "peak creates in flight: $peak"
[ "$peak" -ge 8 ] || acc_fail "creates did not overlap: peak $peak < 8"
[ "$peak" -le 10 ] || acc_fail "more creates in flight ($peak) than terraform's parallelism"
echo PASS
