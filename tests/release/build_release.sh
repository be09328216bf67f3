#!/usr/bin/env bash
# The release_build fixture: `make release`'s script run twice from the same sources, in two build
# trees (a/build, b/build) that share the from-source libraries of this build tree, signed with a
# throw-away key in a private GNUPGHOME. The second run costs only the compile of the project (the
# libraries, the arm64 sysroot and the apt lists are cached in DEPS_CACHE).
set -euo pipefail
: "${RELEASE_TEST_DIR:?}" "${RELEASE_VERSION:?}" "${REPO_ROOT:?}" "${DEPS_CACHE:?}"
for t in gpg zip sha256sum; do command -v "$t" >/dev/null || { echo "FAIL: $t is missing (make deps)" >&2; exit 1; }; done

out=$RELEASE_TEST_DIR
rm -rf "$out/a/dist" "$out/b/dist" "$out/gnupg" "$out/signing-key.asc"
mkdir -p "$out/gnupg"
chmod 700 "$out/gnupg"
export GNUPGHOME=$out/gnupg
gpg --batch --quiet --passphrase '' --quick-gen-key "phala release test <release-test@invalid>" \
    ed25519 sign 1d 2>/dev/null
GPG_FINGERPRINT=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ {print $10; exit}')
export GPG_FINGERPRINT
gpg --batch --armor --export "$GPG_FINGERPRINT" >"$out/signing-key.asc"

# A fixed time, not the commit's: the test of the layout checks that it is the zip entries' mtime.
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01T00:00:00Z
echo "$SOURCE_DATE_EPOCH" >"$out/epoch"
for run in a b; do
    start=$SECONDS
    bash "$REPO_ROOT/provider/release/release.sh" "$out/$run/dist" "$out/$run/build" "$DEPS_CACHE" \
        "$RELEASE_VERSION"
    echo "--- release run $run: $((SECONDS - start)) s" >&2
done
gpgconf --kill gpg-agent 2>/dev/null || true
