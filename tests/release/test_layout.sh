#!/usr/bin/env bash
# The release is in the registry's layout: exactly the five files, each zip holding only
# terraform-provider-phala_vVERSION (mode 0755, mtime SOURCE_DATE_EPOCH, no extra fields), static
# binaries (no NEEDED entry) for x86-64 and AArch64 without build paths, the manifest for protocol
# 6.0 (a copy of terraform-registry-manifest.json), SHA256SUMS that sha256sum -c accepts and a detached signature that gpg verifies with only
# the public key.
source "$(dirname "$0")/lib.sh"
rel_need unzip zipinfo sha256sum gpg readelf
rel_work
v=$RELEASE_VERSION n=$REL_NAME

rel_log "file names"
expected=$(printf '%s\n' "${n}_${v}_SHA256SUMS" "${n}_${v}_SHA256SUMS.sig" "${n}_${v}_linux_amd64.zip" \
    "${n}_${v}_linux_arm64.zip" "${n}_${v}_manifest.json" | sort)
[ "$(ls "$DIST" | sort)" = "$expected" ] || rel_fail "dist holds [$(ls "$DIST" | tr '\n' ' ')]"

epoch=$(cat "$RELEASE_TEST_DIR/epoch")
want_time=$(TZ=UTC date -d "@$epoch" +%Y%m%d.%H%M%S)
for arch in amd64 arm64; do
    rel_log "linux_$arch zip"
    zip=$(rel_zip "$arch")
    [ "$(unzip -Z1 "$zip")" = "${n}_v$v" ] || rel_fail "$zip holds [$(unzip -Z1 "$zip" | tr '\n' ' ')]"
    # zipinfo -l: mode, version, os, sizes, type, method, date.time, name; -T: sortable time.
    read -r mode _ os _ _ _ _ time name <<<"$(zipinfo -l -T "$zip" | sed -n 3p)"
    [ "$mode" = "-rwxr-xr-x" ] || rel_fail "$name has mode $mode, not 0755"
    [ "$os" = unx ] || rel_fail "$name was not stored with Unix attributes ($os)"
    [ "$time" = "$want_time" ] || rel_fail "$name mtime $time is not SOURCE_DATE_EPOCH ($want_time)"
    # (Outputs are captured before grep: with pipefail, grep -q stopping early fails the pipe.)
    details=$(zipinfo -v "$zip")
    grep -q 'length of extra field: *0 bytes' <<<"$details" &&
        ! grep -q 'length of extra field: *[1-9]' <<<"$details" ||
        rel_fail "$zip has extra fields (uid/gid or timestamps): not zip -X"
    mkdir -p "$WORK/$arch"
    unzip -q "$zip" -d "$WORK/$arch"
    bin=$WORK/$arch/${n}_v$v
    machine=$(readelf -h "$bin" | sed -n 's/^ *Machine: *//p')
    case $arch in
    amd64) [ "$machine" = "Advanced Micro Devices X86-64" ] || rel_fail "amd64 binary is for $machine" ;;
    arm64) [ "$machine" = "AArch64" ] || rel_fail "arm64 binary is for $machine" ;;
    esac
    dynamic=$(readelf -d "$bin") segments=$(readelf -l "$bin") sections=$(readelf -S "$bin")
    grep -q NEEDED <<<"$dynamic" && rel_fail "$arch binary needs shared libraries: $(grep NEEDED <<<"$dynamic")"
    grep -q INTERP <<<"$segments" && rel_fail "$arch binary asks for a dynamic loader"
    grep -q '\.debug_' <<<"$sections" && rel_fail "$arch binary is not stripped"
    for p in "$REPO_ROOT" "$RELEASE_TEST_DIR" "$DEPS_CACHE"; do
        grep -qaF "$p" "$bin" && rel_fail "$arch binary contains the build path $p"
    done
    size=$(stat -c %s "$bin")
    [ "$size" -le 10000000 ] || rel_fail "$arch binary is $size bytes, over the 10 MB budget"
    rel_log "linux_$arch: $size bytes, static, stripped"
done

rel_log "manifest"
cmp "$REPO_ROOT/terraform-registry-manifest.json" "$DIST/${n}_${v}_manifest.json" ||
    rel_fail "manifest is [$(cat "$DIST/${n}_${v}_manifest.json")], not terraform-registry-manifest.json"

rel_log "SHA256SUMS"
sums=$DIST/${n}_${v}_SHA256SUMS
[ "$(awk '{print $2}' "$sums")" = "$(printf '%s\n' "${n}_${v}_linux_amd64.zip" "${n}_${v}_linux_arm64.zip" "${n}_${v}_manifest.json")" ] ||
    rel_fail "SHA256SUMS lists [$(awk '{print $2}' "$sums" | tr '\n' ' ')]"
grep -Eqv '^[0-9a-f]{64}  [^ ]+$' "$sums" && rel_fail "SHA256SUMS is not in sha256sum format"
(cd "$DIST" && sha256sum -c --strict "$sums") || rel_fail "sha256sum -c failed"

rel_log "signature"
export GNUPGHOME=$WORK/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --import "$RELEASE_TEST_DIR/signing-key.asc" 2>/dev/null
sig=$sums.sig
# A binary detached signature (as goreleaser makes and the registry checks), not armored.
[ "$(head -c 5 "$sig")" != "-----" ] || rel_fail "SHA256SUMS.sig is ASCII-armored"
status=$(gpg --batch --status-fd 1 --verify "$sig" "$sums" 2>/dev/null) ||
    rel_fail "gpg --verify failed"
grep -q '^\[GNUPG:\] GOODSIG' <<<"$status" || rel_fail "gpg --verify did not report a good signature"
cp "$sums" "$WORK/tampered" && echo "0000  extra" >>"$WORK/tampered"
gpg --batch --verify "$sig" "$WORK/tampered" 2>/dev/null && rel_fail "the signature also verifies a changed file"
gpgconf --kill gpg-agent 2>/dev/null || true
echo "PASS"
