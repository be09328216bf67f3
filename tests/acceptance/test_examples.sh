#!/usr/bin/env bash
# Every example under examples/ runs as written against the simulator: provider.tf alone, then each
# data source, resource and function example together with it, then the quickstart.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
run_example() { # run_example NAME FILES…
    local name=$1
    shift
    rm -rf "$TF" && mkdir -p "$TF"
    cp "$@" "$TF/"
    acc_log "example $name"
    tf_ok init -input=false
    tf_ok apply -auto-approve -input=false
    rc=$(tf_plan_exit)
    [ "$rc" = 0 ] || { tf_out; acc_fail "example $name: second plan shows changes"; }
    tf_ok destroy -auto-approve -input=false
}
provider=$REPO_ROOT/examples/provider/provider.tf
run_example provider "$provider"
for f in "$REPO_ROOT"/examples/data-sources/*/data-source.tf "$REPO_ROOT"/examples/resources/*/resource.tf; do
    # the phala_app_policy examples need the test chain (an RPC endpoint): both run in
    # test_app_policy_example.sh, on the test chain's apps
    case "$f" in */phala_app_policy/*) continue ;; esac
    run_example "$(basename "$(dirname "$f")")" "$provider" "$f"
done
for d in "$REPO_ROOT"/examples/functions/*/; do
    run_example "function $(basename "$d")" "$provider" "$d"*
done
TF_VAR_api_prefix=$PHALA_CLOUD_API_PREFIX run_example quickstart "$REPO_ROOT"/examples/quickstart/*.tf
echo PASS
