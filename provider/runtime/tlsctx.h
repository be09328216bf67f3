/* tlsctx.h — the TLS server context of AutoMTLS: TLS 1.2+, ALPN h2, and exactly the client
 * certificate of PLUGIN_CLIENT_CERT accepted (go-plugin's RequireAndVerifyClientCert with that
 * certificate as the only root), compared byte for byte instead of parsed and chain-built.
 *
 * The context is built after the handshake line is printed, while Terraform reads the line and
 * dials: OpenSSL 3's one-time costs (cipher, digest and signature-algorithm fetching) stay off the
 * path to the line without a helper thread, whose start, stack and exit cost more CPU than they
 * saved (a provider life is a few milliseconds). */
#ifndef TLSCTX_H
#define TLSCTX_H

#include <stddef.h>
#include <stdint.h>

#include "tlscert.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct tls_ctx_build tls_ctx_build;

/* Go's P-521 client certificate is ~600 bytes of DER; anything far larger is not one. */
#define TLS_CLIENT_CERT_MAX 8192

/* Checks the PEM's shape cheaply. Returns 0, or -1 with a message naming PLUGIN_CLIENT_CERT. */
int tls_client_cert_check(const char *pem, char *err, size_t errlen);
/* The DER of the first PEM certificate block (base64 decoded into der, cap bytes), checked to be
 * one complete Certificate SEQUENCE (TBS, algorithm, signature) — no ASN.1 parse, no key decode.
 * Returns 0, or -1 if it is not one or does not fit. */
int tls_client_cert_der(const char *pem, uint8_t *der, size_t cap, size_t *der_len);
/* Pins the client certificate (PEM). NULL with a message in err: PLUGIN_CLIENT_CERT is no
 * certificate, or out of resources. */
tls_ctx_build *tls_ctx_start(const char *client_cert_pem, char *err, size_t errlen);
/* Builds the context, installs the server certificate and key, frees b. NULL on failure with a
 * message in err. */
SSL_CTX *tls_ctx_finish(tls_ctx_build *b, const tls_cert *cert, char *err, size_t errlen);

#endif
