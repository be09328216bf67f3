#!/usr/bin/env bash
# The files a user of the public repository reads stay true: CHANGELOG.md has an Unreleased section
# first and a section for the version in CMakeLists.txt; every file SECURITY.md names as the test of a
# promise, and every file and list CONTRIBUTING.md points a contributor at, exists.
set -euo pipefail
: "${REPO_ROOT:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$REPO_ROOT"
version=$(awk '/^project/ { for (i = 1; i < NF; i++) if ($i == "VERSION") print $(i + 1) }' CMakeLists.txt)
[ -n "$version" ] || fail "no VERSION in CMakeLists.txt"

echo "--- CHANGELOG.md: Unreleased first, then $version"
sections=$(grep -E '^## \[' CHANGELOG.md | sed -E 's/^## \[([^]]+)\].*/\1/')
[ "$(head -n1 <<<"$sections")" = Unreleased ] || fail "the first version section is not [Unreleased]"
grep -qxF "$version" <<<"$sections" || fail "no section [$version] (the version in CMakeLists.txt)"
# (the section is read once: `sed | grep -q` under pipefail fails when grep stops reading early)
unreleased=$(sed -n '/^## \[Unreleased\]/,/^## \[/p' CHANGELOG.md)
for h in Added Changed Fixed Security; do
    grep -qx "### $h" <<<"$unreleased" || fail "Unreleased has no ### $h"
done

echo "--- SECURITY.md: every test it names exists"
n=0
for f in $(grep -oE '`(tests/[^`]+|test_[a-z_]+\.sh|manifest_sign\.sh)`' SECURITY.md | tr -d '`'); do
    case $f in
    tests/*) path=$f ;;
    manifest_sign.sh | test_reproducible.sh | test_layout.sh) path=tests/release/$f ;;
    *) path=tests/acceptance/$f ;;
    esac
    [ -e "$path" ] || fail "SECURITY.md names $f, but $path does not exist"
    n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "SECURITY.md names only $n tests"
grep -q 'EXAMPLE.INVALID' SECURITY.md && echo "note: SECURITY.md still has the placeholder contact address"

echo "--- CONTRIBUTING.md: the models and lists it points at exist"
for f in provider/resources/functions/func_cvm_id.c provider/resources/kms/data_kms_contract.c \
    tests/unit/rules/test_rpc_functions.c tests/acceptance/test_functions.sh \
    tests/acceptance/test_kms_contracts.sh examples/provider/guide.md tests/tools/gendocs.sh; do
    grep -qF "$(basename "$f")" CONTRIBUTING.md || fail "CONTRIBUTING.md no longer mentions $f (update this test)"
    [ -e "$f" ] || fail "CONTRIBUTING.md points at $f, which does not exist"
done
for list in 'phala_functions[]' 'phala_data_sources[]'; do
    grep -qF "$list" provider/resources/phala/phala_provider.c || fail "CONTRIBUTING.md says to add to $list in phala_provider.c: not there"
done
echo PASS
