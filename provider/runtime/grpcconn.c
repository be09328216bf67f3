/* grpcconn.c — HTTP/2 + gRPC framing for one connection (see grpcconn.h).
 *
 * Layers, bottom up: the transport (non-blocking SSL or plain fd: tr_read/tr_write), the output
 * buffer (everything nghttp2 produces, written as the socket allows), the nghttp2 session, and the
 * gRPC streams: a request's DATA is gathered until END_STREAM, checked against the gRPC framing
 * (one uncompressed, length-prefixed message), then dispatched; the answer goes out as HEADERS,
 * DATA (5-byte prefix + message) and trailers with grpc-status, or as a trailers-only response.
 *
 * Request limits (grpcconn.h). Terraform's largest requests to this provider are PlanResource-
 * Change and ApplyResourceChange of one resource, carrying its configuration, prior and planned
 * state: an env is at most 128 KiB and appears at most four times, the other resources' states are
 * a few KiB, so a request stays under 1 MiB. RPC_MAX_REQUEST = 16 MiB leaves more than tenfold room
 * (terraform-plugin-go accepts 256 MiB, with no bound across streams), RPC_CONN_BUFFERED = 32 MiB
 * two such requests arriving at once on the one connection Terraform uses, and RPC_TOTAL_BUFFERED
 * = 48 MiB bounds the whole process whatever the number of connections and streams (100 per
 * connection): a client holding the certificate that sends many large partial messages, or complete
 * ones faster than handlers run, cannot make the provider hold more. What is counted is what is
 * allocated: a body grows towards its declared length in doubling steps, and its capacity is
 * charged.
 *
 * Secrets cross this file (configurations, env values), so every buffer that held request or reply
 * bytes is wiped before it is reused or freed, and reply bytes never enter nghttp2's own buffers:
 * DATA frames are written straight from the reply (NGHTTP2_DATA_FLAG_NO_COPY). */
#include "grpcconn.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tflog.h"
#include "tlsconn.h"

#define MAX_REPLY     (256u << 20) /* as terraform-plugin-go: schemas and states can be big */
#define OUT_HIGH      (1u << 20) /* stop asking nghttp2 for frames above this much unwritten output */
#define STREAM_WINDOW (8u << 20) /* per-stream receive window: big states arrive in one go */
#define CONN_WINDOW   (64u << 20)

typedef struct h2stream {
    int32_t id;
    const rpc_method *method;
    char path[160];
    tf_buf body;     /* body.cap is counted in the connection's and the process's totals */
    uint8_t head[5]; /* the request's length prefix while it arrives */
    size_t head_len;
    bool answered;   /* a reply or a status was submitted: ignore what else arrives */
    rpc_call *reply; /* the answered call whose bytes are being sent */
    uint8_t prefix[5];
    size_t scheduled, sent; /* bytes of prefix ‖ reply handed to nghttp2 / written out */
    struct h2stream *prev, *next;
} h2stream;

struct h2conn {
    int fd;
    uint64_t id;
    tlsconn *tr; /* the transport: TLS or plain */
    bool handshake_done;
    bool want_write; /* the transport needs POLLOUT to make progress */
    bool dead;
    bool established; /* see h2conn_established */
    bool in_recv; /* inside nghttp2_session_mem_recv: no mem_send from callbacks (not reentrant) */
    bool shutdown_pending, shutdown_answered;
    nghttp2_session *h2;
    tf_buf out;
    size_t out_off;
    h2stream *streams;
    size_t buffered; /* capacity of the request bodies arriving on this connection */
    const rpc_method *methods;
    size_t n_methods;
    h2_dispatch_fn dispatch;
};

/* Request body bytes held by the process: added by the polling thread as bodies grow, released
 * there or by the worker that ran the handler. */
static _Atomic size_t g_buffered;

size_t rpc_buffered_total(void)
{
    return atomic_load(&g_buffered);
}

void rpc_call_drop_body(rpc_call *c)
{
    atomic_fetch_sub(&g_buffered, c->charged);
    c->charged = 0;
    tf_buf_free(&c->body);
}

void rpc_call_free(rpc_call *c)
{
    if (!c) return;
    rpc_call_drop_body(c);
    tf_buf_free(&c->reply);
    free(c);
}

/* ---- transport ------------------------------------------------------------------------------- */

/* > 0 bytes read; 0 nothing now; -1 closed or failed. */
static ssize_t tr_read(h2conn *c, uint8_t *buf, size_t cap)
{
    ssize_t n = tlsconn_read(c->tr, buf, cap);
    if (tlsconn_want_write(c->tr)) c->want_write = true;
    return n;
}

/* > 0 bytes written; 0 would block; -1 failed. */
static ssize_t tr_write(h2conn *c, const uint8_t *buf, size_t len)
{
    ssize_t n = tlsconn_write(c->tr, buf, len);
    if (tlsconn_want_write(c->tr)) c->want_write = true;
    return n;
}

/* ---- output ---------------------------------------------------------------------------------- */

static void out_reset(h2conn *c)
{
    if (c->out.cap > 4 * OUT_HIGH) {
        tf_buf_free(&c->out); /* a big reply went out: give the memory back */
    } else if (c->out.len) {
        sodium_memzero(c->out.data, c->out.len);
        c->out.len = 0;
    }
    c->out_off = 0;
}

/* Moves nghttp2's pending frames into the output buffer and writes as much as the socket takes. */
static bool flush(h2conn *c)
{
    for (;;) {
        while (c->out.len - c->out_off < OUT_HIGH) {
            const uint8_t *data;
            ssize_t n = nghttp2_session_mem_send(c->h2, &data);
            if (n < 0) {
                tf_log(TF_LOG_DEBUG, "HTTP/2 session failed", "error", nghttp2_strerror((int)n),
                       NULL);
                return false;
            }
            if (n == 0) break;
            tf_buf_put(&c->out, data, (size_t)n);
        }
        if (c->out.len == c->out_off) {
            out_reset(c);
            return true;
        }
        c->want_write = false;
        while (c->out_off < c->out.len) {
            /* the same start and at least the same length on a retry, as SSL_write requires */
            ssize_t w = tr_write(c, c->out.data + c->out_off, c->out.len - c->out_off);
            if (w < 0) return false;
            if (w == 0) return true; /* POLLOUT will bring us back */
            c->out_off += (size_t)w;
        }
        out_reset(c);
        if (c->shutdown_pending && !nghttp2_session_want_write(c->h2)) c->shutdown_answered = true;
        if (!nghttp2_session_want_write(c->h2)) return true;
    }
}

/* ---- gRPC replies ---------------------------------------------------------------------------- */

#define NV(n, v)                                                                                   \
    {                                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE             \
    }

/* grpc-message is percent-encoded (gRPC over HTTP/2): printable ASCII except '%' passes. */
static void percent_encode(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '%') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%', out[o++] = hex[*p >> 4], out[o++] = hex[*p & 15];
        }
    }
    out[o] = 0;
}

/* Wipes and frees what a stream received, and uncounts it. */
static void stream_drop_body(h2conn *c, h2stream *st)
{
    c->buffered -= st->body.cap;
    atomic_fetch_sub(&g_buffered, st->body.cap);
    tf_buf_free(&st->body);
    st->head_len = 0;
}

/* A trailers-only response: HEADERS with the status and END_STREAM. */
static void answer_status(h2conn *c, h2stream *st, int status, const char *message)
{
    char code[12], msg[512];
    snprintf(code, sizeof code, "%d", status);
    percent_encode(message ? message : "", msg, sizeof msg);
    nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                       NV("grpc-status", code), NV("grpc-message", msg)};
    st->answered = true;
    stream_drop_body(c, st);
    nghttp2_submit_response(c->h2, st->id, nv, message ? 4 : 3, NULL);
}

static ssize_t read_reply(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
                          uint32_t *flags, nghttp2_data_source *source, void *user)
{
    (void)buf;
    (void)user;
    h2stream *st = source->ptr;
    size_t total = 5 + st->reply->reply.len;
    size_t n = total - st->scheduled < length ? total - st->scheduled : length;
    st->scheduled += n;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY; /* send_data writes the bytes from the reply itself */
    if (st->scheduled == total) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        nghttp2_nv trailer[] = {NV("grpc-status", "0")};
        if (nghttp2_submit_trailer(s, stream_id, trailer, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    return (ssize_t)n;
}

/* Writes a DATA frame: the 9-byte header nghttp2 made, then prefix ‖ reply bytes. */
static int send_data(nghttp2_session *s, nghttp2_frame *frame, const uint8_t *framehd,
                     size_t length, nghttp2_data_source *source, void *user)
{
    (void)s;
    (void)frame; /* no padding is ever selected */
    h2conn *c = user;
    h2stream *st = source->ptr;
    tf_buf_put(&c->out, framehd, 9);
    while (length) {
        size_t n;
        if (st->sent < 5) {
            n = 5 - st->sent < length ? 5 - st->sent : length;
            tf_buf_put(&c->out, st->prefix + st->sent, n);
        } else {
            n = length;
            tf_buf_put(&c->out, st->reply->reply.data + (st->sent - 5), n);
        }
        st->sent += n;
        length -= n;
    }
    return 0;
}

bool h2conn_complete(h2conn *c, rpc_call *call)
{
    h2stream *st = c->dead ? NULL : nghttp2_session_get_stream_user_data(c->h2, call->stream_id);
    if (!st || st->answered) { /* the client cancelled the call meanwhile */
        rpc_call_free(call);
        return !c->dead;
    }
    if (call->method->then_shutdown) c->shutdown_pending = true;
    rpc_call_drop_body(call);
    if (call->status != RPC_STATUS_OK) {
        answer_status(c, st, call->status, NULL);
        rpc_call_free(call);
    } else if (call->reply.len > MAX_REPLY) {
        answer_status(c, st, RPC_STATUS_RESOURCE_EXHAUSTED, "reply larger than 256 MiB");
        rpc_call_free(call);
    } else {
        st->answered = true;
        st->reply = call;
        size_t n = call->reply.len;
        st->prefix[0] = 0; /* not compressed */
        st->prefix[1] = (uint8_t)(n >> 24), st->prefix[2] = (uint8_t)(n >> 16);
        st->prefix[3] = (uint8_t)(n >> 8), st->prefix[4] = (uint8_t)n;
        nghttp2_nv nv[] = {NV(":status", "200"), NV("content-type", "application/grpc")};
        nghttp2_data_provider dp = {.source.ptr = st, .read_callback = read_reply};
        nghttp2_submit_response(c->h2, st->id, nv, 2, &dp);
    }
    if (!c->in_recv && !flush(c)) c->dead = true; /* h2conn_ready flushes after receiving */
    return !c->dead;
}

/* ---- gRPC requests --------------------------------------------------------------------------- */

static const rpc_method *find_method(const h2conn *c, const char *path)
{
    for (size_t i = 0; i < c->n_methods; i++)
        if (strcmp(c->methods[i].path, path) == 0) return &c->methods[i];
    return NULL;
}

static uint32_t prefix_length(const uint8_t *p)
{
    return (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
}

/* END_STREAM from the client: exactly one uncompressed message, then dispatch. */
static void request_complete(h2conn *c, h2stream *st)
{
    if (st->answered) return;
    if (st->body.len < 5 || prefix_length(st->body.data) != st->body.len - 5) {
        answer_status(c, st, RPC_STATUS_INTERNAL, "a unary call carries exactly one message");
        return;
    }
    if (st->body.data[0] != 0) {
        answer_status(c, st, RPC_STATUS_UNIMPLEMENTED, "compressed messages are not supported");
        return;
    }
    rpc_call *call = calloc(1, sizeof *call);
    if (!call) {
        answer_status(c, st, RPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    call->conn_id = c->id;
    call->stream_id = st->id;
    call->method = st->method;
    call->body = st->body; /* moved, still counted in the process's total until dropped */
    call->charged = st->body.cap;
    c->buffered -= st->body.cap;
    memset(&st->body, 0, sizeof st->body);
    c->dispatch(c, call);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    h2conn *c = user;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    h2stream *st = calloc(1, sizeof *st);
    if (!st) return NGHTTP2_ERR_CALLBACK_FAILURE;
    st->id = frame->hd.stream_id;
    st->next = c->streams;
    if (c->streams) c->streams->prev = st;
    c->streams = st;
    nghttp2_session_set_stream_user_data(s, st->id, st);
    return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user)
{
    (void)flags;
    (void)user;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    h2stream *st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
    if (st && namelen == 5 && memcmp(name, ":path", 5) == 0) {
        size_t n = valuelen < sizeof st->path - 1 ? valuelen : sizeof st->path - 1;
        memcpy(st->path, value, n);
        st->path[n] = 0;
    }
    return 0;
}

/* Makes room for need bytes in a body that will hold at most total: doubling steps (from 16 KiB)
 * that never pass total, each step charged to the connection and the process. false: a limit. */
static bool body_grow(h2conn *c, h2stream *st, size_t need, size_t total)
{
    tf_buf *b = &st->body;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap * 2 : 16384;
    if (cap > total) cap = total;
    if (cap < need) cap = need;
    size_t more = cap - b->cap;
    if (c->buffered + more > RPC_CONN_BUFFERED ||
        atomic_load(&g_buffered) + more > RPC_TOTAL_BUFFERED)
        return false;
    if (!tf_buf_move_to(b, cap)) return false;
    c->buffered += more;
    atomic_fetch_add(&g_buffered, more);
    return true;
}

/* Request bytes: the 5-byte prefix is judged as soon as it is complete, before any of the body is
 * kept; then the body grows towards the declared length, never beyond it. */
static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data,
                         size_t len, void *user)
{
    (void)flags;
    h2conn *c = user;
    h2stream *st = nghttp2_session_get_stream_user_data(s, stream_id);
    if (!st || st->answered) return 0;
    if (st->head_len < 5) {
        size_t n = 5 - st->head_len < len ? 5 - st->head_len : len;
        memcpy(st->head + st->head_len, data, n);
        st->head_len += n;
        data += n, len -= n;
        if (st->head_len < 5) return 0;
        if (prefix_length(st->head) > RPC_MAX_REQUEST) {
            answer_status(c, st, RPC_STATUS_RESOURCE_EXHAUSTED, "request larger than 16 MiB");
            return 0;
        }
        if (st->head[0] != 0) {
            answer_status(c, st, RPC_STATUS_UNIMPLEMENTED, "compressed messages are not supported");
            return 0;
        }
        if (!body_grow(c, st, 5, 5 + (size_t)prefix_length(st->head))) goto exhausted;
        tf_buf_put(&st->body, st->head, 5);
    }
    if (!len) return 0;
    size_t total = 5 + (size_t)prefix_length(st->head);
    if (len > total - st->body.len) {
        answer_status(c, st, RPC_STATUS_INTERNAL, "a unary call carries exactly one message");
        return 0;
    }
    if (!body_grow(c, st, st->body.len + len, total)) goto exhausted;
    tf_buf_put(&st->body, data, len);
    return 0;
exhausted:
    tf_log(TF_LOG_WARN, "request refused: too many request bytes held at once", "method", st->path,
           NULL);
    answer_status(c, st, RPC_STATUS_RESOURCE_EXHAUSTED,
                  "too many request bytes held at once (32 MiB per connection, 48 MiB in all)");
    return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    h2conn *c = user;
    c->established = true; /* a frame parsed: the client's preface has arrived */
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    h2stream *st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
    if (!st) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        st->method = find_method(c, st->path);
        if (tf_log_enabled(TF_LOG_TRACE))
            tf_log(TF_LOG_TRACE, "received gRPC call", "method", st->path, NULL);
        /* Unknown methods (and go-plugin's broker and stdio streams, which never end their
         * request) must get an answer now, or the client waits for ever. */
        if (!st->method)
            answer_status(c, st, RPC_STATUS_UNIMPLEMENTED, "unknown service or method");
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) request_complete(c, st);
    return 0;
}

/* Once our side of a stream is closed, a client still sending is told to stop (gRPC's rule). */
static int on_frame_send(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    (void)user;
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        nghttp2_session_get_stream_remote_close(s, frame->hd.stream_id) == 0)
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    return 0;
}

static void stream_free(h2conn *c, h2stream *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        c->streams = st->next;
    if (st->next) st->next->prev = st->prev;
    stream_drop_body(c, st);
    rpc_call_free(st->reply);
    free(st);
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user)
{
    (void)error_code;
    h2conn *c = user;
    h2stream *st = nghttp2_session_get_stream_user_data(s, stream_id);
    if (!st) return 0;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    stream_free(c, st);
    return 0;
}

/* ---- the connection -------------------------------------------------------------------------- */

static nghttp2_session_callbacks *callbacks(void)
{
    static nghttp2_session_callbacks *cbs;
    if (!cbs) { /* only the polling thread creates connections */
        if (nghttp2_session_callbacks_new(&cbs) != 0) return NULL;
        nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
        nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
        nghttp2_session_callbacks_set_send_data_callback(cbs, send_data);
    }
    return cbs;
}

h2conn *h2conn_new(int fd, tls_server *tls, uint64_t id, const rpc_method *methods,
                   size_t n_methods, h2_dispatch_fn dispatch)
{
    h2conn *c = calloc(1, sizeof *c);
    nghttp2_session_callbacks *cbs = callbacks();
    if (!c || !cbs) goto fail;
    c->fd = fd;
    c->id = id;
    c->methods = methods;
    c->n_methods = n_methods;
    c->dispatch = dispatch;
    if (!(c->tr = tlsconn_new(fd, tls))) goto fail;
    if (!tls) c->handshake_done = true;
    if (nghttp2_session_server_new(&c->h2, cbs, c) != 0) goto fail;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
    };
    if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, settings, 2) != 0 ||
        nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0)
        goto fail;
    return c;
fail:
    if (c) {
        c->fd = -1; /* the caller closes fd on failure */
        h2conn_free(c);
    }
    return NULL;
}

int h2conn_fd(const h2conn *c)
{
    return c->fd;
}

bool h2conn_established(const h2conn *c)
{
    return c->established;
}

uint64_t h2conn_id(const h2conn *c)
{
    return c->id;
}

short h2conn_events(const h2conn *c)
{
    short ev = POLLIN;
    if (c->want_write || c->out_off < c->out.len) ev |= POLLOUT;
    return ev;
}

bool h2conn_shutdown_answered(const h2conn *c)
{
    return c->shutdown_answered;
}

static bool handshake(h2conn *c)
{
    c->want_write = false;
    int r = tlsconn_handshake(c->tr);
    if (r == 1) {
        c->handshake_done = true;
        /* the client's certificate has been verified, or the kernel vouched for it (tlsconn.h) */
        c->established = true;
        return true;
    }
    if (tlsconn_want_write(c->tr)) c->want_write = true;
    return r == 0;
}

bool h2conn_ready(h2conn *c, short revents)
{
    if (c->dead || (revents & (POLLERR | POLLNVAL))) return false;
    if (!c->handshake_done) {
        if (!handshake(c)) return false;
        if (!c->handshake_done) return true;
    }
    uint8_t buf[16384 + 512]; /* one TLS record */
    for (;;) {
        c->want_write = false;
        ssize_t n = tr_read(c, buf, sizeof buf);
        if (n < 0) {
            sodium_memzero(buf, sizeof buf);
            return false;
        }
        if (n == 0) break;
        c->in_recv = true;
        ssize_t used = nghttp2_session_mem_recv(c->h2, buf, (size_t)n);
        c->in_recv = false;
        sodium_memzero(buf, (size_t)n);
        if (used < 0 || c->dead) return false;
    }
    if (!flush(c)) return false;
    return nghttp2_session_want_read(c->h2) || nghttp2_session_want_write(c->h2) ||
           c->out_off < c->out.len;
}

void h2conn_free(h2conn *c)
{
    if (!c) return;
    while (c->streams) {
        if (c->h2) nghttp2_session_set_stream_user_data(c->h2, c->streams->id, NULL);
        stream_free(c, c->streams);
    }
    nghttp2_session_del(c->h2);
    tlsconn_free(c->tr);
    if (c->fd >= 0) close(c->fd);
    tf_buf_free(&c->out);
    free(c);
}
