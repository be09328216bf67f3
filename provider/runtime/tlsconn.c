/* tlsconn.c — the plugin connection's transport (see tlsconn.h): plain, or OpenSSL with the
 * client certificate asked of every peer that is not our ancestor. */
#include "tlsconn.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "peercred.h"
#include "tflog.h"
#include "tlserr.h"

struct tlsconn {
    int fd;
    SSL *ssl; /* NULL: plain */
    bool ancestor;
    bool want_write;
};

tlsconn *tlsconn_new(int fd, tls_server *server)
{
    tlsconn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    if (!server) return c;
    c->ancestor = peer_is_ancestor(fd);
    char err[256];
    SSL_CTX *ctx = tls_server_openssl(server, err, sizeof err);
    if (!ctx) {
        tf_log(TF_LOG_ERROR, "cannot serve a TLS connection", "reason", err, NULL);
        free(c);
        return NULL;
    }
    c->ssl = SSL_new(ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
        tlsconn_free(c);
        return NULL;
    }
    /* the kernel vouches for an ancestor (peercred.h): no certificate to ask for */
    if (c->ancestor) SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    /* received plaintext is cleansed once handed to us (OpenSSL 3) */
    SSL_set_options(c->ssl, SSL_OP_CLEANSE_PLAINTEXT);
    SSL_set_accept_state(c->ssl);
    return c;
}

int tlsconn_handshake(tlsconn *c)
{
    c->want_write = false;
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

bool tlsconn_peer_is_ancestor(const tlsconn *c)
{
    return c->ancestor;
}

const char *tlsconn_engine(const tlsconn *c)
{
    return c->ssl ? "openssl" : "plain";
}

void tlsconn_free(tlsconn *c)
{
    if (!c) return;
    SSL_free(c->ssl);
    free(c);
}
