/* envkey.c — see envkey.h. */
#include "envkey.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void env_key_free(env_key *k)
{
    free(k->public_key);
    free(k->app_id);
    free(k->kms_contract_address);
    memset(k, 0, sizeof *k);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The KMS contract of an on-chain CVM: the one its kms_contract_id names (research/
 * phala-api-2026-06.md §2.7), else the on-chain contract at its kms_info.dstack_kms_address.
 * 1 = found, 0 = none (older API, unknown address), -1 = error reported. */
static int find_contract(tf_ctx *c, pk_client *client, const pk_cvm *cvm, pk_kms_contract *out)
{
    pk_error err = {0};
    if (cvm->kms_contract_id && strncmp(cvm->kms_contract_id, "kc_", 3) == 0) {
        if (pk_kms_contract_fetch(client, cvm->kms_contract_id, out, &err) == 0) return 1;
        if (err.http_status != 404) {
            phala_api_error(c, NULL, "Cannot read the CVM's KMS contract", &err);
            pk_error_clear(&err);
            return -1;
        }
        pk_error_clear(&err); /* stale id: try the address */
    }
    if (!cvm->kms_info.dstack_kms_address) return 0;
    pk_kms_contract_list list = {0};
    if (pk_kms_contracts_fetch_all(client, PK_TRUE, &list, &err) != 0) {
        phala_api_error(c, NULL, "Cannot find the CVM's KMS contract", &err);
        pk_error_clear(&err);
        return -1;
    }
    int found = -1;
    for (size_t i = 0; i < list.n_items && found < 0; i++)
        if (phala_hex_same(list.items[i].contract_address, cvm->kms_info.dstack_kms_address))
            found = (int)i;
    if (found >= 0) {
        *out = list.items[found];
        memset(&list.items[found], 0, sizeof list.items[found]); /* moved */
    }
    pk_kms_contract_list_free(&list);
    return found >= 0;
}

/* The replica-safe path (research/phala-api-2026-06.md §2.5): GET /kms/{kms}/pubkey/{app_id} on the
 * client's API version, with {kms} naming the CVM's contract — its slug (the documented form, and
 * what kms_type values are), else its kc_ id — or, when no contract can be found, the CVM's kms_type
 * as the SDKs send it. The contract API resolves either onto healthy replicas. The signature must
 * recover to the contract's k256_pubkey (else the CVM's kms_info.k256_pubkey); when both exist they
 * must agree, or the API contradicts itself and nothing is encrypted. */
static int onchain_key(tf_ctx *c, pk_client *client, const pk_cvm *cvm, env_key *out)
{
    pk_kms_contract k = {0};
    int found = find_contract(c, client, cvm, &k);
    if (found < 0) return -1;
    const char *which = found ? (k.slug ? k.slug : k.id) : cvm->kms_type;
    const char *cvm_anchor = cvm->kms_info.k256_pubkey;
    const char *anchor = found && k.k256_pubkey ? k.k256_pubkey : cvm_anchor;
    int rc = -1;
    pk_app_pubkey pk = {0};
    pk_error err = {0};
    char why[256] = "";
    if (!which) {
        tf_error(c, "cvm_id", "Cannot find the CVM's KMS",
                 "No KMS contract has address %s (the CVM's kms_info.dstack_kms_address) and the "
                 "CVM has no kms_type, so there is no KMS to ask for its encryption key.",
                 cvm->kms_info.dstack_kms_address ? cvm->kms_info.dstack_kms_address : "(none)");
    } else if (!anchor) {
        tf_error(c, "public_key", "Cannot verify the CVM's encryption key",
                 "KMS %s publishes no k256_pubkey, so its signature over the app key cannot be "
                 "checked. Set public_key explicitly if you trust a key obtained another way.",
                 which);
    } else if (found && k.k256_pubkey && cvm_anchor && !phala_hex_same(k.k256_pubkey, cvm_anchor)) {
        tf_error(c, "public_key", "The CVM's KMS keys disagree",
                 "KMS contract %s has k256_pubkey %s, but the CVM's kms_info says %s. Refusing to "
                 "encrypt secrets until the API agrees with itself (or set public_key).",
                 k.id, k.k256_pubkey, cvm_anchor);
    } else if (pk_app_pubkey_fetch(client, which, cvm->app_id, &pk, &err) != 0) {
        phala_api_error(c, "cvm_id", "Cannot read the app's encryption key", &err);
    } else if (pk_verify_pubkey_sig(pk.public_key, pk.signature, cvm->app_id, NULL, time(NULL),
                                    anchor, NULL, why, sizeof why) != 0) {
        tf_error(c, "public_key", "The CVM's encryption key is not signed by its KMS",
                 "The key KMS %s returned for app %s does not verify against the KMS's "
                 "k256_pubkey %s (%s). Refusing to encrypt secrets with it.",
                 which, cvm->app_id, anchor, why);
    } else {
        out->public_key = strdup(pk.public_key);
        /* The off-chain sentinel "phala" is no address; then the CVM's own field, if any. */
        bool real = found && k.contract_address && strcmp(k.contract_address, "phala") != 0;
        out->kms_contract_address =
            dup_or_null(real ? k.contract_address : cvm->kms_info.dstack_kms_address);
        rc = 0;
    }
    pk_error_clear(&err);
    pk_app_pubkey_free(&pk);
    pk_kms_contract_free(&k);
    return rc;
}

int env_key_resolve(tf_ctx *c, pk_client *client, const char *cvm_id, env_key *out)
{
    memset(out, 0, sizeof *out);
    pk_cvm cvm = {0};
    pk_error err = {0};
    if (pk_cvm_fetch(client, cvm_id, &cvm, &err) != 0) {
        phala_api_error(c, "cvm_id", "Cannot read the CVM", &err);
        pk_error_clear(&err);
        return -1;
    }
    out->app_id = dup_or_null(cvm.app_id);
    out->onchain = cvm.has_kms_info && cvm.kms_info.has_chain_id;
    out->has_chain_id = out->onchain;
    out->chain_id = cvm.kms_info.chain_id;
    int rc;
    if (out->onchain) {
        rc = cvm.app_id ? onchain_key(c, client, &cvm, out) : -1;
        if (!cvm.app_id)
            tf_error(c, "cvm_id", "Cannot read the CVM", "The CVM %s has no app_id.", cvm_id);
    } else {
        const char *k = pk_cvm_env_pubkey(&cvm);
        out->public_key = dup_or_null(k);
        rc = k ? 0 : -1;
        if (!k)
            tf_error(c, "public_key", "The CVM has no encryption key",
                     "Neither kms_info.encrypted_env_pubkey nor encrypted_env_pubkey is set for "
                     "CVM %s. Set public_key explicitly.",
                     cvm_id);
    }
    pk_cvm_free(&cvm);
    if (rc != 0) env_key_free(out);
    return rc;
}
