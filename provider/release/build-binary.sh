#!/usr/bin/env bash
# build-binary.sh ARCH BUILDDIR DEPS_CACHE OUT — builds the release provider for linux_ARCH (amd64
# natively, arm64 with Debian's cross toolchain) in its own build tree BUILDDIR, sharing the
# from-source libraries in DEPS_CACHE, and writes the stripped static binary to OUT (mode 0755,
# mtime SOURCE_DATE_EPOCH). Fails when the binary has any NEEDED entry. The build is the same as
# the default `make build` (RelWithDebInfo, PHALA_STATIC, build paths mapped away), without the
# tests, so the shipped code is the tested code.
set -euo pipefail

arch=$1 build=$2 cache=$3 out=$4
mkdir -p "$build" "$cache"
build=$(cd "$build" && pwd) cache=$(cd "$cache" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
: "${SOURCE_DATE_EPOCH:?build-binary: SOURCE_DATE_EPOCH must be set (release.sh sets it)}"
export TZ=UTC LC_ALL=C

args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF -DPHALA_STATIC=ON
      -DPHALA_DEPS_CACHE="$cache")
native=$(dpkg --print-architecture)
case $arch in
"$native")
    strip=strip readelf=readelf ;;
arm64)
    command -v aarch64-linux-gnu-gcc >/dev/null ||
        { echo "build-binary: aarch64-linux-gnu-gcc is missing (make deps)" >&2; exit 1; }
    sysroot=$("$here/sysroot.sh" "$cache" arm64)
    args+=(-DCMAKE_TOOLCHAIN_FILE="$here/aarch64-linux-gnu.cmake" -DPHALA_SYSROOT="$sysroot")
    strip=aarch64-linux-gnu-strip readelf=aarch64-linux-gnu-readelf ;;
*)
    echo "build-binary: no cross build for $arch (amd64 machines build amd64 and arm64)" >&2
    exit 1 ;;
esac

cmake -S "$src" -B "$build" "${args[@]}" >"$build.configure.log" 2>&1 ||
    { tail -30 "$build.configure.log" >&2; exit 1; }
cmake --build "$build" --target terraform-provider-phala -j"$(nproc)" >"$build.build.log" 2>&1 ||
    { grep -E 'error|Error' "$build.build.log" | head -30 >&2; exit 1; }

mkdir -p "$(dirname "$out")"
"$strip" --strip-all -o "$out" "$build/provider/terraform-provider-phala"
# (Output captured first: with pipefail, grep -q stopping early would fail the pipeline.)
dynamic=$("$readelf" -d "$out")
if grep -q NEEDED <<<"$dynamic"; then
    grep NEEDED <<<"$dynamic" >&2
    echo "build-binary: $out needs shared libraries; the release must be static" >&2
    exit 1
fi
chmod 0755 "$out"
touch -d "@$SOURCE_DATE_EPOCH" "$out"
