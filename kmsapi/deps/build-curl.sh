#!/usr/bin/env bash
# build-curl.sh PREFIX — libcurl as a static archive from Debian's curl source package (the version
# of the installed libcurl4-openssl-dev, Debian's patches applied), with only what kmsapi uses:
# HTTP/1.1 and HTTP/2 (nghttp2) over OpenSSL, proxies, c-ares as resolver (no NSS, no getaddrinfo),
# dates (Retry-After). Everything else is off, in particular every feature that would need a
# library Debian ships no static archive for (gssapi, ldap, rtmp, ssh, psl, idn) and every file
# read from the build machine at run time (netrc, cookies, CA bundle/path: kmsapi finds the CA
# certificates itself, see kmsapi/src/net/ca_certs.c). One patch of ours, curl-lazy-resolver.patch:
# c-ares channels made on first need. Installs PREFIX/lib/libcurl.a and
# PREFIX/include/curl/*.h.
#
# Environment: CC (the target compiler), DEPS_HOST (GNU triplet of the target), DEPS_CACHE (the
# build tree's download and source cache), DEPS_SYSROOT (optional: extracted -dev packages of a
# foreign architecture, see provider/release/sysroot.sh).
set -euo pipefail

prefix=$1
here=$(cd "$(dirname "$0")" && pwd)
: "${CC:?}" "${DEPS_HOST:?}" "${DEPS_CACHE:?}"
version=$(dpkg-query -W -f='${source:Version}' libcurl4-openssl-dev) ||
    { echo "build-curl: libcurl4-openssl-dev is not installed (make deps)" >&2; exit 1; }

# One build per PREFIX, even when two build trees sharing the cache ask at once.
mkdir -p "$(dirname "$prefix")"
exec 8>"$prefix.lock"
flock 8
[ -f "$prefix/lib/libcurl.a" ] && exit 0
work=$prefix.work out=$prefix.work/out
rm -rf "$work" "$prefix"
"$here/debapt.sh" "$DEPS_CACHE" source curl "$version" "$work/src"
cd "$work/src"
# debian/rules builds the OpenSSL flavour from the tree without its last two patches (the GnuTLS
# and NSS flavours' library renames): undo them the same way ("quilt pop" twice).
for p in 99_nss.patch 90_gnutls.patch; do
    patch -s -R -p1 <"debian/patches/$p"
done
# Ours: a handle's c-ares channel is made on first need, not with every handle (see the patch).
patch -s -p1 <"$here/curl-lazy-resolver.patch"

# Debian's build flags (dpkg-buildflags: hardening, and -ffile-prefix-map=$PWD=. so that no build
# path reaches the objects); sections per function so that the provider's link drops what is unused.
flags="$(dpkg-buildflags --get CFLAGS) -ffunction-sections -fdata-sections"
cppflags=$(dpkg-buildflags --get CPPFLAGS) ldflags="" pkgconfig=()
if [ -n "${DEPS_SYSROOT:-}" ]; then
    cppflags="$cppflags -isystem $DEPS_SYSROOT/usr/include/$DEPS_HOST -isystem $DEPS_SYSROOT/usr/include"
    ldflags="-L$DEPS_SYSROOT/usr/lib/$DEPS_HOST"
    pkgconfig=(PKG_CONFIG_LIBDIR="$DEPS_SYSROOT/usr/lib/$DEPS_HOST/pkgconfig"
               PKG_CONFIG_SYSROOT_DIR="$DEPS_SYSROOT")
fi

env "${pkgconfig[@]}" ./configure -q --host="$DEPS_HOST" --prefix="$prefix" \
    CC="$CC" CFLAGS="$flags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" LIBS="-ldl -pthread" \
    --disable-shared --enable-static --disable-dependency-tracking --disable-silent-rules \
    --with-openssl --disable-openssl-auto-load-config --with-nghttp2 --enable-ares \
    --without-ca-bundle --without-ca-path --without-ca-fallback \
    --enable-http --enable-proxy --enable-ipv6 --enable-dateparse \
    --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
    --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
    --disable-gopher --disable-mqtt --disable-websockets --disable-manual --disable-libcurl-option \
    --disable-netrc --disable-cookies --disable-hsts --disable-alt-svc --disable-doh --disable-mime \
    --disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-unix-sockets \
    --disable-crypto-auth --disable-kerberos-auth --disable-negotiate-auth --disable-sspi \
    --disable-get-easy-options --disable-headers-api --disable-progress-meter --disable-versioned-symbols \
    --without-zlib --without-brotli --without-zstd --without-libpsl --without-libidn2 \
    --without-librtmp --without-libssh --without-libssh2 --without-wolfssh --without-gssapi \
    --without-libgsasl --without-hyper --without-ngtcp2 --without-nghttp3 --without-quiche \
    --without-msh3 --without-zsh-functions-dir --without-fish-functions-dir \
    >"$work/configure.log" 2>&1 || { tail -40 "$work/configure.log" >&2; exit 1; }

make -s -C lib -j"$(nproc)" libcurl.la >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
mkdir -p "$out/lib" "$out/include/curl"
cp lib/.libs/libcurl.a "$out/lib/"
cp include/curl/*.h "$out/include/curl/"
grep -E '^(#define (USE_|CURL_DISABLE_|HAVE_GETADDRINFO|CURLRES_))' lib/curl_config.h >"$out/features.txt"
mv "$out" "$prefix"
rm -rf "$work"
