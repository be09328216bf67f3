/* tlscert.c — the AutoMTLS server certificate (see tlscert.h): a P-256 key, the certificate built
 * field by field with OpenSSL's setters and signed here with ECDSA-SHA256.
 * P-256 rather than go-plugin's P-521: Go accepts either, and P-256 keeps the handshake line fast.
 * Built, not written as DER and parsed: parsing a certificate decodes its key through OpenSSL 3's
 * decoder set-up, ~10% of a provider life; the TLS context takes this X509 as it is.
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
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "tlserr.h"

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

/* A fresh key pair. */
static EC_KEY *generate_key(void)
{
    EC_KEY *k = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    if (!k) return NULL;
    const EC_GROUP *g = EC_KEY_get0_group(k);
    BIGNUM *d = random_scalar(EC_GROUP_get0_order(g));
    EC_POINT *pub = EC_POINT_new(g);
    int ok = d && pub && EC_POINT_mul(g, pub, d, NULL, NULL, NULL) &&
             EC_KEY_set_private_key(k, d) && EC_KEY_set_public_key(k, pub);
    BN_clear_free(d);
    EC_POINT_free(pub);
    if (!ok) {
        EC_KEY_free(k);
        return NULL;
    }
    return k;
}

static int add_ext(X509 *x, int nid, int critical, void *value)
{
    return X509_add1_ext_i2d(x, nid, value, critical, X509V3_ADD_DEFAULT) == 1;
}

/* go-plugin's extensions: key usage digitalSignature | keyEncipherment | keyAgreement |
 * keyCertSign (critical), client and server auth, CA (critical), and DNS:localhost — Go checks the
 * host name against the SAN only. */
static int add_extensions(X509 *x)
{
    ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
    EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    GENERAL_NAMES *san = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *dns = GENERAL_NAME_new();
    ASN1_IA5STRING *host = ASN1_IA5STRING_new();
    int ok = ku && eku && bc && san && dns && host && ASN1_BIT_STRING_set_bit(ku, 0, 1) &&
             ASN1_BIT_STRING_set_bit(ku, 2, 1) && ASN1_BIT_STRING_set_bit(ku, 4, 1) &&
             ASN1_BIT_STRING_set_bit(ku, 5, 1) &&
             sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)) > 0 &&
             sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) > 0 &&
             ASN1_STRING_set(host, "localhost", 9);
    if (ok) {
        bc->ca = 0xff;
        GENERAL_NAME_set0_value(dns, GEN_DNS, host);
        host = NULL;
        ok = sk_GENERAL_NAME_push(san, dns) > 0;
        if (ok) dns = NULL;
    }
    ok = ok && add_ext(x, NID_key_usage, 1, ku) && add_ext(x, NID_ext_key_usage, 0, eku) &&
         add_ext(x, NID_basic_constraints, 1, bc) && add_ext(x, NID_subject_alt_name, 0, san);
    ASN1_BIT_STRING_free(ku);
    sk_ASN1_OBJECT_free(eku); /* the objects are OpenSSL's static ones */
    BASIC_CONSTRAINTS_free(bc);
    GENERAL_NAMES_free(san);
    GENERAL_NAME_free(dns);
    ASN1_IA5STRING_free(host);
    return ok;
}

/* The certificate's fields, key included, through OpenSSL's setters: no parse, no key decoding.
 * Name O=HashiCorp, CN=localhost (go-plugin's subject, also the issuer: self-signed), as
 * PrintableString as Go writes it; validity from 30 s ago (go-plugin's clock-skew allowance) for
 * go-plugin's lifetime; ASN1_TIME_set uses UTCTime through 2049 and GeneralizedTime from 2050. */
static X509 *make_tbs(EVP_PKEY *key)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t serial[16];
    BIGNUM *sn = NULL;
    if (!x || !name || fill_random(serial, sizeof serial) != 0) goto fail;
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40); /* positive, minimal DER, < 2^128 */
    time_t now = time(NULL);
    if (!(sn = BN_bin2bn(serial, sizeof serial, NULL)) ||
        !BN_to_ASN1_INTEGER(sn, X509_get_serialNumber(x)) || !X509_set_version(x, X509_VERSION_3) ||
        !X509_NAME_add_entry_by_NID(name, NID_organizationName, V_ASN1_PRINTABLESTRING,
                                    (const unsigned char *)"HashiCorp", -1, -1, 0) ||
        !X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_PRINTABLESTRING,
                                    (const unsigned char *)"localhost", -1, -1, 0) ||
        !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
        !ASN1_TIME_set(X509_getm_notBefore(x), now - 30) ||
        !ASN1_TIME_set(X509_getm_notAfter(x), now + 262980L * 3600L) || !X509_set_pubkey(x, key) ||
        !add_extensions(x))
        goto fail;
    BN_free(sn);
    X509_NAME_free(name);
    return x;
fail:
    BN_free(sn);
    X509_NAME_free(name);
    X509_free(x);
    return NULL;
}

/* What X509_sign does around its own signature, for ours: ECDSA-SHA256 in both algorithm fields
 * (before the TBS is encoded: it holds one of them), then the signature value. OpenSSL 3.0 has no
 * setters for these fields; they are the certificate's own objects, handed out const for reading. */
static int set_algorithms(X509 *x)
{
    const ASN1_BIT_STRING *psig;
    const X509_ALGOR *palg;
    X509_get0_signature(&psig, &palg, x);
    return X509_ALGOR_set0((X509_ALGOR *)palg, OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF,
                           NULL) &&
           X509_ALGOR_set0((X509_ALGOR *)X509_get0_tbs_sigalg(x),
                           OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, NULL);
}

static int attach_signature(X509 *x, const uint8_t *sig, size_t sig_len)
{
    const ASN1_BIT_STRING *psig;
    const X509_ALGOR *palg;
    X509_get0_signature(&psig, &palg, x);
    ASN1_BIT_STRING *bits = (ASN1_BIT_STRING *)psig;
    if (!ASN1_BIT_STRING_set(bits, (unsigned char *)sig, (int)sig_len)) return 0;
    bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07); /* no unused bits */
    bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    return 1;
}

/* ECDSA-SHA256 over the TBS with a nonce from getrandom: r = (k·G).x mod n, given with k⁻¹. */
static int sign(EC_KEY *key, const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t *sig_len)
{
    const EC_GROUP *g = EC_KEY_get0_group(key);
    const BIGNUM *order = EC_GROUP_get0_order(g);
    uint8_t digest[32];
    crypto_hash_sha256(digest, tbs, tbs_len);
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
    uint8_t sig[80]; /* DER ECDSA-Sig-Value for P-256: at most 72 bytes */
    size_t sig_len = sizeof sig;
    unsigned char *tbs = NULL, *der = NULL;
    EC_KEY *ec = generate_key(), *signer = ec;
    if (!ec || !(out->key = EVP_PKEY_new()) || !EVP_PKEY_assign_EC_KEY(out->key, ec)) goto fail;
    ec = NULL; /* owned by out->key now; signer still points at it */
    /* the TBS as OpenSSL encodes it, so that the certificate it sends is the one we signed */
    int tbs_len;
    if (!(out->x509 = make_tbs(out->key)) || !set_algorithms(out->x509) ||
        (tbs_len = i2d_re_X509_tbs(out->x509, &tbs)) <= 0 ||
        sign(signer, tbs, (size_t)tbs_len, sig, &sig_len) != 0 ||
        !attach_signature(out->x509, sig, sig_len))
        goto fail;
    int der_len = i2d_X509(out->x509, &der);
    if (der_len <= 0) goto fail;
    out->der = malloc((size_t)der_len);
    out->b64der = base64_nopad(der, (size_t)der_len);
    if (!out->der || !out->b64der) goto fail;
    memcpy(out->der, der, (size_t)der_len);
    out->der_len = (size_t)der_len;
    OPENSSL_free(tbs);
    OPENSSL_free(der);
    return 0;
fail:;
    unsigned long e = ERR_get_error();
    tls_err_strings_load();
    snprintf(err, errlen, "cannot create the TLS server certificate: %s",
             e ? ERR_reason_error_string(e) : "internal error");
    OPENSSL_free(tbs);
    OPENSSL_free(der);
    EC_KEY_free(ec);
    tls_cert_free(out);
    return -1;
}

void tls_cert_free(tls_cert *c)
{
    EVP_PKEY_free(c->key);
    X509_free(c->x509);
    free(c->der);
    free(c->b64der);
    memset(c, 0, sizeof *c);
}
