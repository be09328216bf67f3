/* tlscert.h — the throw-away server certificate for go-plugin's AutoMTLS: a fresh P-256 key and a
 * self-signed certificate per process with go-plugin's fields (O=HashiCorp, CN and SAN localhost,
 * CA, its key usages, client+server auth, ~30 years). Built with OpenSSL's setters (no X509V3
 * configuration strings, no parse, no key decoding), because it sits on the path to the handshake
 * line. */
#ifndef TLSCERT_H
#define TLSCERT_H

#include <stddef.h>

typedef struct evp_pkey_st EVP_PKEY; /* <openssl/types.h> */
typedef struct x509_st X509;

typedef struct {
    EVP_PKEY *key;      /* the private key, for the TLS context */
    X509 *x509;         /* the certificate, for the TLS context (built, never parsed) */
    unsigned char *der; /* the certificate */
    size_t der_len;
    char *b64der; /* DER in standard base64 WITHOUT '=' padding (go's RawStdEncoding) */
} tls_cert;

/* Returns 0 on success; on failure -1 with a message in err. */
int tls_cert_generate(tls_cert *out, char *err, size_t errlen);
void tls_cert_free(tls_cert *c);

#endif
