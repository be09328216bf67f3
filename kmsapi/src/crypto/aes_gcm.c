/* AES-256-GCM for env encryption: libsodium's implementation needs AES-NI + PCLMUL, so on CPUs
 * without them (and when a test forces it) the same operation goes through OpenSSL's EVP. Both
 * produce ciphertext || 16-byte tag with a 12-byte IV and no AAD, as WebCrypto does. */
#include "crypto/crypto_priv.h"

#include <limits.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

static atomic_bool force_portable;

void pkx_gcm_force_portable(bool on)
{
    atomic_store(&force_portable, on);
}

bool pkx_gcm_uses_portable(void)
{
    if (pkx_crypto_init() != 0) return true;
    return atomic_load(&force_portable) || !crypto_aead_aes256gcm_is_available();
}

static int evp_gcm(bool encrypt, const uint8_t key[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                   const uint8_t *in, size_t in_len, uint8_t *out, uint8_t tag[PKX_GCM_TAG_BYTES])
{
    int ok = 0, n = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return -1;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, PKX_GCM_IV_BYTES, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, -1) != 1)
        goto done;
    /* EVP takes int lengths: feed large inputs in chunks. */
    for (size_t off = 0; off < in_len;) {
        size_t chunk = in_len - off > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : in_len - off;
        if (EVP_CipherUpdate(ctx, out + off, &n, in + off, (int)chunk) != 1 || (size_t)n != chunk)
            goto done;
        off += chunk;
    }
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, PKX_GCM_TAG_BYTES, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(ctx, out + in_len, &n) != 1) goto done;
    if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, PKX_GCM_TAG_BYTES, tag) != 1)
        goto done;
    ok = 1;
done:
    EVP_CIPHER_CTX_free(ctx); /* also cleanses the expanded key */
    return ok ? 0 : -1;
}

int pkx_aes256gcm_encrypt(const uint8_t key[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                          const uint8_t *pt, size_t pt_len, uint8_t *ct_tag)
{
    if (pkx_gcm_uses_portable()) return evp_gcm(true, key, iv, pt, pt_len, ct_tag, ct_tag + pt_len);
    unsigned long long clen = 0;
    return crypto_aead_aes256gcm_encrypt(ct_tag, &clen, pt, pt_len, NULL, 0, NULL, iv, key) == 0
               ? 0
               : -1;
}

int pkx_aes256gcm_decrypt(const uint8_t key[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                          const uint8_t *ct_tag, size_t ct_tag_len, uint8_t *pt)
{
    if (ct_tag_len < PKX_GCM_TAG_BYTES) return -1;
    size_t ct_len = ct_tag_len - PKX_GCM_TAG_BYTES;
    if (pkx_gcm_uses_portable()) {
        uint8_t tag[PKX_GCM_TAG_BYTES];
        memcpy(tag, ct_tag + ct_len, sizeof tag);
        int rc = evp_gcm(false, key, iv, ct_tag, ct_len, pt, tag);
        if (rc != 0) sodium_memzero(pt, ct_len); /* never hand out unauthenticated plaintext */
        return rc;
    }
    unsigned long long plen = 0;
    return crypto_aead_aes256gcm_decrypt(pt, &plen, NULL, ct_tag, ct_tag_len, NULL, 0, iv, key) == 0
               ? 0
               : -1;
}
