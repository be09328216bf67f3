/* keys.c — every key the simulator holds, derived deterministically from each KMS contract's root
 * secret (its replicas share it), and the crypto glue over libphalakms (signing app keys, decrypting
 * envs, compose hashes).
 *
 * Derivation (documented so tests can reproduce it; Keccak-256 as Ethereum uses it):
 *   KMS secp256k1 secret = keccak256(root_secret(32) || "k256");  k256_pubkey = its compressed point
 *   app X25519 secret    = keccak256(root_secret(32) || app_id(20 bytes) || "env-encrypt-key")
 *   app key signature    = recoverable secp256k1 signature by the KMS key of the legacy digest
 *                          keccak256("dstack-env-encrypt-pubkey" || ":" || app_id(20) || x25519_pk(32))
 * The real KMS derives the app key from its root CA key with the same "env-encrypt-key" label; only
 * the KDF differs, which no client can observe.
 */
#include "sim.h"

#include <phalakms.h>
#include <sodium.h>
#include <string.h>

int sim_keccak_hex(const void *data, size_t len, char out[SIM_HEX_HASH])
{
    uint8_t h[PK_KECCAK256_BYTES];
    pk_keccak256(data, len, h);
    sim_hex_encode(h, sizeof h, out);
    return 0;
}

int sim_keys_derive(struct sim_keys *k)
{
    uint8_t buf[32 + 4], pub[PK_SECP256K1_PUBKEY_BYTES];
    memcpy(buf, k->root_secret, 32);
    memcpy(buf + 32, "k256", 4);
    pk_keccak256(buf, sizeof buf, k->k256_sk);
    /* A keccak output that is not a valid secp256k1 scalar has probability ~2^-128; rehash if so.
     */
    for (int i = 0; i < 8 && pk_secp256k1_pubkey_compressed(k->k256_sk, pub) != 0; i++)
        pk_keccak256(k->k256_sk, 32, k->k256_sk);
    sodium_memzero(buf, sizeof buf);
    if (pk_secp256k1_pubkey_compressed(k->k256_sk, pub) != 0) return -1;
    k->k256_pubkey[0] = '0';
    k->k256_pubkey[1] = 'x';
    sim_hex_encode(pub, sizeof pub, k->k256_pubkey + 2);
    return 0;
}

int sim_app_x25519(const struct sim_keys *k, const char *app_id_hex, uint8_t sk[32], uint8_t pk[32])
{
    uint8_t buf[32 + 20 + 15];
    memcpy(buf, k->root_secret, 32);
    if (sim_hex_decode(app_id_hex, buf + 32, 20)) return -1;
    memcpy(buf + 52, "env-encrypt-key", 15);
    pk_keccak256(buf, sizeof buf, sk);
    sodium_memzero(buf, sizeof buf);
    return pk_x25519_public(sk, pk);
}

int sim_app_pubkey_sig(const struct sim_keys *k, const char *app_id_hex, const uint8_t pk[32],
                       char sig_hex[131])
{
    uint8_t app[20], digest[32], sig[PK_SECP256K1_SIG_BYTES];
    if (sim_hex_decode(app_id_hex, app, 20)) return -1;
    pk_pubkey_sig_digest(app, pk, NULL, digest);
    if (pk_secp256k1_sign_recoverable(k->k256_sk, digest, sig)) return -1;
    sim_hex_encode(sig, sizeof sig, sig_hex);
    return 0;
}

int sim_compose_hash_form(const cJSON *compose, enum sim_hash_form form, char out[SIM_HEX_HASH])
{
    char *json = cJSON_PrintUnformatted(compose);
    if (!json) return -1;
    int rc = pk_compose_hash_form(
        json, strlen(json), form == SIM_FORM_INDENT4 ? PK_COMPOSE_INDENT4 : PK_COMPOSE_COMPACT,
        false, out, NULL, 0);
    cJSON_free(json);
    return rc;
}

int sim_compose_hash(const cJSON *compose, char out[SIM_HEX_HASH])
{
    return sim_compose_hash_form(compose, SIM_FORM_COMPACT, out);
}

cJSON *sim_decrypt_env(const struct sim_keys *k, const char *app_id_hex, const char *hex)
{
    uint8_t sk[32], pk[32];
    pk_env_list list = {0};
    cJSON *out = NULL;
    if (sim_app_x25519(k, app_id_hex, sk, pk) == 0 &&
        pk_decrypt_env(hex, sk, &list, NULL, 0) == 0) {
        out = cJSON_CreateArray();
        for (size_t i = 0; out && i < list.count; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "key", list.items[i].key);
            cJSON_AddStringToObject(e, "value", list.items[i].value);
            cJSON_AddItemToArray(out, e);
        }
    }
    sodium_memzero(sk, sizeof sk);
    pk_env_list_free(&list);
    return out;
}
