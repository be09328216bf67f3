#!/usr/bin/env bash
# phala_app_policy's configuration is checked before anything is read or sent: a malformed compose
# hash or device is an error naming the attribute and the element, two spellings of one value too,
# a null element (an env's compose_hash before any key change) says why, and a bad app_id, multisend
# or import id is refused — all by `terraform validate` / plan without a chain.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
H=4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6
config() { { phala_header; cat <<TF
resource "phala_app_policy" "p" {
  app_id = "${2:-0x5b1869d9a4c187f2eaa108f3062412ecf0526b24}"
  $1
}
TF
} | write_config; }
config "compose_hashes = [\"0x$H\"]"
tf_ok init -input=false
tf_ok validate

config 'compose_hashes = ["0x1234"]'
tf validate && acc_fail "a short compose hash was accepted"
assert_contains "$(tf_out)" "Invalid compose hash" "summary"
assert_contains "$(tf_out)" 'compose_hashes: element "0x1234" is not a compose hash' "names attribute and element"

config 'devices = ["zz"]'
tf validate && acc_fail "a malformed device was accepted"
assert_contains "$(tf_out)" 'devices: element "zz" is not a device id' "names attribute and element"

config "compose_hashes = [\"0x$H\", \"$(tr a-f A-F <<<"$H")\"]"
tf validate && acc_fail "two spellings of one hash were accepted"
assert_contains "$(tf_out)" "Value listed twice" "duplicate spelling"

config 'compose_hashes = [null]'
tf validate && acc_fail "a null element was accepted"
assert_contains "$(tf_out)" "null until an env update" "says why it may be null"

config "compose_hashes = [\"0x$H\"]" "0x12"
tf validate && acc_fail "a malformed app_id was accepted"
assert_contains "$(tf_out)" "Invalid app id" "app_id"

config "multisend = \"nope\""
tf validate && acc_fail "a malformed multisend was accepted"
assert_contains "$(tf_out)" "Invalid multisend address" "multisend"

config "compose_hashes = [\"0x$H\"]"
tf import -input=false phala_app_policy.p "0x12" && acc_fail "a malformed import id was accepted"
assert_contains "$(tf_out)" "Invalid import id" "import id"
echo PASS
