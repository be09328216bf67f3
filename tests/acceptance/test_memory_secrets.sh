#!/usr/bin/env bash
# After three rounds of create / update / plan, an idle provider process holds no copy of any env
# value (env, env_file, env_wo), and at most one copy each of the API key and the on-chain private
# key (the one its client holds). A long-lived --debug provider serves the runs; gcore (gdb) dumps
# it and the dump is searched for the distinctive values. Core dumps are opt-in
# (PHALA_PROVIDER_CORE_DUMPS=1, set here); without it the provider is not dumpable.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v gcore >/dev/null || acc_fail "gcore (Debian package gdb) is missing: make deps installs it"
acc_init "$PHALA_BIN" phala phala
R=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
API_KEY="phak_memtest_$R"
PRIV_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
# the simulator accepts this run's API key
# the simulator accepts this run's API key, and has a second Phala-KMS CVM for env_wo
jq --arg k "$API_KEY" '.api_key = $k |
    .cvms += [.cvms[0] | .id = "cvm_phala02" | .app_id = "a7c1a4a6b2f54b1c9d3e8f70a1b2c3d4e5f60719"]' \
    "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
unset PHALA_CLOUD_API_KEY

PHALA_PROVIDER_CORE_DUMPS=1 "$PHALA_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
ACC_BG_PID=$!
wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out")
eval "export $line"

config() { # config ROUND
    { phala_header; cat <<TF
variable "api_key" {
  type      = string
  sensitive = true
}
provider "phala" {
  api_key = var.api_key
  onchain {
    rpc_url     = "http://127.0.0.1:9"
    private_key = "$PRIV_KEY"
  }
}
resource "phala_encrypted_env" "e" {
  cvm_id   = "cvm_phala01"
  env      = { PLAIN = "ENVVALUE_${R}_round$1" }
  env_file = "FILEVAR=FILEVALUE_${R}_round$1\n"
}
resource "phala_encrypted_env" "wo" {
  cvm_id         = "cvm_phala02"
  env_wo         = { WO = "WOVALUE_${R}_round$1" }
  env_wo_version = $1
}
TF
    } | write_config
}
export TF_VAR_api_key=$API_KEY
config 1
tf_ok init -input=false
for round in 1 2 3; do
    config "$round"
    tf_ok apply -auto-approve -input=false
    tf_ok plan -input=false
done
assert_contains "$(sim_env cvm_phala01)" "ENVVALUE_${R}_round3" "the CVM got the last env"

gcore -o "$WORK/core" "$ACC_BG_PID" >"$WORK/gcore.log" 2>&1 || { cat "$WORK/gcore.log" >&2; acc_fail "gcore failed"; }
core=$(ls "$WORK"/core.* | head -1)
count() { { LC_ALL=C grep -aoF -- "$1" "$core" || true; } | wc -l; }
fail=0
for v in "ENVVALUE_${R}" "FILEVALUE_${R}" "WOVALUE_${R}"; do
    n=$(count "$v")
    echo "copies of ${v%%_*}: $n (expected 0)" >&2
    [ "$n" = 0 ] || fail=1
done
n=$(count "$API_KEY")
echo "copies of the API key: $n (expected at most 1)" >&2
[ "$n" -le 1 ] || fail=1
n=$(count "$PRIV_KEY")
echo "copies of the private key: $n (expected at most 1)" >&2
[ "$n" -le 1 ] || fail=1
[ -n "${ACC_KEEP:-}" ] || rm -f "$core"
kill -TERM "$ACC_BG_PID"
wait "$ACC_BG_PID" || true
ACC_BG_PID=
[ "$fail" = 0 ] || acc_fail "secrets left in the provider's memory"

acc_log "core dumps are opt-in: without PHALA_PROVIDER_CORE_DUMPS=1 the process is not dumpable"
# The kernel gives a non-dumpable process's /proc files to root: run the provider as nobody and
# look at who owns them.
command -v setpriv >/dev/null || acc_fail "setpriv (util-linux) is missing"
owner_of_proc() { # owner_of_proc ENV… — the owner of a --debug provider's /proc/PID/environ
    env "$@" setpriv --reuid=65534 --regid=65534 --clear-groups "$PHALA_BIN" --debug \
        >"$WORK/dump.out" 2>&1 &
    local pid=$!
    wait_until 60 "the provider to start as nobody" grep -q TF_REATTACH_PROVIDERS "$WORK/dump.out"
    stat -c %U "/proc/$pid/environ"
    kill -TERM "$pid"
    wait "$pid" || true
}
assert_eq "$(owner_of_proc TMPDIR=/tmp)" root "a default provider is not dumpable"
assert_eq "$(owner_of_proc TMPDIR=/tmp PHALA_PROVIDER_CORE_DUMPS=1)" nobody "opted in"
echo PASS
