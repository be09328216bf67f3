/* pkx_ca.h — the machine's CA certificates, found at run time the way Go's crypto/x509 finds them
 * on Linux (root_linux.go, root_unix.go), so that one static binary verifies TLS on any
 * distribution: SSL_CERT_FILE replaces the list of bundle files and SSL_CERT_DIR (colon-separated)
 * the list of directories; the first bundle file that can be read is loaded, then every file of
 * every directory (not only OpenSSL's hashed names; symlinks to a name in the same directory are
 * skipped, as Go does). Read on the first TLS connection of the process, not at start-up, once
 * for all threads; a certificate is decoded only when a verification may need it (ca_certs.c). */
#ifndef PKX_CA_H
#define PKX_CA_H

#include <curl/curl.h>

/* CURLOPT_SSL_CTX_FUNCTION: gives the connection's SSL_CTX the process's certificate store. When
 * no certificate was found it fails the transfer with CURLE_SSL_CACERT_BADFILE: never an
 * unverified connection. */
CURLcode pkx_ca_ssl_ctx(CURL *h, void *ssl_ctx, void *user);

/* Why no CA certificate could be used (names SSL_CERT_FILE, SSL_CERT_DIR and every path tried),
 * or NULL when certificates were found. Looks for them if no connection has yet: call it only
 * after a transfer failed with CURLE_SSL_CACERT_BADFILE. */
const char *pkx_ca_problem(void);

/* For tests: the certificates found (read and indexed; loads them if no connection has yet), and
 * how many of them have been decoded into the store so far. */
size_t pkx_ca_indexed(void);
size_t pkx_ca_decoded(void);

#endif
