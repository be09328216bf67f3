#!/usr/bin/env bash
# Ctrl-C during a slow apply: terraform calls StopProvider, the in-flight creates give up at once
# with a cancellation diagnostic, and terraform exits promptly.
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
  count    = 3
  name     = "slow-${count.index}"
  delay_ms = 60000
}
TF
tf_ok init -input=false
terraform -chdir="$TF" apply -auto-approve -input=false -no-color >"$WORK/apply.out" 2>&1 &
pid=$!
wait_until 60 "the slow creates to start" test -s "$TFTEST_STATS_FILE"
start=$(date +%s%N)
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cat "$WORK/apply.out"
echo "terraform exited $rc, ${elapsed_ms} ms after the interrupt"
[ "$rc" != 0 ] || acc_fail "interrupted apply must fail"
assert_contains "$(cat "$WORK/apply.out")" "Operation cancelled" "apply output"
[ "$elapsed_ms" -lt 3000 ] || acc_fail "took ${elapsed_ms} ms to stop (provider did not honour StopProvider)"
echo PASS
