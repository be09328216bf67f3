/* secret_seal.c — pk_secret_seal / pk_secret_open: a secret kept where others can read (Terraform's
 * private state, saved in the state file) is stored encrypted under a key derived from material that
 * stays on the machine, so the stored text alone is worthless. */
#include "crypto/crypto_priv.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_MAX   4096 /* a commit token is a few dozen bytes */

/* key = BLAKE2b-256(key = purpose, message = material): one key per purpose. */
static int derive(const char *material, const char *purpose,
                  uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
    if (!material || !material[0] || !purpose) return -1;
    size_t pl = strlen(purpose);
    if (pl > crypto_generichash_KEYBYTES_MAX) pl = crypto_generichash_KEYBYTES_MAX;
    return crypto_generichash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
                              (const unsigned char *)material, strlen(material),
                              (const unsigned char *)purpose, pl);
}

int pk_secret_seal(const char *secret, const char *key_material, const char *purpose,
                   char **out_hex)
{
    if (!out_hex) return -1;
    *out_hex = NULL;
    if (!secret || pkx_crypto_init() != 0) return -1;
    size_t n = strlen(secret);
    if (n > SEAL_MAX) return -1;
    uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    if (derive(key_material, purpose, key) != 0) return -1;
    size_t blen = SEAL_NONCE + n + SEAL_TAG;
    uint8_t *box = malloc(blen);
    char *hex = malloc(2 * blen + 1);
    int rc = -1;
    if (box && hex) {
        randombytes_buf(box, SEAL_NONCE);
        unsigned long long clen = 0;
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            box + SEAL_NONCE, &clen, (const unsigned char *)secret, n,
            (const unsigned char *)purpose, strlen(purpose), NULL, box, key);
        pk_hex_encode(box, blen, hex, 2 * blen + 1);
        *out_hex = hex;
        hex = NULL;
        rc = 0;
    }
    sodium_memzero(key, sizeof key);
    free(box);
    free(hex);
    return rc;
}

int pk_secret_open(const char *sealed_hex, const char *key_material, const char *purpose,
                   char **out_secret)
{
    if (!out_secret) return -1;
    *out_secret = NULL;
    if (!sealed_hex || pkx_crypto_init() != 0) return -1;
    size_t hl = strlen(sealed_hex);
    if (hl % 2 || hl / 2 < SEAL_NONCE + SEAL_TAG || hl / 2 > SEAL_NONCE + SEAL_MAX + SEAL_TAG)
        return -1;
    uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    if (derive(key_material, purpose, key) != 0) return -1;
    size_t blen = hl / 2, got = 0;
    uint8_t *box = malloc(blen);
    char *plain = malloc(blen);
    int rc = -1;
    unsigned long long pl = 0;
    if (box && plain && pk_hex_decode(sealed_hex, hl, box, blen, &got) == 0 && got == blen &&
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            (unsigned char *)plain, &pl, NULL, box + SEAL_NONCE, blen - SEAL_NONCE,
            (const unsigned char *)purpose, strlen(purpose), box, key) == 0 &&
        memchr(plain, 0, pl) == NULL) {
        plain[pl] = '\0';
        *out_secret = plain;
        plain = NULL;
        rc = 0;
    }
    sodium_memzero(key, sizeof key);
    if (plain) sodium_memzero(plain, blen);
    free(plain);
    free(box);
    return rc;
}
