#!/usr/bin/env bash
# A user's install from the release: the linux_amd64 zip in a filesystem mirror (packed layout),
# `terraform init` in a fresh HOME installs it — the lock file records the package's h1: hash,
# which must be the hash of the zip's content — and `terraform plan` of examples/quickstart reads
# every data source from the simulator through the installed binary. Pinned to the signed release:
# a lock file holding the zh: hashes of SHA256SUMS (zh: = a zip's SHA-256) installs the zip and
# keeps them; a lock file whose zh: is another zip's refuses it.
source "$(dirname "$0")/lib.sh"
rel_need terraform openssl
rel_work
export HOME=$WORK/home CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_LOG TF_LOG_PATH TF_LOG_PROVIDER TF_REATTACH_PROVIDERS TF_DISABLE_PLUGIN_TLS TF_PLUGIN_CACHE_DIR
mkdir -p "$HOME" "$WORK/mirror/local.dev/phala/phala"
zip=$(rel_zip amd64)
cp "$zip" "$WORK/mirror/local.dev/phala/phala/"
rel_cli_config "$WORK/cli.tfrc" "$WORK/mirror"
export TF_CLI_CONFIG_FILE=$WORK/cli.tfrc
cp -r "$REPO_ROOT/examples/quickstart" "$WORK/tf"
rm -rf "$WORK/tf/.terraform" "$WORK/tf/.terraform.lock.hcl" "$WORK/tf/terraform.tfstate"*

rel_log "terraform init from the zip"
terraform -chdir="$WORK/tf" init -input=false -no-color >"$WORK/init.out" 2>&1 ||
    { cat "$WORK/init.out" >&2; rel_fail "terraform init failed"; }
grep -q "Installed local.dev/phala/phala v$RELEASE_VERSION" "$WORK/init.out" ||
    { cat "$WORK/init.out" >&2; rel_fail "init did not install v$RELEASE_VERSION"; }
installed=$WORK/tf/.terraform/providers/local.dev/phala/phala/$RELEASE_VERSION/linux_amd64/${REL_NAME}_v$RELEASE_VERSION
unzip -q -d "$WORK/unzipped" "$zip"
cmp "$installed" "$WORK/unzipped/${REL_NAME}_v$RELEASE_VERSION" || rel_fail "installed binary is not the zip's"
want="h1:$(rel_h1 "$WORK/unzipped/${REL_NAME}_v$RELEASE_VERSION" "${REL_NAME}_v$RELEASE_VERSION")"
grep -qF "\"$want\"" "$WORK/tf/.terraform.lock.hcl" ||
    { cat "$WORK/tf/.terraform.lock.hcl" >&2; rel_fail "lock file lacks $want, the hash of the zip's content"; }

rel_log "terraform init pinned to the zh: hashes of SHA256SUMS"
sums=$DIST/${REL_NAME}_${RELEASE_VERSION}_SHA256SUMS
lock() { # lock ARCH… — a lock file with the zh: hashes that SHA256SUMS lists for these zips
    local a
    printf 'provider "local.dev/phala/phala" {\n  version = "%s"\n  hashes = [\n' "$RELEASE_VERSION"
    for a in "$@"; do
        awk -v f="${REL_NAME}_${RELEASE_VERSION}_linux_$a.zip" '$2 == f { printf "    \"zh:%s\",\n", $1 }' "$sums"
    done
    printf '  ]\n}\n'
}
lock amd64 arm64 >"$WORK/tf/.terraform.lock.hcl"
rm -rf "$WORK/tf/.terraform"
terraform -chdir="$WORK/tf" init -input=false -no-color >"$WORK/init.out" 2>&1 ||
    { cat "$WORK/init.out" >&2; rel_fail "terraform init pinned to SHA256SUMS failed"; }
grep -qF "\"zh:$(sha256sum <"$zip" | cut -d' ' -f1)\"" "$WORK/tf/.terraform.lock.hcl" ||
    { cat "$WORK/tf/.terraform.lock.hcl" >&2; rel_fail "lock file lost the zip's zh: hash"; }
lock arm64 >"$WORK/tf/.terraform.lock.hcl"
rm -rf "$WORK/tf/.terraform"
if terraform -chdir="$WORK/tf" init -input=false -no-color >"$WORK/init.out" 2>&1; then
    rel_fail "init accepted the amd64 zip against a lock file holding only the arm64 zip's zh:"
fi
grep -q "doesn't match any of the checksums" "$WORK/init.out" ||
    { cat "$WORK/init.out" >&2; rel_fail "init failed for another reason than the checksum"; }
lock amd64 >"$WORK/tf/.terraform.lock.hcl"
rm -rf "$WORK/tf/.terraform"
terraform -chdir="$WORK/tf" init -input=false -no-color >"$WORK/init.out" 2>&1 ||
    { cat "$WORK/init.out" >&2; rel_fail "terraform init pinned to the amd64 zh: failed"; }

rel_log "terraform plan of the quickstart against the simulator"
rel_sim
export PHALA_CLOUD_API_KEY=phak_test_key
terraform -chdir="$WORK/tf" plan -input=false -no-color \
    -var "api_prefix=http://127.0.0.1:$SIM_PORT/api/v1" >"$WORK/plan.out" 2>&1 ||
    { cat "$WORK/plan.out" >&2; rel_fail "terraform plan failed"; }
# Every data source of the quickstart was read, the app key's signature verified, and the
# resource planned.
want=$(grep -c '^data "' "$WORK/tf/main.tf")
got=$(grep -c ': Read complete after' "$WORK/plan.out" || true)
[ "$got" = "$want" ] || { cat "$WORK/plan.out" >&2; rel_fail "$got of the $want data sources were read"; }
for s in 'verified   = true' 'phala_encrypted_env.app will be created'; do
    grep -qF "$s" "$WORK/plan.out" || { cat "$WORK/plan.out" >&2; rel_fail "plan output lacks [$s]"; }
done
echo "PASS"
