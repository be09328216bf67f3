/* rpcserver.h — the go-plugin server side: unix socket, TLS (AutoMTLS) or insecure, the handshake
 * line (or the TF_REATTACH_PROVIDERS line in debug mode), and a gRPC server (our own, on nghttp2)
 * whose calls are handled concurrently by a worker pool. Methods not in the table answer
 * UNIMPLEMENTED. */
#ifndef RPCSERVER_H
#define RPCSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tfvalue.h"

/* gRPC status codes (the ones this server sends). */
enum {
    RPC_STATUS_OK = 0,
    RPC_STATUS_CANCELLED = 1,
    RPC_STATUS_INVALID_ARGUMENT = 3,
    RPC_STATUS_RESOURCE_EXHAUSTED = 8,
    RPC_STATUS_UNIMPLEMENTED = 12,
    RPC_STATUS_INTERNAL = 13,
    RPC_STATUS_UNAVAILABLE = 14,
};

/* A unary handler: request bytes in, response bytes out; returns a gRPC status code (0 = OK). */
typedef int (*rpc_handler)(const uint8_t *req, size_t len, tf_buf *resp);

typedef struct {
    const char *path; /* "/tfplugin6.Provider/GetProviderSchema" */
    rpc_handler handler;
    bool inline_call;   /* cheap and never blocking: run on the polling thread (StopProvider) */
    bool then_shutdown; /* GRPCController/Shutdown: exit gracefully after replying */
} rpc_method;

typedef struct {
    const rpc_method *methods;
    size_t n_methods;
    bool debug; /* reattach mode: insecure, print TF_REATTACH_PROVIDERS, serve many runs */
    const char *provider_address; /* e.g. "local.dev/phala/phala" (debug mode line) */
    int workers;                  /* worker threads (0 → default) */
    int parent_pid;               /* the parent at process start; we exit when it is gone */
} rpc_server_config;

/* Serves until Shutdown, SIGTERM (and SIGINT in debug mode) or the parent's death.
 * Returns the process exit code. */
int rpc_serve(const rpc_server_config *cfg);

#endif
