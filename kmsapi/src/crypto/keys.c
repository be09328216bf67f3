/* Key primitives other parts of the project share: secp256k1 recoverable signing (the simulator's
 * KMS and the on-chain transaction signer), public-key recovery (the KMS signature check) and the
 * X25519 public key of a secret (the simulator's per-app env keys). */
#include "crypto/crypto_priv.h"

#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

int pk_secp256k1_sign_recoverable(const uint8_t seckey[PK_SECP256K1_SECKEY_BYTES],
                                  const uint8_t digest[32], uint8_t sig[PK_SECP256K1_SIG_BYTES])
{
    const secp256k1_context *ctx = pkx_secp256k1_ctx();
    secp256k1_ecdsa_recoverable_signature rs;
    int recid = 0;
    if (!ctx || !seckey || !digest || !sig) return -1;
    /* NULL noncefp = RFC 6979; libsecp256k1 always produces low-s signatures. */
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, digest, seckey, NULL, NULL)) return -1;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
    sig[64] = (uint8_t)recid;
    return 0;
}

int pk_secp256k1_pubkey_compressed(const uint8_t seckey[PK_SECP256K1_SECKEY_BYTES],
                                   uint8_t out[PK_SECP256K1_PUBKEY_BYTES])
{
    const secp256k1_context *ctx = pkx_secp256k1_ctx();
    secp256k1_pubkey pk;
    size_t len = PK_SECP256K1_PUBKEY_BYTES;
    if (!ctx || !seckey || !out) return -1;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, seckey)) return -1;
    secp256k1_ec_pubkey_serialize(ctx, out, &len, &pk, SECP256K1_EC_COMPRESSED);
    return 0;
}

int pk_secp256k1_recover(const uint8_t digest[32], const uint8_t sig[PK_SECP256K1_SIG_BYTES],
                         uint8_t out[PK_SECP256K1_PUBKEY_BYTES])
{
    const secp256k1_context *ctx = pkx_secp256k1_ctx();
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pk;
    size_t len = PK_SECP256K1_PUBKEY_BYTES;
    if (!ctx || !digest || !sig || !out) return -1;
    int recid = sig[64];
    if (recid >= 27) recid -= 27; /* Ethereum-style v */
    if (recid < 0 || recid > 3) return -1;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, recid)) return -1;
    if (!secp256k1_ecdsa_recover(ctx, &pk, &rs, digest)) return -1;
    secp256k1_ec_pubkey_serialize(ctx, out, &len, &pk, SECP256K1_EC_COMPRESSED);
    return 0;
}

int pk_x25519_public(const uint8_t seckey[PK_X25519_KEY_BYTES], uint8_t out[PK_X25519_KEY_BYTES])
{
    if (!seckey || !out || pkx_crypto_init() != 0) return -1;
    return crypto_scalarmult_base(out, seckey) == 0 ? 0 : -1;
}
