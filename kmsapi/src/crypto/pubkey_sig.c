/* The KMS signature over an app's env-encryption public key (dstack kms/src/crypto.rs): proves the
 * X25519 key we encrypt to was issued by the KMS whose secp256k1 key we trust. Legacy form (what
 * the cloud API relays) and the timestamped v1 form with the SDKs' freshness window. */
#include "crypto/crypto_priv.h"

#include <string.h>

#define SIG_DOMAIN "dstack-env-encrypt-pubkey"

void pk_pubkey_sig_digest(const uint8_t app_id[PK_APP_ID_BYTES],
                          const uint8_t public_key[PK_X25519_KEY_BYTES], const uint64_t *timestamp,
                          uint8_t digest[PK_KECCAK256_BYTES])
{
    pk_keccak256_ctx ctx;
    pk_keccak256_init(&ctx);
    pk_keccak256_update(&ctx, SIG_DOMAIN ":", sizeof SIG_DOMAIN); /* sizeof counts ':' not NUL */
    pk_keccak256_update(&ctx, app_id, PK_APP_ID_BYTES);
    if (timestamp) {
        uint8_t be[8];
        for (int i = 0; i < 8; i++) be[i] = (uint8_t)(*timestamp >> (56 - 8 * i));
        pk_keccak256_update(&ctx, be, sizeof be);
    }
    pk_keccak256_update(&ctx, public_key, PK_X25519_KEY_BYTES);
    pk_keccak256_final(&ctx, digest);
}

int pk_verify_pubkey_sig(const char *public_key_hex, const char *signature_hex,
                         const char *app_id_hex, const uint64_t *timestamp, int64_t now,
                         const char *expected_signer_hex,
                         uint8_t signer_out[PK_SECP256K1_PUBKEY_BYTES], char *err, size_t errlen)
{
    uint8_t pub[PK_X25519_KEY_BYTES], sig[PK_SECP256K1_SIG_BYTES], app[PK_APP_ID_BYTES];
    uint8_t digest[PK_KECCAK256_BYTES], signer[PK_SECP256K1_PUBKEY_BYTES];

    if (pk_hex_decode_exact(public_key_hex, pub, sizeof pub) != 0)
        return pkx_seterr(err, errlen, "public key must be 32 bytes of hex");
    if (pk_hex_decode_exact(signature_hex, sig, sizeof sig) != 0)
        return pkx_seterr(err, errlen, "signature must be 65 bytes of hex (r || s || v)");
    if (pk_hex_decode_exact(app_id_hex, app, sizeof app) != 0)
        return pkx_seterr(err, errlen, "app id must be 20 bytes of hex (40 digits, optional 0x)");
    if (sig[64] > 1 && sig[64] != 27 && sig[64] != 28)
        return pkx_seterr(err, errlen, "signature recovery id must be 0, 1, 27 or 28 (got %u)",
                          sig[64]);
    if (timestamp) {
        /* Same bounds as the dstack SDKs: older than max age or more than the skew ahead fails. */
        if (*timestamp > (uint64_t)INT64_MAX)
            return pkx_seterr(err, errlen, "signature timestamp is out of range");
        if (now < 0) return pkx_seterr(err, errlen, "current time is invalid");
        int64_t age = now - (int64_t)*timestamp;
        if (age < -PK_PUBKEY_SIG_MAX_SKEW_S)
            return pkx_seterr(err, errlen, "signature timestamp is %lld s in the future",
                              (long long)-age);
        if (age > PK_PUBKEY_SIG_MAX_AGE_S)
            return pkx_seterr(err, errlen, "signature is too old (%lld s > %d s)", (long long)age,
                              PK_PUBKEY_SIG_MAX_AGE_S);
    }
    pk_pubkey_sig_digest(app, pub, timestamp, digest);
    if (pk_secp256k1_recover(digest, sig, signer) != 0)
        return pkx_seterr(err, errlen, "invalid encryption public key signature");
    if (expected_signer_hex) {
        uint8_t want[PK_SECP256K1_PUBKEY_BYTES];
        if (pk_hex_decode_exact(expected_signer_hex, want, sizeof want) != 0)
            return pkx_seterr(err, errlen,
                              "expected signer must be a 33-byte compressed secp256k1 key in hex");
        if (memcmp(want, signer, sizeof want) != 0) {
            char got[2 * PK_SECP256K1_PUBKEY_BYTES + 1];
            pk_hex_encode(signer, sizeof signer, got, sizeof got);
            return pkx_seterr(err, errlen,
                              "encryption public key signature does not match the KMS key "
                              "(signed by 0x%s)",
                              got);
        }
    }
    if (signer_out) memcpy(signer_out, signer, sizeof signer);
    return 0;
}
