#!/usr/bin/env bash
# The alias pattern of docs/guides/beside-the-official-provider.md: this provider required under a
# local name other than "phala", every resource and data source with `provider = …`, its functions
# called by that name, a CVM id wired in from another resource: init, plan, apply, a clean second
# plan and destroy. And the mistake the guide warns about: a resource without `provider =`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
acc_init "$PHALA_BIN" phala phala
sim_start
cp "$REPO_ROOT/examples/beside-official/main.tf" "$TF/main.tf"
tf_ok init -input=false
assert_contains "$(tf_out)" "local.dev/phala/phala" "init installs this provider under the alias"
tf_ok plan -input=false -no-color
tf_ok apply -auto-approve -input=false -no-color
assert_eq "$(terraform -chdir="$TF" output -raw env_status)" applied "the env went through the alias"
assert_eq "$(sim_env cvm_phala01)" '{"DATABASE_URL":"postgres://db.internal/app"}' "the CVM's env"
rc=$(tf_plan_exit)
[ "$rc" = 0 ] || { tf_out; acc_fail "the second plan is not empty (exit $rc)"; }
tf_ok destroy -auto-approve -input=false

acc_log "without provider = the resource goes to a provider named phala"
sed -i 's/^  provider = phalakms$//' "$TF/main.tf"
tf init -input=false -no-color && acc_fail "init must fail without provider ="
assert_contains "$(tf_out)" "hashicorp/phala" "Terraform looks for another provider"
echo PASS
