/* tlsinit.c — OpenSSL's set-up on first need (see tlsinit.h). */
#include "tlsinit.h"

#include <openssl/ssl.h>
#include <pthread.h>

#include "tlserr.h"
#include "tlsrand.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init(void)
{
    /* The first OPENSSL_init_ssl call of the process decides: no configuration file from the
     * build machine's paths, no cleanup at exit (there is none: the process ends with _exit),
     * error strings only when needed (tlserr.h), and no table of legacy cipher names. OpenSSL 3
     * copies that table into its name map on the first fetch (~10% of a provider life); it serves
     * only EVP_get_cipherbyname, which nothing here reaches (encrypted PEM keys, PKCS#7/#12, PBE,
     * DTLS): TLS and EVP_aes_256_gcm() fetch ciphers from the provider by name. The digest table
     * stays: certificate verification looks digests up by name. */
    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT |
                         OPENSSL_INIT_NO_ADD_ALL_CIPHERS | tls_err_init_flags(),
                     NULL);
    tls_rand_use_kernel(); /* before any random byte: no DRBG to instantiate (tlsrand.h) */
}

void tls_openssl_init(void)
{
    pthread_once(&g_once, init);
}
