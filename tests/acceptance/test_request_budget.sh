#!/usr/bin/env bash
# The request budget (DESIGN §10), counted by the simulator per Terraform command: a no-change plan
# of N phala_encrypted_env costs one request each (the refresh and the plan share one CVM read); the
# apply of a saved update plan costs one read, one write and the wait's poll each; data sources
# reading the same KMS contract make its two requests once; no command opens more connections than
# Terraform's parallelism + 2, writes included (they reuse warm connections).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
N=20
jq --argjson n $N '.cvms = [range($n) as $i | .cvms[0] | .id = "cvm_p\($i)" | .name = "app-\($i)"
     | .app_id = ("%040d" | sub("%040d"; ("0" * (40 - ($i | tostring | length))) + ($i | tostring)))]' \
    "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
config() { # config VALUE-SUFFIX
    { phala_header; cat <<TF
resource "phala_encrypted_env" "e" {
  for_each = toset([for i in range($N) : tostring(i)])
  cvm_id   = "cvm_p\${each.key}"
  env      = { API_KEY = "key-\${each.key}-$1" }
}
data "phala_kms_contract" "c" {
  count    = $N
  contract = "phala"
}
TF
    } | write_config
}
stat() { jq -r --arg k "$1" '(.requests[$k] // .[$k]) // 0' "$WORK/stats.json"; }
reset() { sim_admin POST /stats/reset >/dev/null; }
count() { # count WHAT — reads the simulator's tallies of the last command
    sim_admin GET /stats >"$WORK/stats.json"
    acc_log "$1: $(jq -c . "$WORK/stats.json")"
    local conns
    conns=$(stat connections)
    [ "$conns" -le 12 ] || acc_fail "$1 opened $conns connections (parallelism 10 + 2 at most)"
}

config v1
tf_ok init -input=false
tf_ok apply -auto-approve -input=false

# A plan with nothing to change: the refresh's CVM read answers the plan too.
reset
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "the plan after apply shows changes"; }
count "no-change plan"
assert_eq "$(stat "GET /cvms/{id}")" $N "CVM reads of a no-change plan"
assert_eq "$(stat "GET /cvms/{id}/compose_file")" 0 "compose file reads (the CVM's detail has it)"
assert_eq "$(stat "GET /kms/{id}")" 1 "contract reads for $N data sources of one contract"
assert_eq "$(stat "GET /kms/{slug}/nodes")" 1 "node reads for $N data sources of one contract"
assert_eq "$(stat total)" $((N + 2)) "requests of a no-change plan"

# An update: the plan reads each CVM once …
config v2
reset
tf_ok plan -input=false -out="$WORK/update.plan"
count "update plan"
assert_eq "$(stat "GET /cvms/{id}")" $N "CVM reads of the update's plan"
# … and its apply: one read, the write and the wait's poll per CVM (the simulator's update is
# done at once, so one poll sees it); nothing else, and no write twice.
reset
tf_ok apply -input=false "$WORK/update.plan"
count "update apply"
assert_eq "$(stat "PATCH /cvms/{id}")" $N "writes of the update"
assert_eq "$(stat "GET /cvms/{id}")" $((2 * N)) "CVM reads of the update: one read + one poll each"
assert_eq "$(stat total)" $((3 * N)) "requests of the update's apply (the data sources were read by the plan)"
for i in 0 7 $((N - 1)); do
    assert_eq "$(sim_env cvm_p$i)" "{\"API_KEY\":\"key-$i-v2\"}" "CVM $i"
done

# A refresh after the update sees what the update wrote (a new process, nothing cached).
reset
rc=$(tf_plan_exit); [ "$rc" = 0 ] || { tf_out; acc_fail "the plan after the update shows changes"; }
count "plan after update"
assert_eq "$(stat "GET /cvms/{id}")" $N "CVM reads of the plan after the update"
echo PASS
