/* tlsconn.c — the plugin connection's transport (see tlsconn.h): plain; the TLS 1.3 engine
 * (tls13.h) for a peer that is our ancestor, with OpenSSL taking over a ClientHello the engine
 * declines; OpenSSL with the client certificate asked of every other peer. */
#include "tlsconn.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "peercred.h"
#include "tflog.h"
#include "tls13.h"
#include "tlserr.h"
#include "tlsprefix.h"

struct tlsconn {
    int fd;
    tls_server *server;
    tls13 *t13;      /* the engine, for an ancestor (until it declines) */
    tls13_cred cred; /* what the engine signs with: the server's certificate */
    SSL *ssl;        /* OpenSSL; with t13 NULL too: plain */
    bool ancestor;
    bool want_write;
};

/* OpenSSL for this connection: over the socket, or over bio when given (taken in any case). */
static int openssl_start(tlsconn *c, BIO *bio)
{
    char err[256];
    SSL_CTX *ctx = tls_server_openssl(c->server, err, sizeof err);
    if (!ctx) tf_log(TF_LOG_ERROR, "cannot serve a TLS connection", "reason", err, NULL);
    if (!ctx || !(c->ssl = SSL_new(ctx))) {
        BIO_free(bio);
        return -1;
    }
    if (bio)
        SSL_set_bio(c->ssl, bio, bio);
    else if (SSL_set_fd(c->ssl, c->fd) != 1)
        return -1;
    /* the kernel vouches for an ancestor (peercred.h): no certificate to ask for */
    if (c->ancestor) SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    /* received plaintext is cleansed once handed to us (OpenSSL 3) */
    SSL_set_options(c->ssl, SSL_OP_CLEANSE_PLAINTEXT);
    SSL_set_accept_state(c->ssl);
    return 0;
}

tlsconn *tlsconn_new(int fd, tls_server *server)
{
    tlsconn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    c->server = server;
    if (!server) return c;
    c->ancestor = peer_is_ancestor(fd);
    if (c->ancestor) {
        const tls_cert *cert = tls_server_cert(server);
        c->cred = (tls13_cred){cert->der, cert->der_len, cert->sk};
        if ((c->t13 = tls13_new(fd, &c->cred))) return c;
    }
    if (openssl_start(c, NULL) != 0) {
        tlsconn_free(c);
        return NULL;
    }
    return c;
}

/* The engine's handshake step; on a declined ClientHello, OpenSSL takes over (returns 2). */
static int engine_handshake(tlsconn *c)
{
    int r = tls13_handshake(c->t13);
    if (r == TLS13_DONE) {
        tf_log(TF_LOG_TRACE, "TLS handshake done", "client_certificate",
               "not asked: the peer is our ancestor", "engine", "tls13", NULL);
        return 1;
    }
    if (r == TLS13_AGAIN) {
        c->want_write = tls13_want_write(c->t13);
        return 0;
    }
    const char *why = tls13_error(c->t13);
    if (r == TLS13_FAILED) {
        tf_log(TF_LOG_WARN, "TLS handshake refused", "reason", why ? why : "connection closed",
               NULL);
        return -1;
    }
    /* outside the engine's one profile (an older or differently configured client): OpenSSL
     * serves it, reading first what the engine took off the socket */
    tf_log(TF_LOG_DEBUG, "TLS 1.3 engine declined the ClientHello; OpenSSL serves it", "reason",
           why ? why : "", NULL);
    size_t n;
    const uint8_t *prefix = tls13_prefix(c->t13, &n);
    BIO *bio = tls_prefix_bio(c->fd, prefix, n);
    tls13_free(c->t13);
    c->t13 = NULL;
    if (!bio || openssl_start(c, bio) != 0) return -1;
    return 2;
}

int tlsconn_handshake(tlsconn *c)
{
    c->want_write = false;
    if (c->t13) {
        int r = engine_handshake(c);
        if (r != 2) return r;
    }
    if (!c->ssl) return 1;
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        tf_log(TF_LOG_TRACE, "TLS handshake done", "client_certificate",
               c->ancestor ? "not asked: the peer is our ancestor" : "verified", NULL);
        return 1;
    }
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        return 0;
    case SSL_ERROR_WANT_WRITE:
        c->want_write = true;
        return 0;
    default: {
        /* e.g. a client certificate other than PLUGIN_CLIENT_CERT: refused, as go-plugin does */
        unsigned long e = ERR_get_error();
        tls_err_strings_load();
        tf_log(TF_LOG_WARN, "TLS handshake refused", "reason",
               e ? ERR_reason_error_string(e) : "connection closed", NULL);
        return -1;
    }
    }
}

ssize_t tlsconn_read(tlsconn *c, uint8_t *buf, size_t cap)
{
    c->want_write = false;
    if (c->t13) {
        /* a reply the engine queued (its own KeyUpdate) goes out first */
        if (tls13_want_write(c->t13) && tls13_write(c->t13, NULL, 0) < 0) return -1;
        ssize_t n = tls13_read(c->t13, buf, cap);
        c->want_write = tls13_want_write(c->t13);
        return n;
    }
    if (!c->ssl) {
        ssize_t n = read(c->fd, buf, cap);
        if (n > 0) return n;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        return -1;
    }
    int n = SSL_read(c->ssl, buf, cap > (1u << 30) ? (int)(1u << 30) : (int)cap);
    if (n > 0) return n;
    switch (SSL_get_error(c->ssl, n)) {
    case SSL_ERROR_WANT_READ:
        return 0;
    case SSL_ERROR_WANT_WRITE:
        c->want_write = true;
        return 0;
    default:
        return -1;
    }
}

ssize_t tlsconn_write(tlsconn *c, const uint8_t *buf, size_t len)
{
    c->want_write = false;
    if (c->t13) {
        ssize_t n = tls13_write(c->t13, buf, len);
        c->want_write = tls13_want_write(c->t13);
        return n;
    }
    if (!c->ssl) {
        ssize_t n = write(c->fd, buf, len);
        if (n >= 0) return n;
        if (errno == EAGAIN || errno == EINTR) {
            c->want_write = true;
            return 0;
        }
        return -1;
    }
    int n = SSL_write(c->ssl, buf, len > (1u << 30) ? (int)(1u << 30) : (int)len);
    if (n > 0) return n;
    switch (SSL_get_error(c->ssl, n)) {
    case SSL_ERROR_WANT_WRITE:
        c->want_write = true;
        return 0;
    case SSL_ERROR_WANT_READ:
        return 0;
    default:
        return -1;
    }
}

bool tlsconn_want_write(const tlsconn *c)
{
    return c->want_write;
}

const char *tlsconn_engine(const tlsconn *c)
{
    return c->t13 ? "tls13" : c->ssl ? "openssl" : "plain";
}

void tlsconn_free(tlsconn *c)
{
    if (!c) return;
    tls13_free(c->t13);
    SSL_free(c->ssl);
    free(c);
}
