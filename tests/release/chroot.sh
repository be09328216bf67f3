# shellcheck shell=bash
# chroot.sh — sourced by the release tests that run inside an older Debian (after lib.sh and
# rel_work). The test script re-executes itself in a private mount namespace first
# (rel_private_mounts), so every mount below exists only for it and vanishes with it even if it is
# killed; rel_cleanup also unmounts them explicitly on every exit path.
#
# rel_chroot_up makes $ROOT: a writable overlay over the cached debootstrap root (the cache is
# never written), with
#   /proc          a fresh procfs (terraform and the provider read /proc/self)
#   /dev/{null,zero,random,urandom}  the host's nodes bound over debootstrap's static ones
#   /tmp           the overlay's own, mode 1777: plugin sockets and terraform's temp files
#   /etc/hosts     localhost on 127.0.0.1 and ::1, nothing else
#   /etc/resolv.conf  a name server on loopback that does not exist: nothing in the test may need
#                  outside name resolution, and a stray lookup fails fast instead of leaving the host
#   /usr/local/bin/terraform  the machine's terraform (a static Go binary)
# and /work (the test's files, as WORK/root-work on the host side).

rel_private_mounts() { # rel_private_mounts "$0" "$@" — call before anything else
    [ -n "${REL_PRIVATE_MOUNTS:-}" ] && return 0
    [ "$(id -u)" = 0 ] || rel_fail "needs root: chroot and mounts (CI runs as root)"
    command -v unshare >/dev/null || rel_fail "unshare is missing (make deps: util-linux)"
    exec env REL_PRIVATE_MOUNTS=1 unshare --mount --propagation private -- bash "$@"
}

REL_MOUNTS=()
rel_mount() { # rel_mount TARGET MOUNT-ARGS… — mounts and remembers TARGET for rel_chroot_down
    mount "${@:2}" "$1" || rel_fail "mount $* failed"
    REL_MOUNTS+=("$1")
}

rel_chroot_down() {
    local i rc=0
    for ((i = ${#REL_MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${REL_MOUNTS[i]}" || { echo "cannot unmount ${REL_MOUNTS[i]}" >&2; rc=1; }
    done
    REL_MOUNTS=()
    return $rc
}

rel_chroot_up() {
    rel_need chroot mount umount terraform
    [ -n "${REL_PRIVATE_MOUNTS:-}" ] || rel_fail "rel_chroot_up outside rel_private_mounts"
    local base
    base=$(bash "$REPO_ROOT/tests/release/rootfs.sh" "${ROOTFS_CACHE:?}") || rel_fail "no root filesystem"
    grep -qx '11\..*' "$base/etc/debian_version" || rel_fail "cached root is not Debian 11"
    ROOT=$WORK/root
    mkdir -p "$ROOT" "$WORK/upper" "$WORK/overlay-work"
    REL_UNMOUNT=rel_chroot_down
    rel_mount "$ROOT" -t overlay overlay \
        -o "lowerdir=$base,upperdir=$WORK/upper,workdir=$WORK/overlay-work"
    rel_mount "$ROOT/proc" -t proc proc
    local d
    for d in null zero random urandom; do
        rel_mount "$ROOT/dev/$d" --bind "/dev/$d"
    done
    rm -rf "$ROOT/tmp" && mkdir -m 1777 "$ROOT/tmp"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
    printf 'nameserver 127.0.0.53\n' >"$ROOT/etc/resolv.conf"
    install -m 0755 "$(command -v terraform)" "$ROOT/usr/local/bin/terraform"
    mkdir -p "$ROOT/work/home"
}

# rel_in_root [VAR=VALUE…] CMD… — CMD inside the root with a clean environment.
rel_in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/work/home PATH=/usr/local/bin:/usr/bin:/bin \
        CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_CLI_CONFIG_FILE=/work/cli.tfrc "$@"
}
