/* tlserr.c — loads OpenSSL's error strings on first need (see tlserr.h). */
#define OPENSSL_SUPPRESS_DEPRECATED /* ERR_load_SSL_strings: libssl's table, as its own init loads it */
#include "tlserr.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>

/* What OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS) runs: every libcrypto table (ERR,
 * EVP, X509, PROV, ...). libcrypto exports it without declaring it in a public header; the public
 * per-library loaders leave several tables out (PROV, HTTP, ESS, DECODER, ...). OpenSSL is linked
 * statically, at the version the build pins, so a rename fails the link, not a run. */
int ossl_err_load_crypto_strings(void);

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    ossl_err_load_crypto_strings();
    ERR_load_SSL_strings();
}

void tls_err_strings_load(void)
{
    pthread_once(&g_once, load);
}
