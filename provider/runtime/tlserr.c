/* tlserr.c — loads OpenSSL's error strings on first need (see tlserr.h). */
#define OPENSSL_SUPPRESS_DEPRECATED /* ERR_load_SSL_strings: libssl's table, as its own init loads it */
#include "tlserr.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>

/* What OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS) runs: every libcrypto table (ERR,
 * EVP, X509, PROV, ...). libcrypto exports it without declaring it in a public header; the public
 * per-library loaders leave several tables out (PROV, HTTP, ESS, DECODER, ...). OpenSSL is linked
 * statically, at the version the build pins. The reference is weak: a shared libcrypto (sanitizer
 * and fuzz builds link the system's) does not export it, and then nothing is deferred. */
int ossl_err_load_crypto_strings(void) __attribute__((weak));

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    if (!ossl_err_load_crypto_strings) return; /* loaded at start-up (tls_err_init_flags) */
    ossl_err_load_crypto_strings();
    ERR_load_SSL_strings();
}

uint64_t tls_err_init_flags(void)
{
    if (!ossl_err_load_crypto_strings) return 0;
    return OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_LOAD_SSL_STRINGS;
}

void tls_err_strings_load(void)
{
    pthread_once(&g_once, load);
}
