#!/usr/bin/env bash
# rootfs.sh CACHE — prints the path of a minimal root filesystem of Debian 11 (bullseye: an older
# glibc than the build machine's Debian 12) made by `debootstrap --variant=minbase` from Debian's
# mirror, cached in CACHE (the build tree) so that only the first run downloads it. Nothing of the
# project is in it: the tests mount a writable layer over it and add terraform and the release zip.
# Needs root (debootstrap, chroot).
set -euo pipefail

cache=$1
suite=bullseye
mirror=http://deb.debian.org/debian
root=$cache/rootfs-$suite
command -v debootstrap >/dev/null || { echo "rootfs: debootstrap is missing (make deps)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "rootfs: needs root (debootstrap, chroot)" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$root.lock"
flock 9
if [ ! -f "$root/.complete" ]; then
    rm -rf "$root.new"
    echo "rootfs: debootstrap --variant=minbase $suite (once; cached in $root)" >&2
    debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$suite" "$root.new" "$mirror" >"$cache/debootstrap-$suite.log" 2>&1 ||
        { tail -20 "$cache/debootstrap-$suite.log" >&2; echo "rootfs: debootstrap failed" >&2; exit 1; }
    # Downloaded packages are not needed to run anything inside.
    rm -rf "$root.new/var/cache/apt/archives/"*.deb
    touch "$root.new/.complete"
    rm -rf "$root"
    mv "$root.new" "$root"
fi
echo "$root"
