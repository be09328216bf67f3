# lib.sh — shared helpers for acceptance tests that drive the real `terraform` binary.
# Each test gets a private HOME, CLI config and filesystem mirror, so nothing on the machine (or in
# another test running in parallel) can leak in. Source it, then call acc_init.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/tfmirror.sh"

acc_fail() { echo "FAIL: $*" >&2; exit 1; }

# TF_BIN names the CLI to test with (default terraform): `TF_BIN=tofu` runs the same scripts with
# OpenTofu, `TF_BIN=/opt/tf1.8/terraform` with another Terraform (.github/workflows/compat.yml).
# Every `terraform` below and in the scripts that source this file is that CLI.
if [ -n "${TF_BIN:-}" ] && [ "$TF_BIN" != terraform ]; then
    terraform() { command "$TF_BIN" "$@"; }
fi
acc_log() { echo "--- $*" >&2; }

# acc_init PROVIDER_BINARY NAMESPACE TYPE — sets WORK, TF (config dir) and the environment.
acc_init() {
    local bin=$1 ns=$2 type=$3
    command -v "${TF_BIN:-terraform}" >/dev/null ||
        acc_fail "${TF_BIN:-terraform} is not on PATH: acceptance tests need the real terraform binary (v1.11.4; TF_BIN selects another)"
    [ -x "$bin" ] || acc_fail "provider binary $bin not built"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/acc.XXXXXX")
    trap 'acc_cleanup' EXIT
    export HOME=$WORK/home
    mkdir -p "$HOME" "$WORK/tf"
    tf_mirror "$WORK" "$bin" "$ns" "$type"
    export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
    unset TF_LOG TF_LOG_PATH TF_LOG_PROVIDER TF_REATTACH_PROVIDERS TF_DISABLE_PLUGIN_TLS
    TF=$WORK/tf
}

acc_cleanup() {
    local rc=$?
    [ -n "${ACC_KEEP:-}" ] && { echo "kept $WORK" >&2; return; }
    [ -n "${ACC_BG_PID:-}" ] && kill "$ACC_BG_PID" 2>/dev/null || true
    rm -rf "$WORK"
    return $rc
}

# tf ARGS… — terraform in the test's config dir; output captured in $WORK/last.out.
tf() {
    local rc=0
    terraform -chdir="$TF" "$@" >"$WORK/last.raw" 2>&1 || rc=$?
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/last.raw" >"$WORK/last.out"
    return $rc
}
tf_out() { cat "$WORK/last.out"; }

# tf_ok ARGS… — must succeed; prints the output on failure.
tf_ok() {
    tf "$@" || { tf_out >&2; acc_fail "terraform $* failed"; }
}

# tf_plan_exit ARGS… — echoes the -detailed-exitcode status (0 no changes, 2 changes).
tf_plan_exit() {
    local rc=0
    terraform -chdir="$TF" plan -detailed-exitcode -input=false "$@" >"$WORK/last.raw" 2>&1 || rc=$?
    sed 's/\x1b\[[0-9;]*m//g' "$WORK/last.raw" >"$WORK/last.out"
    echo $rc
}

write_config() { cat >"$TF/main.tf"; }

# wait_until SECONDS WHAT CMD… — runs CMD every 50 ms until it succeeds; after SECONDS (times
# ACC_WAIT_SCALE, default 1) prints a FAIL line naming WHAT and returns 1 (under set -e that ends
# the test; `wait_until … || { show logs; exit 1; }` shows more first). Deadlines are chosen for a loaded 2-core
# machine running other tests beside this one: generous, since a pass returns at once anyway.
wait_until() {
    local secs=$1 what=$2
    shift 2
    local deadline=$(($(date +%s) + secs * ${ACC_WAIT_SCALE:-1}))
    until "$@"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "FAIL: gave up after ${secs} s waiting for $what" >&2
            return 1
        fi
        sleep 0.05
    done
}

# children_of PID — the pids whose parent is PID (/proc/N/stat: the fields after "(comm)" are
# state, ppid, …).
children_of() {
    local f stat fields
    for f in /proc/[0-9]*/stat; do
        { read -r stat <"$f"; } 2>/dev/null || continue # no fork per process: hundreds run at times
        read -r -a fields <<<"${stat##*) }"
        [ "${fields[1]:-}" = "$1" ] || continue
        f=${f#/proc/}
        echo "${f%/stat}"
    done
}

# kill_providers_of PID — SIGKILLs the provider processes that the terraform process PID started
# (its children) and prints how many. Never by name: other tests' providers run beside ours.
kill_providers_of() {
    local n=0 c
    for c in $(children_of "$1"); do
        kill -KILL "$c" 2>/dev/null && n=$((n + 1))
    done
    echo "$n"
}

assert_eq() { [ "$1" = "$2" ] || acc_fail "${3:-values differ}: expected [$2], got [$1]"; }
# Terraform wraps diagnostic text at ~76 columns inside a "│ " box: match either the output as is
# or with the box and line breaks removed.
flatten() { sed 's/^[│╵╷] \{0,1\}//' <<<"$1" | tr '\n' ' ' | tr -s ' '; }
assert_contains() { # assert_contains TEXT EXPECTED [WHAT] — an empty EXPECTED is a test bug (grep
    # finds "" everywhere, so the check could never fail): refused loudly
    [ -n "$2" ] || acc_fail "assert_contains: the expected text for ${3:-output} is empty"
    grep -qF -- "$2" <<<"$1" || grep -qF -- "$2" <<<"$(flatten "$1")" ||
        { echo "$1" >&2; acc_fail "${3:-output} does not contain [$2]"; }
}

# plan_expect_tls_reason — a plan that must fail on TLS to the plain-HTTP simulator; sets $out to
# its flattened output once OpenSSL's "wrong version number" is in it. The simulator answers the
# ClientHello with a 400 and closes with the hello's rest unread, which can reset the connection
# before the 400 is read (SSL_ERROR_SYSCALL, no OpenSSL reason to quote, ~1 run in 12): up to six
# tries, each of which must fail one way or the other.
plan_expect_tls_reason() {
    local try
    for try in 1 2 3 4 5 6; do
        if tf plan -input=false -no-color; then
            acc_fail "a plan over TLS to a plain-HTTP server succeeded"
        fi
        out=$(flatten "$(tf_out)")
        [[ $out == *"wrong version number"* ]] && return 0
        assert_contains "$out" "SSL_ERROR_SYSCALL" "a TLS failure without OpenSSL's reason (try $try)"
    done
}
assert_not_contains() {
    if grep -qF -- "$2" <<<"$1"; then echo "$1" >&2; acc_fail "${3:-output} contains [$2]"; fi
}
state_attr() { # state_attr ADDRESS JQ-PATH
    terraform -chdir="$TF" show -json | jq -r --arg a "$1" \
        "(.values.root_module.resources // [])[] | select(.address==\$a) | .values$2"
}

# sim_start [SEED] [ARGS…] — starts phala-cloud-sim on a free loopback port and points the provider
# at it (PHALA_CLOUD_API_PREFIX / PHALA_CLOUD_API_KEY). SIM is its base URL (without /api/v1).
sim_start() {
    local seed=${1:-$REPO_ROOT/tests/sim/seed-default.json}
    shift || true
    [ -n "${SIM_BIN:-}" ] && [ -x "$SIM_BIN" ] || acc_fail "phala-cloud-sim not built (SIM_BIN)"
    "$SIM_BIN" --seed "$seed" --port 0 --port-file "$WORK/sim.port" --quiet "$@" \
        >"$WORK/sim.out" 2>"$WORK/sim.err" &
    SIM_PID=$!
    wait_until 60 "the simulator to write its port" test -s "$WORK/sim.port" ||
        { cat "$WORK/sim.err" >&2; exit 1; }
    SIM=http://127.0.0.1:$(cat "$WORK/sim.port")
    export PHALA_CLOUD_API_PREFIX=$SIM/api/v1 PHALA_CLOUD_API_KEY=phak_test_key
    trap 'kill $SIM_PID 2>/dev/null; acc_cleanup' EXIT
}

# sim_admin METHOD PATH [JSON] — the simulator's admin API; prints the answer.
sim_admin() {
    curl -sS -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$SIM/_sim$2"
}

phala_header() {
    cat <<'TF'
terraform {
  required_providers {
    phala = { source = "local.dev/phala/phala" }
  }
}
TF
}

# sim_env CVM — the environment the simulated CVM decrypted from the last accepted update,
# as a compact JSON object {"KEY": "value", …}.
sim_env() { sim_admin GET "/envs/$1" | jq -cS '[.env[] | {(.key): .value}] | add // {}'; }
