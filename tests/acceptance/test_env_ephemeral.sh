#!/usr/bin/env bash
# Ephemeral input into env_wo (Terraform >= 1.10 ephemeral values, >= 1.11 write-only attributes):
# an ephemeral variable and a local derived from another one reach the CVM (the simulator's
# decrypted view), through a saved plan and a direct apply, and appear in no state, backup, plan
# file (every member, and `show -json`), terraform output, TF_LOG=trace log or the provider's own
# stderr; env_wo_version alone decides when they are sent again; and ephemeral values are refused
# by every attribute that is not write-only (env, env_file, env_wo_version). The guide's runnable
# example (examples/ephemeral-secrets, shown verbatim in docs/guides/ephemeral-secrets.md) too.
#
# The secrets are random per run. Nothing here prints one: leaks are reported as counts per file,
# terraform output shown on a failure goes through `redact`, and the decrypted env is compared
# inside jq.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
CVM=cvm_phala01
R=phala_encrypted_env.e

# --- the secrets: sets A…G, each a DB_PASSWORD and a token seed (TOKEN = "tok-<seed>") ---------
rnd() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
declare -A DBC SEEDC # the random cores; DB_PASSWORD = "dbpw-<core>", token_seed = "<core>"
SETS="A B C D E F G"
for s in $SETS; do DBC[$s]=$(rnd) SEEDC[$s]=$(rnd); done
# Every form a leak could take: the core as is (matched case-insensitively), its hex encoding, and
# its base64 encoding at the three alignments a longer encoded string can give it (ends trimmed).
PLAIN=() ENCODED=()
for s in $SETS; do
    for c in "${DBC[$s]}" "${SEEDC[$s]}"; do
        PLAIN+=("$c" "$(printf %s "$c" | od -An -tx1 | tr -d ' \n')")
        for k in 0 1 2; do
            b=$(printf "%${k}s%s" "" "$c" | base64 -w0)
            b=${b:$((k ? 4 : 0))}
            ENCODED+=("${b:0:$((${#b} - 4))}")
        done
    done
done
REDACT=()
for p in "${PLAIN[@]}"; do REDACT+=(-e "s/$p/<secret>/Ig"); done
for p in "${ENCODED[@]}"; do REDACT+=(-e "s|$p|<secret>|g"); done
redact() { sed "${REDACT[@]}"; }
# with SET CMD… — CMD with the set's values in TF_VAR_db_password / TF_VAR_token_seed.
with() {
    local s=$1
    shift
    TF_VAR_db_password=dbpw-${DBC[$s]} TF_VAR_token_seed=${SEEDC[$s]} "$@"
}

# --- terraform runs: every output is kept (for the leak sweep), shown only redacted ------------
mkdir -p "$WORK/outputs"
keep() { cp "$WORK/last.raw" "$(mktemp "$WORK/outputs/XXXXXX")"; } # also from $(…) subshells
tfx() { # tfx ARGS… — must succeed
    local rc=0
    tf "$@" || rc=$?
    keep
    [ $rc = 0 ] || { redact <"$WORK/last.out" >&2; acc_fail "terraform $* failed"; }
}
tf_fails() { # tf_fails ARGS… — must fail
    local rc=0
    tf "$@" || rc=$?
    keep
    [ $rc != 0 ] || { redact <"$WORK/last.out" >&2; acc_fail "terraform $* succeeded"; }
}
plan_rc() { # plan_rc ARGS… — the -detailed-exitcode status
    local rc
    rc=$(tf_plan_exit "$@")
    keep
    echo "$rc"
}
out_has() { # out_has TEXT WHAT — the last output (redacted) contains TEXT
    assert_contains "$(redact <"$WORK/last.out")" "$1" "$2"
}
config() { # config VERSION
    { phala_header; cat <<TF
variable "db_password" {
  type      = string
  ephemeral = true
  sensitive = true
}
variable "token_seed" {
  type      = string
  ephemeral = true
}
locals {
  token = "tok-\${var.token_seed}" # derived from an ephemeral variable: ephemeral too
}
resource "phala_encrypted_env" "e" {
  cvm_id         = "$CVM"
  env_wo         = { DB_PASSWORD = var.db_password, TOKEN = local.token }
  env_wo_version = $1
}
TF
    } | write_config
}
updates() { sim_admin GET "/envs/$CVM" | jq .updates; }
assert_cvm_has() { # assert_cvm_has SET — the CVM decrypted exactly that set's values
    local s=$1
    sim_env $CVM | jq -e --arg db "dbpw-${DBC[$s]}" --arg tok "tok-${SEEDC[$s]}" \
        '. == {DB_PASSWORD: $db, TOKEN: $tok}' >/dev/null || {
        sim_env $CVM | redact >&2
        acc_fail "the CVM does not hold exactly the values of set $s"
    }
}
trace() { # trace NAME CMD… — CMD with a trace log of terraform and the provider in NAME.log
    TF_LOG=trace TF_LOG_PATH=$WORK/logs/$1.log "${@:2}"
}
mkdir -p "$WORK/logs" "$WORK/plans"
save_plan() { # save_plan NAME — keeps the plan file, its members and `show -json` of it
    cp "$TF/tfplan" "$WORK/plans/$1.zip"
    mkdir "$WORK/plans/$1"
    unzip -q "$WORK/plans/$1.zip" -d "$WORK/plans/$1"
    [ -f "$WORK/plans/$1/tfplan" ] && [ -f "$WORK/plans/$1/tfstate" ] ||
        acc_fail "plan file $1 lacks its tfplan/tfstate members: $(unzip -Z1 "$WORK/plans/$1.zip" | tr '\n' ' ')"
    terraform -chdir="$TF" show -json tfplan >"$WORK/plans/$1.json" ||
        acc_fail "terraform show -json of plan $1 failed"
    jq -e '.resource_changes[0].change.after | has("env_wo") and .env_wo == null' \
        "$WORK/plans/$1.json" >/dev/null || acc_fail "plan $1: env_wo is not null in the planned values"
}

acc_log "saved plan: plan -out with set A, apply of the plan file"
config 1
tfx init -input=false
trace plan-A with A tfx plan -input=false -out=tfplan
out_has "(write-only attribute)" "plan shows env_wo as write-only"
save_plan A
# Lesson (Terraform 1.11.4): ephemeral variables are not recorded in a saved plan, so
# `apply tfplan` needs them set again — without them it refuses ("No value for required variable
# … was set during the plan phase, and so must also be set during the apply phase").
tf_fails apply -input=false tfplan
out_has 'The ephemeral input variable "db_password" was set during the plan phase' "apply of a saved plan without the ephemeral variables"
out_has "must also be set during the apply phase" "apply of a saved plan without the ephemeral variables"
assert_eq "$(updates)" 0 "nothing sent by the refused apply"
trace apply-A with A tfx apply -input=false tfplan
assert_cvm_has A
assert_eq "$(updates)" 1 "one update"
assert_eq "$(state_attr $R '.env_keys | join(",")')" "DB_PASSWORD,TOKEN" "env_keys (names are stored, values never)"
assert_eq "$(state_attr $R .env_wo)" null "env_wo in state"

acc_log "new values, same env_wo_version: no changes, nothing sent"
rc=$(trace plan-B with B plan_rc)
[ "$rc" = 0 ] || { redact <"$WORK/last.out" >&2; acc_fail "changed ephemeral values without a version bump plan changes (exit $rc)"; }
trace apply-B1 with B tfx apply -auto-approve -input=false
assert_eq "$(updates)" 1 "an apply without a version bump sends nothing"
assert_cvm_has A

acc_log "direct apply: env_wo_version 2 sends set B"
config 2
trace apply-B2 with B tfx apply -auto-approve -input=false
out_has "1 changed" "the bump is one in-place update"
assert_eq "$(updates)" 2 "the bump sent one update"
assert_cvm_has B
rc=$(with B plan_rc)
[ "$rc" = 0 ] || { redact <"$WORK/last.out" >&2; acc_fail "plan after the bump shows changes (exit $rc)"; }

acc_log "saved plan without a bump, applied with set F: nothing sent"
trace plan-B3 with B tfx plan -input=false -out=tfplan
out_has "No changes." "a saved plan without a version bump"
save_plan B3
trace apply-F with F tfx apply -input=false tfplan
assert_eq "$(updates)" 2 "a saved plan without changes sends nothing, whatever the values at apply"
assert_cvm_has B

acc_log "saved plan with set C, applied with set D: the apply-time values are sent"
# Lesson (Terraform 1.11.4): a saved plan does not pin ephemeral values — apply accepts different
# ones, and those are what the provider encrypts and sends. Review the plan, but treat the
# values given at apply as the ones that count.
config 3
trace plan-C with C tfx plan -input=false -out=tfplan
save_plan C
trace apply-D with D tfx apply -input=false tfplan
assert_eq "$(updates)" 3 "the bump sent one update"
assert_cvm_has D

acc_log "a long-lived --debug provider: its own stderr holds no secret either"
TF_LOG=trace "$PHALA_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
ACC_BG_PID=$!
wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out") || acc_fail "no reattach line"
config 4
eval "export $line"
trace apply-E with E tfx apply -auto-approve -input=false
rc=$(with E plan_rc)
[ "$rc" = 0 ] || { redact <"$WORK/last.out" >&2; acc_fail "plan after the reattached apply shows changes (exit $rc)"; }
unset TF_REATTACH_PROVIDERS
assert_eq "$(updates)" 4 "the reattached apply sent one update"
assert_cvm_has E
kill -0 "$ACC_BG_PID" || acc_fail "the --debug provider died during the runs"
kill -TERM "$ACC_BG_PID"
wait "$ACC_BG_PID" || true
ACC_BG_PID=
n=$(grep -c '"@module":"provider"' "$WORK/debug.err" || true)
[ "$n" -gt 0 ] || acc_fail "the --debug provider logged nothing at trace level"
acc_log "the --debug provider wrote $n log lines"

acc_log "guard: ephemeral values are refused outside write-only attributes"
jq -e '.provider_schemas["local.dev/phala/phala"].resource_schemas.phala_encrypted_env.block.attributes |
    (.env_wo.write_only == true) and (.env.write_only != true) and (.env_file.write_only != true)' \
    <<<"$(terraform -chdir="$TF" providers schema -json)" >/dev/null ||
    acc_fail "env_wo is no longer write-only (or env/env_file became write-only)"
TF_MAIN=$TF
TF=$WORK/neg
mkdir -p "$TF"
for attr in 'env = { DB_PASSWORD = var.db_password }' \
    'env_file = "DB_PASSWORD=${var.db_password}"' \
    'env_wo = { DB_PASSWORD = var.db_password }
  env_wo_version = length(var.db_password)'; do
    name=${attr%% *}
    [ "$name" = env_wo ] && name=env_wo_version
    { phala_header; cat <<TF
variable "db_password" {
  type      = string
  ephemeral = true
}
resource "phala_encrypted_env" "e" {
  cvm_id = "$CVM"
  $attr
}
TF
    } | write_config
    [ -d "$TF/.terraform" ] || tfx init -input=false
    with A tf_fails validate
    out_has "Invalid use of ephemeral value" "validate with an ephemeral value in $name"
    out_has "Ephemeral values are not valid for \"$name\", because it is not a write-only attribute" "validate with an ephemeral value in $name"
    with A tf_fails plan -input=false
    out_has "Ephemeral values are not valid for \"$name\"" "plan with an ephemeral value in $name"
done
TF=$TF_MAIN
assert_eq "$(updates)" 4 "the refused configurations sent nothing"

acc_log "examples/ephemeral-secrets (the guide's example, verbatim) with set G"
EXAMPLE=$REPO_ROOT/examples/ephemeral-secrets/main.tf
[[ "$(<"$REPO_ROOT/examples/guides/ephemeral-secrets.md")" == *"$(<"$EXAMPLE")"* ]] ||
    acc_fail "the guide ephemeral-secrets.md does not show examples/ephemeral-secrets/main.tf as it is"
TF=$WORK/example
mkdir -p "$TF"
cp "$EXAMPLE" "$TF/"
xwith() { TF_VAR_db_password=dbpw-${DBC[G]} TF_VAR_api_token=${SEEDC[G]} "$@"; }
tfx init -input=false
trace example xwith tfx apply -auto-approve -input=false
sim_env $CVM | jq -e --arg url "postgres://app:dbpw-${DBC[G]}@db.internal:5432/app" --arg tok "${SEEDC[G]}" \
    '. == {DATABASE_URL: $url, API_TOKEN: $tok}' >/dev/null ||
    { sim_env $CVM | redact >&2; acc_fail "the example's values did not reach the CVM"; }
assert_eq "$(terraform -chdir="$TF" output -json env_keys | jq -c .)" '["API_TOKEN","DATABASE_URL"]' "the example's env_keys"
rc=$(xwith plan_rc)
[ "$rc" = 0 ] || { redact <"$WORK/last.out" >&2; acc_fail "the example's second plan shows changes (exit $rc)"; }
TF=$TF_MAIN

acc_log "no secret anywhere: state, backups, plan files, outputs, trace logs, provider stderr"
# The files that must exist, so the sweep cannot pass by finding nothing.
must=("$TF/terraform.tfstate" "$TF/terraform.tfstate.backup" "$WORK/plans/A/tfplan" "$WORK/plans/C/tfplan"
    "$WORK/plans/B3/tfplan" "$WORK/plans/A.json" "$WORK/plans/C.json" "$WORK/plans/B3.json" "$WORK/debug.err"
    "$WORK/example/terraform.tfstate")
for f in plan-A apply-A plan-B apply-B1 apply-B2 plan-B3 apply-F plan-C apply-D apply-E example; do
    must+=("$WORK/logs/$f.log")
    # terraform's own runs carry the provider's log lines (go-plugin relays its stderr)
    [ "$f" = apply-E ] ||
        grep -q 'provider.terraform-provider-phala[^:]*: ' "$WORK/logs/$f.log" ||
        acc_fail "trace log $f.log holds no provider log line"
done
for f in "${must[@]}"; do [ -s "$f" ] || acc_fail "expected file ${f#"$WORK"/} is missing or empty"; done
[ "$(find "$WORK/outputs" -type f | wc -l)" -ge 24 ] || acc_fail "fewer terraform outputs kept than the 24 runs above"
leak_files() { # every file under WORK (state, plans, logs, outputs, .terraform, HOME) but the simulator's own
    find "$WORK" -type f ! -name 'sim.*' -print0
}
hits=$( { leak_files | xargs -0 grep -l -a -i -F "${PLAIN[@]/#/-e}" || true
          leak_files | xargs -0 grep -l -a -F "${ENCODED[@]/#/-e}" || true; } | sort -u)
if [ -n "$hits" ]; then
    while IFS= read -r f; do
        n=$( { grep -o -a -i -F "${PLAIN[@]/#/-e}" "$f" || true; grep -o -a -F "${ENCODED[@]/#/-e}" "$f" || true; } | wc -l)
        echo "LEAK: $n occurrence(s) of a secret in ${f#"$WORK"/}" >&2
    done <<<"$hits"
    acc_fail "secret values were written outside the CVM"
fi
acc_log "swept $(leak_files | tr -cd '\0' | wc -c) files: no secret"
echo PASS
