/* grpcconn.h — one client connection of the plugin server: TLS (or plain TCP-less h2c in --debug
 * and no-TLS modes) under an nghttp2 server session, carrying unary gRPC calls.
 *
 * The server's poll loop owns connections: it polls h2conn_fd for h2conn_events, calls
 * h2conn_ready, receives each complete request through the dispatch callback as an rpc_call, and
 * hands the call back, answered, with h2conn_complete (on the same thread). Calls for a method not
 * in the table (including go-plugin's broker and stdio streams) get UNIMPLEMENTED at once. */
#ifndef GRPCCONN_H
#define GRPCCONN_H

#include <poll.h> /* POLLIN, POLLOUT for h2conn_events / h2conn_ready */
#include <stdbool.h>
#include <stdint.h>

#include "rpcserver.h"
#include "tlsctx.h"

/* Request limits. A request over RPC_MAX_REQUEST is refused (RESOURCE_EXHAUSTED) as soon as its
 * 5-byte length prefix arrives, before its body; a stream that would take a connection's arriving
 * requests over RPC_CONN_BUFFERED, or all the request bytes the process holds (arriving, or waiting
 * for a handler) over RPC_TOTAL_BUFFERED, is refused the same way. Why these numbers: grpcconn.c. */
#define RPC_MAX_REQUEST    (16u << 20)
#define RPC_CONN_BUFFERED  (32u << 20)
#define RPC_TOTAL_BUFFERED (48u << 20)

typedef struct h2conn h2conn;

typedef struct rpc_call {
    uint64_t conn_id;
    int32_t stream_id;
    const rpc_method *method;
    tf_buf body;           /* the gRPC message as received: 5-byte prefix, then the request */
    tf_buf reply;          /* filled by the handler */
    int status;            /* RPC_STATUS_* */
    size_t charged;        /* body bytes counted against RPC_TOTAL_BUFFERED */
    struct rpc_call *next; /* for the owner's queues */
} rpc_call;

/* The request bytes of a call (after the gRPC prefix). */
static inline const uint8_t *rpc_call_request(const rpc_call *c, size_t *len)
{
    *len = c->body.len - 5;
    return c->body.data + 5;
}
/* Wipes and frees a call that will not be handed back. */
void rpc_call_free(rpc_call *c);
/* Wipes and frees the request bytes once the handler is done with them (they no longer count). */
void rpc_call_drop_body(rpc_call *c);
/* The request bytes the process holds now (arriving or waiting for a handler). */
size_t rpc_buffered_total(void);

/* Receives each complete request; the call is handed back with h2conn_complete on c. */
typedef void (*h2_dispatch_fn)(h2conn *c, rpc_call *call);

/* Takes fd (non-blocking). tls NULL: plain HTTP/2 with prior knowledge (go-plugin without TLS). */
h2conn *h2conn_new(int fd, tls_server *tls, uint64_t id, const rpc_method *methods,
                   size_t n_methods, h2_dispatch_fn dispatch);
int h2conn_fd(const h2conn *c);
/* The client has authenticated: the TLS handshake (with the client certificate, or from a peer
 * the kernel shows to be our ancestor: tlsconn.h) is complete, or,
 * without TLS, its HTTP/2 preface has arrived. Before that it is a pre-authentication connection. */
bool h2conn_established(const h2conn *c);
uint64_t h2conn_id(const h2conn *c);
/* The poll(2) events the connection waits for. */
short h2conn_events(const h2conn *c);
/* Reads, processes and writes what it can. false: the connection is over (h2conn_free it). */
bool h2conn_ready(h2conn *c, short revents);
/* Queues the answer of a call dispatched by this connection and takes the call. false: the
 * connection is over (h2conn_free it). */
bool h2conn_complete(h2conn *c, rpc_call *call);
/* A then_shutdown method has been answered and every byte of the answer written. */
bool h2conn_shutdown_answered(const h2conn *c);
/* Closes the socket and frees everything, wiping buffers. */
void h2conn_free(h2conn *c);

#endif
