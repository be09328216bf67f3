/* rpcserver.c — the plugin server (see rpcserver.h): start-up in the order that makes the
 * handshake line early, then one poll loop over the listening socket, the connections and the
 * workers' eventfd.
 *
 * Start-up: this thread makes the server certificate and binds the socket; the line is printed as
 * soon as both exist. An OpenSSL context is built only if a connection needs one (tlsctx.h).
 *
 * Connections: a client is pre-authentication until its TLS handshake (with Terraform's client
 * certificate, or as our ancestor: tlsconn.h) is complete, or, without TLS, until its HTTP/2
 * preface arrives. Pre-authentication connections get HANDSHAKE_DEADLINE_S to get there and at
 * most PREAUTH_MAX places, where a new connection takes the place of the oldest: connections that
 * never finish (or never start) their handshake cannot lock Terraform's own client out, as 64 of
 * them did when all connections shared one limit. Exit: once the Shutdown reply is written the
 * process ends with _exit — there is nothing left to tear down that the kernel does not reclaim,
 * and Terraform waits for the exit. */
#include "rpcserver.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "grpcconn.h"
#include "plugsock.h"
#include "prefault.h"
#include "tfcancel.h"
#include "tflog.h"
#include "tlsctx.h"
#include "tlsinit.h"
#include "workers.h"

#define MAX_CONNS            64
#define PREAUTH_MAX          8 /* Terraform's client needs one, for a few milliseconds */
#define AUTHED_MAX           (MAX_CONNS - PREAUTH_MAX)
#define HANDSHAKE_DEADLINE_S 10 /* a local handshake takes milliseconds, even on a loaded host */
/* What a provider life touches (prefault.h): the first 256 KiB of its heap. A plan's life that
 * configures and reads goes a little beyond, but on a VM a populated page that is never used still
 * costs ~0.5 us and teardown: 512 KiB cost 0.2-0.5 ms more a plan of one data source (interleaved
 * plans, stripped binaries). */
#define PREFAULT_HEAP (256 << 10)

static struct {
    const rpc_server_config *cfg;
    char socket_path[108];
    tls_server *tls; /* NULL: plain (debug mode, or no PLUGIN_CLIENT_CERT) */
    h2conn *conns[MAX_CONNS];
    long long accepted_ms[MAX_CONNS]; /* when conns[i] was accepted (monotonic) */
    int n_conns;
    uint64_t next_id;
} S;

static volatile sig_atomic_t g_signal_exit;

static void on_signal(int sig)
{
    (void)sig;
    g_signal_exit = 1;
}

static h2conn *conn_by_id(uint64_t id)
{
    for (int i = 0; i < S.n_conns; i++)
        if (h2conn_id(S.conns[i]) == id) return S.conns[i];
    return NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_drop(h2conn *c)
{
    for (int i = 0; i < S.n_conns; i++)
        if (S.conns[i] == c) {
            S.n_conns--;
            S.conns[i] = S.conns[S.n_conns];
            S.accepted_ms[i] = S.accepted_ms[S.n_conns];
            break;
        }
    h2conn_free(c);
}

/* The oldest (established false) or youngest (true) connection in that state, or -1; *count is
 * set to how many are in it. */
static int conn_pick(bool established, bool youngest, int *count)
{
    int pick = -1;
    *count = 0;
    for (int i = 0; i < S.n_conns; i++) {
        if (h2conn_established(S.conns[i]) != established) continue;
        ++*count;
        /* ids count up from accept to accept: many share a millisecond */
        uint64_t id = h2conn_id(S.conns[i]);
        if (pick < 0 || (youngest ? id > h2conn_id(S.conns[pick]) : id < h2conn_id(S.conns[pick])))
            pick = i;
    }
    return pick;
}

/* Closes pre-authentication connections past the deadline, and established ones beyond
 * AUTHED_MAX (only Terraform, or clients holding its certificate, can get there). */
static void enforce_limits(void)
{
    long long now = now_ms();
    for (int i = 0; i < S.n_conns; i++) {
        if (h2conn_established(S.conns[i]) ||
            now - S.accepted_ms[i] < HANDSHAKE_DEADLINE_S * 1000LL)
            continue;
        tf_log(TF_LOG_DEBUG, "closing a connection that did not finish its handshake in time",
               NULL);
        conn_drop(S.conns[i--]);
    }
    int n;
    for (int i = conn_pick(true, true, &n); n > AUTHED_MAX; i = conn_pick(true, true, &n)) {
        tf_log(TF_LOG_WARN, "closing a connection: too many clients", NULL);
        conn_drop(S.conns[i]);
    }
}

/* A complete request from a connection: inline methods run here, the rest on a worker. */
static void dispatch(h2conn *c, rpc_call *call)
{
    if (call->method->inline_call) {
        workers_run(call);
        h2conn_complete(c, call); /* a dead connection is found by the poll loop */
    } else {
        /* the API client's TLS and AES-GCM are OpenSSL's (tlsinit.h); set up here, on this
         * thread, before any worker can race to a first OpenSSL call of its own */
        tls_openssl_init();
        workers_submit(call); /* libcurl's TLS messages load OpenSSL's strings (errwrap.c) */
    }
}

static void accept_all(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        int pre, oldest = conn_pick(false, false, &pre);
        if (pre >= PREAUTH_MAX || S.n_conns == MAX_CONNS) {
            tf_log(TF_LOG_DEBUG,
                   "too many connections waiting for their handshake: closing the "
                   "oldest",
                   NULL);
            if (oldest >= 0) conn_drop(S.conns[oldest]);
        }
        h2conn *c = S.n_conns < MAX_CONNS ? h2conn_new(fd, S.tls, ++S.next_id, S.cfg->methods,
                                                       S.cfg->n_methods, dispatch)
                                          : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        S.accepted_ms[S.n_conns] = now_ms();
        S.conns[S.n_conns++] = c;
    }
}

static void deliver_answers(void)
{
    for (rpc_call *call = workers_take(), *next; call; call = next) {
        next = call->next;
        h2conn *c = conn_by_id(call->conn_id);
        if (!c) { /* the connection went away while the handler ran */
            rpc_call_free(call);
        } else if (!h2conn_complete(c, call)) {
            conn_drop(c);
        }
    }
}

static void print_handshake(const tls_cert *cert)
{
    if (S.cfg->debug) {
        printf(
            "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment "
            "variable with the "
            "following:\n\n\tTF_REATTACH_PROVIDERS='{\"%s\":{\"Protocol\":\"grpc\","
            "\"ProtocolVersion\":6,\"Pid\":%ld,\"Test\":true,\"Addr\":{\"Network\":\"unix\","
            "\"String\":\"%s\"}}}'\n\n",
            S.cfg->provider_address, (long)getpid(), S.socket_path);
    } else {
        /* core protocol 1, app protocol 6; the cert field stays empty without TLS */
        printf("1|6|unix|%s|grpc|%s\n", S.socket_path, cert ? cert->b64der : "");
    }
    fflush(stdout); /* stdout is a pipe: fully buffered until flushed */
}

/* Makes the certificate, binds, prints the line. Returns the listening socket or -1 (with the
 * reason on stderr, which Terraform shows). */
static int start(void)
{
    char err[512];
    const char *client_cert = getenv("PLUGIN_CLIENT_CERT");
    bool tls = !S.cfg->debug && client_cert && *client_cert;
    if (tls) {
        if (tls_client_cert_check(client_cert, err, sizeof err) != 0) goto fail;
        if (!(S.tls = tls_server_new(client_cert, err, sizeof err))) goto fail;
    }
    int lfd = plugsock_listen(S.socket_path, sizeof S.socket_path, err, sizeof err);
    if (lfd < 0) goto fail;
    print_handshake(tls ? tls_server_cert(S.tls) : NULL);
    plugsock_apply_group(S.socket_path);
    return lfd;
fail:
    tls_server_free(S.tls);
    S.tls = NULL;
    fprintf(stderr, "%s\n", err);
    return -1;
}

/* Stops in-flight work (it sees the stop flag within its polling interval), then leaves. */
static _Noreturn void finish(int code)
{
    tf_stop_raise();
    workers_wait_idle(1000);
    plugsock_remove(S.socket_path);
    fflush(stdout);
    _exit(code);
}

int rpc_serve(const rpc_server_config *cfg)
{
    S.cfg = cfg;
    prefault_process(PREFAULT_HEAP); /* first: before the work that touches it */
    signal(SIGPIPE, SIG_IGN);
    /* Ctrl-C reaches the whole process group; Terraform answers it with StopProvider, so the
     * provider must survive it (go-plugin servers "eat the interrupts"). */
    signal(SIGINT, cfg->debug ? on_signal : SIG_IGN);
    signal(SIGTERM, on_signal);
    /* OpenSSL is set up on first need (tlsinit.h): Terraform's connection needs none */

    int lfd = start();
    if (lfd < 0) return 1;
    int efd = workers_init(cfg->workers);
    if (efd < 0) {
        fprintf(stderr, "cannot create the worker queue: %s\n", strerror(errno));
        finish(1);
    }
    tf_log(TF_LOG_DEBUG, "provider server started", "socket", S.socket_path, NULL);

    /* The parent pid is taken at process start (by the caller): read here, after the handshake,
     * a parent that already died would look like our parent for ever. */
    pid_t parent = cfg->parent_pid > 0 ? (pid_t)cfg->parent_pid : getppid();
    struct pollfd fds[2 + MAX_CONNS];
    uint64_t polled[MAX_CONNS]; /* by id: a connection may be freed while the loop runs */
    for (;;) {
        fds[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = efd, .events = POLLIN};
        int n = S.n_conns;
        for (int i = 0; i < n; i++) {
            polled[i] = h2conn_id(S.conns[i]);
            fds[2 + i] =
                (struct pollfd){.fd = h2conn_fd(S.conns[i]), .events = h2conn_events(S.conns[i])};
        }
        int r = poll(fds, (nfds_t)(2 + n), 200);
        if (g_signal_exit) break;
        /* Terraform may die without calling Shutdown; nobody would ever stop us then. */
        if (getppid() != parent) {
            tf_log(TF_LOG_INFO, "parent process exited; stopping", NULL);
            break;
        }
        if (r < 0 && errno != EINTR) break;
        enforce_limits();
        if (r <= 0) continue;
        if (fds[1].revents) deliver_answers();
        for (int i = 0; i < n; i++) {
            h2conn *c = fds[2 + i].revents ? conn_by_id(polled[i]) : NULL;
            if (c && !h2conn_ready(c, fds[2 + i].revents)) conn_drop(c);
        }
        for (int i = 0; i < S.n_conns; i++)
            if (h2conn_shutdown_answered(S.conns[i])) {
                tf_log(TF_LOG_DEBUG, "Shutdown answered; exiting", NULL);
                finish(0);
            }
        if (fds[0].revents) accept_all(lfd);
    }
    tf_log(TF_LOG_DEBUG, "provider server stopping", NULL);
    finish(0);
}
