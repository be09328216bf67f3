/* clientcert.h — the certificate a go-plugin client presents (PLUGIN_CLIENT_CERT): as go-plugin
 * makes it, a fresh self-signed P-521 ECDSA certificate, CN and SAN localhost, O=HashiCorp, CA,
 * client and server auth. For the probe and benchmarks only: speed does not matter here. */
#ifndef CLIENTCERT_H
#define CLIENTCERT_H

typedef struct {
    char *key_pem;  /* PKCS#8 private key, PEM */
    char *cert_pem; /* certificate, PEM */
} client_cert;

/* Returns 0, or -1 with a message on stderr. */
int client_cert_generate(client_cert *out);
/* A P-256 certificate issued (signed) by ca — the chain leaf, then ca — with its own key: what
 * only the holder of Terraform's key could make, yet not the certificate Terraform announced. */
int client_cert_issue(const client_cert *ca, client_cert *out);
void client_cert_free(client_cert *c);

#endif
