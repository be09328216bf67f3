/* tls13.h — a small, strict TLS 1.3 server for the plugin socket when the peer is already known
 * (an ancestor process, checked by the caller with SO_PEERCRED): no client certificate, one
 * profile (ChaCha20-Poly1305/SHA-256, x25519 or P-256, Ed25519 server certificate, ALPN h2), built
 * on libsodium. A ClientHello outside the profile is declined untouched so OpenSSL can serve it.
 *
 * Non-blocking: the engine drives an O_NONBLOCK socket it does not own (never closes it). */
#ifndef TLS13_H
#define TLS13_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct tls13 tls13;

typedef struct {
    const uint8_t *cert_der; /* our certificate: an Ed25519 self-signed X.509 (DER) */
    size_t cert_len;
    const uint8_t *sign_sk; /* crypto_sign_SECRETKEYBYTES, libsodium layout (seed || pk) */
} tls13_cred;

enum {
    TLS13_DONE = 0,      /* handshake complete: use tls13_read / tls13_write */
    TLS13_AGAIN = 1,     /* wait for POLLIN (and POLLOUT if tls13_want_write), call again */
    TLS13_FAILED = -1,   /* fatal; an alert was sent if possible (see tls13_error) */
    TLS13_DECLINED = -2, /* ClientHello outside the profile; nothing was written: hand the
                          * connection to OpenSSL, which must first see tls13_prefix's bytes */
};

/* A server for fd. cred (and what it points to) must outlive the engine. NULL if out of memory. */
tls13 *tls13_new(int fd, const tls13_cred *cred);
/* Advances the handshake as far as the socket allows. Returns one of TLS13_*. */
int tls13_handshake(tls13 *t);
/* Every byte read from the socket so far; valid after TLS13_DECLINED (until tls13_free). */
const uint8_t *tls13_prefix(const tls13 *t, size_t *len);
/* > 0 plaintext bytes; 0 nothing now; -1 closed (close_notify: tls13_error is NULL) or failed.
 * A record larger than cap is returned over several calls. Call it until it returns 0 before
 * polling (also right after TLS13_DONE): records already taken from the socket, e.g. data the
 * client sent with its Finished, raise no POLLIN. May queue a reply (KeyUpdate): check
 * tls13_want_write. */
ssize_t tls13_read(tls13 *t, uint8_t *buf, size_t cap);
/* > 0 bytes taken (encrypted, maybe still queued); 0 would block (queue full: wait POLLOUT);
 * -1 failed. len 0 only flushes the queue: 0, or -1 if the socket failed. */
ssize_t tls13_write(tls13 *t, const uint8_t *buf, size_t len);
/* Ciphertext is queued for the socket: poll for POLLOUT and call tls13_write(t, NULL, 0). */
bool tls13_want_write(const tls13 *t);
/* Static text for logs, never secret: why it failed ("bad client Finished") or was declined
 * ("client does not offer TLS 1.3"); NULL otherwise (also after a clean close_notify). */
const char *tls13_error(const tls13 *t);
/* Wipes every secret and frees the engine; the fd stays open. NULL is a no-op. */
void tls13_free(tls13 *t);

#endif
