/* tlsctx.h — the TLS server side of AutoMTLS: our certificate and the OpenSSL context for the
 * connections that need it, which accepts exactly the client certificate of PLUGIN_CLIENT_CERT
 * (go-plugin's RequireAndVerifyClientCert with that certificate as the only root), compared byte
 * for byte instead of parsed and chain-built.
 *
 * The OpenSSL context is built on first need, not at start: Terraform's own connection is served
 * by the TLS 1.3 engine (tls13.h) and never needs it, and OpenSSL 3's one-time costs (cipher,
 * digest and signature-algorithm fetching, ~4M instructions) were a fifth of a provider life. */
#ifndef TLSCTX_H
#define TLSCTX_H

#include <stddef.h>
#include <stdint.h>

#include "tlscert.h"

typedef struct ssl_ctx_st SSL_CTX;

/* Go's P-521 client certificate is ~600 bytes of DER; anything far larger is not one. */
#define TLS_CLIENT_CERT_MAX 8192

/* Checks the PEM's shape cheaply. Returns 0, or -1 with a message naming PLUGIN_CLIENT_CERT. */
int tls_client_cert_check(const char *pem, char *err, size_t errlen);
/* The DER of the first PEM certificate block (base64 decoded into der, cap bytes), checked to be
 * one complete Certificate SEQUENCE (TBS, algorithm, signature) — no ASN.1 parse, no key decode.
 * Returns 0, or -1 if it is not one or does not fit. */
int tls_client_cert_der(const char *pem, uint8_t *der, size_t cap, size_t *der_len);
/* The plugin server's TLS: our certificate (made at start, for the handshake line) and OpenSSL's
 * context, built only when a connection needs it (tlsconn.h decides which does). */
typedef struct tls_server tls_server;

/* Pins the client certificate (PEM) and makes ours. NULL with a message in err:
 * PLUGIN_CLIENT_CERT is no certificate, or no certificate could be made. */
tls_server *tls_server_new(const char *client_cert_pem, char *err, size_t errlen);
const tls_cert *tls_server_cert(const tls_server *s);
/* OpenSSL's context (TLS 1.2+, ALPN h2, our certificate, exactly the pinned client certificate
 * when a connection asks for one), built on the first call. NULL on failure, with the reason in
 * err (every later call fails the same way). */
SSL_CTX *tls_server_openssl(tls_server *s, char *err, size_t errlen);
void tls_server_free(tls_server *s);

#endif
