/* tls13_keys.c — the TLS 1.3 key schedule for SHA-256 suites (RFC 8446 §7.1-7.3, §4.4.4): HKDF on
 * libsodium's HMAC-SHA256, HKDF-Expand-Label, Derive-Secret, traffic keys, KeyUpdate, Finished.
 * Every intermediate secret is wiped before return. */
#include "tls13_int.h"

#include <sodium.h>
#include <string.h>

static const uint8_t ZERO_HASH[TLS13_HASH_LEN]; /* "0" in §7.1: Hash.length zero bytes */

void tls13_hkdf_extract(uint8_t prk[TLS13_HASH_LEN], const uint8_t *salt, size_t salt_len,
                        const uint8_t *ikm, size_t ikm_len)
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, salt, salt_len);
    crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
    crypto_auth_hmacsha256_final(&st, prk);
    sodium_memzero(&st, sizeof st);
}

int tls13_expand_label(uint8_t *out, size_t out_len, const uint8_t secret[TLS13_HASH_LEN],
                       const char *label, const uint8_t *context, size_t context_len)
{
    static const char prefix[] = "tls13 ";
    size_t label_len = strlen(label);
    /* struct HkdfLabel { uint16 length; opaque label<7..255>; opaque context<0..255>; } */
    if (out_len > 255 * TLS13_HASH_LEN || out_len > 0xffff || label_len > 255 - 6 ||
        context_len > 255)
        return -1;
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
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, secret, TLS13_HASH_LEN);
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

void tls13_derive_secret(uint8_t out[TLS13_HASH_LEN], const uint8_t secret[TLS13_HASH_LEN],
                         const char *label, const uint8_t transcript[TLS13_HASH_LEN])
{
    /* labels are our own constants, always short enough */
    (void)tls13_expand_label(out, TLS13_HASH_LEN, secret, label, transcript, TLS13_HASH_LEN);
}

/* Derive-Secret(secret, "derived", ""): the salt of the next Extract. */
static void derived(uint8_t out[TLS13_HASH_LEN], const uint8_t secret[TLS13_HASH_LEN])
{
    uint8_t empty[TLS13_HASH_LEN];
    crypto_hash_sha256(empty, NULL, 0);
    tls13_derive_secret(out, secret, "derived", empty);
}

void tls13_handshake_secret(uint8_t hs[TLS13_HASH_LEN], const uint8_t *ecdhe, size_t ecdhe_len)
{
    uint8_t early[TLS13_HASH_LEN], salt[TLS13_HASH_LEN];
    /* no PSK: Early Secret = Extract(0, 0), public and the same for every connection */
    tls13_hkdf_extract(early, ZERO_HASH, sizeof ZERO_HASH, ZERO_HASH, sizeof ZERO_HASH);
    derived(salt, early);
    tls13_hkdf_extract(hs, salt, sizeof salt, ecdhe, ecdhe_len);
    sodium_memzero(salt, sizeof salt);
}

void tls13_master_secret(uint8_t ms[TLS13_HASH_LEN], const uint8_t hs[TLS13_HASH_LEN])
{
    uint8_t salt[TLS13_HASH_LEN];
    derived(salt, hs);
    tls13_hkdf_extract(ms, salt, sizeof salt, ZERO_HASH, sizeof ZERO_HASH);
    sodium_memzero(salt, sizeof salt);
}

void tls13_dir_set(tls13_dir *d, const uint8_t secret[TLS13_HASH_LEN])
{
    if (d->secret != secret) memcpy(d->secret, secret, TLS13_HASH_LEN);
    (void)tls13_expand_label(d->key, TLS13_KEY_LEN, d->secret, "key", NULL, 0);
    (void)tls13_expand_label(d->iv, TLS13_IV_LEN, d->secret, "iv", NULL, 0);
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
