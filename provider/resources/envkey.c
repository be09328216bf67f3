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

/* The KMS serving an on-chain CVM: its slug is what /kms/{kms}/pubkey wants (the id works too,
 * kms_type does not on the real API), matched through the KMS contract address. */
static int find_kms(tf_ctx *c, pk_client *client, const pk_cvm *cvm, pk_kms_info *out)
{
    pk_kms_list list = {0};
    pk_error err = {0};
    if (pk_kms_list_fetch_all(client, PK_TRUE, &list, &err) != 0) {
        phala_api_error(c, NULL, "Cannot find the CVM's KMS", &err);
        pk_error_clear(&err);
        return -1;
    }
    int found = -1;
    for (size_t i = 0; i < list.n_items && found < 0; i++)
        if (phala_hex_same(list.items[i].kms_contract_address, cvm->kms_info.dstack_kms_address))
            found = (int)i;
    if (found >= 0) {
        *out = list.items[found];
        memset(&list.items[found], 0, sizeof list.items[found]); /* moved */
    }
    pk_kms_list_free(&list);
    if (found < 0) {
        tf_error(c, "cvm_id", "Cannot find the CVM's KMS",
                 "No on-chain KMS has contract address %s (the CVM's kms_info.dstack_kms_address).",
                 cvm->kms_info.dstack_kms_address ? cvm->kms_info.dstack_kms_address : "(none)");
        return -1;
    }
    return 0;
}

static int onchain_key(tf_ctx *c, pk_client *client, const pk_cvm *cvm, env_key *out)
{
    pk_kms_info kms = {0};
    if (find_kms(c, client, cvm, &kms) != 0) return -1;
    const char *which = kms.slug ? kms.slug : kms.id;
    const char *anchor = kms.k256_pubkey ? kms.k256_pubkey : cvm->kms_info.k256_pubkey;
    int rc = -1;
    pk_app_pubkey pk = {0};
    pk_error err = {0};
    char why[256] = "";
    if (!anchor) {
        tf_error(c, "public_key", "Cannot verify the CVM's encryption key",
                 "KMS %s publishes no k256_pubkey, so its signature over the app key cannot be "
                 "checked. Set public_key explicitly if you trust a key obtained another way.",
                 which);
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
        out->kms_contract_address = dup_or_null(kms.kms_contract_address);
        rc = 0;
    }
    pk_error_clear(&err);
    pk_app_pubkey_free(&pk);
    pk_kms_info_free(&kms);
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
