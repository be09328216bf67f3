#!/usr/bin/env bash
# The public repository's workflows (.github/workflows/*.yml) are valid GitHub Actions workflows
# (@action-validator/cli from tests/node, offline: a JSON-schema check in WebAssembly), and do what
# the README and CONTRIBUTING.md say: CI runs `make test` on Debian 12, the compatibility matrix
# covers Terraform 1.8, 1.11 and the newest and OpenTofu 1.8 and the newest through the official
# setup actions, a v* tag makes a signed release as a draft. First the validator must reject a
# broken copy, so that a validator that accepts anything cannot pass this test.
set -euo pipefail
: "${REPO_ROOT:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
validator=$REPO_ROOT/tests/node/node_modules/.bin/action-validator
[ -x "$validator" ] || fail "action-validator is missing: run npm ci in tests/node (make deps)"
command -v node >/dev/null || fail "node is missing (make deps)"
wf=$REPO_ROOT/.github/workflows
WORK=$(mktemp -d "${TMPDIR:-/tmp}/workflows.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "--- broken copies are rejected"
sed 's/^    runs-on:/    runs_on:/' "$wf/ci.yml" >"$WORK/ci.yml"
cmp -s "$wf/ci.yml" "$WORK/ci.yml" && fail "could not break ci.yml (no runs-on line)"
"$validator" "$WORK/ci.yml" >"$WORK/out" 2>&1 && fail "a job without runs-on was accepted"
grep -q "runs_on" "$WORK/out" || fail "the rejection does not name the bad key: $(cat "$WORK/out")"
sed 's/^on:/trigger:/' "$wf/release.yml" >"$WORK/release.yml"
"$validator" "$WORK/release.yml" >/dev/null 2>&1 && fail "a workflow without on: was accepted"

echo "--- every workflow is valid"
n=0
for f in "$wf"/*.yml; do
    "$validator" "$f" || fail "$(basename "$f") is not a valid workflow"
    n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "expected ci.yml, compat.yml and release.yml, found $n workflows"

echo "--- they do what the docs say"
need() { grep -Eq -- "$2" "$wf/$1" || fail "$1 does not contain /$2/"; }
need ci.yml 'image: debian:12'
need ci.yml 'run: make test$'
need ci.yml 'uses: hashicorp/setup-terraform@'
need compat.yml 'uses: hashicorp/setup-terraform@'
need compat.yml 'uses: opentofu/setup-opentofu@'
need compat.yml 'cli: terraform, version: "<1.9.0"'
need compat.yml 'cli: terraform, version: "<1.12.0"'
need compat.yml 'cli: terraform, version: latest'
need compat.yml 'cli: tofu, version: "~1.8.0"'
need compat.yml 'cli: tofu, version: latest'
need compat.yml 'TF_BIN: \$\{\{ matrix.cli \}\}'
need compat.yml 'ctest --output-on-failure -L'
need release.yml 'tags: \["v\*"\]'
need release.yml 'GPG_FINGERPRINT: \$\{\{ secrets.GPG_FINGERPRINT \}\}'
need release.yml 'run: make release'
need release.yml 'draft: true'
need release.yml 'files: dist/\*'
echo PASS
