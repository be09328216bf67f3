#!/usr/bin/env bash
# release.sh DIST BUILDROOT DEPS_CACHE VERSION — the provider release in the layout the Terraform
# and OpenTofu registries expect (what goreleaser writes for a provider):
#   terraform-provider-phala_VERSION_linux_amd64.zip   each holding only
#   terraform-provider-phala_VERSION_linux_arm64.zip   terraform-provider-phala_vVERSION (0755)
#   terraform-provider-phala_VERSION_manifest.json     terraform-registry-manifest.json (protocol 6.0)
#   terraform-provider-phala_VERSION_SHA256SUMS        sha256sum lines for the above
#   terraform-provider-phala_VERSION_SHA256SUMS.sig    binary detached GPG signature of the sums
# Binaries are built in BUILDROOT/ARCH (build-binary.sh). Reproducible: the zips depend only on the
# sources — SOURCE_DATE_EPOCH (default: the commit time) is every file's mtime, TZ=UTC, zip -X (no
# extra fields: no uid/gid, no extended timestamps), one entry, no build path in the binary.
#
# Signing key: GPG_FINGERPRINT names the secret key in gpg's keyring (GNUPGHOME if set), as in
# HashiCorp's provider release workflow. RELEASE_UNSIGNED=1 writes the zips only (make install).
set -euo pipefail

dist=$1 buildroot=$2 cache=$3 version=$4
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
name=terraform-provider-phala
archs=${RELEASE_ARCHS:-amd64 arm64}
export TZ=UTC LC_ALL=C
umask 022

for tool in zip sha256sum; do
    command -v "$tool" >/dev/null || { echo "release: $tool is missing (make deps)" >&2; exit 1; }
done
if [ -z "${RELEASE_UNSIGNED:-}" ]; then
    command -v gpg >/dev/null || { echo "release: gpg is missing (make deps)" >&2; exit 1; }
    [ -n "${GPG_FINGERPRINT:-}" ] || {
        echo "release: set GPG_FINGERPRINT to the fingerprint (or key id) of the secret key that" >&2
        echo "signs the SHA256SUMS file; it must be in gpg's keyring (GNUPGHOME if set)" >&2
        exit 1
    }
    gpg --batch --list-secret-keys "$GPG_FINGERPRINT" >/dev/null 2>&1 ||
        { echo "release: no secret key $GPG_FINGERPRINT in gpg's keyring" >&2; exit 1; }
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct 2>/dev/null) ||
        { echo "release: set SOURCE_DATE_EPOCH (not a git checkout)" >&2; exit 1; }
fi
export SOURCE_DATE_EPOCH

mkdir -p "$dist" "$buildroot"
dist=$(cd "$dist" && pwd) buildroot=$(cd "$buildroot" && pwd)
stage=$buildroot/stage
rm -rf "$stage"
for arch in $archs; do
    echo "release: linux_$arch" >&2
    bin=$stage/$arch/${name}_v$version
    "$here/build-binary.sh" "$arch" "$buildroot/$arch" "$cache" "$bin"
    zipfile=$dist/${name}_${version}_linux_$arch.zip
    rm -f "$zipfile"
    (cd "$stage/$arch" && zip -q -X -D "$zipfile" "${name}_v$version")
    touch -d "@$SOURCE_DATE_EPOCH" "$zipfile"
done
[ -n "${RELEASE_UNSIGNED:-}" ] && exit 0

"$here/sign.sh" "$dist" "$version" # manifest (the root terraform-registry-manifest.json), sums, signature
echo "release: $(cd "$dist" && ls "${name}_${version}"_*)" >&2
