/* test_grpcconn_limits.c — the HTTP/2 layer's request limits, driven over a socketpair by a client
 * that misbehaves (h2client): a length prefix over the limit is refused before any of its body is
 * sent, a connection's many large partial messages and the process's across connections are
 * capped, and a request of the largest allowed size still goes through. */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../acceptance/h2client.h"
#include "grpcconn.h"

static int echo_len(const uint8_t *req, size_t len, tf_buf *resp)
{
    (void)req;
    tf_buf_put(resp, &len, sizeof len);
    return RPC_STATUS_OK;
}

static const rpc_method methods[] = {{"/test.Svc/Echo", echo_len, true, false}};

static void dispatch(h2conn *c, rpc_call *call)
{
    size_t len;
    const uint8_t *req = rpc_call_request(call, &len);
    call->status = call->method->handler(req, len, &call->reply);
    h2conn_complete(c, call);
}

/* One server connection served on its own thread, as the provider's poll loop would. */
typedef struct {
    h2conn *conn;
    pthread_t thread;
    atomic_bool stop;
    int client_fd;
    h2client *client;
} pair;

static void *serve(void *arg)
{
    pair *p = arg;
    while (!atomic_load(&p->stop)) {
        struct pollfd f = {.fd = h2conn_fd(p->conn), .events = h2conn_events(p->conn)};
        int r = poll(&f, 1, 20);
        if (r > 0 && !h2conn_ready(p->conn, f.revents)) break;
    }
    return NULL;
}

static void pair_open(pair *p)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    p->conn = h2conn_new(sv[0], NULL, 1, methods, 1, dispatch);
    cr_assert_not_null(p->conn);
    atomic_store(&p->stop, false);
    cr_assert_eq(pthread_create(&p->thread, NULL, serve, p), 0);
    p->client_fd = sv[1];
    p->client = h2client_new(sv[1], NULL); /* nghttp2 sends the connection preface */
}

static void pair_close(pair *p)
{
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    h2conn_free(p->conn);
    h2client_free(p->client);
    close(p->client_fd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pumps the clients until every listed stream is closed or has sent all it was given. */
static void settle(pair *ps, int np, int32_t (*ids)[128], int n, size_t want)
{
    double until = now_s() + 60;
    for (;;) {
        bool done = true;
        for (int k = 0; k < np; k++) {
            cr_assert(h2client_pump(ps[k].client, 20), "the server closed the connection");
            for (int i = 0; i < n; i++)
                if (!h2client_closed(ps[k].client, ids[k][i]) &&
                    h2client_sent(ps[k].client, ids[k][i]) < want)
                    done = false;
        }
        if (done) break;
        cr_assert_lt(now_s(), until, "the streams did not settle within 60 s");
    }
    for (int k = 0; k < np; k++) h2client_pump(ps[k].client, 200); /* late answers */
}

Test(limits, a_prefix_over_the_limit_is_refused_before_its_body)
{
    pair p;
    pair_open(&p);
    int32_t id = h2client_call(p.client, "/test.Svc/Echo", 1u << 30, 0, false); /* 1 GiB, no body */
    double until = now_s() + 30;
    while (h2client_status(p.client, id) < 0 && now_s() < until)
        cr_assert(h2client_pump(p.client, 50));
    cr_assert_eq(h2client_status(p.client, id), RPC_STATUS_RESOURCE_EXHAUSTED,
                 "a prefix declaring 1 GiB got grpc-status %d", h2client_status(p.client, id));
    h2client_pump(p.client, 100);
    cr_assert(h2client_closed(p.client, id), "the stream is closed (RST_STREAM)");
    cr_assert_eq(rpc_buffered_total(), 0, "nothing of it is held");
    /* one over the limit too, and the connection still serves calls */
    int32_t over = h2client_call(p.client, "/test.Svc/Echo", RPC_MAX_REQUEST + 1, 0, false);
    int32_t ok = h2client_call(p.client, "/test.Svc/Echo", 3, 3, true);
    until = now_s() + 30;
    while ((h2client_status(p.client, over) < 0 || h2client_status(p.client, ok) < 0) &&
           now_s() < until)
        cr_assert(h2client_pump(p.client, 50));
    cr_assert_eq(h2client_status(p.client, over), RPC_STATUS_RESOURCE_EXHAUSTED);
    cr_assert_eq(h2client_status(p.client, ok), RPC_STATUS_OK);
    pair_close(&p);
    cr_assert_eq(rpc_buffered_total(), 0);
}

Test(limits, a_request_of_the_largest_allowed_size_goes_through)
{
    pair p;
    pair_open(&p);
    int32_t id = h2client_call(p.client, "/test.Svc/Echo", RPC_MAX_REQUEST, RPC_MAX_REQUEST, true);
    double until = now_s() + 60;
    while (h2client_status(p.client, id) < 0 && now_s() < until)
        cr_assert(h2client_pump(p.client, 50));
    cr_assert_eq(h2client_status(p.client, id), RPC_STATUS_OK);
    pair_close(&p);
    cr_assert_eq(rpc_buffered_total(), 0);
}

Test(limits, many_large_partial_messages_on_one_connection_are_capped)
{
    pair p;
    pair_open(&p);
    int32_t ids[1][128];
    const int n = 60;
    const size_t part = 2u << 20; /* 60 × 2 MiB of 15 MiB messages that never end: 120 MiB */
    for (int i = 0; i < n; i++)
        ids[0][i] = h2client_call(p.client, "/test.Svc/Echo", 15u << 20, part, false);
    settle(&p, 1, ids, n, part);
    int refused = 0;
    for (int i = 0; i < n; i++)
        refused += h2client_status(p.client, ids[0][i]) == RPC_STATUS_RESOURCE_EXHAUSTED;
    size_t held = rpc_buffered_total();
    cr_log_info("refused %d of %d streams; %zu bytes held", refused, n, held);
    cr_assert_geq(refused, n - (int)(RPC_CONN_BUFFERED / part), "only %d of %d refused", refused,
                  n);
    cr_assert_leq(held, RPC_CONN_BUFFERED, "%zu bytes held on one connection", held);
    pair_close(&p);
    cr_assert_eq(rpc_buffered_total(), 0, "the connection's bytes are uncounted when it goes");
}

Test(limits, the_process_total_is_capped_across_connections)
{
    pair ps[3];
    int32_t ids[3][128];
    const int n = 14;
    const size_t part = 2u << 20; /* 3 connections × 28 MiB: under each one's cap, not in all */
    for (int k = 0; k < 3; k++) {
        pair_open(&ps[k]);
        for (int i = 0; i < n; i++)
            ids[k][i] = h2client_call(ps[k].client, "/test.Svc/Echo", 15u << 20, part, false);
    }
    settle(ps, 3, ids, n, part);
    int refused = 0;
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < n; i++)
            refused += h2client_status(ps[k].client, ids[k][i]) == RPC_STATUS_RESOURCE_EXHAUSTED;
    size_t held = rpc_buffered_total();
    cr_log_info("refused %d of %d streams; %zu bytes held", refused, 3 * n, held);
    cr_assert_gt(refused, 0, "84 MiB of partial messages were all kept");
    cr_assert_leq(held, RPC_TOTAL_BUFFERED, "%zu bytes held in all", held);
    for (int k = 0; k < 3; k++) pair_close(&ps[k]);
    cr_assert_eq(rpc_buffered_total(), 0);
}
