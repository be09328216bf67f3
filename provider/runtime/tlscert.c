/* tlscert.c — generates the AutoMTLS server certificate (see tlscert.h) with OpenSSL 3.
 * P-256 instead of go-plugin's P-521: Go accepts either, and P-256 keeps the handshake line fast. */
#include <stddef.h>
#include "tlscert.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = 0;
    return s;
}

/* go's base64.RawStdEncoding: the standard alphabet with the '=' padding stripped; the go-plugin
 * client rejects '=' as an illegal byte. */
static char *base64_nopad(const unsigned char *der, int len)
{
    size_t cap = 4 * (((size_t)len + 2) / 3) + 1;
    char *out = malloc(cap);
    if (!out) return NULL;
    int n = EVP_EncodeBlock((unsigned char *)out, der, len);
    while (n > 0 && out[n - 1] == '=') n--;
    out[n] = 0;
    return out;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int fill_cert(X509 *cert, EVP_PKEY *key)
{
    unsigned char serial_bytes[16];
    if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return -1;
    serial_bytes[0] &= 0x7f; /* positive, < 2^128 like go-plugin */
    BIGNUM *bn = BN_bin2bn(serial_bytes, sizeof serial_bytes, NULL);
    ASN1_INTEGER *serial = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    BN_free(bn);
    if (!serial) return -1;
    int ok = X509_set_version(cert, 2) && X509_set_serialNumber(cert, serial);
    ASN1_INTEGER_free(serial);
    if (!ok) return -1;
    /* notBefore = now - 30 s, notAfter = now + 262980 h (go-plugin's values) */
    if (!X509_gmtime_adj(X509_getm_notBefore(cert), -30) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert), 262980L * 3600L))
        return -1;
    X509_NAME *name = X509_get_subject_name(cert);
    if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"HashiCorp", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
                                    -1, -1, 0) ||
        !X509_set_issuer_name(cert, name) || !X509_set_pubkey(cert, key))
        return -1;
    /* Go checks the host name against the SAN only, so DNS:localhost is mandatory. */
    if (add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") ||
        add_ext(cert, NID_key_usage,
                "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") ||
        add_ext(cert, NID_ext_key_usage, "clientAuth,serverAuth") ||
        add_ext(cert, NID_subject_alt_name, "DNS:localhost"))
        return -1;
    return X509_sign(cert, key, EVP_sha256()) > 0 ? 0 : -1;
}

int tls_cert_generate(tls_cert *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    unsigned char *der = NULL;
    int rc = -1;
    if (!key || !cert || !kb || !cb || fill_cert(cert, key) != 0) goto done;
    if (!PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(cb, cert))
        goto done;
    int der_len = i2d_X509(cert, &der);
    if (der_len <= 0) goto done;
    out->key_pem = bio_to_string(kb);
    out->cert_pem = bio_to_string(cb);
    out->cert_b64der = base64_nopad(der, der_len);
    if (out->key_pem && out->cert_pem && out->cert_b64der) rc = 0;
done:
    if (rc != 0) {
        unsigned long e = ERR_get_error();
        snprintf(err, errlen, "cannot create the TLS server certificate: %s",
                 e ? ERR_reason_error_string(e) : "out of memory");
        tls_cert_free(out);
    }
    if (kb) {
        /* the memory BIO held the private key */
        char *p = NULL;
        long n = BIO_get_mem_data(kb, &p);
        if (p && n > 0) OPENSSL_cleanse(p, (size_t)n);
        BIO_free(kb);
    }
    BIO_free(cb);
    OPENSSL_free(der);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

void tls_cert_free(tls_cert *c)
{
    if (c->key_pem) {
        OPENSSL_cleanse(c->key_pem, strlen(c->key_pem));
        free(c->key_pem);
    }
    free(c->cert_pem);
    free(c->cert_b64der);
    memset(c, 0, sizeof *c);
}
