/* h2client.c — the misbehaving gRPC client (see h2client.h): an nghttp2 client session whose
 * request bodies come from a counter (prefix, then zeros) and stop where the caller said. */
#include "h2client.h"

#include <errno.h>
#include <fcntl.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_STREAMS 1024

typedef struct {
    int32_t id;
    uint8_t prefix[5];
    size_t total, sent; /* prefix + body bytes to send; handed to nghttp2 so far */
    bool end, closed;
    int status;
} h2cstream;

struct h2client {
    int fd;
    SSL *ssl;
    nghttp2_session *s;
    uint8_t *pending; /* produced by nghttp2, not yet written */
    size_t pending_len, pending_off;
    h2cstream streams[MAX_STREAMS];
    int n;
};

static h2cstream *find(const h2client *h, int32_t id)
{
    for (int i = 0; i < h->n; i++)
        if (h->streams[i].id == id) return (h2cstream *)&h->streams[i];
    return NULL;
}

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *user)
{
    (void)s, (void)id, (void)user;
    h2cstream *st = src->ptr;
    size_t n = st->total - st->sent < len ? st->total - st->sent : len;
    if (n == 0 && !st->end) return NGHTTP2_ERR_DEFERRED; /* a message that never finishes */
    memset(buf, 0, n);
    for (size_t i = 0; i < n && st->sent + i < 5; i++) buf[i] = st->prefix[st->sent + i];
    st->sent += n;
    if (st->sent == st->total && st->end) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user)
{
    (void)s, (void)flags;
    h2cstream *st = find(user, f->hd.stream_id);
    if (st && namelen == 11 && memcmp(name, "grpc-status", 11) == 0 && valuelen < 8) {
        char v[8];
        memcpy(v, value, valuelen);
        v[valuelen] = 0;
        st->status = atoi(v);
    }
    return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t code, void *user)
{
    (void)s, (void)code;
    h2cstream *st = find(user, id);
    if (st) st->closed = true;
    return 0;
}

h2client *h2client_new(int fd, SSL *ssl)
{
    h2client *h = calloc(1, sizeof *h);
    nghttp2_session_callbacks *cb;
    if (!h || nghttp2_session_callbacks_new(&cb) != 0) return free(h), NULL;
    nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
    int rc = nghttp2_session_client_new(&h->s, cb, h);
    nghttp2_session_callbacks_del(cb);
    if (rc != 0) return free(h), NULL;
    h->fd = fd;
    h->ssl = ssl;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, NULL, 0);
    return h;
}

void h2client_free(h2client *h)
{
    if (!h) return;
    nghttp2_session_del(h->s);
    free(h->pending);
    free(h);
}

int32_t h2client_call(h2client *h, const char *path, uint32_t declared, size_t send, bool end)
{
    if (h->n == MAX_STREAMS) return -1;
    h2cstream *st = &h->streams[h->n];
    memset(st, 0, sizeof *st);
    st->prefix[1] = (uint8_t)(declared >> 24), st->prefix[2] = (uint8_t)(declared >> 16);
    st->prefix[3] = (uint8_t)(declared >> 8), st->prefix[4] = (uint8_t)declared;
    st->total = 5 + send;
    st->end = end;
    st->status = -1;
    nghttp2_nv nv[] = {
        {(uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0},
        {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
        {(uint8_t *)":authority", (uint8_t *)"localhost", 10, 9, 0},
        {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
        {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0},
        {(uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0},
    };
    nghttp2_data_provider dp = {.source.ptr = st, .read_callback = body_read};
    int32_t id = nghttp2_submit_request(h->s, NULL, nv, 6, &dp, NULL);
    if (id < 0) return -1;
    st->id = id;
    h->n++;
    return id;
}

/* > 0 written/read, 0 would block, -1 closed or failed. */
static ssize_t io(h2client *h, bool wr, uint8_t *buf, size_t len)
{
    if (!h->ssl) {
        ssize_t n = wr ? write(h->fd, buf, len) : read(h->fd, buf, len);
        if (n > 0) return n;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        return -1;
    }
    int n = wr ? SSL_write(h->ssl, buf, (int)len) : SSL_read(h->ssl, buf, (int)len);
    if (n > 0) return n;
    int e = SSL_get_error(h->ssl, n);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

bool h2client_pump(h2client *h, int ms)
{
    bool waited = false;
    for (int round = 0; round < 100000; round++) {
        bool progress = false;
        for (;;) {
            /* resume every deferred body: the caller may have asked for more since */
            for (int i = 0; i < h->n; i++)
                if (!h->streams[i].closed) nghttp2_session_resume_data(h->s, h->streams[i].id);
            if (h->pending_off == h->pending_len) {
                const uint8_t *data;
                ssize_t n = nghttp2_session_mem_send(h->s, &data);
                if (n < 0) return false;
                if (n == 0) break;
                free(h->pending);
                h->pending = malloc((size_t)n);
                memcpy(h->pending, data, (size_t)n);
                h->pending_len = (size_t)n;
                h->pending_off = 0;
            }
            ssize_t w = io(h, true, h->pending + h->pending_off, h->pending_len - h->pending_off);
            if (w < 0) return false;
            if (w == 0) break;
            h->pending_off += (size_t)w;
            progress = true;
        }
        uint8_t buf[16384];
        for (;;) {
            ssize_t r = io(h, false, buf, sizeof buf);
            if (r < 0) return false;
            if (r == 0) break;
            if (nghttp2_session_mem_recv(h->s, buf, (size_t)r) < 0) return false;
            progress = true;
        }
        if (progress) continue;
        if (waited || ms <= 0) return true;
        struct pollfd p = {.fd = h->fd, .events = POLLIN};
        if (h->pending_off < h->pending_len) p.events |= POLLOUT;
        if (poll(&p, 1, ms) <= 0) return true;
        waited = true;
    }
    return true;
}

int h2client_status(const h2client *h, int32_t stream)
{
    const h2cstream *st = find(h, stream);
    return st ? st->status : -1;
}

bool h2client_closed(const h2client *h, int32_t stream)
{
    const h2cstream *st = find(h, stream);
    return st && st->closed;
}

size_t h2client_sent(const h2client *h, int32_t stream)
{
    const h2cstream *st = find(h, stream);
    return st && st->sent > 5 ? st->sent - 5 : 0;
}
