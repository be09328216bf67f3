# lifecycle_body.sh — the full life of tftest_thing with the real terraform, sourced by
# test_lifecycle*.sh after they chose the transport (AutoMTLS, no TLS, or reattach).
export TFTEST_STORE_DIR=$WORK/store
mkdir -p "$TFTEST_STORE_DIR"

thing_config() { # thing_config NAME SIZE TAGVALUE
    write_config <<TF
terraform {
  required_providers {
    tftest = { source = "local.dev/test/tftest" }
  }
}
resource "tftest_thing" "a" {
  name     = "$1"
  size     = $2
  enabled  = true
  tags     = { env = "$3", "key with space" = "v" }
  weights  = { a = 1.5, big = 12345678901234567890, third = 0.1 }
  labels   = ["x", "y"]
  extra    = { nested = [1, "two", true], n = 0.8 }
  settings = { mode = "fast", level = 3 }
  token_wo = "s3cret-write-only"
  rule {
    port = 80
  }
  rule {
    port     = 443
    protocol = "udp"
    cidrs    = ["10.0.0.0/8"]
  }
}
data "tftest_echo" "e" {
  input = tftest_thing.a.id
}
output "echo" { value = data.tftest_echo.e.output }
output "size" { value = tftest_thing.a.size }
TF
}

thing_config alpha 0.8 dev
tf_ok init -input=false
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr tftest_thing.a .id)" thing-alpha "id"
assert_eq "$(state_attr tftest_thing.a .revision)" 1 "revision after create"
assert_eq "$(state_attr tftest_thing.a '.rule[0].protocol')" tcp "computed nested value"
assert_eq "$(state_attr tftest_thing.a '.rule[1].protocol')" udp "configured nested value"
assert_eq "$(state_attr tftest_thing.a .token_hash)" "len:17" "write-only value reached the provider"
assert_eq "$(state_attr tftest_thing.a .token_wo)" null "write-only value not in state"
assert_eq "$(terraform -chdir="$TF" output -raw echo)" THING-ALPHA "data source output"
grep -q 's3cret-write-only' "$TF/terraform.tfstate" && acc_fail "write-only value leaked into the state file"
grep -q '"size": 0.8,' "$TF/terraform.tfstate" || acc_fail "number lexeme 0.8 not kept in state"
grep -q '12345678901234567890' "$TF/terraform.tfstate" || acc_fail "big number not kept"

acc_log "second plan: no changes (numbers, sets, dynamic and write-only included)"
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "plan after apply shows changes (exit $rc)"; }

acc_log "refresh keeps everything (UpgradeResourceState round trip of the stored JSON)"
tf_ok apply -refresh-only -auto-approve -input=false
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "plan after refresh shows changes (exit $rc)"; }

acc_log "update in place"
thing_config alpha 0.9 prod
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "changed config must plan changes (exit $rc)"; }
assert_contains "$(tf_out)" "will be updated in-place" "update plan"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr tftest_thing.a .revision)" 2 "revision after update"
assert_eq "$(state_attr tftest_thing.a .id)" thing-alpha "id kept on update"
assert_eq "$(state_attr tftest_thing.a .tags.env)" prod "tags updated"
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "plan after update shows changes (exit $rc)"; }

acc_log "replace (force_new name)"
thing_config beta 0.9 prod
tf_plan_exit >/dev/null
assert_contains "$(tf_out)" "must be replaced" "replace plan"
assert_contains "$(tf_out)" "forces replacement" "replace plan"
tf_ok apply -auto-approve -input=false
assert_eq "$(state_attr tftest_thing.a .id)" thing-beta "id after replace"
[ -f "$TFTEST_STORE_DIR/thing-alpha.json" ] && acc_fail "old object not deleted on replace"
[ -f "$TFTEST_STORE_DIR/thing-beta.json" ] || acc_fail "new object missing"

acc_log "out-of-band delete is detected on refresh"
rm "$TFTEST_STORE_DIR/thing-beta.json"
rc=$(tf_plan_exit)
[ "$rc" = 2 ] || { tf_out; acc_fail "deleted object must plan a create (exit $rc)"; }
assert_contains "$(tf_out)" "has been deleted" "drift message"
assert_contains "$(tf_out)" "will be created" "recreate plan"
tf_ok apply -auto-approve -input=false
[ -f "$TFTEST_STORE_DIR/thing-beta.json" ] || acc_fail "recreated object missing"

acc_log "destroy"
tf_ok destroy -auto-approve -input=false
[ -z "$(ls -A "$TFTEST_STORE_DIR")" ] || acc_fail "destroy left objects behind"
assert_eq "$(terraform -chdir="$TF" state list | wc -l)" 0 "state empty after destroy"
