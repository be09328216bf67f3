/* tlsprov.h — a private OpenSSL library context for the plugin server's TLS, holding only the
 * algorithms AutoMTLS uses (TLS 1.3 and 1.2 AEAD suites, ECDHE on X25519 and the NIST curves,
 * ECDSA, SHA-2). OpenSSL 3 builds, on the first fetch of a kind of algorithm, every algorithm of
 * that kind its providers offer (124 ciphers for a TLS context, every key decoder for one
 * certificate): a large part of a ~10 ms provider life. Outbound HTTPS keeps the default context
 * and every algorithm. */
#ifndef TLSPROV_H
#define TLSPROV_H

typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

/* The context (made once, by whichever thread asks first), or NULL if it cannot be made — the
 * caller then uses the default context. */
OSSL_LIB_CTX *tls_prov_libctx(void);

#endif
