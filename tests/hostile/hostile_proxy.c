/* hostile_proxy.c — a hostile Phala Cloud API for tests: an HTTP/1.1 proxy in front of the
 * simulator that answers every request as a broken or malicious server would, so that each data
 * source and the resource can be driven through every case with realistic, endpoint-shaped data.
 *
 * The case is the first path segment: api_prefix = http://127.0.0.1:PORT/<case>/api/v1. The proxy
 * strips it, forwards the request to the simulator (Connection: close), reads the whole answer,
 * then serves it mangled as the case says (tests/hostile/cases.txt lists them with what a user
 * must see). Cases that need no upstream answer (resets, slowloris, endless bodies) still forward,
 * so the simulator's request log shows what the provider sent.
 *
 * Usage: hostile_proxy --upstream PORT --port-file FILE    (listens on a free loopback port) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int g_upstream_port;

typedef struct {
    char *data;
    size_t len, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) abort();
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void printf_(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0) return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Closes with a TCP RST instead of a FIN. */
static void reset(int fd)
{
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/* ---- the request ----------------------------------------------------------------------------- */

typedef struct {
    buf raw;       /* as received, path rewritten */
    char kase[64]; /* first path segment */
    char path[1024];
} request;

/* Reads headers and a Content-Length body; rewrites "/<case>/rest" to "/rest". */
static bool read_request(int fd, request *r)
{
    buf in = {0};
    char tmp[8192];
    char *end = NULL;
    while (!(end = in.data ? strstr(in.data, "\r\n\r\n") : NULL)) {
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0 || in.len > (1 << 20)) goto fail;
        put(&in, tmp, (size_t)n);
    }
    size_t head = (size_t)(end - in.data) + 4;
    size_t body = 0;
    const char *cl = strcasestr(in.data, "\r\ncontent-length:");
    if (cl && cl < end) body = strtoul(cl + 17, NULL, 10);
    while (in.len < head + body) {
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) goto fail;
        put(&in, tmp, (size_t)n);
    }
    char method[16];
    if (sscanf(in.data, "%15s %1023s", method, r->path) != 2 || r->path[0] != '/') goto fail;
    const char *rest = strchr(r->path + 1, '/');
    size_t klen = rest ? (size_t)(rest - r->path - 1) : strlen(r->path + 1);
    if (klen >= sizeof r->kase) klen = sizeof r->kase - 1;
    memcpy(r->kase, r->path + 1, klen);
    r->kase[klen] = 0;
    /* request line with the case removed, then the headers without Connection, then ours */
    printf_(&r->raw, "%s %s HTTP/1.1\r\n", method, rest ? rest : "/");
    const char *line = strstr(in.data, "\r\n") + 2;
    while (line < in.data + head - 2) {
        const char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "connection:", 11) != 0) {
            put(&r->raw, line, (size_t)(eol - line));
            puts_(&r->raw, "\r\n");
        }
        line = eol + 2;
    }
    puts_(&r->raw, "Connection: close\r\n\r\n");
    put(&r->raw, in.data + head, body);
    free(in.data);
    return true;
fail:
    free(in.data);
    return false;
}

/* ---- the upstream answer --------------------------------------------------------------------- */

typedef struct {
    int status;
    buf headers; /* header lines (CRLF each), without Content-Length / Connection */
    buf body;
} answer;

static bool forward(const request *r, answer *a)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_upstream_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        !send_all(fd, r->raw.data, r->raw.len)) {
        if (fd >= 0) close(fd);
        return false;
    }
    buf in = {0};
    char tmp[16384];
    ssize_t n;
    while ((n = recv(fd, tmp, sizeof tmp, 0)) > 0) put(&in, tmp, (size_t)n);
    close(fd);
    char *end = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
    if (!end || sscanf(in.data, "HTTP/1.%*d %d", &a->status) != 1) {
        free(in.data);
        return false;
    }
    const char *line = strstr(in.data, "\r\n") + 2;
    while (line < end) {
        const char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "content-length:", 15) != 0 &&
            strncasecmp(line, "connection:", 11) != 0 &&
            strncasecmp(line, "transfer-encoding:", 18) != 0) {
            put(&a->headers, line, (size_t)(eol - line));
            puts_(&a->headers, "\r\n");
        }
        line = eol + 2;
    }
    put(&a->body, end + 4, in.len - (size_t)(end + 4 - in.data));
    free(in.data);
    return true;
}

static void send_answer(int fd, const answer *a, const char *extra_headers)
{
    buf out = {0};
    printf_(&out, "HTTP/1.1 %d X\r\n", a->status);
    put(&out, a->headers.data ? a->headers.data : "", a->headers.len);
    if (extra_headers) puts_(&out, extra_headers);
    printf_(&out, "Content-Length: %zu\r\nConnection: close\r\n\r\n", a->body.len);
    put(&out, a->body.data ? a->body.data : "", a->body.len);
    send_all(fd, out.data, out.len);
    free(out.data);
}

/* The first JSON string value's first character becomes an invalid UTF-8 byte. */
static void corrupt_first_string_value(buf *b)
{
    for (char *p = b->data; p && (p = strchr(p, ':')); p++) {
        char *q = p + 1;
        while (*q == ' ') q++;
        if (*q == '"' && q[1] && q[1] != '"') {
            q[1] = (char)0xff;
            return;
        }
    }
}

/* ---- the cases (see cases.txt) --------------------------------------------------------------- */

static void error_body(answer *a, int status, const char *detail)
{
    a->status = status;
    free(a->headers.data);
    memset(&a->headers, 0, sizeof a->headers);
    puts_(&a->headers, "Content-Type: application/json\r\n");
    a->body.len = 0;
    printf_(&a->body, "{\"detail\":\"%s\"}", detail);
}

static void serve_case(int fd, const request *r, answer *a)
{
    const char *k = r->kase;
    if (strcmp(k, "passthrough") == 0) {
        send_answer(fd, a, NULL);
    } else if (strcmp(k, "reset_before_answer") == 0) {
        reset(fd);
        return;
    } else if (strcmp(k, "reset_mid_body") == 0) {
        buf out = {0};
        printf_(&out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                a->body.len + 100);
        put(&out, a->body.data, a->body.len / 2);
        send_all(fd, out.data, out.len);
        free(out.data);
        sleep_ms(100);
        reset(fd);
        return;
    } else if (strcmp(k, "truncated_body") == 0) {
        buf out = {0};
        printf_(&out,
                "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                "Connection: close\r\n\r\n",
                a->status, a->body.len);
        put(&out, a->body.data, a->body.len / 2);
        send_all(fd, out.data, out.len);
        free(out.data);
    } else if (strcmp(k, "endless_body") == 0) {
        /* chunked, never ending: the client must stop reading at its size cap */
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n";
        if (!send_all(fd, head, sizeof head - 1)) goto done;
        char chunk[65536 + 16];
        int n = snprintf(chunk, sizeof chunk, "10000\r\n");
        memset(chunk + n, ' ', 65536);
        memcpy(chunk + n + 65536, "\r\n", 2);
        if (!send_all(fd, "7\r\n{\"a\":[\r\n", 11)) goto done;
        while (send_all(fd, chunk, (size_t)n + 65536 + 2)) {
        }
    } else if (strcmp(k, "slowloris") == 0) {
        /* one byte every 2 s, for ever: only a total deadline ends it */
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
        for (size_t i = 0;; i = (i + 1) % (sizeof head - 1)) {
            if (!send_all(fd, head + i, 1)) break;
            sleep_ms(2000);
        }
    } else if (strcmp(k, "huge_header") == 0) {
        buf h = {0};
        puts_(&h, "X-Filler: ");
        for (int i = 0; i < (1 << 20); i++) put(&h, "a", 1);
        puts_(&h, "\r\n");
        send_answer(fd, a, h.data);
        free(h.data);
    } else if (strcmp(k, "deep_nesting") == 0) {
        a->status = 200;
        a->body.len = 0;
        for (int i = 0; i < 200000; i++) put(&a->body, "[", 1);
        send_answer(fd, a, NULL);
    } else if (strcmp(k, "huge_json") == 0) {
        /* 64 MiB of a valid array of strings: above any sane answer size */
        a->status = 200;
        a->body.len = 0;
        puts_(&a->body, "{\"items\":[");
        for (int i = 0; i < (1 << 21); i++)
            puts_(&a->body, i ? ",\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"" : "\"x\"");
        puts_(&a->body, "],\"total\":1}");
        send_answer(fd, a, NULL);
    } else if (strcmp(k, "invalid_utf8_value") == 0) {
        if (a->status < 300) corrupt_first_string_value(&a->body);
        send_answer(fd, a, NULL);
    } else if (strcmp(k, "terminal_escapes") == 0) {
        error_body(a, 400,
                   "\\u001b]0;pwned\\u0007\\u001b[2J\\rInvalid request \\u001b[31mred\\u001b[0m");
        send_answer(fd, a, "X-Request-ID: req-\x1b[2J-\xff\xfe\r\n");
    } else if (strcmp(k, "invalid_utf8_detail") == 0) {
        a->status = 422;
        a->body.len = 0;
        puts_(&a->body, "{\"detail\":\"bad \xff\xfe bytes \xc3\"}");
        send_answer(fd, a, "Content-Type: application/json\r\n");
    } else if (strcmp(k, "cross_origin_redirect") == 0) {
        error_body(a, 302, "moved");
        send_answer(fd, a, "Location: http://attacker.invalid/steal\r\n");
    } else if (strcmp(k, "absurd_retry_after") == 0) {
        error_body(a, 503, "come back later");
        send_answer(fd, a, "Retry-After: 99999999999999999999\r\n");
    } else if (strcmp(k, "html_error") == 0) {
        a->status = 502;
        free(a->headers.data);
        memset(&a->headers, 0, sizeof a->headers);
        puts_(&a->headers, "Content-Type: text/html\r\n");
        a->body.len = 0;
        puts_(&a->body, "<html><body><h1>502 Bad Gateway</h1>\x1b[2J</body></html>");
        send_answer(fd, a, NULL);
    } else {
        error_body(a, 599, "hostile_proxy: unknown case");
        send_answer(fd, a, NULL);
    }
done:
    close(fd);
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    request r = {0};
    answer a = {0};
    if (!read_request(fd, &r)) {
        close(fd);
        goto out;
    }
    if (!forward(&r, &a)) error_body(&a, 502, "hostile_proxy: the simulator did not answer");
    serve_case(fd, &r, &a);
out:
    free(r.raw.data);
    free(a.headers.data);
    free(a.body.data);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--upstream") == 0) g_upstream_port = atoi(argv[i + 1]);
        if (strcmp(argv[i], "--port-file") == 0) port_file = argv[i + 1];
    }
    if (!g_upstream_port || !port_file) {
        fprintf(stderr, "usage: hostile_proxy --upstream PORT --port-file FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 64) != 0 ||
        getsockname(s, (struct sockaddr *)&sa, &sl) != 0) {
        perror("hostile_proxy");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(f) != 0 ||
        rename(tmp, port_file) != 0) {
        perror("hostile_proxy: port file");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, serve, (void *)(intptr_t)c) != 0) close(c);
        pthread_attr_destroy(&attr);
    }
}
