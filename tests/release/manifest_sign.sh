#!/usr/bin/env bash
# The registry manifest of a release is terraform-registry-manifest.json from the repository root,
# byte for byte (provider/release/sign.sh, the last step of `make release`), and that file says
# protocol 6.0. Runs sign.sh on stand-in zips with a throw-away key: no release build needed.
set -euo pipefail
: "${REPO_ROOT:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
for t in gpg sha256sum cmp; do command -v "$t" >/dev/null || fail "$t is missing (make deps)"; done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/manifest.XXXXXX")
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$WORK"' EXIT
export GNUPGHOME=$WORK/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "manifest test <manifest-test@invalid>" ed25519 sign 1d 2>/dev/null
GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ {print $10; exit}')
export GPG_FINGERPRINT SOURCE_DATE_EPOCH=1767225600
n=terraform-provider-phala v=9.8.7
root=$REPO_ROOT/terraform-registry-manifest.json

echo "--- the root manifest: protocol 6.0, as the registries read it"
[ "$(cat "$root")" = '{"version":1,"metadata":{"protocol_versions":["6.0"]}}' ] ||
    fail "terraform-registry-manifest.json is [$(cat "$root")]"

sign() { # sign DIR — stand-in zips in DIR, then sign.sh
    mkdir -p "$1"
    echo amd64 >"$1/${n}_${v}_linux_amd64.zip"
    echo arm64 >"$1/${n}_${v}_linux_arm64.zip"
    bash "$REPO_ROOT/provider/release/sign.sh" "$1" "$v"
}

echo "--- dist/ manifest is the root file, byte for byte, and is signed"
sign "$WORK/dist"
cmp "$root" "$WORK/dist/${n}_${v}_manifest.json" || fail "dist manifest differs from $root"
[ "$(awk '{print $2}' "$WORK/dist/${n}_${v}_SHA256SUMS")" = \
    "$(printf '%s\n' "${n}_${v}_linux_amd64.zip" "${n}_${v}_linux_arm64.zip" "${n}_${v}_manifest.json")" ] ||
    fail "SHA256SUMS lists [$(awk '{print $2}' "$WORK/dist/${n}_${v}_SHA256SUMS" | tr '\n' ' ')]"
(cd "$WORK/dist" && sha256sum -c --strict --quiet "${n}_${v}_SHA256SUMS") || fail "sums do not verify"
gpg --batch --quiet --verify "$WORK/dist/${n}_${v}_SHA256SUMS.sig" "$WORK/dist/${n}_${v}_SHA256SUMS" 2>/dev/null ||
    fail "signature does not verify"

echo "--- another root file is what dist/ gets (a copy, not a string in the script)"
printf '{\n  "version": 1,\n  "metadata": { "protocol_versions": ["6.0"] }\n}\n' >"$WORK/other.json"
RELEASE_MANIFEST=$WORK/other.json sign "$WORK/dist2"
cmp "$WORK/other.json" "$WORK/dist2/${n}_${v}_manifest.json" || fail "dist manifest is not the given file"

echo "--- a manifest without protocol_versions stops the release"
echo '{"version":1}' >"$WORK/bad.json"
if RELEASE_MANIFEST=$WORK/bad.json sign "$WORK/dist3" 2>"$WORK/err"; then fail "signed a release with a bad manifest"; fi
grep -q "names no protocol_versions" "$WORK/err" || fail "unclear error: $(cat "$WORK/err")"
[ ! -e "$WORK/dist3/${n}_${v}_SHA256SUMS.sig" ] || fail "a signature was written"
echo PASS
