/* plugabuse.c — abuses a provider's plugin socket the way a hostile local process could, for
 * test_plugin_socket.sh:
 *   plugabuse wrap PROVIDER   stands in for the provider under terraform: starts it, fills its
 *                             socket with 70 idle connections and 4 partial ClientHellos, then
 *                             passes the handshake line on, so terraform's own client connects
 *                             to an attacked socket (a line per attack goes to $PLUGABUSE_LOG)
 *   plugabuse flood PROVIDER  the same attack on a provider it starts with its own client
 *                             certificate, then: an authenticated call must work, the partial
 *                             handshakes must be closed after the deadline, the socket must
 *                             be the owner's only from its creation (started under umask 0)
 *   plugabuse size PROVIDER   authenticated: a prefix declaring 1 GiB must be refused before its
 *                             body, and 2 connections x 100 streams of 1 MiB of 15 MiB messages that never end
 *                             must leave the provider's peak RSS (VmHWM) bounded
 * Prints "ok"/"FAIL" lines with the numbers; exits 1 if any check failed. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clientcert.h"
#include "h2client.h"

extern char **environ;

#define IDLE_CONNS     70
#define PARTIAL_HELLOS 4
#define DEADLINE_S     10 /* the provider's handshake deadline */
#define SCHEMA         "/tfplugin6.Provider/GetProviderSchema"
#define COOKIE                                                                                     \
    "TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
#define RSS_BOUND_KB (110 * 1024) /* 48 MiB of requests at most, plus the process itself */

static int g_failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        bool ok_ = (cond);                                                                         \
        printf(ok_ ? "ok   " : "FAIL ");                                                           \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
        if (!ok_) g_failures++;                                                                    \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Starts bin with extra environment entries and its stdout on a pipe; reads the first line. */
static pid_t start(const char *bin, char *const *extra, char *line, size_t cap, int *out_fd)
{
    size_t n = 0, k = 0;
    while (environ[n]) n++;
    while (extra && extra[k]) k++;
    char **env = calloc(n + k + 1, sizeof *env);
    memcpy(env, environ, n * sizeof *env);
    memcpy(env + n, extra, k * sizeof *env);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char *argv[] = {(char *)bin, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    close(out[1]);
    if (rc != 0) return -1;
    size_t len = 0;
    while (len < cap - 1 && read(out[0], line + len, 1) == 1 && line[len] != '\n') len++;
    line[len] = 0;
    *out_fd = out[0];
    return pid;
}

/* Field i (0-based) of the handshake line 1|6|unix|PATH|grpc|CERT. */
static void field(const char *line, int i, char *out, size_t cap)
{
    const char *p = line;
    for (int k = 0; k < i && p; k++) p = strchr(p, '|'), p = p ? p + 1 : NULL;
    size_t n = p ? strcspn(p, "|\n") : 0;
    if (n >= cap) n = cap - 1;
    memcpy(out, p ? p : "", n);
    out[n] = 0;
}

static int dial(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A TLS record announcing a 512-byte ClientHello, of which only the start is sent. */
static int partial_hello(const char *path)
{
    static const unsigned char start[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
                                          0x03, 0x03, 1,    2,    3,    4,    5,    6,    7};
    int fd = dial(path);
    if (fd >= 0 && write(fd, start, sizeof start) != (ssize_t)sizeof start) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The server closed fd (EOF or reset)? Never blocks. */
static bool closed_by_server(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) return false;
    char b;
    return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

typedef struct {
    int idle[IDLE_CONNS], partial[PARTIAL_HELLOS];
    double opened;
} attack;

static void attack_open(attack *a, const char *path)
{
    for (int i = 0; i < IDLE_CONNS; i++) a->idle[i] = dial(path);
    a->opened = now_s();
    for (int i = 0; i < PARTIAL_HELLOS; i++) a->partial[i] = partial_hello(path);
}

static int count_open(const int *fds, int n)
{
    int open = 0;
    for (int i = 0; i < n; i++) open += fds[i] >= 0 && !closed_by_server(fds[i]);
    return open;
}

/* ---- wrap ------------------------------------------------------------------------------------ */

static int wrap(const char *bin)
{
    char line[8192], path[256];
    int out;
    pid_t pid = start(bin, NULL, line, sizeof line, &out);
    if (pid < 0) return 1;
    field(line, 3, path, sizeof path);
    attack a;
    attack_open(&a, path);
    int dialled = count_open(a.idle, IDLE_CONNS) + count_open(a.partial, PARTIAL_HELLOS);
    printf("%s\n", line); /* now terraform connects, to a socket full of strangers */
    fflush(stdout);
    const char *log = getenv("PLUGABUSE_LOG");
    FILE *f = log ? fopen(log, "a") : NULL;
    if (f) {
        fprintf(f, "attacked pid %d: %d connections open before terraform's\n", (int)pid, dialled);
        fclose(f);
    }
    char buf[4096];
    ssize_t r;
    while ((r = read(out, buf, sizeof buf)) > 0)
        if (write(1, buf, (size_t)r) < 0) break;
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* ---- the authenticated client ------------------------------------------------------------------ */

static SSL_CTX *client_ctx(const client_cert *cc)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    BIO *b = BIO_new_mem_buf(cc->cert_pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    b = BIO_new_mem_buf(cc->key_pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    SSL_CTX_use_certificate(ctx, x);
    SSL_CTX_use_PrivateKey(ctx, k);
    X509_free(x);
    EVP_PKEY_free(k);
    static const unsigned char alpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* the server is under test, not trusted */
    return ctx;
}

typedef struct {
    int fd;
    SSL *ssl;
    h2client *h;
} authed;

static bool authed_open(authed *a, SSL_CTX *ctx, const char *path)
{
    memset(a, 0, sizeof *a);
    a->fd = dial(path);
    if (a->fd < 0) return false;
    struct timeval tv = {20, 0}; /* a handshake that hangs fails the check instead */
    setsockopt(a->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    a->ssl = SSL_new(ctx);
    SSL_set_fd(a->ssl, a->fd);
    if (SSL_connect(a->ssl) != 1) return false;
    a->h = h2client_new(a->fd, a->ssl);
    return a->h != NULL;
}

static void authed_close(authed *a)
{
    h2client_free(a->h);
    if (a->ssl) SSL_free(a->ssl);
    if (a->fd >= 0) close(a->fd);
}

/* Waits up to secs for a grpc-status on the stream; returns it (-1: none, -2: connection lost). */
static int wait_status(authed *a, int32_t id, double secs)
{
    double until = now_s() + secs;
    while (h2client_status(a->h, id) < 0 && now_s() < until)
        if (!h2client_pump(a->h, 50)) return -2;
    return h2client_status(a->h, id);
}

static bool schema_call(SSL_CTX *ctx, const char *path, double *ms)
{
    authed a;
    double t0 = now_s();
    bool ok = authed_open(&a, ctx, path);
    int32_t id = ok ? h2client_call(a.h, SCHEMA, 0, 0, true) : -1;
    ok = ok && id > 0 && wait_status(&a, id, 20) == 0;
    *ms = (now_s() - t0) * 1e3;
    authed_close(&a);
    return ok;
}

static long vmhwm_kb(pid_t pid)
{
    char p[64], l[256];
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    FILE *f = fopen(p, "r");
    long kb = -1;
    while (f && fgets(l, sizeof l, f))
        if (strncmp(l, "VmHWM:", 6) == 0) kb = atol(l + 6);
    if (f) fclose(f);
    return kb;
}

static pid_t start_tls(const char *bin, client_cert *cc, char *path, size_t cap)
{
    if (client_cert_generate(cc) != 0) return -1;
    static char certenv[8192];
    snprintf(certenv, sizeof certenv, "PLUGIN_CLIENT_CERT=%s", cc->cert_pem);
    char *extra[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=6", certenv, NULL};
    char line[8192];
    int out;
    pid_t pid = start(bin, extra, line, sizeof line, &out);
    if (pid < 0) return -1;
    close(out);
    field(line, 3, path, cap);
    return pid;
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* ---- flood --------------------------------------------------------------------------------------- */

static int flood(const char *bin)
{
    client_cert cc;
    char path[256];
    /* under umask 0 a socket would be born 0777: the provider's own umask at bind makes it 0600
     * from the start, with no moment anyone else could connect */
    mode_t old_umask = umask(0);
    pid_t pid = start_tls(bin, &cc, path, sizeof path);
    umask(old_umask);
    if (pid < 0) return 2;
    SSL_CTX *ctx = client_ctx(&cc);

    struct stat sock;
    const char *tmpdir = getenv("TMPDIR");
    char want[256];
    snprintf(want, sizeof want, "%s/plugin", tmpdir && *tmpdir ? tmpdir : "/tmp");
    CHECK(stat(path, &sock) == 0 && sock.st_uid == getuid() && (sock.st_mode & 0777) == 0600,
          "socket %s is the owner's only (mode %03o)", path, (unsigned)(sock.st_mode & 0777));
    CHECK(strncmp(path, want, strlen(want)) == 0 && !strchr(path + strlen(want), '/'),
          "the socket sits in TMPDIR itself, with no directory of its own (%s)", path);

    attack a;
    attack_open(&a, path);
    usleep(300 * 1000); /* the server has seen them all */
    int idle_open = count_open(a.idle, IDLE_CONNS),
        partial_open = count_open(a.partial, PARTIAL_HELLOS);
    printf("after %d idle connections and %d partial ClientHellos: %d and %d still open\n",
           IDLE_CONNS, PARTIAL_HELLOS, idle_open, partial_open);
    double ms;
    CHECK(schema_call(ctx, path, &ms),
          "an authenticated client still connects and gets the "
          "schema (%.0f ms)",
          ms);

    /* the partial handshakes: open until the deadline, closed soon after it */
    double closed_at[PARTIAL_HELLOS];
    int left = 0;
    for (int i = 0; i < PARTIAL_HELLOS; i++) closed_at[i] = -1, left += a.partial[i] >= 0;
    while (left && now_s() - a.opened < DEADLINE_S + 30) {
        for (int i = 0; i < PARTIAL_HELLOS; i++)
            if (closed_at[i] < 0 && a.partial[i] >= 0 && closed_by_server(a.partial[i])) {
                closed_at[i] = now_s() - a.opened;
                left--;
            }
        usleep(50 * 1000);
    }
    for (int i = 0; i < PARTIAL_HELLOS; i++)
        CHECK(closed_at[i] >= DEADLINE_S - 1 && closed_at[i] <= DEADLINE_S + 20,
              "partial ClientHello %d closed %.1f s after it was sent (deadline %d s)", i,
              closed_at[i], DEADLINE_S);
    CHECK(schema_call(ctx, path, &ms), "the provider still serves (%.0f ms)", ms);
    for (int i = 0; i < IDLE_CONNS; i++) close(a.idle[i]);
    for (int i = 0; i < PARTIAL_HELLOS; i++) close(a.partial[i]);
    stop(pid);
    CHECK(access(path, F_OK) != 0, "the socket is gone after exit");
    SSL_CTX_free(ctx);
    client_cert_free(&cc);
    return g_failures ? 1 : 0;
}

/* ---- size ----------------------------------------------------------------------------------------- */

static int size(const char *bin)
{
    client_cert cc;
    char path[256];
    pid_t pid = start_tls(bin, &cc, path, sizeof path);
    if (pid < 0) return 2;
    SSL_CTX *ctx = client_ctx(&cc);
    double ms;
    CHECK(schema_call(ctx, path, &ms), "schema call before (%.0f ms)", ms);
    long base = vmhwm_kb(pid);

    authed a;
    CHECK(authed_open(&a, ctx, path), "authenticated");
    double t0 = now_s();
    int32_t id = h2client_call(a.h, SCHEMA, 1u << 30, 0, false); /* only the prefix */
    int st = wait_status(&a, id, 20);
    CHECK(st == 8, "a prefix declaring 1 GiB, no body: grpc-status %d after %.0f ms", st,
          (now_s() - t0) * 1e3);
    authed_close(&a);

    enum { CONNS = 2, STREAMS = 100 };
    const size_t part = 1u << 20;
    authed c[CONNS];
    int32_t ids[CONNS][STREAMS];
    for (int k = 0; k < CONNS; k++) {
        CHECK(authed_open(&c[k], ctx, path), "connection %d authenticated", k);
        for (int i = 0; i < STREAMS; i++)
            ids[k][i] = h2client_call(c[k].h, SCHEMA, 15u << 20, part, false);
    }
    double until = now_s() + 90;
    bool busy = true;
    while (busy && now_s() < until) {
        busy = false;
        for (int k = 0; k < CONNS; k++) {
            if (!h2client_pump(c[k].h, 20)) continue;
            for (int i = 0; i < STREAMS; i++)
                if (!h2client_closed(c[k].h, ids[k][i]) && h2client_sent(c[k].h, ids[k][i]) < part)
                    busy = true;
        }
    }
    for (int k = 0; k < CONNS; k++) h2client_pump(c[k].h, 300);
    int refused = 0;
    for (int k = 0; k < CONNS; k++)
        for (int i = 0; i < STREAMS; i++) refused += h2client_status(c[k].h, ids[k][i]) == 8;
    long hwm = vmhwm_kb(pid);
    printf("%d x %d streams of 1 MiB partial messages: %d refused; VmHWM %ld kB (before: %ld kB)\n",
           CONNS, STREAMS, refused, hwm, base);
    CHECK(hwm > 0 && hwm < RSS_BOUND_KB, "peak RSS %ld kB under %d kB", hwm, RSS_BOUND_KB);
    for (int k = 0; k < CONNS; k++) authed_close(&c[k]);
    CHECK(schema_call(ctx, path, &ms), "the provider still serves (%.0f ms)", ms);
    stop(pid);
    SSL_CTX_free(ctx);
    client_cert_free(&cc);
    return g_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "wrap") == 0) return wrap(argv[2]);
    if (argc == 3 && strcmp(argv[1], "flood") == 0) return flood(argv[2]);
    if (argc == 3 && strcmp(argv[1], "size") == 0) return size(argv[2]);
    fprintf(stderr, "usage: plugabuse wrap|flood|size PROVIDER\n");
    return 2;
}
