#!/usr/bin/env bash
# sign.sh DIST VERSION — the release's last step (release.sh runs it after the zips are in DIST):
# the registry manifest, a byte-for-byte copy of terraform-registry-manifest.json at the repository
# root (RELEASE_MANIFEST names another file, for tests), SHA256SUMS of the zips and the manifest, and
# its binary detached signature by the key GPG_FINGERPRINT names (GNUPGHOME selects the keyring).
set -euo pipefail

dist=$1 version=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
name=terraform-provider-phala
export LC_ALL=C
umask 022

root_manifest=${RELEASE_MANIFEST:-$src/terraform-registry-manifest.json}
[ -f "$root_manifest" ] || { echo "release: $root_manifest is missing" >&2; exit 1; }
# The registry reads protocol_versions from it: a manifest without them would publish a provider
# that no Terraform version can install.
grep -Eq '"protocol_versions" *: *\[ *"[0-9]+\.[0-9]+"' "$root_manifest" ||
    { echo "release: $root_manifest names no protocol_versions" >&2; exit 1; }
[ -n "${GPG_FINGERPRINT:-}" ] || { echo "release: set GPG_FINGERPRINT" >&2; exit 1; }

manifest=${name}_${version}_manifest.json
cp -- "$root_manifest" "$dist/$manifest"
touch -d "@${SOURCE_DATE_EPOCH:-0}" "$dist/$manifest"
sums=${name}_${version}_SHA256SUMS
(cd "$dist" && sha256sum -- "${name}_${version}"_linux_*.zip "$manifest" | sort -k2 >"$sums")
rm -f "$dist/$sums.sig"
gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$dist/$sums.sig" \
    --detach-sign "$dist/$sums"
