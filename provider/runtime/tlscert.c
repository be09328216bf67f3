/* tlscert.c — the AutoMTLS server certificate (see tlscert.h), written as DER field by field.
 * Nothing here touches OpenSSL until an OpenSSL context asks for it (tls_cert_openssl): the
 * certificate is on the path to the handshake line, and OpenSSL 3's first key or X509 operation
 * sets up its provider machinery (milliseconds on a small VM). */
#include "tlscert.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "utctime.h"

/* A DER writer into a fixed buffer: each TLV's content is written first, into scratch, then
 * wrapped. Lengths here stay below 64 KiB. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
    int bad;
} der;

static void put(der *d, const void *b, size_t n)
{
    if (d->bad || n > d->cap - d->len) {
        d->bad = 1;
        return;
    }
    memcpy(d->p + d->len, b, n);
    d->len += n;
}

static void tlv(der *d, uint8_t tag, const uint8_t *content, size_t n)
{
    uint8_t h[4] = {tag};
    size_t hl;
    if (n < 0x80)
        h[1] = (uint8_t)n, hl = 2;
    else if (n < 0x100)
        h[1] = 0x81, h[2] = (uint8_t)n, hl = 3;
    else
        h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
    put(d, h, hl);
    put(d, content, n);
}

/* Ed25519's AlgorithmIdentifier (RFC 8410: OID 1.3.101.112, no parameters). */
static const uint8_t ALG_ED25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

/* O=HashiCorp, CN=localhost as PrintableStrings: go-plugin's subject, also the issuer. */
static const uint8_t NAME[] = {0x30, 0x28, 0x31, 0x12, 0x30, 0x10, 0x06, 0x03, 0x55, 0x04, 0x0a,
                               0x13, 0x09, 'H',  'a',  's',  'h',  'i',  'C',  'o',  'r',  'p',
                               0x31, 0x12, 0x30, 0x10, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x09,
                               'l',  'o',  'c',  'a',  'l',  'h',  'o',  's',  't'};

/* The extensions, [3] EXPLICIT: key usage digitalSignature | keyCertSign (critical; RFC 8410
 * allows no encipherment or agreement bits for an Ed25519 key), client and server auth, CA
 * (critical), DNS:localhost — Go checks the host name against the SAN only. */
static const uint8_t EXTENSIONS[] = {
    0xa3, 0x58, 0x30, 0x56,
    /* keyUsage */
    0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff, 0x04, 0x04, 0x03, 0x02, 0x02, 0x84,
    /* extKeyUsage: clientAuth, serverAuth */
    0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x25, 0x04, 0x16, 0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01,
    0x05, 0x05, 0x07, 0x03, 0x02, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
    /* basicConstraints: CA */
    0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01,
    0xff,
    /* subjectAltName: DNS localhost */
    0x30, 0x14, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x0d, 0x30, 0x0b, 0x82, 0x09, 'l', 'o', 'c',
    'a', 'l', 'h', 'o', 's', 't'};

/* UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
static void put_time(der *d, time_t t)
{
    struct tm tm;
    char s[64];
    utc_fields(t, &tm);
    int year = tm.tm_year + 1900;
    if (year < 2050)
        snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    tlv(d, year < 2050 ? 0x17 : 0x18, (const uint8_t *)s, strlen(s));
}

/* go's base64.RawStdEncoding: the go-plugin client rejects '=' as an illegal byte. */
static void base64_nopad(const uint8_t *p, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *out++ = abc[v >> 18], *out++ = abc[(v >> 12) & 63], *out++ = abc[(v >> 6) & 63],
        *out++ = abc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *out++ = abc[v >> 18], *out++ = abc[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *out++ = abc[v >> 18], *out++ = abc[(v >> 12) & 63], *out++ = abc[(v >> 6) & 63];
    }
    *out = 0;
}

int tls_cert_generate(tls_cert *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], serial[16], sig[crypto_sign_BYTES];
    uint8_t body[TLS_CERT_DER_MAX], tbs_b[TLS_CERT_DER_MAX], cert_b[TLS_CERT_DER_MAX];
    uint8_t validity_b[40], spki_b[48];
    /* libsodium's generator is the kernel's (getrandom), as the serial's */
    if (sodium_init() < 0 || crypto_sign_keypair(pk, out->sk) != 0 ||
        getrandom(serial, sizeof serial, 0) != (ssize_t)sizeof serial) {
        snprintf(err, errlen, "cannot create the TLS server certificate: no random source");
        tls_cert_free(out);
        return -1;
    }
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40); /* positive, minimal DER, < 2^127 */
    time_t now = time(NULL);

    der validity = {validity_b, 0, sizeof validity_b, 0};
    put_time(&validity, now - 30);              /* go-plugin's clock-skew allowance */
    put_time(&validity, now + 262980L * 3600L); /* go-plugin's lifetime, ~30 years */
    der spki = {spki_b, 0, sizeof spki_b, 0};
    uint8_t key_bits[1 + sizeof pk] = {0}; /* no unused bits */
    memcpy(key_bits + 1, pk, sizeof pk);
    put(&spki, ALG_ED25519, sizeof ALG_ED25519);
    tlv(&spki, 0x03, key_bits, sizeof key_bits);

    der b = {body, 0, sizeof body, 0};
    static const uint8_t V3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
    put(&b, V3, sizeof V3);
    tlv(&b, 0x02, serial, sizeof serial);
    put(&b, ALG_ED25519, sizeof ALG_ED25519);
    put(&b, NAME, sizeof NAME);
    tlv(&b, 0x30, validity.p, validity.len);
    put(&b, NAME, sizeof NAME);
    tlv(&b, 0x30, spki.p, spki.len);
    put(&b, EXTENSIONS, sizeof EXTENSIONS);
    der tbs = {tbs_b, 0, sizeof tbs_b, 0};
    tlv(&tbs, 0x30, b.p, b.len);

    int ok = !validity.bad && !spki.bad && !b.bad && !tbs.bad &&
             crypto_sign_detached(sig, NULL, tbs.p, tbs.len, out->sk) == 0;
    der c = {cert_b, 0, sizeof cert_b, 0};
    uint8_t sig_bits[1 + sizeof sig] = {0};
    memcpy(sig_bits + 1, sig, sizeof sig);
    put(&c, tbs.p, tbs.len);
    put(&c, ALG_ED25519, sizeof ALG_ED25519);
    tlv(&c, 0x03, sig_bits, sizeof sig_bits);
    der whole = {out->der, 0, sizeof out->der, 0};
    tlv(&whole, 0x30, c.p, c.len);
    if (!ok || c.bad || whole.bad) {
        snprintf(err, errlen, "cannot create the TLS server certificate: internal error");
        tls_cert_free(out);
        return -1;
    }
    out->der_len = whole.len;
    base64_nopad(out->der, out->der_len, out->b64der);
    return 0;
}

int tls_cert_openssl(const tls_cert *c, OSSL_LIB_CTX *libctx, X509 **x509, EVP_PKEY **key)
{
    const unsigned char *p = c->der;
    *x509 = X509_new_ex(libctx, NULL);
    /* OpenSSL's Ed25519 private key is the seed, the first half of libsodium's; given the public
     * half too (the second), OpenSSL does not recompute it (~2M instructions in 3.0) */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, (void *)c->sk, 32),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(c->sk + 32), 32),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(libctx, "ED25519", NULL);
    *key = NULL;
    if (!kc || EVP_PKEY_fromdata_init(kc) != 1 ||
        EVP_PKEY_fromdata(kc, key, EVP_PKEY_KEYPAIR, params) != 1)
        *key = NULL;
    EVP_PKEY_CTX_free(kc);
    if (*x509 && *key && d2i_X509(x509, &p, (long)c->der_len) && p == c->der + c->der_len) return 0;
    X509_free(*x509);
    EVP_PKEY_free(*key);
    *x509 = NULL;
    *key = NULL;
    return -1;
}

void tls_cert_free(tls_cert *c)
{
    sodium_memzero(c->sk, sizeof c->sk);
}
