#!/usr/bin/env bash
# 50 phala_encrypted_env resources on 50 CVMs applied with -parallelism=10: every CVM gets
# exactly its own env, and a second plan is clean.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
jq '.cvms = [range(50) as $i | .cvms[0] | .id = "cvm_p\($i)" | .name = "app-\($i)"
     | .app_id = ("%040d" | sub("%040d"; ("0" * (40 - ($i | tostring | length))) + ($i | tostring)))]' \
    "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
{ phala_header; cat <<'TF'
resource "phala_encrypted_env" "e" {
  for_each = toset([for i in range(50) : tostring(i)])
  cvm_id   = "cvm_p${each.key}"
  env      = { API_KEY = "key-${each.key}", DATABASE_URL = "db-${each.key}" }
}
TF
} | write_config
tf_ok init -input=false
tf_ok apply -auto-approve -input=false -parallelism=10
for i in $(seq 0 49); do
    assert_eq "$(sim_env cvm_p$i)" "{\"API_KEY\":\"key-$i\",\"DATABASE_URL\":\"db-$i\"}" "CVM $i"
done
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "second plan shows changes"; }
echo PASS
