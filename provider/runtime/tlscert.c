/* tlscert.c — the AutoMTLS server certificate (see tlscert.h): a P-256 key, the certificate's DER
 * assembled here field by field and signed with ECDSA-SHA256.
 * P-256 rather than go-plugin's P-521: Go accepts either, and P-256 keeps the handshake line fast.
 *
 * Why the low-level EC calls: the first use of OpenSSL 3's random generator instantiates its DRBG
 * through the provider machinery, ~1 ms — most of the whole start-up. The scalar, the ECDSA nonce
 * and the serial come from getrandom(2) instead (the kernel CSPRNG, as OpenSSL's own seed), and
 * ECDSA_do_sign_ex takes the nonce precomputed, so nothing here touches the DRBG. (Since then the
 * whole process draws OpenSSL's random bytes from getrandom: tlsrand.h.) */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY and ECDSA_do_sign_ex: see above */
#include "tlscert.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* A DER writer into a fixed buffer: the certificate is about 500 bytes. */
typedef struct {
    uint8_t b[1024];
    size_t n;
    int overflow;
} der;

static void put(der *d, const void *p, size_t n)
{
    if (n > sizeof d->b - d->n) {
        d->overflow = 1;
        return;
    }
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void put_len(der *d, size_t n)
{
    uint8_t l[3];
    if (n < 0x80) {
        l[0] = (uint8_t)n;
        put(d, l, 1);
    } else if (n < 0x100) {
        l[0] = 0x81, l[1] = (uint8_t)n;
        put(d, l, 2);
    } else {
        l[0] = 0x82, l[1] = (uint8_t)(n >> 8), l[2] = (uint8_t)n;
        put(d, l, 3);
    }
}

static void put_tlv(der *d, uint8_t tag, const void *content, size_t n)
{
    put(d, &tag, 1);
    put_len(d, n);
    put(d, content, n);
}

static void put_der(der *d, uint8_t tag, const der *inner)
{
    if (inner->overflow) d->overflow = 1;
    put_tlv(d, tag, inner->b, inner->n);
}

/* Object identifiers, already DER-encoded (tag 06, length, value). */
static const uint8_t OID_ECDSA_SHA256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                           0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t OID_EC_PUBKEY[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_O[] = {0x06, 0x03, 0x55, 0x04, 0x0a};
static const uint8_t OID_CN[] = {0x06, 0x03, 0x55, 0x04, 0x03};
static const uint8_t OID_KEY_USAGE[] = {0x06, 0x03, 0x55, 0x1d, 0x0f};
static const uint8_t OID_EXT_KEY_USAGE[] = {0x06, 0x03, 0x55, 0x1d, 0x25};
static const uint8_t OID_BASIC_CONSTRAINTS[] = {0x06, 0x03, 0x55, 0x1d, 0x13};
static const uint8_t OID_SAN[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
static const uint8_t OID_CLIENT_AUTH[] = {0x06, 0x08, 0x2b, 0x06, 0x01,
                                          0x05, 0x05, 0x07, 0x03, 0x02};
static const uint8_t OID_SERVER_AUTH[] = {0x06, 0x08, 0x2b, 0x06, 0x01,
                                          0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t BOOL_TRUE[] = {0x01, 0x01, 0xff};

static void put_sig_alg(der *d)
{
    put_tlv(d, 0x30, OID_ECDSA_SHA256, sizeof OID_ECDSA_SHA256);
}

/* Name: O=HashiCorp, CN=localhost (go-plugin's subject, also the issuer: self-signed). */
static void put_name(der *d)
{
    der name = {0};
    const uint8_t *oids[2] = {OID_O, OID_CN};
    const char *vals[2] = {"HashiCorp", "localhost"};
    for (int i = 0; i < 2; i++) {
        der atv = {0}, set = {0};
        put(&atv, oids[i], 5);
        put_tlv(&atv, 0x13, vals[i], strlen(vals[i])); /* PrintableString, as Go writes it */
        put_der(&set, 0x30, &atv);
        put_der(&name, 0x31, &set);
    }
    put_der(d, 0x30, &name);
}

/* RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
static void put_time(der *d, time_t t)
{
    struct tm tm;
    char s[64]; /* room for any int the compiler imagines; the fields are two digits each */
    gmtime_r(&t, &tm);
    int year = tm.tm_year + 1900;
    if (year < 2050) {
        snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        put_tlv(d, 0x17, s, 13);
    } else {
        snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02dZ", year % 10000, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        put_tlv(d, 0x18, s, 15);
    }
}

static void put_ext(der *exts, const uint8_t *oid, size_t oid_len, int critical, const der *value)
{
    der ext = {0};
    put(&ext, oid, oid_len);
    if (critical) put(&ext, BOOL_TRUE, sizeof BOOL_TRUE);
    put_der(&ext, 0x04, value);
    put_der(exts, 0x30, &ext);
}

static void put_extensions(der *d)
{
    der exts = {0}, v = {0};
    /* digitalSignature | keyEncipherment | keyAgreement | keyCertSign: bits 0,2,4,5 → 0xac, 2 unused */
    static const uint8_t ku[] = {0x03, 0x02, 0x02, 0xac};
    put(&v, ku, sizeof ku);
    put_ext(&exts, OID_KEY_USAGE, sizeof OID_KEY_USAGE, 1, &v);

    der eku = {0};
    put(&eku, OID_CLIENT_AUTH, sizeof OID_CLIENT_AUTH);
    put(&eku, OID_SERVER_AUTH, sizeof OID_SERVER_AUTH);
    v.n = 0;
    put_der(&v, 0x30, &eku);
    put_ext(&exts, OID_EXT_KEY_USAGE, sizeof OID_EXT_KEY_USAGE, 0, &v);

    v.n = 0;
    put_tlv(&v, 0x30, BOOL_TRUE, sizeof BOOL_TRUE); /* cA TRUE */
    put_ext(&exts, OID_BASIC_CONSTRAINTS, sizeof OID_BASIC_CONSTRAINTS, 1, &v);

    /* Go checks the host name against the SAN only, so DNS:localhost is mandatory. */
    der names = {0};
    put_tlv(&names, 0x82, "localhost", 9);
    v.n = 0;
    put_der(&v, 0x30, &names);
    put_ext(&exts, OID_SAN, sizeof OID_SAN, 0, &v);

    der wrapped = {0};
    put_der(&wrapped, 0x30, &exts);
    put_der(d, 0xa3, &wrapped); /* [3] EXPLICIT */
}

/* getrandom(2) in full: it may return short only for requests over 256 bytes, or on a signal. */
static int fill_random(void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = getrandom(b, n, 0);
        if (r < 0) return -1;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

/* A uniform scalar in [1, n-1] by rejection (P-256's order is just below 2^256). */
static BIGNUM *random_scalar(const BIGNUM *order)
{
    uint8_t b[32];
    for (int tries = 0; tries < 64; tries++) {
        if (fill_random(b, sizeof b) != 0) break;
        BIGNUM *x = BN_secure_new();
        if (!x || !BN_bin2bn(b, sizeof b, x)) {
            BN_free(x);
            break;
        }
        BN_set_flags(x, BN_FLG_CONSTTIME);
        if (!BN_is_zero(x) && BN_cmp(x, order) < 0) {
            sodium_memzero(b, sizeof b);
            return x;
        }
        BN_clear_free(x);
    }
    sodium_memzero(b, sizeof b);
    return NULL;
}

/* A fresh key pair; the uncompressed public point (04 ‖ X ‖ Y) goes to point. */
static EC_KEY *generate_key(uint8_t point[65])
{
    EC_KEY *k = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    if (!k) return NULL;
    const EC_GROUP *g = EC_KEY_get0_group(k);
    BIGNUM *d = random_scalar(EC_GROUP_get0_order(g));
    EC_POINT *pub = EC_POINT_new(g);
    int ok = d && pub && EC_POINT_mul(g, pub, d, NULL, NULL, NULL) &&
             EC_KEY_set_private_key(k, d) && EC_KEY_set_public_key(k, pub) &&
             EC_POINT_point2oct(g, pub, POINT_CONVERSION_UNCOMPRESSED, point, 65, NULL) == 65;
    BN_clear_free(d);
    EC_POINT_free(pub);
    if (!ok) {
        EC_KEY_free(k);
        return NULL;
    }
    return k;
}

static void put_spki(der *d, const uint8_t point[65])
{
    der alg = {0}, spki = {0}, bits = {0};
    put(&alg, OID_EC_PUBKEY, sizeof OID_EC_PUBKEY);
    put(&alg, OID_P256, sizeof OID_P256);
    put_der(&spki, 0x30, &alg);
    put(&bits, "", 1); /* no unused bits */
    put(&bits, point, 65);
    put_der(&spki, 0x03, &bits);
    put_der(d, 0x30, &spki);
}

static int put_tbs(der *d, const uint8_t point[65])
{
    der tbs = {0};
    static const uint8_t version_v3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
    put(&tbs, version_v3, sizeof version_v3);
    uint8_t serial[16];
    if (fill_random(serial, sizeof serial) != 0) return -1;
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40); /* positive, minimal DER, < 2^128 */
    put_tlv(&tbs, 0x02, serial, sizeof serial);
    put_sig_alg(&tbs);
    put_name(&tbs);
    der validity = {0};
    time_t now = time(NULL);
    put_time(&validity, now - 30);              /* go-plugin's clock-skew allowance */
    put_time(&validity, now + 262980L * 3600L); /* and its lifetime */
    put_der(&tbs, 0x30, &validity);
    put_name(&tbs);
    put_spki(&tbs, point);
    put_extensions(&tbs);
    put_der(d, 0x30, &tbs);
    return d->overflow ? -1 : 0;
}

/* ECDSA-SHA256 over the TBS with a nonce from getrandom: r = (k·G).x mod n, given with k⁻¹. */
static int sign(EC_KEY *key, const der *tbs, uint8_t *sig, size_t *sig_len)
{
    const EC_GROUP *g = EC_KEY_get0_group(key);
    const BIGNUM *order = EC_GROUP_get0_order(g);
    uint8_t digest[32];
    crypto_hash_sha256(digest, tbs->b, tbs->n);
    BN_CTX *ctx = BN_CTX_secure_new();
    BIGNUM *k = random_scalar(order);
    EC_POINT *R = EC_POINT_new(g);
    BIGNUM *x = BN_new(), *r = BN_new(), *kinv = BN_secure_new();
    ECDSA_SIG *s = NULL;
    int rc = -1;
    if (ctx && k && R && x && r && kinv && EC_POINT_mul(g, R, k, NULL, NULL, ctx) &&
        EC_POINT_get_affine_coordinates(g, R, x, NULL, ctx) && BN_nnmod(r, x, order, ctx) &&
        !BN_is_zero(r) && BN_mod_inverse(kinv, k, order, ctx) &&
        (s = ECDSA_do_sign_ex(digest, sizeof digest, kinv, r, key)) != NULL) {
        unsigned char *p = sig;
        int n = i2d_ECDSA_SIG(s, NULL);
        if (n > 0 && (size_t)n <= *sig_len && i2d_ECDSA_SIG(s, &p) == n) {
            *sig_len = (size_t)n;
            rc = 0;
        }
    }
    ECDSA_SIG_free(s);
    BN_clear_free(k);
    BN_clear_free(kinv);
    BN_free(x);
    BN_free(r);
    EC_POINT_free(R);
    BN_CTX_free(ctx);
    return rc;
}

/* go's base64.RawStdEncoding: the go-plugin client rejects '=' as an illegal byte. */
static char *base64_nopad(const uint8_t *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out) return NULL;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = abc[(v >> 6) & 63],
        *o++ = abc[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = abc[v >> 18], *o++ = abc[(v >> 12) & 63], *o++ = abc[(v >> 6) & 63];
    }
    *o = 0;
    return out;
}

int tls_cert_generate(tls_cert *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    der tbs = {0}, cert = {0}, sigbits = {0}, whole = {0};
    uint8_t point[65], sig[80]; /* DER ECDSA-Sig-Value for P-256: at most 72 bytes */
    size_t sig_len = sizeof sig;
    EC_KEY *ec = generate_key(point);
    if (!ec || put_tbs(&tbs, point) != 0 || sign(ec, &tbs, sig, &sig_len) != 0) goto fail;
    put(&cert, tbs.b, tbs.n);
    put_sig_alg(&cert);
    put(&sigbits, "", 1);
    put(&sigbits, sig, sig_len);
    put_der(&cert, 0x03, &sigbits);
    put_der(&whole, 0x30, &cert);
    if (whole.overflow) goto fail;
    out->key = EVP_PKEY_new();
    if (!out->key || !EVP_PKEY_assign_EC_KEY(out->key, ec)) goto fail;
    ec = NULL; /* owned by out->key now */
    out->der = malloc(whole.n);
    out->b64der = base64_nopad(whole.b, whole.n);
    if (!out->der || !out->b64der) goto fail;
    memcpy(out->der, whole.b, whole.n);
    out->der_len = whole.n;
    return 0;
fail:;
    unsigned long e = ERR_get_error();
    snprintf(err, errlen, "cannot create the TLS server certificate: %s",
             e ? ERR_reason_error_string(e) : "internal error");
    EC_KEY_free(ec);
    tls_cert_free(out);
    return -1;
}

void tls_cert_free(tls_cert *c)
{
    EVP_PKEY_free(c->key);
    free(c->der);
    free(c->b64der);
    memset(c, 0, sizeof *c);
}
