/* tlsctx.c — builds the AutoMTLS server context (see tlsctx.h) on a helper thread. */
#include "tlsctx.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tls_ctx_build {
    pthread_t thread;
    char *client_pem;
    SSL_CTX *ctx;
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

X509 *tls_client_cert_load(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (x && !X509_get0_pubkey(x)) { /* decodes the key now, on this thread, not at handshake */
        X509_free(x);
        x = NULL;
    }
    return x;
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

static void fail(tls_ctx_build *b, const char *what)
{
    unsigned long e = ERR_get_error();
    snprintf(b->err, sizeof b->err, "%s%s%s", what, e ? ": " : "",
             e ? ERR_reason_error_string(e) : "");
}

static void *build(void *arg)
{
    tls_ctx_build *b = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
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

    X509 *client = tls_client_cert_load(b->client_pem);
    if (!client) {
        ERR_clear_error(); /* OpenSSL's ASN.1 reason ("too long", …) would only mislead */
        snprintf(b->err, sizeof b->err,
                 "PLUGIN_CLIENT_CERT is not a valid certificate: its PEM block does not decode "
                 "to an X.509 certificate with a public key");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* The client's own certificate is the only root: nothing else can connect. */
    int ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), client);
    X509_free(client);
    if (!ok) {
        fail(b, "cannot trust the client certificate");
        SSL_CTX_free(ctx);
        return NULL;
    }
    b->ctx = ctx;
    return NULL;
}

tls_ctx_build *tls_ctx_start(const char *client_cert_pem)
{
    tls_ctx_build *b = calloc(1, sizeof *b);
    if (!b || !(b->client_pem = strdup(client_cert_pem))) {
        free(b);
        return NULL;
    }
    if (pthread_create(&b->thread, NULL, build, b) != 0) {
        free(b->client_pem);
        free(b);
        return NULL;
    }
    return b;
}

SSL_CTX *tls_ctx_finish(tls_ctx_build *b, const tls_cert *cert, char *err, size_t errlen)
{
    pthread_join(b->thread, NULL);
    SSL_CTX *ctx = b->ctx;
    if (ctx &&
        (SSL_CTX_use_certificate_ASN1(ctx, (int)cert->der_len, cert->der) != 1 ||
         SSL_CTX_use_PrivateKey(ctx, cert->key) != 1 || SSL_CTX_check_private_key(ctx) != 1)) {
        fail(b, "cannot install the TLS server certificate");
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
    if (!ctx) snprintf(err, errlen, "%s", b->err);
    free(b->client_pem);
    free(b);
    return ctx;
}
