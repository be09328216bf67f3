#!/usr/bin/env bash
# Import: an `import {}` block and the `terraform import` command both adopt an existing object;
# the next plan shows no changes; importing something that does not exist fails clearly.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$TFTEST_BIN" test tftest
export TFTEST_STORE_DIR=$WORK/store
mkdir -p "$TFTEST_STORE_DIR"

config() {
    write_config <<TF
terraform {
  required_providers {
    tftest = { source = "local.dev/test/tftest" }
  }
}
resource "tftest_thing" "i" {
  name   = "imp"
  size   = 2.25
  labels = ["a"]
  rule {
    port = 22
  }
}
$1
TF
}

acc_log "create an object, then forget it so that it exists only outside Terraform"
config ""
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
tf_ok state rm tftest_thing.i
[ -f "$TFTEST_STORE_DIR/thing-imp.json" ] || acc_fail "object missing after state rm"

acc_log "import {} block"
config 'import {
  to = tftest_thing.i
  id = "thing-imp"
}'
tf_ok plan -input=false
assert_contains "$(tf_out)" "1 to import, 0 to add, 0 to change, 0 to destroy" "import plan"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr tftest_thing.i .id)" thing-imp "imported id"
assert_eq "$(state_attr tftest_thing.i .size)" 2.25 "imported size"
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "plan after import shows changes (exit $rc)"; }

acc_log "terraform import command"
config ""
tf_ok state rm tftest_thing.i
tf_ok import -input=false tftest_thing.i thing-imp
assert_eq "$(state_attr tftest_thing.i '.rule[0].port')" 22 "imported nested block"
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "plan after CLI import shows changes (exit $rc)"; }

acc_log "importing a missing object fails with the provider's message"
tf_ok state rm tftest_thing.i
tf import -input=false tftest_thing.i thing-nope && acc_fail "import of a missing object succeeded"
assert_contains "$(tf_out)" "No thing with id thing-nope exists" "import error"
echo PASS
