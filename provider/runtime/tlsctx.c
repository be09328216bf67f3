/* tlsctx.c — builds the AutoMTLS server context (see tlsctx.h) in the plugin server's own OpenSSL
 * library context (tlsprov.h). */
#include "tlsctx.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <errno.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlserr.h"
#include "tlsinit.h"
#include "tlsprov.h"

struct tls_server {
    tls_cert cert;
    SSL_CTX *ctx;
    bool tried; /* the OpenSSL context was built, or failed to be */
    char err[256];
};

static const char PEM_BEGIN[] = "-----BEGIN CERTIFICATE-----";
static const char PEM_END[] = "-----END CERTIFICATE-----";

int tls_client_cert_check(const char *pem, char *err, size_t errlen)
{
    const char *b = strstr(pem, PEM_BEGIN);
    const char *e = b ? strstr(b, PEM_END) : NULL;
    if (!b || !e || e - b < 100) {
        snprintf(err, errlen,
                 "PLUGIN_CLIENT_CERT does not hold a PEM certificate (\"%s\" … \"%s\"); it is "
                 "set by Terraform for its own client certificate",
                 PEM_BEGIN, PEM_END);
        return -1;
    }
    return 0;
}

/* One DER TLV at p (n bytes available): its tag, header size and content length. Definite
 * lengths of up to 3 bytes only (a certificate is a few KiB). Returns 0, or -1 if malformed. */
static int der_tlv(const uint8_t *p, size_t n, uint8_t *tag, size_t *hdr, size_t *len)
{
    if (n < 2) return -1;
    *tag = p[0];
    size_t l = p[1], h = 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 3 || n < 2 + k) return -1;
        l = 0;
        for (size_t i = 0; i < k; i++) l = l << 8 | p[2 + i];
        h += k;
    }
    if (l > n - h) return -1;
    *hdr = h;
    *len = l;
    return 0;
}

int tls_client_cert_der(const char *pem, uint8_t *der, size_t cap, size_t *der_len)
{
    const char *b = strstr(pem, PEM_BEGIN);
    const char *e = b ? strstr(b, PEM_END) : NULL;
    if (!b || !e) return -1;
    b += sizeof PEM_BEGIN - 1;
    size_t n;
    if (sodium_base642bin(der, cap, b, (size_t)(e - b), " \t\r\n", &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE,
     * signatureValue BIT STRING }, and nothing after it. */
    uint8_t tag;
    size_t hdr, len;
    if (der_tlv(der, n, &tag, &hdr, &len) != 0 || tag != 0x30 || hdr + len != n) return -1;
    static const uint8_t parts[3] = {0x30, 0x30, 0x03};
    size_t off = hdr;
    for (int i = 0; i < 3; i++) {
        size_t h, l;
        if (der_tlv(der + off, n - off, &tag, &h, &l) != 0 || tag != parts[i] || l == 0) return -1;
        off += h + l;
    }
    if (off != n) return -1;
    *der_len = n;
    return 0;
}

/* The client certificate Terraform gave us, byte for byte (one plugin server per process). */
static uint8_t g_pinned[TLS_CLIENT_CERT_MAX];
static size_t g_pinned_len;

/* Replaces OpenSSL's chain building: the only certificate that may connect is the one in
 * PLUGIN_CLIENT_CERT, presented as a leaf, within its validity period. go-plugin trusts it as the
 * only root, and only its holder can sign with its key; the handshake's CertificateVerify (checked
 * by OpenSSL before the connection is usable) proves the client holds that key. Comparing the
 * bytes is stricter than chain building and needs no parse of our copy. */
static int verify_pinned(X509_STORE_CTX *xs, void *arg)
{
    (void)arg;
    X509 *peer = X509_STORE_CTX_get0_cert(xs);
    unsigned char *der = NULL;
    int n = peer ? i2d_X509(peer, &der) : -1;
    int ok = n > 0 && (size_t)n == g_pinned_len && CRYPTO_memcmp(der, g_pinned, g_pinned_len) == 0;
    OPENSSL_free(der);
    if (!ok) {
        X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_UNTRUSTED);
        return 0;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(peer)) >= 0) {
        X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_NOT_YET_VALID);
        return 0;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(peer)) <= 0) {
        X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_HAS_EXPIRED);
        return 0;
    }
    return 1;
}

/* go-plugin's client always offers "h2"; gRPC needs nothing else. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    for (unsigned int i = 0; i < inlen;) {
        unsigned int n = in[i];
        if (i + 1 + n > inlen) break;
        if (n == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
            *out = in + i + 1;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + n;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void fail(tls_server *b, const char *what)
{
    unsigned long e = ERR_get_error();
    tls_err_strings_load();
    snprintf(b->err, sizeof b->err, "%s%s%s", what, e ? ": " : "",
             e ? ERR_reason_error_string(e) : "");
}

static SSL_CTX *build(tls_server *b)
{
    tls_openssl_init();
    /* NULL (the default context) if the private one cannot be made: slower, as safe */
    OSSL_LIB_CTX *libctx = tls_prov_libctx();
    SSL_CTX *ctx = SSL_CTX_new_ex(libctx, NULL, TLS_server_method());
    if (!ctx && libctx) {
        /* the private context has no DRBG: without the kernel's random method (tlsrand.h) it
         * cannot make a TLS context; the default one can */
        ERR_clear_error();
        libctx = NULL;
        ctx = SSL_CTX_new_ex(NULL, NULL, TLS_server_method());
    }
    if (!ctx) {
        fail(b, "cannot create the TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* One connection per process and never resumed: no tickets, no session cache. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    /* The client's own certificate is the only one accepted: nothing else can connect. */
    SSL_CTX_set_cert_verify_callback(ctx, verify_pinned, NULL);

    X509 *x509 = NULL;
    EVP_PKEY *key = NULL;
    if (tls_cert_openssl(&b->cert, libctx, &x509, &key) != 0 ||
        SSL_CTX_use_certificate(ctx, x509) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        fail(b, "cannot install the TLS server certificate");
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    X509_free(x509); /* the context holds its own references */
    EVP_PKEY_free(key);
    return ctx;
}

tls_server *tls_server_new(const char *client_cert_pem, char *err, size_t errlen)
{
    if (tls_client_cert_der(client_cert_pem, g_pinned, sizeof g_pinned, &g_pinned_len) != 0) {
        snprintf(err, errlen,
                 "PLUGIN_CLIENT_CERT is not a valid certificate: its PEM block does not decode "
                 "to a DER X.509 certificate of at most %d bytes",
                 TLS_CLIENT_CERT_MAX);
        return NULL;
    }
    tls_server *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "cannot start the TLS set-up: %s", strerror(errno));
        return NULL;
    }
    if (tls_cert_generate(&b->cert, err, errlen) != 0) {
        free(b);
        return NULL;
    }
    return b;
}

const tls_cert *tls_server_cert(const tls_server *s)
{
    return &s->cert;
}

SSL_CTX *tls_server_openssl(tls_server *s, char *err, size_t errlen)
{
    if (!s->tried) {
        s->tried = true;
        s->ctx = build(s);
    }
    if (!s->ctx) snprintf(err, errlen, "%s", s->err);
    return s->ctx;
}

void tls_server_free(tls_server *s)
{
    if (!s) return;
    SSL_CTX_free(s->ctx);
    tls_cert_free(&s->cert);
    free(s);
}
