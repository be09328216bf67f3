/* Benchmark of pk_encrypt_env (DESIGN §10: 1024 vars x 1 KiB <= 5 ms): median of 50 runs for the big
 * set, operations per second for a typical 20-variable set, on the AES-NI path and the portable
 * OpenSSL path. Prints one line per measurement and a JSON summary line for scripts. */
#include "phalakms.h"
#include "crypto/crypto_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Each variable is `per_var` bytes of key + value: 1024 x 1 KiB is then exactly the guest's 1 MiB
 * total limit (with 1 KiB values plus keys it would exceed it and be refused). */
static pk_env_var *make_env(size_t count, size_t per_var)
{
    pk_env_var *v = calloc(count, sizeof *v);
    for (size_t i = 0; i < count; i++) {
        v[i].key = malloc(16);
        size_t value_len = per_var - (size_t)snprintf(v[i].key, 16, "VAR_%zu", i);
        v[i].value = malloc(value_len + 1);
        for (size_t j = 0; j < value_len; j++) v[i].value[j] = (char)('a' + (i + j) % 26);
        v[i].value[value_len] = '\0';
        v[i].value_len = value_len;
    }
    return v;
}

static double median_ms(const pk_env_var *v, size_t count, const char *pub, int runs)
{
    double *t = malloc(sizeof *t * (size_t)runs);
    for (int r = 0; r < runs; r++) {
        char *hex = NULL;
        double t0 = now_ms();
        char err[256];
        if (pk_encrypt_env(v, count, pub, &hex, err, sizeof err) != 0) {
            fprintf(stderr, "bench_encrypt: %s\n", err);
            exit(1);
        }
        t[r] = now_ms() - t0;
        free(hex);
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    double m = t[runs / 2];
    free(t);
    return m;
}

static double ops_per_s(const pk_env_var *v, size_t count, const char *pub, double seconds)
{
    long ops = 0;
    double t0 = now_ms(), t;
    do {
        char *hex = NULL;
        if (pk_encrypt_env(v, count, pub, &hex, NULL, 0) != 0) exit(1);
        free(hex);
        ops++;
        t = now_ms() - t0;
    } while (t < seconds * 1e3);
    return ops / (t / 1e3);
}

int main(void)
{
    uint8_t sk[32] = {0x42}, pk[32];
    char pub[65];
    pk_x25519_public(sk, pk);
    pk_hex_encode(pk, 32, pub, sizeof pub);
    pk_env_var *big = make_env(1024, 1024), *typical = make_env(20, 40);
    double res[2][2];
    for (int portable = 0; portable < 2; portable++) {
        pkx_gcm_force_portable(portable);
        median_ms(big, 1024, pub, 5); /* warm-up */
        res[portable][0] = median_ms(big, 1024, pub, 50);
        res[portable][1] = ops_per_s(typical, 20, pub, 1.0);
        printf("c %-8s encrypt_env 1024 vars x 1 KiB: median %.3f ms (target <= 5 ms)\n",
               portable ? "openssl" : "aesni", res[portable][0]);
        printf("c %-8s encrypt_env 20 vars: %.0f ops/s\n", portable ? "openssl" : "aesni",
               res[portable][1]);
    }
    printf(
        "{\"c_big_median_ms\":%.4f,\"c_typical_ops_per_s\":%.1f,\"c_portable_big_median_ms\":%.4f,"
        "\"c_portable_typical_ops_per_s\":%.1f}\n",
        res[0][0], res[0][1], res[1][0], res[1][1]);
    return 0;
}
