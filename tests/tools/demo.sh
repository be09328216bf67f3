#!/usr/bin/env bash
# demo.sh — what `make demo` runs: starts the local Phala Cloud simulator on a free loopback port,
# installs the freshly built provider into a private filesystem mirror with an isolated CLI
# configuration, runs `terraform init` and `apply` on examples/quickstart (KMS data sources and an
# encrypted env on a Phala-KMS CVM), shows what the simulated CVM decrypted, walks
# examples/onchain-update through pending_onchain → registration → applied, and stops the simulator.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v terraform >/dev/null || { echo "demo: terraform is not on PATH" >&2; exit 1; }
W=$(mktemp -d)
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

"$BUILD/tests/sim/phala-cloud-sim" --seed "$ROOT/tests/sim/seed-default.json" --port 0 \
    --port-file "$W/port" --quiet >"$W/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.05; done
PORT=$(cat "$W/port")
echo "simulator: http://127.0.0.1:$PORT/api/v1 (api key phak_test_key)"

mkdir -p "$W/home" "$W/qs" "$W/oc"
source "$ROOT/tests/tools/tfmirror.sh"
tf_mirror "$W" "$BUILD/provider/terraform-provider-phala" phala phala
cp "$ROOT"/examples/quickstart/*.tf "$W/qs/"
cp "$ROOT"/examples/onchain-update/*.tf "$W/oc/"
export HOME=$W/home CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export PHALA_CLOUD_API_KEY=phak_test_key PHALA_CLOUD_API_PREFIX="http://127.0.0.1:$PORT/api/v1"
terraform -chdir="$W/qs" init -input=false -no-color | grep -E "Installing|Installed|initialized"
echo
terraform -chdir="$W/qs" apply -auto-approve -input=false -no-color | grep -E "Read complete|Apply complete"
echo
terraform -chdir="$W/qs" output -no-color
echo
echo "== what the simulated CVM decrypted (simulator admin view of cvm_phala01):"
curl -s "http://127.0.0.1:$PORT/_sim/envs/cvm_phala01" | jq -c '.env'

echo
echo "== an on-chain CVM: a new env key needs the compose hash registered on the app contract"
terraform -chdir="$W/oc" init -input=false -no-color >/dev/null
terraform -chdir="$W/oc" apply -auto-approve -input=false -no-color 2>&1 |
    sed -n '/Warning: On-chain registration required/,/Apply complete/p' | grep -v "^$"
terraform -chdir="$W/oc" output -no-color
H=$(terraform -chdir="$W/oc" output -json register | jq -r .compose_hash)
APP=$(terraform -chdir="$W/oc" output -json register | jq -r .app_contract)
echo
echo "== registering it (the simulator's stand-in for the chain), then applying with transaction_hash"
TX=$(curl -s -X POST -d "{\"app_id\":\"$APP\",\"compose_hash\":\"$H\"}" \
    "http://127.0.0.1:$PORT/_sim/chain/register" | jq -r .transaction_hash)
echo "transaction_hash = $TX"
terraform -chdir="$W/oc" apply -auto-approve -input=false -no-color -var "transaction_hash=$TX" |
    grep -E "Apply complete"
terraform -chdir="$W/oc" output -no-color status
curl -s "http://127.0.0.1:$PORT/_sim/envs/cvm_base01" | jq -c '{env, allowed_envs}'
