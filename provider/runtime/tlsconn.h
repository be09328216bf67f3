/* tlsconn.h — one plugin connection's transport: TLS as its peer needs it, or plain.
 *
 * A peer that is one of our ancestors (peercred.h: Terraform itself) is served without a client
 * certificate; any other peer must present exactly PLUGIN_CLIENT_CERT and prove it holds its key
 * (OpenSSL, tlsctx.h). The handshake's outcome is logged; nothing secret ever is. */
#ifndef TLSCONN_H
#define TLSCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tlsctx.h"

typedef struct tlsconn tlsconn;

/* A transport over the non-blocking socket fd (not closed by tlsconn_free). server NULL: plain,
 * no TLS (debug mode, or Terraform without AutoMTLS). NULL when out of resources. */
tlsconn *tlsconn_new(int fd, tls_server *server);
/* 1 once the handshake is complete (at once when plain), 0 while it needs the socket again
 * (readable, or writable when tlsconn_want_write), -1 when it failed (logged). */
int tlsconn_handshake(tlsconn *c);
/* > 0 bytes read; 0 nothing now; -1 closed or failed. */
ssize_t tlsconn_read(tlsconn *c, uint8_t *buf, size_t cap);
/* > 0 bytes taken; 0 would block; -1 failed. A retry after 0 passes the same bytes again (at
 * least as many), as OpenSSL requires. */
ssize_t tlsconn_write(tlsconn *c, const uint8_t *buf, size_t len);
/* The last call stopped because the socket must become writable. */
bool tlsconn_want_write(const tlsconn *c);
/* What serves the connection now: "tls13" (the engine), "openssl" or "plain". */
const char *tlsconn_engine(const tlsconn *c);
void tlsconn_free(tlsconn *c);

#endif
