/* rpcserver.c — gRPC core server loop (see rpcserver.h).
 *
 * One thread polls the completion queue; each call walks REQUESTED → RECEIVING → SENDING, one batch
 * at a time, with the call context itself as the tag. Received requests go to a worker pool so that
 * Terraform's parallel RPCs (10 by default) overlap and StopProvider is answered while long
 * operations run. grpc_call_start_batch is safe from any thread as long as one call never has two
 * batches of the same kind outstanding, which the state machine guarantees. */
#include "rpcserver.h"

#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <grp.h>

#include "tfcancel.h"
#include "tflog.h"
#include "tlscert.h"

#define MAX_MESSAGE      (256 << 20) /* same as terraform-plugin-go: schemas and states can be big */
#define PENDING_REQUESTS 16          /* grpc_server_request_call slots kept open */

enum call_state { ST_REQUESTED, ST_RECEIVING, ST_SENDING };

typedef struct call_ctx {
    enum call_state state;
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array request_md;
    grpc_byte_buffer *recv;
    grpc_byte_buffer *send;
    int recv_close_cancelled;
    const rpc_method *method;
    struct call_ctx *next_job;
} call_ctx;

static struct {
    grpc_server *server;
    grpc_completion_queue *cq;
    const rpc_server_config *cfg;
    atomic_bool shutdown_wanted;
    char socket_path[108];
    /* worker queue */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    call_ctx *head, *tail;
    bool workers_quit;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int shutdown_tag; /* address used as the tag of grpc_server_shutdown_and_notify */
static volatile sig_atomic_t g_signal_exit;

static void on_signal(int sig)
{
    (void)sig;
    g_signal_exit = 1;
}

static void request_call(void)
{
    call_ctx *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->state = ST_REQUESTED;
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->request_md);
    if (grpc_server_request_call(S.server, &c->call, &c->details, &c->request_md, S.cq, S.cq, c) !=
        GRPC_CALL_OK) {
        grpc_call_details_destroy(&c->details);
        grpc_metadata_array_destroy(&c->request_md);
        free(c);
    }
}

static void free_call(call_ctx *c)
{
    if (c->recv) grpc_byte_buffer_destroy(c->recv);
    if (c->send) grpc_byte_buffer_destroy(c->send);
    if (c->call) grpc_call_unref(c->call);
    grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->request_md);
    free(c);
}

static const rpc_method *find_method(const grpc_slice *path)
{
    size_t n = GRPC_SLICE_LENGTH(*path);
    const char *p = (const char *)GRPC_SLICE_START_PTR(*path);
    for (size_t i = 0; i < S.cfg->n_methods; i++) {
        const char *m = S.cfg->methods[i].path;
        if (strlen(m) == n && memcmp(m, p, n) == 0) return &S.cfg->methods[i];
    }
    return NULL;
}

/* Sends the response (or a bare status) and moves the call to SENDING. */
static void send_reply(call_ctx *c, int status, const tf_buf *resp)
{
    grpc_op ops[3];
    memset(ops, 0, sizeof ops);
    size_t n = 0;
    if (status == GRPC_STATUS_OK) {
        grpc_slice s =
            grpc_slice_from_copied_buffer(resp->len ? (const char *)resp->data : "", resp->len);
        c->send = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n++].data.send_message.send_message = c->send;
    }
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status = (grpc_status_code)status;
    ops[n++].data.send_status_from_server.trailing_metadata_count = 0;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n++].data.recv_close_on_server.cancelled = &c->recv_close_cancelled;
    c->state = ST_SENDING;
    if (grpc_call_start_batch(c->call, ops, n, c, NULL) != GRPC_CALL_OK) {
        tf_log(TF_LOG_ERROR, "cannot send a reply", NULL);
        free_call(c);
    }
}

static void run_handler(call_ctx *c)
{
    uint8_t *req = NULL;
    size_t len = 0;
    if (c->recv) {
        grpc_byte_buffer_reader reader;
        if (grpc_byte_buffer_reader_init(&reader, c->recv)) {
            grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
            len = GRPC_SLICE_LENGTH(all);
            req = malloc(len ? len : 1);
            if (!req) abort();
            memcpy(req, GRPC_SLICE_START_PTR(all), len);
            grpc_slice_unref(all);
            grpc_byte_buffer_reader_destroy(&reader);
        }
    }
    tf_buf resp = {0};
    int status = c->method->handler(req ? req : (const uint8_t *)"", len, &resp);
    if (req) {
        explicit_bzero(req, len); /* requests carry configuration values, maybe secrets */
        free(req);
    }
    send_reply(c, status, &resp);
    tf_buf_free(&resp);
}

static void *worker_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&S.mu);
        while (!S.head && !S.workers_quit) pthread_cond_wait(&S.cv, &S.mu);
        if (!S.head) {
            pthread_mutex_unlock(&S.mu);
            return NULL;
        }
        call_ctx *c = S.head;
        S.head = c->next_job;
        if (!S.head) S.tail = NULL;
        pthread_mutex_unlock(&S.mu);
        run_handler(c);
    }
}

static void enqueue(call_ctx *c)
{
    pthread_mutex_lock(&S.mu);
    c->next_job = NULL;
    if (S.tail)
        S.tail->next_job = c;
    else
        S.head = c;
    S.tail = c;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
}

static void on_new_call(call_ctx *c)
{
    if (!atomic_load(&S.shutdown_wanted)) request_call(); /* keep a slot open for the next one */
    c->method = find_method(&c->details.method);
    if (tf_log_enabled(TF_LOG_TRACE)) {
        char *m = grpc_slice_to_c_string(c->details.method);
        tf_log(TF_LOG_TRACE, "received gRPC call", "method", m, NULL);
        gpr_free(m);
    }
    if (!c->method) {
        /* Unknown methods (and the stdio/broker streams) must get an answer, or the client hangs. */
        grpc_op ops[3];
        memset(ops, 0, sizeof ops);
        ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
        ops[1].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
        ops[1].data.send_status_from_server.status = GRPC_STATUS_UNIMPLEMENTED;
        ops[2].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
        ops[2].data.recv_close_on_server.cancelled = &c->recv_close_cancelled;
        c->state = ST_SENDING;
        if (grpc_call_start_batch(c->call, ops, 3, c, NULL) != GRPC_CALL_OK) {
            free_call(c);
        }
        return;
    }
    grpc_op ops[2];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_RECV_MESSAGE;
    ops[1].data.recv_message.recv_message = &c->recv;
    c->state = ST_RECEIVING;
    if (grpc_call_start_batch(c->call, ops, 2, c, NULL) != GRPC_CALL_OK) {
        free_call(c);
    }
}

static void on_event(call_ctx *c, int success)
{
    switch (c->state) {
    case ST_REQUESTED:
        if (!success) { /* the server is shutting down */
            free_call(c);
            return;
        }
        on_new_call(c);
        return;
    case ST_RECEIVING:
        if (!success) {
            send_reply(c, GRPC_STATUS_CANCELLED, NULL);
            return;
        }
        if (c->method->inline_call)
            run_handler(c);
        else
            enqueue(c);
        return;
    case ST_SENDING:
        if (c->method && c->method->then_shutdown) atomic_store(&S.shutdown_wanted, true);
        free_call(c);
        return;
    }
}

/* A unique socket path like go-plugin's: "<dir>/plugin<random>". */
static int make_socket_path(char *out, size_t cap)
{
    const char *dir = getenv("PLUGIN_UNIX_SOCKET_DIR");
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char tmpl[108];
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/pluginXXXXXX", dir) >= sizeof tmpl) return -1;
    int fd = mkstemp(tmpl);
    if (fd < 0) return -1;
    close(fd);
    unlink(tmpl);
    if (strlen(tmpl) >= cap) return -1;
    strcpy(out, tmpl);
    return 0;
}

static void apply_socket_group(const char *path)
{
    const char *group = getenv("PLUGIN_UNIX_SOCKET_GROUP");
    if (!group || !*group) return;
    char *end;
    long gid = strtol(group, &end, 10);
    if (*end) {
        struct group *g = getgrnam(group);
        if (!g) return;
        gid = g->gr_gid;
    }
    if (chown(path, (uid_t)-1, (gid_t)gid) == 0) chmod(path, 0660);
}

static grpc_server_credentials *make_credentials(tls_cert *cert, bool *tls, int *rc)
{
    const char *client_cert = getenv("PLUGIN_CLIENT_CERT");
    *tls = !S.cfg->debug && client_cert && *client_cert;
    if (!*tls) return grpc_insecure_server_credentials_create();
    char err[256];
    if (tls_cert_generate(cert, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        *rc = 1;
        return NULL;
    }
    grpc_ssl_pem_key_cert_pair pair = {cert->key_pem, cert->cert_pem};
    /* The client's certificate is the only trusted root, and it must be presented: go-plugin's
     * server does exactly this (RequireAndVerifyClientCert). */
    return grpc_ssl_server_credentials_create_ex(
        client_cert, &pair, 1, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
}

static void print_handshake(bool tls, const tls_cert *cert)
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
        printf("1|6|unix|%s|grpc|%s\n", S.socket_path, tls ? cert->cert_b64der : "");
    }
    fflush(stdout); /* stdout is a pipe: fully buffered until flushed */
}

static void drain_and_exit_loop(void)
{
    grpc_server_shutdown_and_notify(S.server, S.cq, &shutdown_tag);
    gpr_timespec give_up =
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(1000, GPR_TIMESPAN));
    bool cancelled = false;
    for (;;) {
        gpr_timespec step =
            gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100, GPR_TIMESPAN));
        grpc_event ev = grpc_completion_queue_next(S.cq, step, NULL);
        if (ev.type == GRPC_OP_COMPLETE) {
            if (ev.tag == &shutdown_tag) break;
            on_event(ev.tag, ev.success);
        }
        if (!cancelled && gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), give_up) > 0) {
            /* calls still running after a grace period: cancel them so shutdown completes */
            tf_stop_raise();
            grpc_server_cancel_all_calls(S.server);
            cancelled = true;
        }
    }
}

int rpc_serve(const rpc_server_config *cfg)
{
    S.cfg = cfg;
    int rc = 0;
    signal(SIGPIPE, SIG_IGN);
    /* Ctrl-C reaches the whole process group; Terraform answers it with StopProvider, so the
     * provider must survive it (go-plugin servers "eat the interrupts"). */
    signal(SIGINT, cfg->debug ? on_signal : SIG_IGN);
    signal(SIGTERM, on_signal);

    if (make_socket_path(S.socket_path, sizeof S.socket_path) != 0) {
        fprintf(stderr, "cannot create a unix socket path: %s\n", strerror(errno));
        return 1;
    }
    grpc_init();
    grpc_arg args[2] = {
        {.type = GRPC_ARG_INTEGER,
         .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
         .value.integer = MAX_MESSAGE},
        {.type = GRPC_ARG_INTEGER,
         .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
         .value.integer = MAX_MESSAGE},
    };
    grpc_channel_args chargs = {2, args};
    S.server = grpc_server_create(&chargs, NULL);
    S.cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(S.server, S.cq, NULL);

    tls_cert cert = {0};
    bool tls = false;
    grpc_server_credentials *creds = make_credentials(&cert, &tls, &rc);
    if (!creds) return rc;
    char addr[128];
    snprintf(addr, sizeof addr, "unix:%s", S.socket_path);
    int bound = grpc_server_add_http2_port(S.server, addr, creds);
    grpc_server_credentials_release(creds);
    if (!bound) {
        fprintf(stderr, "cannot listen on %s\n", S.socket_path);
        return 1;
    }
    grpc_server_start(S.server);
    apply_socket_group(S.socket_path);
    for (int i = 0; i < PENDING_REQUESTS; i++) request_call();
    print_handshake(tls, &cert);
    tls_cert_free(&cert);
    tf_log(TF_LOG_DEBUG, "provider server started", "socket", S.socket_path, NULL);

    /* Workers start after the handshake line so that start-up latency stays minimal. */
    int nworkers = cfg->workers > 0 ? cfg->workers : 16;
    pthread_t *threads = calloc((size_t)nworkers, sizeof *threads);
    for (int i = 0; i < nworkers; i++) pthread_create(&threads[i], NULL, worker_main, NULL);

    /* The parent pid is taken at process start (by the caller): read here, after the handshake,
     * a parent that already died would look like our parent for ever. */
    pid_t parent = cfg->parent_pid > 0 ? (pid_t)cfg->parent_pid : getppid();
    while (!atomic_load(&S.shutdown_wanted) && !g_signal_exit) {
        gpr_timespec deadline =
            gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(200, GPR_TIMESPAN));
        grpc_event ev = grpc_completion_queue_next(S.cq, deadline, NULL);
        if (ev.type == GRPC_OP_COMPLETE) on_event(ev.tag, ev.success);
        /* Terraform may die without calling Shutdown; nobody would ever stop us then. */
        if (getppid() != parent) {
            tf_log(TF_LOG_INFO, "parent process exited; stopping", NULL);
            break;
        }
    }
    tf_log(TF_LOG_DEBUG, "provider server stopping", NULL);
    drain_and_exit_loop();
    unlink(S.socket_path);

    pthread_mutex_lock(&S.mu);
    S.workers_quit = true;
    pthread_cond_broadcast(&S.cv);
    pthread_mutex_unlock(&S.mu);
    for (int i = 0; i < nworkers; i++) pthread_join(threads[i], NULL);
    free(threads);
    grpc_server_destroy(S.server);
    grpc_completion_queue_shutdown(S.cq);
    while (grpc_completion_queue_next(S.cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(S.cq);
    grpc_shutdown();
    return rc;
}
