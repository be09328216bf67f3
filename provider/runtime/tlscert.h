/* tlscert.h — the throw-away server certificate for go-plugin's AutoMTLS: a fresh Ed25519 key
 * and a self-signed certificate per process with go-plugin's fields (O=HashiCorp, CN and SAN
 * localhost, CA, client+server auth, ~30 years), written as DER here and signed with libsodium.
 * Ed25519 rather than go-plugin's P-521 or OpenSSL's P-256: Go and OpenSSL accept it, and its
 * key, signature and the handshake's CertificateVerify cost microseconds with no library set-up. */
#ifndef TLSCERT_H
#define TLSCERT_H

#include <stddef.h>
#include <stdint.h>

typedef struct evp_pkey_st EVP_PKEY; /* <openssl/types.h> */
typedef struct x509_st X509;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

#define TLS_CERT_DER_MAX 512

typedef struct {
    uint8_t der[TLS_CERT_DER_MAX]; /* the certificate */
    size_t der_len;
    char b64der[TLS_CERT_DER_MAX * 4 / 3 + 4]; /* DER in base64 WITHOUT '=' (Go's RawStdEncoding) */
    uint8_t sk[64]; /* the Ed25519 secret key, libsodium's layout (seed || public key) */
} tls_cert;

/* Returns 0 on success; on failure -1 with a message in err. */
int tls_cert_generate(tls_cert *out, char *err, size_t errlen);
/* The certificate and key as OpenSSL objects in libctx (NULL: the default), for an OpenSSL TLS
 * context. Returns 0, or -1 (nothing to free). */
int tls_cert_openssl(const tls_cert *c, OSSL_LIB_CTX *libctx, X509 **x509, EVP_PKEY **key);
/* Wipes the secret key. */
void tls_cert_free(tls_cert *c);

#endif
