/* tlsctx.h — the TLS server context of AutoMTLS: TLS 1.2+, ALPN h2, the client certificate from
 * PLUGIN_CLIENT_CERT as the only trusted root and mandatory (go-plugin's RequireAndVerifyClientCert).
 *
 * OpenSSL 3's one-time costs (random generator, cipher and signature-algorithm fetching, the
 * decoder of the client's key) are paid on a helper thread started before the server key is
 * generated, so they stay off the path to the handshake line. */
#ifndef TLSCTX_H
#define TLSCTX_H

#include <stddef.h>

#include "tlscert.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct x509_st X509;
typedef struct tls_ctx_build tls_ctx_build;

/* Checks the PEM's shape cheaply (the full parse runs on the helper thread). Returns 0, or -1
 * with a message naming PLUGIN_CLIENT_CERT. */
int tls_client_cert_check(const char *pem, char *err, size_t errlen);
/* Parses the client certificate (first PEM block) and its key; NULL if it is not one. */
X509 *tls_client_cert_load(const char *pem);
/* Starts building the context for this client certificate (PEM, copied). NULL: out of memory. */
tls_ctx_build *tls_ctx_start(const char *client_cert_pem);
/* Waits for the helper, installs the server certificate and key, frees b. NULL on failure with a
 * message in err. */
SSL_CTX *tls_ctx_finish(tls_ctx_build *b, const tls_cert *cert, char *err, size_t errlen);

#endif
