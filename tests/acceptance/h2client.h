/* h2client.h — a gRPC-over-HTTP/2 client (nghttp2) that can misbehave: a request declares any
 * length in its 5-byte prefix, sends only part of its body and never ends, and what the server
 * answered on each stream (grpc-status, RST_STREAM) is recorded. Used by plugabuse and the runtime
 * unit tests against the provider's own HTTP/2 layer. */
#ifndef H2CLIENT_H
#define H2CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ssl_st SSL;
typedef struct h2client h2client;

/* fd: a connected socket (made non-blocking here); ssl: a finished TLS session on it, or NULL. */
h2client *h2client_new(int fd, SSL *ssl);
void h2client_free(h2client *h);
/* Starts a call to path: a prefix declaring `declared` bytes, then `send` bytes of the body
 * (zeros); the stream ends after them when `end`. Returns the stream id, or -1. */
int32_t h2client_call(h2client *h, const char *path, uint32_t declared, size_t send, bool end);
/* Writes and reads what it can, waiting up to ms for the socket. false: the connection is over. */
bool h2client_pump(h2client *h, int ms);
/* The grpc-status the server sent on a stream (-1: none yet). */
int h2client_status(const h2client *h, int32_t stream);
/* The stream is closed (answered, reset or refused). */
bool h2client_closed(const h2client *h, int32_t stream);
/* Body bytes of the call the server has accepted (flow control let through). */
size_t h2client_sent(const h2client *h, int32_t stream);

#endif
