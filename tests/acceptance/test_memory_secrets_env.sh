#!/usr/bin/env bash
# Credentials given through the environment (PHALA_CLOUD_API_KEY, PHALA_OIDC_TOKEN,
# PHALA_ONCHAIN_PRIVATE_KEY) leave exactly one copy each in the provider's memory, as a provider
# block does: the one in use (the API client's, the signer's). The process environment is scrubbed
# at startup (/proc/PID/environ no longer shows them), and a long-lived --debug provider still
# configures again from them: after the scan, a run with another provider block works.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v gcore >/dev/null || acc_fail "gcore (Debian package gdb) is missing: make deps installs it"
acc_init "$PHALA_BIN" phala phala
R=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
API_KEY="phak_memenv_$R"
OIDC="eyJmemenv.$R.token"
PRIV_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
jq --arg k "$API_KEY" '.api_key = $k' "$REPO_ROOT/tests/sim/seed-default.json" >"$WORK/seed.json"
sim_start "$WORK/seed.json"
unset PHALA_CLOUD_API_KEY PHALA_OIDC_TOKEN PHALA_ONCHAIN_PRIVATE_KEY PHALA_ONCHAIN_RPC_URL

# The credentials are in the provider's environment only (Terraform does not pass its own to a
# provider it attaches to).
PHALA_CLOUD_API_KEY=$API_KEY PHALA_OIDC_TOKEN=$OIDC PHALA_ONCHAIN_PRIVATE_KEY=$PRIV_KEY \
    PHALA_ONCHAIN_RPC_URL=http://127.0.0.1:9 PHALA_PROVIDER_CORE_DUMPS=1 \
    "$PHALA_BIN" --debug >"$WORK/debug.out" 2>"$WORK/debug.err" &
ACC_BG_PID=$!
wait_until 60 "the --debug provider to print TF_REATTACH_PROVIDERS" grep -q TF_REATTACH_PROVIDERS "$WORK/debug.out"
line=$(grep -o "TF_REATTACH_PROVIDERS='.*'" "$WORK/debug.out")
eval "export $line"

config() { # config ROUND [PROVIDER-BODY]
    { phala_header; cat <<TF
provider "phala" {
  ${2:-}
}
resource "phala_encrypted_env" "e" {
  cvm_id = "cvm_phala01"
  env    = { PLAIN = "ENVVALUE_${R}_round$1" }
}
TF
    } | write_config
}
config 1
tf_ok init -input=false
for round in 1 2; do
    config "$round"
    tf_ok apply -auto-approve -input=false
    tf_ok plan -input=false
done
assert_contains "$(sim_env cvm_phala01)" "ENVVALUE_${R}_round2" "the CVM got the env"

acc_log "the environment no longer holds the credentials (their values are wiped where they were)"
envfile=$(tr '\0' '\n' <"/proc/$ACC_BG_PID/environ")
for what in "API key:$API_KEY" "OIDC token:$OIDC" "private key:$PRIV_KEY"; do
    ! grep -qF -- "${what#*:}" <<<"$envfile" || acc_fail "/proc/PID/environ still shows the ${what%%:*}"
done
assert_contains "$envfile" "PHALA_ONCHAIN_RPC_URL=http://127.0.0.1:9" "other variables are kept"

acc_log "one copy of each credential in memory"
gcore -o "$WORK/core" "$ACC_BG_PID" >"$WORK/gcore.log" 2>&1 || { cat "$WORK/gcore.log" >&2; acc_fail "gcore failed"; }
core=$(ls "$WORK"/core.* | head -1)
count() { { LC_ALL=C grep -aoF -- "$1" "$core" || true; } | wc -l; }
fail=0
for what in "API key:$API_KEY" "OIDC token:$OIDC" "private key:$PRIV_KEY"; do
    n=$(count "${what#*:}")
    echo "copies of the ${what%%:*}: $n (expected 1)" >&2
    [ "$n" = 1 ] || fail=1
done
[ -n "${ACC_KEEP:-}" ] || rm -f "$core"
[ "$fail" = 0 ] || acc_fail "credentials from the environment: not exactly one copy each"

acc_log "the --debug provider configures again from them (another provider block: a new client)"
config 3 "timeout_seconds = 45"
tf_ok apply -auto-approve -input=false
assert_contains "$(sim_env cvm_phala01)" "ENVVALUE_${R}_round3" "a run with another provider block"
kill -TERM "$ACC_BG_PID"
wait "$ACC_BG_PID" || true
ACC_BG_PID=
echo PASS
