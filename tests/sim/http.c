/* http.c — the libmicrohttpd side: one thread per connection (so slow and concurrent requests
 * overlap), request-body accumulation with a size cap, connection counting, the fixed order of an
 * API request (stats → faults and latency → credentials → route → a replica call outside the lock)
 * and turning a sim_reply into bytes on the wire. */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define API_PREFIX "/api/v1"

/* Per connection (MHD socket context): lets stats count connections that carried API traffic. */
struct conn_ctx {
    bool counted;
    unsigned epoch;
};

/* Per request (MHD con_cls): the body as it arrives. */
struct req_ctx {
    char *body;
    size_t len, cap;
    bool too_large;
};

static void sleep_ms(long ms)
{
    if (ms <= 0) return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct sim_state *st = cls;
    (void)conn;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct conn_ctx));
        pthread_mutex_lock(&st->mu);
        st->connections_accepted++;
        pthread_mutex_unlock(&st->mu);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
    }
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct req_ctx *rc = *con_cls;
    if (rc) {
        free(rc->body);
        free(rc);
    }
    *con_cls = NULL;
}

/* "connections" counts each connection once per stats epoch, at its first API request: admin calls
 * made on other connections (reset, reading the stats) do not disturb a keep-alive test. */
static void count_connection(struct sim_state *st, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_ctx *cc = ci ? ci->socket_context : NULL;
    if (!cc) return;
    if (!cc->counted || cc->epoch != st->stats_epoch) {
        cc->counted = true;
        cc->epoch = st->stats_epoch;
        st->connections++;
    }
}

/* Truncate fault: Content-Length announces the whole body, half of it is sent, then the connection
 * is closed, which is what a proxy dying mid-response looks like to a client. */
struct trunc_body {
    char *data;
    size_t half;
};

static ssize_t trunc_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct trunc_body *tb = cls;
    if (pos >= tb->half) return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = tb->half - (size_t)pos;
    if (n > max) n = max;
    memcpy(buf, tb->data + pos, n);
    return (ssize_t)n;
}

static void trunc_free(void *cls)
{
    struct trunc_body *tb = cls;
    free(tb->data);
    free(tb);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, const struct sim_req *q,
                                  struct sim_reply *r)
{
    if (r->action == SIM_REPLY_DROP) return MHD_NO; /* MHD closes the socket, no response */
    struct MHD_Response *resp;
    size_t len = r->body ? strlen(r->body) : 0;
    if (r->action == SIM_REPLY_TRUNCATE && len > 1) {
        struct trunc_body *tb = malloc(sizeof *tb);
        if (!tb) return MHD_NO;
        tb->data = r->body;
        tb->half = len / 2;
        r->body = NULL;
        resp = MHD_create_response_from_callback(len, 4096, trunc_reader, tb, trunc_free);
        if (!resp) {
            trunc_free(tb);
            return MHD_NO;
        }
    } else {
        resp = MHD_create_response_from_buffer(len, r->body ? r->body : (char *)"",
                                               r->body ? MHD_RESPMEM_MUST_FREE
                                                       : MHD_RESPMEM_PERSISTENT);
        if (!resp) return MHD_NO;
        r->body = NULL; /* owned by the response now */
    }
    if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "X-Request-ID", q->request_id);
    if (r->retry_after) MHD_add_response_header(resp, "Retry-After", r->retry_after);
    if (r->location) MHD_add_response_header(resp, "Location", r->location);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void apply_fault(const struct sim_fault *f, struct sim_reply *r)
{
    switch (f->mode) {
    case SIM_FAULT_STATUS:
        if (f->body) {
            sim_reply_raw(r, f->status, f->body);
        } else {
            char msg[64];
            snprintf(msg, sizeof msg, "simulated fault (HTTP %d)", f->status);
            sim_reply_detail(r, f->status, msg);
        }
        break;
    case SIM_FAULT_TRUNCATE:
        sim_reply_raw(r, 200,
                      f->body ? f->body
                              : "{\"items\":[],\"total\":0,\"page\":1,\"page_size\":100,"
                                "\"pages\":0,\"note\":\"this body is cut in half\"}");
        r->action = SIM_REPLY_TRUNCATE;
        break;
    case SIM_FAULT_MALFORMED:
        sim_reply_raw(r, 200, f->body ? f->body : "{\"items\": [");
        break;
    case SIM_FAULT_DROP:
        r->action = SIM_REPLY_DROP;
        break;
    case SIM_FAULT_REDIRECT:
        sim_reply_raw(r, 302, f->body ? f->body : "");
        r->location = sim_strdup("http://127.0.0.1:1/elsewhere");
        break;
    case SIM_FAULT_APPLY_DROP: /* handle_api runs the route first */
        r->action = SIM_REPLY_DROP;
        break;
    }
    if (f->retry_after) r->retry_after = sim_strdup(f->retry_after);
}

static bool token_trusts(const struct sim_token *t, const char *ws)
{
    for (size_t i = 0; i < t->nworkspaces; i++)
        if (strcmp(t->workspaces[i], ws) == 0) return true;
    return false;
}

/* X-API-Key when sent (the seed's key), else `Authorization: Bearer` with one of the seed's OIDC
 * tokens. A token trusted in several workspaces needs X-Phala-Workspace to say which one (the CLI
 * docs' case); a workspace that does not trust it is refused. Logs the request either way. */
static bool authorized(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    const char *key = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-API-Key");
    const char *authz = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Authorization");
    const char *ws = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-Phala-Workspace");
    if (key) {
        sim_log_request(st, q, "api_key");
        if (st->api_key && strcmp(key, st->api_key) == 0) return true;
        sim_reply_detail(r, 401, "Invalid API key");
        return false;
    }
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        sim_log_request(st, q, "bearer");
        const struct sim_token *t = NULL;
        for (size_t i = 0; i < st->ntokens; i++)
            if (strcmp(st->tokens[i].token, authz + 7) == 0) t = &st->tokens[i];
        if (!t) {
            sim_reply_detail(r, 401, "Invalid or expired token");
        } else if (!ws && t->nworkspaces > 1) {
            sim_reply_structured(r, q, 403, "ERR-06-006",
                                 "This token is trusted in several workspaces: send "
                                 "X-Phala-Workspace to choose one",
                                 NULL, NULL);
        } else if (ws && !token_trusts(t, ws)) {
            sim_reply_structured(r, q, 403, "ERR-06-006",
                                 "This workspace does not trust the token's repository", NULL,
                                 NULL);
        } else {
            return true;
        }
        return false;
    }
    sim_log_request(st, q, "none");
    if (sim_route_public(q)) return true; /* the token commit needs no API key */
    sim_reply_detail(r, 401, "Invalid API key");
    return false;
}

static void handle_api(struct sim_state *st, struct sim_req *q, struct req_ctx *rc,
                       struct sim_reply *r)
{
    const char *full_path = q->path;
    q->path += strlen(API_PREFIX);
    if (!*q->path) q->path = "/";

    pthread_mutex_lock(&st->mu);
    count_connection(st, q->conn);
    sim_stats_count(st, q->method, sim_route_template(q->path));
    struct sim_fault f;
    bool faulted = sim_fault_take(st, q->method, full_path, &f);
    long latency = st->latency_ms + (faulted ? f.latency_ms : 0);
    pthread_mutex_unlock(&st->mu);

    sleep_ms(latency); /* outside the lock: other requests keep flowing */
    /* apply_drop: the server does the work, then the connection dies before the answer */
    bool drop_after = faulted && f.mode == SIM_FAULT_APPLY_DROP;
    if (faulted && !drop_after) {
        apply_fault(&f, r);
        sim_fault_release(&f);
        return;
    }
    if (drop_after) sim_fault_release(&f);
    if (rc->too_large) {
        sim_reply_detail(r, 413, "Request body too large");
        return;
    }

    pthread_mutex_lock(&st->mu);
    if (authorized(st, q, r) && !sim_route_kms(st, q, r) && !sim_route_cvm(st, q, r) &&
        !sim_route_app(st, q, r))
        sim_reply_detail(r, 404, "Not Found");
    pthread_mutex_unlock(&st->mu);
    if (drop_after) r->action = SIM_REPLY_DROP;
    /* A call to a replica can take the server's whole RPC timeout: never under the world lock. */
    if (r->action == SIM_REPLY_CALL_REPLICA)
        sim_replica_call(r->replica_port, r->replica_timeout, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct sim_state *st = cls;
    struct req_ctx *rc = *con_cls;
    (void)version;
    if (!rc) { /* first call: headers only */
        rc = calloc(1, sizeof *rc);
        if (!rc) return MHD_NO;
        *con_cls = rc;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (rc->too_large || rc->len + n > SIM_MAX_BODY) {
            rc->too_large = true; /* keep reading (and dropping) so we can still answer 413 */
            return MHD_YES;
        }
        if (rc->len + n + 1 > rc->cap) {
            size_t cap = rc->cap ? rc->cap : 4096;
            while (cap < rc->len + n + 1) cap *= 2;
            char *nb = realloc(rc->body, cap);
            if (!nb) {
                rc->too_large = true;
                return MHD_YES;
            }
            rc->body = nb;
            rc->cap = cap;
        }
        memcpy(rc->body + rc->len, upload_data, n);
        rc->len += n;
        rc->body[rc->len] = '\0';
        return MHD_YES;
    }

    struct sim_req q = {.method = method,
                        .path = url,
                        .body = rc->body ? rc->body : "",
                        .body_len = rc->len,
                        .conn = conn};
    struct sim_reply r = {0};
    pthread_mutex_lock(&st->mu);
    snprintf(q.request_id, sizeof q.request_id, "sim-%llu", ++st->request_counter);
    pthread_mutex_unlock(&st->mu);

    if (strncmp(url, "/_sim/", 6) == 0) {
        if (rc->too_large) {
            sim_reply_detail(&r, 413, "Request body too large");
        } else {
            pthread_mutex_lock(&st->mu);
            if (!sim_route_admin(st, &q, &r)) sim_reply_detail(&r, 404, "Not Found");
            pthread_mutex_unlock(&st->mu);
        }
    } else if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0 &&
               (url[strlen(API_PREFIX)] == '/' || url[strlen(API_PREFIX)] == '\0')) {
        handle_api(st, &q, rc, &r);
    } else {
        sim_reply_detail(&r, 404, "Not Found");
    }
    enum MHD_Result ret = send_reply(conn, &q, &r);
    sim_reply_free(&r);
    return ret;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("phala-cloud-sim: ", stderr);
    vfprintf(stderr, fmt, ap);
}

static char *read_pem(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "phala-cloud-sim: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *p = realloc(buf, cap);
            if (!p) break;
            buf = p;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int sim_tls_load(struct sim_tls *tls, const char *cert_path, const char *key_path)
{
    tls->cert_pem = read_pem(cert_path);
    tls->key_pem = read_pem(key_path);
    return tls->cert_pem && tls->key_pem ? 0 : -1;
}

void sim_tls_free(struct sim_tls *tls)
{
    free(tls->cert_pem);
    free(tls->key_pem);
}

struct MHD_Daemon *sim_http_start(struct sim_state *st, const char *listen, uint16_t port,
                                  const struct sim_tls *tls)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, listen, &sa.sin_addr) != 1) {
        fprintf(stderr, "phala-cloud-sim: --listen %s is not an IPv4 address\n", listen);
        return NULL;
    }
    /* Loopback only: the simulator accepts any API key holder and has an unauthenticated admin API.
     */
    if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "phala-cloud-sim: --listen %s is not a loopback address\n", listen);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    /* Without TLS the two options below are MHD_OPTION_END: the list stops there. */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags | (tls ? MHD_USE_TLS : 0), port, NULL, NULL, on_request, st,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, st, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, st, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        st, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, tls ? tls->cert_pem : NULL,
        tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, tls ? tls->key_pem : NULL, MHD_OPTION_END);
    if (!d) fprintf(stderr, "phala-cloud-sim: cannot listen on %s:%u\n", listen, (unsigned)port);
    return d;
}

uint16_t sim_http_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return di ? di->port : 0;
}
