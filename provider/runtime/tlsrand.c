/* tlsrand.c — OpenSSL's RAND_METHOD served by getrandom(2) (see tlsrand.h).
 *
 * Why this is as strong as the DRBG it replaces: OpenSSL seeds its DRBG from getrandom, and Go's
 * crypto/rand — Terraform's and every Go provider's TLS — reads getrandom for every request. The
 * kernel CSPRNG is fork-safe and reseeds itself. getrandom without GRND_NONBLOCK blocks only
 * until the kernel pool is first initialised, as OpenSSL's seeding would. Every consumer goes
 * through RAND_bytes_ex / RAND_priv_bytes_ex, which hand the request to a legacy method when one
 * is set: TLS randoms, key shares and ECDSA nonces of the plugin server, and outbound HTTPS. */
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_METHOD: the only hook that bypasses the DRBG */
#include "tlsrand.h"

#include <errno.h>
#include <openssl/rand.h>
#include <sys/random.h>

/* getrandom in full: it returns short only for requests over 256 bytes or on a signal. */
static int kernel_bytes(unsigned char *buf, int num)
{
    if (num < 0) return 0;
    size_t n = (size_t)num;
    while (n) {
        ssize_t r = getrandom(buf, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        buf += r;
        n -= (size_t)r;
    }
    return 1;
}

/* Seeding is the kernel's business: extra input is accepted and ignored. */
static int kernel_seed(const void *buf, int num)
{
    (void)buf;
    (void)num;
    return 1;
}

static int kernel_add(const void *buf, int num, double entropy)
{
    (void)buf;
    (void)num;
    (void)entropy;
    return 1;
}

static int kernel_status(void)
{
    return 1;
}

static const RAND_METHOD kernel_method = {
    .seed = kernel_seed,
    .bytes = kernel_bytes,
    .cleanup = NULL,
    .add = kernel_add,
    .pseudorand = kernel_bytes,
    .status = kernel_status,
};

int tls_rand_use_kernel(void)
{
    return RAND_set_rand_method(&kernel_method) == 1 ? 0 : -1;
}
