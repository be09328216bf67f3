/* tlscert.h — the throw-away server certificate for go-plugin's AutoMTLS: a fresh self-signed
 * ECDSA cert per process with go-plugin's fields (CN/SAN localhost, O=HashiCorp, CA, its key usages,
 * server+client auth, ~30 years), kept in memory only. */
#ifndef TLSCERT_H
#define TLSCERT_H

typedef struct {
    char *key_pem;     /* PKCS#8/EC private key, PEM; wiped on free */
    char *cert_pem;    /* certificate, PEM */
    char *cert_b64der; /* DER, standard base64 WITHOUT '=' padding (go's RawStdEncoding) */
} tls_cert;

/* Returns 0 on success; on failure -1 with a message in err. */
int tls_cert_generate(tls_cert *out, char *err, size_t errlen);
void tls_cert_free(tls_cert *c);

#endif
