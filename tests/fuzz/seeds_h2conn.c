/* seeds_h2conn.c — seeds for fuzz_h2conn: what a gRPC client sends after the preface, recorded
 * from an nghttp2 client session (SETTINGS, HEADERS in HPACK, DATA with the gRPC prefix), for
 * single calls, concurrent calls, a cancelled call, an unknown method and a compressed message.
 * Usage: seeds_h2conn DIR */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *body;
    size_t len, off;
} src;

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
                         uint32_t *flags, nghttp2_data_source *source, void *user)
{
    (void)s, (void)id, (void)user;
    src *b = source->ptr;
    size_t n = b->len - b->off < length ? b->len - b->off : length;
    memcpy(buf, b->body + b->off, n);
    b->off += n;
    if (b->off == b->len) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

#define NV(n, v)                                                                                   \
    {                                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE                 \
    }

static void call(nghttp2_session *s, const char *path, src *body)
{
    nghttp2_nv nv[] = {NV(":method", "POST"),
                       NV(":scheme", "http"),
                       NV(":authority", "localhost"),
                       NV(":path", path),
                       NV("content-type", "application/grpc"),
                       NV("te", "trailers")};
    nghttp2_data_provider dp = {.source.ptr = body, .read_callback = read_body};
    nghttp2_submit_request(s, NULL, nv, 6, &dp, NULL);
}

static void write_seed(const char *dir, const char *name, nghttp2_session *s)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) exit(1);
    const uint8_t *data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(s, &data)) > 0)
        if (fwrite(data, 1, (size_t)n, f) != (size_t)n) exit(1);
    if (fclose(f) != 0) exit(1);
}

static nghttp2_session *client(void)
{
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session *s;
    nghttp2_session_client_new(&s, cbs, NULL);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0);
    /* the preface itself is written by the fuzz target */
    const uint8_t *skip;
    nghttp2_session_mem_send(s, &skip);
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    const char *dir = argv[1];
    static const uint8_t msg[] = {0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};
    static const uint8_t empty[] = {0, 0, 0, 0, 0};
    static const uint8_t compressed[] = {1, 0, 0, 0, 1, 'x'};
    static const uint8_t short_prefix[] = {0, 0, 0, 9, 1, 'x'};
    struct {
        const char *name, *path;
        const uint8_t *body;
        size_t len;
    } one[] = {
        {"echo", "/fuzz.Svc/Echo", msg, sizeof msg},
        {"empty", "/fuzz.Svc/Echo", empty, sizeof empty},
        {"fail", "/fuzz.Svc/Fail", msg, sizeof msg},
        {"unknown", "/plugin.GRPCBroker/StartStream", msg, sizeof msg},
        {"compressed", "/fuzz.Svc/Echo", compressed, sizeof compressed},
        {"bad_length", "/fuzz.Svc/Echo", short_prefix, sizeof short_prefix},
        {"shutdown", "/fuzz.Svc/Bye", empty, sizeof empty},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        nghttp2_session *s = client();
        src b = {one[i].body, one[i].len, 0};
        call(s, one[i].path, &b);
        write_seed(dir, one[i].name, s);
        nghttp2_session_del(s);
    }
    nghttp2_session *s = client();
    src b1 = {msg, sizeof msg, 0}, b2 = {msg, sizeof msg, 0}, b3 = {empty, sizeof empty, 0};
    call(s, "/fuzz.Svc/Echo", &b1);
    call(s, "/fuzz.Svc/Fail", &b2);
    call(s, "/fuzz.Svc/Echo", &b3);
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, 3, NGHTTP2_CANCEL);
    nghttp2_submit_ping(s, NGHTTP2_FLAG_NONE, NULL);
    nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE, 5, NGHTTP2_NO_ERROR, NULL, 0);
    write_seed(dir, "concurrent_cancel_ping_goaway", s);
    nghttp2_session_del(s);
    return 0;
}
