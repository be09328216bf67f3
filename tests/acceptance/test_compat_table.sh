#!/usr/bin/env bash
# The compatibility table (docs/index.md, from examples/provider/guide.md, and the README, between
# <!-- compat:begin --> and <!-- compat:end -->) against the provider's own schema, read by tfprobe
# (GetProviderSchema: works whatever terraform is installed): every function, write-only attribute,
# ephemeral/list resource, state store, action or capability the provider declares has a row with
# versions no older than the protocol feature's first release, and no row names one that is gone.
# The README and docs/index.md carry the same table.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${TFPROBE:?}" "${PHALA_BIN:?}" "${REPO_ROOT:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/compat.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

table() { sed -n '/^<!-- compat:begin -->$/,/^<!-- compat:end -->$/p' "$1"; }
table "$REPO_ROOT/docs/index.md" >"$WORK/docs.md"
table "$REPO_ROOT/README.md" >"$WORK/readme.md"
[ -s "$WORK/docs.md" ] || acc_fail "docs/index.md has no compat:begin/compat:end table"
cmp -s "$WORK/docs.md" "$WORK/readme.md" || {
    diff "$WORK/docs.md" "$WORK/readme.md" >&2 || true
    acc_fail "the README's compatibility table differs from docs/index.md's"
}
# rows as: key<TAB>terraform<TAB>opentofu<TAB>older  (key = first cell without backticks)
grep '^| ' "$WORK/docs.md" | tail -n +2 | grep -v '^|---' |
    awk -F' *\\| *' '{ k = $2; gsub(/`/, "", k); printf "%s\t%s\t%s\t%s\n", k, $3, $4, $5 }' >"$WORK/rows"

"$TFPROBE" features "$PHALA_BIN" >"$WORK/features" || acc_fail "tfprobe features failed"
[ -s "$WORK/features" ] || acc_fail "the schema declares no version-dependent feature at all"
acc_log "schema features: $(tr '\n' ';' <"$WORK/features")"

ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; } # $1 >= $2
# the first release of each protocol feature (Terraform, OpenTofu); "-" where OpenTofu has none yet
min_for() {
    case $1 in
    function) echo "1.8 1.7" ;;
    write-only) echo "1.11 1.11" ;;
    ephemeral-resource) echo "1.10 1.11" ;;
    list-resource | action) echo "1.14 -" ;;
    state-store) echo "1.15 -" ;;
    *) echo "1.0 1.6" ;;
    esac
}
row_key() { # row_key KIND NAME — the first cell of the feature's row
    case $1 in
    function) echo "function provider::phala::$2" ;;
    write-only | capability | action) echo "$1 $2" ;;
    *) echo "${1//-/ } $2" ;; # ephemeral-resource → "ephemeral resource NAME"
    esac
}

failures=0
while read -r kind name; do
    key=$(row_key "$kind" "$name")
    row=$(awk -F'\t' -v k="$key" '$1 == k' "$WORK/rows")
    if [ -z "$row" ]; then
        echo "FAIL: no row [$key] in the compatibility table" >&2
        failures=$((failures + 1))
        continue
    fi
    IFS=$'\t' read -r _ tf tofu older <<<"$row"
    read -r min_tf min_tofu <<<"$(min_for "$kind")"
    ver_ge "$tf" "$min_tf" || { echo "FAIL: [$key] says Terraform $tf; $kind needs $min_tf" >&2; failures=$((failures + 1)); }
    if [ "$min_tofu" != - ]; then
        ver_ge "$tofu" "$min_tofu" || { echo "FAIL: [$key] says OpenTofu $tofu; $kind needs $min_tofu" >&2; failures=$((failures + 1)); }
    fi
    [ -n "$older" ] || { echo "FAIL: [$key] does not say what an older version shows" >&2; failures=$((failures + 1)); }
done <"$WORK/features"

# rows that name a schema feature the provider no longer has
while IFS=$'\t' read -r key _; do
    case $key in
    "function provider::phala::"*) grep -qxF "function ${key#function provider::phala::}" "$WORK/features" ;;
    "write-only "* | "capability "* | "action "*) grep -qxF "$key" "$WORK/features" ;;
    "ephemeral resource "*) grep -qxF "ephemeral-resource ${key#ephemeral resource }" "$WORK/features" ;;
    "list resource "*) grep -qxF "list-resource ${key#list resource }" "$WORK/features" ;;
    "state store "*) grep -qxF "state-store ${key#state store }" "$WORK/features" ;;
    *) true ;; # usage rows (import blocks, ephemeral variables…) name no schema element
    esac || { echo "FAIL: row [$key] names nothing in the schema" >&2; failures=$((failures + 1)); }
done <"$WORK/rows"

# the provider's own row, and the refusal text the conformance test checks (tfconform.c)
grep -qP '^provider phala \(plugin protocol 6\)\t1\.0\t1\.6\t' "$WORK/rows" ||
    { echo "FAIL: the provider row must say Terraform 1.0, OpenTofu 1.6" >&2; failures=$((failures + 1)); }
while read -r _ name; do
    grep -F "write-only $name" "$WORK/rows" | grep -qF "Write-only attribute not supported" ||
        { echo "FAIL: the $name row does not quote the refusal older versions get" >&2; failures=$((failures + 1)); }
done < <(grep '^write-only ' "$WORK/features")
[ "$failures" -eq 0 ] || acc_fail "$failures problems in the compatibility table"
echo PASS
