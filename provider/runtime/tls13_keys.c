/* tls13_keys.c — the TLS 1.3 key schedule for SHA-256 suites (RFC 8446 §7.1-7.3, §4.4.4): HKDF on
 * libsodium's HMAC-SHA256, HKDF-Expand-Label, Derive-Secret, traffic keys, KeyUpdate, Finished.
 * Every intermediate secret is wiped before return. */
#include "tls13_int.h"

#include <sodium.h>
#include <string.h>

static const uint8_t ZERO_HASH[TLS13_HASH_LEN]; /* "0" in §7.1: Hash.length zero bytes */
/* SHA-256(""): the context of every Derive-Secret(., "derived", "") */
static const uint8_t EMPTY_HASH[TLS13_HASH_LEN] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
/* Derive-Secret(Extract(0, 0), "derived", ""): without a PSK the Early Secret and the salt of the
 * Handshake Secret are the same public constants for every connection, so they are not
 * recomputed (test_tls13_keys.c derives both from scratch and checks the handshake secret). */
static const uint8_t DERIVED_EARLY[TLS13_HASH_LEN] = {
    0x6f, 0x26, 0x15, 0xa1, 0x08, 0xc7, 0x02, 0xc5, 0x67, 0x8f, 0x54, 0xfc, 0x9d, 0xba, 0xb6, 0x97,
    0x16, 0xc0, 0x76, 0x18, 0x9c, 0x48, 0x25, 0x0c, 0xeb, 0xea, 0xc3, 0x57, 0x6c, 0x36, 0x11, 0xba};

void tls13_hkdf_extract(uint8_t prk[TLS13_HASH_LEN], const uint8_t *salt, size_t salt_len,
                        const uint8_t *ikm, size_t ikm_len)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);
    sodium_memzero(&st, sizeof st);
}

/* HKDF-Expand-Label with the secret already keyed into HMAC: each output block then costs two
 * SHA-256 compressions instead of four (the key's ipad/opad blocks are hashed once). */
static int expand_keyed(uint8_t *out, size_t out_len, const crypto_auth_hmacsha256_state *keyed,
                        const char *label, const uint8_t *context, size_t context_len)
{
    static const char prefix[] = "tls13 ";
    size_t label_len = strlen(label);
    /* struct HkdfLabel { uint16 length; opaque label<7..255>; opaque context<0..255>; } */
    if (out_len > 255 * TLS13_HASH_LEN || label_len > 255 - 6 || context_len > 255) return -1;
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + label_len);
    memcpy(info + n, prefix, 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = (uint8_t)context_len;
    if (context_len) memcpy(info + n, context, context_len);
    n += context_len;

    /* HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) || info || i) */
    uint8_t t[TLS13_HASH_LEN];
    size_t done = 0;
    for (uint8_t i = 1; done < out_len; i++) {
        crypto_auth_hmacsha256_state st = *keyed;
        if (i > 1) crypto_auth_hmacsha256_update(&st, t, sizeof t);
        crypto_auth_hmacsha256_update(&st, info, n);
        crypto_auth_hmacsha256_update(&st, &i, 1);
        crypto_auth_hmacsha256_final(&st, t);
        sodium_memzero(&st, sizeof st);
        size_t take = out_len - done < sizeof t ? out_len - done : sizeof t;
        memcpy(out + done, t, take);
        done += take;
    }
    sodium_memzero(t, sizeof t);
    return 0;
}

int tls13_expand_label(uint8_t *out, size_t out_len, const uint8_t secret[TLS13_HASH_LEN],
                       const char *label, const uint8_t *context, size_t context_len)
{
    crypto_auth_hmacsha256_state keyed;
    crypto_auth_hmacsha256_init(&keyed, secret, TLS13_HASH_LEN);
    int rc = expand_keyed(out, out_len, &keyed, label, context, context_len);
    sodium_memzero(&keyed, sizeof keyed);
    return rc;
}

void tls13_derive_secret(uint8_t out[TLS13_HASH_LEN], const uint8_t secret[TLS13_HASH_LEN],
                         const char *label, const uint8_t transcript[TLS13_HASH_LEN])
{
    /* labels are our own constants, always short enough */
    (void)tls13_expand_label(out, TLS13_HASH_LEN, secret, label, transcript, TLS13_HASH_LEN);
}

void tls13_handshake_secret(uint8_t hs[TLS13_HASH_LEN], const uint8_t *ecdhe, size_t ecdhe_len)
{
    tls13_hkdf_extract(hs, DERIVED_EARLY, sizeof DERIVED_EARLY, ecdhe, ecdhe_len);
}

void tls13_master_secret(uint8_t ms[TLS13_HASH_LEN], const uint8_t hs[TLS13_HASH_LEN])
{
    uint8_t salt[TLS13_HASH_LEN];
    tls13_derive_secret(salt, hs, "derived", EMPTY_HASH);
    tls13_hkdf_extract(ms, salt, sizeof salt, ZERO_HASH, sizeof ZERO_HASH);
    sodium_memzero(salt, sizeof salt);
}

void tls13_dir_set(tls13_dir *d, const uint8_t secret[TLS13_HASH_LEN])
{
    if (d->secret != secret) memcpy(d->secret, secret, TLS13_HASH_LEN);
    crypto_auth_hmacsha256_state keyed;
    crypto_auth_hmacsha256_init(&keyed, d->secret, TLS13_HASH_LEN);
    (void)expand_keyed(d->key, TLS13_KEY_LEN, &keyed, "key", NULL, 0);
    (void)expand_keyed(d->iv, TLS13_IV_LEN, &keyed, "iv", NULL, 0);
    sodium_memzero(&keyed, sizeof keyed);
    d->seq = 0;
}

void tls13_dir_update(tls13_dir *d)
{
    uint8_t next[TLS13_HASH_LEN];
    (void)tls13_expand_label(next, sizeof next, d->secret, "traffic upd", NULL, 0);
    tls13_dir_set(d, next);
    sodium_memzero(next, sizeof next);
}

void tls13_finished(uint8_t out[TLS13_HASH_LEN], const uint8_t base_key[TLS13_HASH_LEN],
                    const uint8_t transcript[TLS13_HASH_LEN])
{
    uint8_t key[TLS13_HASH_LEN];
    (void)tls13_expand_label(key, sizeof key, base_key, "finished", NULL, 0);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, sizeof key);
    crypto_auth_hmacsha256_update(&st, transcript, TLS13_HASH_LEN);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(key, sizeof key);
}
