#!/usr/bin/env bash
# build-cjson.sh PREFIX — cJSON as a static archive from Debian's cjson source package (the version
# of the installed libcjson-dev, Debian's patches applied): Debian ships only the shared library.
# kmsapi uses cJSON.c alone (not cJSON_Utils), so that one file is compiled, with Debian's build
# flags (dpkg-buildflags, hardening=+all as debian/rules sets). Unlike Debian's CMake build it is
# compiled without ENABLE_LOCALES: the decimal point of numbers is always '.', whatever the locale
# (the provider never calls setlocale, so Debian's build behaves the same in it).
# Installs PREFIX/lib/libcjson.a and PREFIX/include/cjson/cJSON.h.
#
# Environment: CC, DEPS_HOST, DEPS_CACHE as for build-curl.sh.
set -euo pipefail

prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
: "${CC:?}" "${DEPS_HOST:?}" "${DEPS_CACHE:?}"
version=$(dpkg-query -W -f='${source:Version}' libcjson-dev) ||
    { echo "build-cjson: libcjson-dev is not installed (make deps)" >&2; exit 1; }

# One build per PREFIX, even when two build trees sharing the cache ask at once.
mkdir -p "$(dirname "$prefix")"
exec 8>"$prefix.lock"
flock 8
[ -f "$prefix/lib/libcjson.a" ] && exit 0
work=$prefix.work out=$prefix.work/out
rm -rf "$work" "$prefix"
"$here/debapt.sh" "$DEPS_CACHE" source cjson "$version" "$work/src"
cd "$work/src"
# dpkg-buildflags maps the current directory away (-ffile-prefix-map=$PWD=.): no build path inside.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
# shellcheck disable=SC2046 # word splitting of the flag lists is meant
"$CC" -std=c89 $(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS) \
    -ffunction-sections -fdata-sections -c cJSON.c -o cJSON.o
mkdir -p "$out/lib" "$out/include/cjson"
"${AR:-ar}" rcD "$out/lib/libcjson.a" cJSON.o
cp cJSON.h "$out/include/cjson/"
mv "$out" "$prefix"
rm -rf "$work"
