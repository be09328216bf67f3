#!/usr/bin/env bash
# mutate_trust.sh — a small mutation check of the trust code (issue 17): each one-line defect below is
# applied in turn to the provider's source, the provider rebuilt, and the acceptance test that guards
# it run; every mutant must make its test fail ("killed"). Not part of `make test` (each mutant costs
# a rebuild and a test run, ~1–2 min): `make mutation-trust`. The source is restored after each
# mutant (and on exit), and the script refuses to run over uncommitted changes to the files it mutates.
# Usage: mutate_trust.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
R=provider/resources
FILES=($R/envtrust.c $R/envkey.c $R/envverify.c $R/envsigner.c)
git diff --quiet -- "${FILES[@]}" || {
    echo "mutate_trust: uncommitted changes in ${FILES[*]}: commit or stash them first" >&2
    exit 2
}
restore() { git checkout -q -- "${FILES[@]}"; }
trap restore EXIT

survived=0
# mutant FILE OLD NEW TEST WHAT — OLD must occur exactly once in FILE.
mutant() {
    local file=$1 old=$2 new=$3 test=$4 what=$5
    python3 - "$file" "$old" "$new" <<'PY'
import sys
path, old, new = sys.argv[1:4]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(f"mutate_trust: {path}: the mutated line is not there exactly once: {old!r}")
open(path, "w").write(s.replace(old, new))
PY
    if ! cmake --build "$BUILD" -j2 --target terraform-provider-phala >/dev/null 2>&1; then
        echo "mutate_trust: the mutant does not build: $what" >&2
        restore
        exit 2
    fi
    if (cd "$BUILD" && ctest -R "^$test\$" >/dev/null 2>&1); then
        echo "SURVIVED  $what ($test passed)"
        survived=$((survived + 1))
    else
        echo "killed    $what ($test)"
    fi
    restore
}

mutant $R/envkey.c 'anchor, NULL, why, sizeof why) != 0) {' 'NULL, NULL, why, sizeof why) != 0) {' \
    acc_test_env_anchor "the resource checks the app key's signature without the KMS anchor"
mutant $R/envkey.c '    *source = env_anchor_source(pc, pin);' \
    '    *source = env_anchor_source(pc, pin); if (api_anchor) return api_anchor;' \
    acc_test_env_anchor "the API's anchor is trusted whatever the chain, configuration or state say"
mutant $R/envverify.c 'if (in->device_id && cvm.device_id &&' 'if (0 && in->device_id && cvm.device_id &&' \
    acc_test_env_verify "the proof skips the device-id match"
mutant $R/envverify.c 'if (in->has_chain_id && out->has_chain_id && in->chain_id != out->chain_id)' \
    'if (0 && in->has_chain_id && out->has_chain_id && in->chain_id != out->chain_id)' \
    acc_test_env_verify "the proof skips the chain match"
mutant $R/envtrust.c 'int env_pin_check(tf_ctx *c, const env_pin *pin, const char *cvm_id, const pk_cvm *cvm)
{' 'int env_pin_check(tf_ctx *c, const env_pin *pin, const char *cvm_id, const pk_cvm *cvm)
{ return 0;' acc_test_env_identity "the CVM's pinned identity is not compared"
mutant $R/envsigner.c '    } else if (reg == PK_FALSE) {' '    } else if (0 && reg == PK_FALSE) {' \
    acc_test_env_identity "the signer ignores registeredApps = false"

restore
cmake --build "$BUILD" -j2 --target terraform-provider-phala >/dev/null 2>&1
[ "$survived" = 0 ] || { echo "mutate_trust: $survived mutant(s) survived" >&2; exit 1; }
echo "mutate_trust: every mutant was killed"
