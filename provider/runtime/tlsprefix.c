/* tlsprefix.c — the prefixed socket BIO of tlsprefix.h: a BIO method of our own whose state is
 * the socket and the bytes not yet handed to OpenSSL. */
#include "tlsprefix.h"

#include <openssl/bio.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int fd;
    uint8_t *prefix;
    size_t len, off;
} prefixed;

static int p_read(BIO *b, char *out, int n)
{
    prefixed *p = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (n <= 0) return 0;
    if (p->off < p->len) {
        size_t k = p->len - p->off < (size_t)n ? p->len - p->off : (size_t)n;
        memcpy(out, p->prefix + p->off, k);
        p->off += k;
        return (int)k;
    }
    ssize_t r = read(p->fd, out, (size_t)n);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) BIO_set_retry_read(b);
    return (int)r;
}

static int p_write(BIO *b, const char *in, int n)
{
    prefixed *p = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t r = write(p->fd, in, (size_t)n);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) BIO_set_retry_write(b);
    return (int)r;
}

static long p_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    prefixed *p = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return p ? (long)(p->len - p->off) : 0;
    default:
        return 0;
    }
}

static int p_destroy(BIO *b)
{
    prefixed *p = BIO_get_data(b);
    if (p) {
        free(p->prefix); /* a ClientHello: nothing secret, and free() wipes anyway (wipefree.c) */
        free(p);
    }
    BIO_set_data(b, NULL);
    return 1;
}

static BIO_METHOD *g_method;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void make_method(void)
{
    BIO_METHOD *m =
        BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "phala prefixed socket");
    if (m && BIO_meth_set_read(m, p_read) && BIO_meth_set_write(m, p_write) &&
        BIO_meth_set_ctrl(m, p_ctrl) && BIO_meth_set_destroy(m, p_destroy))
        g_method = m;
    else
        BIO_meth_free(m);
}

BIO *tls_prefix_bio(int fd, const uint8_t *prefix, size_t len)
{
    pthread_once(&g_once, make_method);
    prefixed *p = calloc(1, sizeof *p);
    BIO *b = g_method ? BIO_new(g_method) : NULL;
    if (!p || !b || (len && !(p->prefix = malloc(len)))) {
        free(p);
        BIO_free(b);
        return NULL;
    }
    if (len) memcpy(p->prefix, prefix, len);
    p->fd = fd;
    p->len = len;
    BIO_set_data(b, p);
    BIO_set_init(b, 1);
    return b;
}
