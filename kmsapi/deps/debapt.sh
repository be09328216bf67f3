#!/usr/bin/env bash
# debapt.sh — a private apt for the build tree: Debian source packages and foreign-architecture
# binary packages, fetched without touching the machine's own apt state or dpkg configuration.
#
#   debapt.sh CACHE source SRCPKG VERSION DEST   unpack Debian's source of SRCPKG (patches applied)
#   debapt.sh CACHE download PKG:ARCH DIR        download PKG for ARCH (same source version as the
#                                                installed native PKG) into DIR, print the .deb path
#
# The sources are those the machine's apt uses (deb822 files in /etc/apt/sources.list.d and the
# one-line /etc/apt/sources.list), turned into deb + deb-src entries for amd64 and arm64, checked
# with the keyrings they name (Signed-By) or the system's trusted keys. Lists and downloads live in
# CACHE/apt and are reused; a concurrent build waits on CACHE/apt.lock.
set -euo pipefail

cache=$1 cmd=$2
shift 2
root=$cache/apt
mkdir -p "$root"/{state/lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d,src}

# The machine's sources as deb822 stanzas with both types and both architectures.
write_sources() {
    local out=$root/etc/sources.list.d/debian.sources f
    : >"$out.new"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        sed -e 's/^Types:.*/Types: deb deb-src/' -e '/^Architectures:/d' \
            -e 's/^\(URIs:.*\)$/\1\nArchitectures: amd64 arm64/' "$f" >>"$out.new"
        echo >>"$out.new"
    done
    if [ -f /etc/apt/sources.list ]; then
        # one-line format: "deb [opts] URI suite comp…" becomes one stanza each
        grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list | while read -r _ rest; do
            local signed=""
            if [[ $rest == \[* ]]; then
                signed=$(sed -n 's/.*signed-by=\([^] ]*\).*/\1/p' <<<"${rest%%]*}")
                rest=${rest#*] }
            fi
            read -r uri suite comps <<<"$rest"
            printf 'Types: deb deb-src\nURIs: %s\nArchitectures: amd64 arm64\nSuites: %s\nComponents: %s\n' \
                "$uri" "$suite" "$comps"
            [ -n "$signed" ] && printf 'Signed-By: %s\n' "$signed"
            echo
        done >>"$out.new"
    fi
    grep -q '^Types:' "$out.new" || { echo "debapt: no Debian sources in /etc/apt" >&2; exit 1; }
    mv "$out.new" "$out"
}

cat >"$root/apt.conf" <<CONF
Dir::State "$root/state";
Dir::State::status "$root/state/status";
Dir::Cache "$root/cache";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$root/etc/sources.list.d";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$root/etc/preferences.d";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "amd64"; "arm64"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
touch "$root/state/status"
export APT_CONFIG=$root/apt.conf

exec 9>"$cache/apt.lock"
flock 9

update() {
    write_sources
    echo "debapt: apt-get update (private lists in $root)" >&2
    apt-get -q update >"$root/update.log" 2>&1 ||
        { cat "$root/update.log" >&2; echo "debapt: apt-get update failed" >&2; exit 1; }
}
[ -f "$root/state/lists/updated" ] || { update && touch "$root/state/lists/updated"; }

case $cmd in
source)
    pkg=$1 version=$2 dest=$3
    work=$root/src/$pkg-$version
    fetch() { (cd "$work" && apt-get -q source --download-only "$pkg=$1") >"$work/fetch.log" 2>&1; }
    if [ ! -f "$work/.unpacked" ]; then
        rm -rf "$work" && mkdir -p "$work"
        # The lists may predate a security update of the installed version: refresh them once.
        # The mirror keeps only the newest version of a suite: when the installed one is gone,
        # take the newest (what a fresh machine would install).
        if ! fetch "$version" && ! { update && fetch "$version"; }; then
            newest=$(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -1)
            [ -n "$newest" ] || { cat "$work/fetch.log" >&2; echo "debapt: no source package $pkg" >&2; exit 1; }
            echo "debapt: note: source $pkg $version (as installed) is gone from the mirror; using $newest" >&2
            fetch "$newest" || { cat "$work/fetch.log" >&2; exit 1; }
        fi
        # apt checked the .dsc's hashes against the signed Sources index; dpkg-source need not
        # look for the uploader's key (Debian's keyring package is not needed).
        (cd "$work" && dpkg-source --no-check -x ./*.dsc tree) >"$work/unpack.log" 2>&1 ||
            { cat "$work/unpack.log" >&2; exit 1; }
        touch "$work/.unpacked"
    fi
    rm -rf "$dest"
    mkdir -p "$(dirname "$dest")"
    cp -a "$work/tree" "$dest"
    ;;
download)
    spec=$1 dir=$2
    pkg=${spec%%:*} arch=${spec##*:}
    want=$(dpkg-query -W -f='${source:Version}' "$pkg" 2>/dev/null) ||
        { echo "debapt: $pkg is not installed natively (make deps)" >&2; exit 1; }
    # Binary versions may differ between architectures (binNMUs): pick the one built from the
    # installed native package's source version.
    ver=$(apt-cache madison "$pkg:$arch" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | while read -r v; do
        src=$(apt-cache show "$pkg:$arch=$v" | sed -n 's/^Source: .*(\(.*\))/\1/p; s/^Source: [^ ]*$/'"$v"'/p' | awk 'NR == 1')
        [ "${src:-$v}" = "$want" ] && { echo "$v"; break; }
    done || true)
    if [ -z "$ver" ]; then
        # The mirror keeps only the newest version of a suite: after a security update the
        # installed version is gone, and the newest one is what a fresh machine would install.
        ver=$(apt-cache madison "$pkg:$arch" | awk -F'|' 'NR == 1 {gsub(/ /,"",$2); print $2}')
        [ -n "$ver" ] || { echo "debapt: Debian's mirror has no $pkg:$arch" >&2; exit 1; }
        echo "debapt: note: $pkg:$arch $want (as installed natively) is gone from the mirror; using $ver" >&2
    fi
    mkdir -p "$dir"
    (cd "$dir" && apt-get -q download "$pkg:$arch=$ver") >"$dir/$pkg.log" 2>&1 ||
        { cat "$dir/$pkg.log" >&2; exit 1; }
    ls "$dir/${pkg}_"*"_$arch.deb"
    ;;
*)
    echo "usage: debapt.sh CACHE source SRCPKG VERSION DEST | download PKG:ARCH DIR" >&2
    exit 2
    ;;
esac
