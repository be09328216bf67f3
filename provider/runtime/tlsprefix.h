/* tlsprefix.h — a socket BIO for OpenSSL that first yields bytes already read from the socket.
 * When the TLS 1.3 engine (tls13.h) declines a ClientHello it has already taken off the socket,
 * OpenSSL must see those bytes first, then the socket as usual. */
#ifndef TLSPREFIX_H
#define TLSPREFIX_H

#include <stddef.h>
#include <stdint.h>

typedef struct bio_st BIO;

/* A read/write BIO over the non-blocking socket fd (not closed with the BIO) whose reads return
 * a copy of prefix[0..len) first. NULL when out of resources. */
BIO *tls_prefix_bio(int fd, const uint8_t *prefix, size_t len);

#endif
