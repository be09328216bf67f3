#!/usr/bin/env bash
# sysroot.sh CACHE ARCH — prints the path of a sysroot for cross-building the static provider for
# the Debian architecture ARCH (arm64): the ARCH builds of the -dev packages whose static archives
# the provider links, downloaded by the build tree's private apt (kmsapi/deps/debapt.sh) and
# unpacked with dpkg -x. The machine's dpkg and apt configuration are not touched; glibc for ARCH
# comes from Debian's cross toolchain (libc6-dev-ARCH-cross, installed by `make deps`).
set -euo pipefail

cache=$1 arch=$2
here=$(cd "$(dirname "$0")" && pwd)
debapt=$here/../../kmsapi/deps/debapt.sh
# The -dev packages of deps.cmake's Debian archives (OpenSSL, nghttp2, c-ares, libsodium,
# libsecp256k1, protobuf-c).
packages="libssl-dev libnghttp2-dev libc-ares-dev libsodium-dev libsecp256k1-dev libprotobuf-c-dev"

root=$cache/sysroot-$arch
mkdir -p "$cache"
exec 7>"$root.lock"
flock 7
key=$(echo "$packages" | sha256sum | cut -c1-12)
if [ ! -f "$root/.complete-$key" ]; then
    rm -rf "$root" "$root.debs"
    for p in $packages; do
        deb=$("$debapt" "$cache" download "$p:$arch" "$root.debs")
        dpkg -x "$deb" "$root"
        basename "$deb" >>"$root/packages.txt"
    done
    rm -rf "$root.debs"
    # Only the static archives are for linking: the .so links point into runtime packages that
    # are not unpacked, so that no test link of a configure script picks a shared library.
    find "$root" -name '*.so' -type l -delete
    touch "$root/.complete-$key"
fi
echo "$root"
