/* data_app_pubkey.c — data source phala_app_pubkey: an app's env-encryption public key from a KMS,
 * with the KMS's signature over it checked (by default) against the KMS's k256_pubkey or an
 * explicit expected_signer, so a tampered key is an error instead of a silent leak of secrets.
 * `kms` is whatever the current API accepts for it (contract slug or kc_ id, kms_type, node id or
 * slug); the lookup itself goes out on the client's API version, the replica-safe path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envsigner.h"
#include "phala_common.h"

static const tf_attr_def attrs[] = {
    {.name = "kms",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "The KMS to ask: a KMS contract slug (e.g. `base`) or id (`kc_…`), a "
                    "`kms_type` (`phala`, `ethereum`, `base`), or a KMS node id (`kms_…`) or "
                    "slug. The API resolves each onto its contract and answers from a healthy "
                    "replica."},
    {.name = "app_id",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "App id: 40 hex digits, optionally prefixed by `0x`."},
    {.name = "verify",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "Check the KMS signature over the key (default `true`). A signature that does "
                    "not recover to the expected signer is an error."},
    {.name = "expected_signer",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description =
         "Compressed secp256k1 public key (hex, optional `0x`) that must have signed the "
         "key. Default: with the provider's `onchain.rpc_url`, the k256 key the KMS contract "
         "`kms` names holds on-chain (`kmsInfo()`; the API's `k256_pubkey` must equal it); "
         "else the `k256_pubkey` the API gives for that contract (of the KMS node when `kms` "
         "names a node the contract API does not know)."},
    {.name = "public_key",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The app's X25519 env-encryption public key (hex)."},
    {.name = "signature",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The KMS's signature over the key (hex r‖s‖v)."},
    {.name = "signer",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The signer recovered from the signature (compressed, `0x` hex); null if "
                    "nothing can be recovered."},
    {.name = "kms_contract_id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The KMS contract (`kc_…`) whose `k256_pubkey` the signature was checked "
                    "against; null when `expected_signer` was the anchor, when the anchor came "
                    "from a KMS node, or when `verify` is false."},
    {.name = "verified",
     .type = &tf_type_bool,
     .flags = TF_COMPUTED,
     .description = "true when the signature was checked and matched the expected signer."},
};

static void validate_app_pubkey(tf_ctx *c, const tf_value *config)
{
    phala_check_path_id(c, config, "kms", "KMS contract, kms_type or node id");
    const char *app_id = tf_get_string(config, "app_id");
    if (app_id && !pk_app_id_valid(app_id))
        tf_error(c, "app_id", "Invalid app id",
                 "\"%s\" is not an app id: expected 40 hex digits, optionally prefixed by 0x.",
                 app_id);
    const char *signer = tf_get_string(config, "expected_signer");
    if (signer && !phala_is_k256_pubkey(signer))
        tf_error(c, "expected_signer", "Invalid expected_signer",
                 "expected_signer must be a compressed secp256k1 public key: 66 hex digits "
                 "starting with 02 or 03, optionally prefixed by 0x.");
}

/* Where the expected signer came from, for the messages. */
typedef struct {
    const char *attr;        /* the attribute to blame: "expected_signer" or "kms" */
    const char *what;        /* "expected_signer", "the k256_pubkey of KMS contract kc_…", … */
    const char *contract_id; /* the contract when it was the anchor, else NULL */
} anchor_src;

/* The chain of a kms_type, to find its contract when no contract has that slug. */
static bool kms_type_chain(const char *kms, int64_t *chain)
{
    static const struct {
        const char *type;
        int64_t chain;
    } types[] = {{"phala", 0}, {"ethereum", 1}, {"base", 8453}};
    for (size_t i = 0; i < TF_COUNT(types); i++)
        if (strcmp(kms, types[i].type) == 0) return *chain = types[i].chain, true;
    return false;
}

/* The contract named by kms: by slug or kc_ id, else the only contract on a kms_type's chain.
 * 1 = found (*out filled), 0 = not a contract, -1 = error reported. */
static int find_contract(tf_ctx *c, pk_client *client, const char *kms, pk_kms_contract *out)
{
    pk_error err = {0};
    if (pk_kms_contract_fetch(client, kms, out, &err) == 0) return 1;
    if (err.http_status != 404) {
        phala_api_error(c, "kms", "Cannot read the KMS to verify the app key", &err);
        pk_error_clear(&err);
        return -1;
    }
    pk_error_clear(&err);
    int64_t chain;
    if (!kms_type_chain(kms, &chain)) return 0;
    pk_kms_contract_list all = {0};
    if (pk_kms_contracts_fetch_all(client, PK_UNSET, &all, &err) != 0) {
        phala_api_error(c, "kms", "Cannot list the KMS contracts to verify the app key", &err);
        pk_error_clear(&err);
        return -1;
    }
    /* Only an unambiguous match: two contracts on one chain leave no anchor to pick. */
    int found = -1, n = 0;
    for (size_t i = 0; i < all.n_items; i++)
        if (all.items[i].chain_id == chain) found = (int)i, n++;
    if (n == 1) {
        *out = all.items[found];
        memset(&all.items[found], 0, sizeof all.items[found]); /* moved */
    }
    pk_kms_contract_list_free(&all);
    return n == 1;
}

/* The KMS contract's own key on-chain (kmsInfo through the provider's rpc_url), which the API's
 * k256_pubkey (api, may be NULL) must equal. Arena string, or NULL after an error on kms. */
static const char *chain_anchor(tf_ctx *c, const pk_kms_contract *k, const char *api,
                                anchor_src *src)
{
    char *why = NULL;
    char *key = env_chain_kms_k256(c->provider_data, k->contract_address, true, k->chain_id, &why);
    const char *out = NULL;
    if (!key)
        tf_error(c, "kms", "Cannot read the KMS's key on-chain",
                 "onchain.rpc_url is configured, so the key that must have signed the app key "
                 "comes from KMS contract %s (%s) on chain %lld, but reading its kmsInfo() "
                 "failed: %s. Set expected_signer, or fix the rpc_url.",
                 k->id, k->contract_address, (long long)k->chain_id, why ? why : "?");
    else if (api && !phala_hex_same(api, key))
        tf_error(c, "kms", "The API's KMS key is not the one on-chain",
                 "KMS contract %s (%s) holds k256 key %s on chain %lld (kmsInfo), but the API "
                 "gives %s. Do not encrypt secrets with a key the API vouches for this way.",
                 k->id, k->contract_address, key, (long long)k->chain_id, api);
    else {
        out = tf_arena_strdup(c->arena, key);
        src->what =
            tf_arena_printf(c->arena, "the k256 key KMS contract %s holds on chain %lld (kmsInfo)",
                            k->id, (long long)k->chain_id);
    }
    free(key);
    free(why);
    return out;
}

/* The verification anchor: expected_signer; else the k256_pubkey of the KMS contract kms names (the
 * contract API's anchor); else, for a node the contract API does not know, the node's k256_pubkey
 * from the deprecated node-shaped API. A node id (kms_…) goes to the node lookup first. */
static const char *anchor(tf_ctx *c, pk_client *client, const tf_value *config, anchor_src *src)
{
    const char *signer = tf_get_string(config, "expected_signer");
    *src = (anchor_src){.attr = "expected_signer", .what = "expected_signer"};
    if (signer) return signer;
    src->attr = "kms";
    const char *kms = tf_get_string(config, "kms");
    const char *out = NULL;
    if (strncmp(kms, "kms_", 4) != 0) {
        pk_kms_contract k = {0};
        int rc = find_contract(c, client, kms, &k);
        if (rc < 0) return NULL;
        if (rc == 1) {
            src->contract_id = tf_arena_strdup(c->arena, k.id);
            src->what = tf_arena_printf(c->arena, "the k256_pubkey of KMS contract %s", k.id);
            out = k.k256_pubkey ? tf_arena_strdup(c->arena, k.k256_pubkey) : NULL;
            const phala_config *pc = c->provider_data;
            if (env_chain_can_read(pc) && k.chain_id != 0 && k.contract_address &&
                phala_is_hex(k.contract_address, 40, false)) {
                /* issue 17: the chain vouches for the KMS key, the API's must be the same */
                out = chain_anchor(c, &k, out, src);
                pk_kms_contract_free(&k);
                return out;
            }
            pk_kms_contract_free(&k);
            if (!out)
                tf_error(c, "kms", "Cannot verify the app key",
                         "KMS contract %s publishes no k256_pubkey, so there is nothing to check "
                         "the key's signature against. Set expected_signer to the KMS's signing "
                         "key, or verify = false to accept the key unchecked.",
                         src->contract_id);
            return out;
        }
    }
    pk_kms_info k = {0};
    pk_error err = {0};
    if (pk_kms_info_fetch(client, kms, &k, &err) != 0) {
        if (err.http_status == 404)
            tf_error(c, "kms", "Unknown KMS",
                     "\"%s\" names no KMS contract (slug, kc_ id or kms_type) and no KMS node (id "
                     "or slug): %s",
                     kms, pk_error_message(&err));
        else
            phala_api_error(c, "kms", "Cannot read the KMS to verify the app key", &err);
        pk_error_clear(&err);
        return NULL;
    }
    src->what = tf_arena_printf(c->arena, "the k256_pubkey of KMS node %s", k.id);
    out = k.k256_pubkey ? tf_arena_strdup(c->arena, k.k256_pubkey) : NULL;
    pk_kms_info_free(&k);
    if (!out)
        tf_error(c, "kms", "Cannot verify the app key",
                 "KMS %s publishes no k256_pubkey, so there is nothing to check the key's "
                 "signature against. Set expected_signer to the KMS's signing key, or verify = "
                 "false to accept the key unchecked.",
                 kms);
    return out;
}

static void read_app_pubkey(tf_ctx *c, const tf_value *config, tf_value *state)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    const char *kms = tf_get_string(config, "kms"), *app_id = tf_get_string(config, "app_id");
    bool verify = tf_get_bool(config, "verify", true);
    pk_app_pubkey pk = {0};
    pk_error err = {0};
    if (pk_app_pubkey_fetch(client, kms, app_id, &pk, &err) != 0) {
        if (err.http_status == 404)
            tf_error(c, "kms", "Unknown KMS",
                     "The API knows no KMS \"%s\" to read app %s's key from: %s", kms, app_id,
                     pk_error_message(&err));
        else
            phala_api_error(c, err.kind == PK_ERR_INVALID_ARG ? "app_id" : "kms",
                            "Cannot read the app's encryption key", &err);
        pk_error_clear(&err);
        return;
    }
    tf_set(state, "public_key", tf_string(c->arena, pk.public_key));
    tf_set(state, "signature", tf_string(c->arena, pk.signature));

    uint8_t signer[PK_SECP256K1_PUBKEY_BYTES];
    char why[256] = "", signer_hex[2 * PK_SECP256K1_PUBKEY_BYTES + 3] = "0x";
    bool recovered = pk_verify_pubkey_sig(pk.public_key, pk.signature, app_id, NULL, time(NULL),
                                          NULL, signer, why, sizeof why) == 0;
    if (recovered) pk_hex_encode(signer, sizeof signer, signer_hex + 2, sizeof signer_hex - 2);
    tf_set(state, "signer", recovered ? tf_string(c->arena, signer_hex) : tf_null(&tf_type_string));
    tf_set(state, "verified", tf_bool(false));
    tf_set(state, "kms_contract_id", tf_null(&tf_type_string));
    if (verify) {
        anchor_src src;
        const char *expected = anchor(c, client, config, &src);
        if (expected) {
            if (!recovered) {
                tf_error(c, "app_id", "App key signature is invalid",
                         "The signature over the key of app %s from KMS %s cannot be checked: %s. "
                         "Expected signer: %s.",
                         app_id, kms, why, expected);
            } else if (!phala_hex_same(signer_hex, expected)) {
                tf_error(c, src.attr, "App key signature does not match",
                         "The key of app %s was signed by %s, but %s was expected (%s). Do not "
                         "encrypt secrets with this key.",
                         app_id, signer_hex, expected, src.what);
            } else {
                tf_set(state, "verified", tf_bool(true));
                tf_set(state, "kms_contract_id", phala_str_or_null(c->arena, src.contract_id));
            }
        }
    }
    pk_app_pubkey_free(&pk);
}

tf_datasource_def phala_app_pubkey_ds = {
    .type_name = "phala_app_pubkey",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "The env-encryption public key of an app from a KMS, with the KMS's signature over "
               "it verified.",
               NULL},
    .validate = validate_app_pubkey,
    .read = read_app_pubkey,
};
