/* func_env_pubkey_signer.c — provider::phala::env_pubkey_signer(public_key, signature, app_id):
 * the secp256k1 key that signed an app's env-encryption key (the legacy signature the API
 * relays), for checking offline what phala_app_pubkey checks: compare it with the KMS's
 * k256_pubkey. */
#include "phala_common.h"

static const tf_func_param params[] = {
    {.name = "public_key",
     .type = &tf_type_string,
     .description = "The app's X25519 env-encryption key: 64 hex digits, optionally `0x`."},
    {.name = "signature",
     .type = &tf_type_string,
     .description = "The KMS's signature over it: 65 bytes (130 hex digits), optionally `0x`."},
    {.name = "app_id",
     .type = &tf_type_string,
     .description = "The app id the key belongs to: 40 hex digits, optionally `0x`."},
};

static void call_signer(tf_fctx *f, const tf_value *args, tf_value *result)
{
    const char *pk = args[0].u.str.ptr, *sig = args[1].u.str.ptr, *app = args[2].u.str.ptr;
    if (!phala_is_hex(pk, 64, false)) {
        tf_func_error(f, 0, "public_key must be 64 hex digits (an X25519 key), optionally 0x");
        return;
    }
    if (!phala_is_hex(sig, 130, false)) {
        tf_func_error(f, 1,
                      "signature must be 130 hex digits (r, s and the recovery id), "
                      "optionally 0x");
        return;
    }
    if (!pk_app_id_valid(app)) {
        tf_func_error(f, 2, "app_id must be 40 hex digits, optionally 0x");
        return;
    }
    uint8_t signer[PK_SECP256K1_PUBKEY_BYTES];
    char why[256] = "";
    if (pk_verify_pubkey_sig(pk, sig, app, NULL, 0, NULL, signer, why, sizeof why) != 0) {
        tf_func_error(f, 1, "The signature does not recover to a signing key: %s", why);
        return;
    }
    char hex[2 * PK_SECP256K1_PUBKEY_BYTES + 3] = "0x";
    pk_hex_encode(signer, sizeof signer, hex + 2, sizeof hex - 2);
    *result = tf_string(tf_func_arena(f), hex);
}

const tf_function_def phala_func_env_pubkey_signer = {
    .name = "env_pubkey_signer",
    .summary = "The key that signed an app's env-encryption key",
    .description =
        "Recovers the compressed secp256k1 key (`0x` + 66 hex digits) that signed an app's "
        "env-encryption public key, from the signature the Phala Cloud API relays with it (the "
        "legacy form: keccak256 of `dstack-env-encrypt-pubkey:` ‖ app id ‖ key). Compare it with "
        "the KMS's `k256_pubkey` to verify the key offline, as `phala_app_pubkey` does.",
    .params = params,
    .n_params = 3,
    .ret = &tf_type_string,
    .call = call_signer,
};
