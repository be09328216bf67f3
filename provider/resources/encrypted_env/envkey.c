/* envkey.c — see envkey.h. */
#include "envkey.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envsigner.h"
#include "tflog.h"

void env_key_free(env_key *k)
{
    free(k->public_key);
    free(k->app_id);
    free(k->kms_contract_address);
    free(k->signer);
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

/* An anchor problem: an error, or at refresh (soft_anchor) a warning — the apply, which sees the
 * resource's expected_signer, decides. */
static void anchor_problem(tf_ctx *c, const env_pin *pin, const char *attr, const char *summary,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void anchor_problem(tf_ctx *c, const env_pin *pin, const char *attr, const char *summary,
                           const char *fmt, ...)
{
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pin->soft_anchor)
        tf_warning(c, attr, summary, "%s", msg);
    else
        tf_error(c, attr, summary, "%s", msg);
}

/* The KMS key the app key must be signed by, from the source env_anchor_source names (issue 17):
 * never the API's alone once the chain, the configuration or the state can say. NULL after a
 * diagnostic; *chain_key is malloc'd when the chain was read (the result then points into it). */
static const char *trusted_anchor(tf_ctx *c, const env_pin *pin, const char *kms_addr,
                                  const char *api_anchor, const pk_cvm *cvm, const char **source,
                                  char **chain_key)
{
    const phala_config *pc = c->provider_data;
    *source = env_anchor_source(pc, pin);
    const char *api = api_anchor ? api_anchor : "none";
    if (strcmp(*source, ENV_ANCHOR_CHAIN) == 0) {
        if (!kms_addr || !phala_is_hex(kms_addr, 40, false)) {
            anchor_problem(c, pin, "public_key", "Cannot read the KMS's key on-chain",
                           "onchain.rpc_url is configured, so the key that vouches for the CVM's "
                           "app key comes from its KMS contract, but the CVM names no KMS "
                           "contract address. Nothing was encrypted.");
            return NULL;
        }
        char *why = NULL;
        *chain_key = env_chain_kms_k256(pc, kms_addr, cvm->kms_info.has_chain_id,
                                        cvm->kms_info.chain_id, &why);
        if (!*chain_key) {
            anchor_problem(c, pin, "public_key", "Cannot read the KMS's key on-chain",
                           "onchain.rpc_url is configured, so the key that vouches for the CVM's "
                           "app key comes from its KMS contract, but reading kmsInfo() of %s "
                           "failed: %s. Nothing was encrypted.",
                           kms_addr, why ? why : "?");
            free(why);
            return NULL;
        }
        if (api_anchor && !phala_hex_same(api_anchor, *chain_key)) {
            anchor_problem(c, pin, "public_key", "The API's KMS key is not the one on-chain",
                           "KMS contract %s holds k256 key %s on chain %" PRId64
                           " (kmsInfo), but the API gives %s as the key that signs app keys. "
                           "Refusing to encrypt secrets for an app key vouched for by another "
                           "key; nothing was encrypted or sent.",
                           kms_addr, *chain_key, cvm->kms_info.chain_id, api_anchor);
            return NULL;
        }
        if (pin->config_signer && !phala_hex_same(pin->config_signer, *chain_key)) {
            anchor_problem(c, pin, "expected_signer", "expected_signer is not the KMS's key",
                           "expected_signer is %s, but KMS contract %s holds k256 key %s "
                           "on-chain (kmsInfo). Nothing was encrypted.",
                           pin->config_signer, kms_addr, *chain_key);
            return NULL;
        }
        return *chain_key;
    }
    bool from_state = strcmp(*source, ENV_ANCHOR_STATE) == 0;
    const char *want = strcmp(*source, ENV_ANCHOR_CONFIG) == 0 ? pin->config_signer
                       : from_state                            ? pin->state_signer
                                                               : NULL;
    if (!want) { /* first use: the API's word, recorded in state from now on */
        if (!api_anchor)
            anchor_problem(c, pin, "public_key", "Cannot verify the CVM's encryption key",
                           "KMS %s publishes no k256_pubkey, so its signature over the app key "
                           "cannot be checked. Set expected_signer, configure onchain.rpc_url, or "
                           "set public_key explicitly if you trust a key obtained another way.",
                           cvm->kms_type ? cvm->kms_type : "?");
        else
            tf_log(TF_LOG_INFO,
                   "trusting the API's KMS key on first use (set expected_signer or "
                   "onchain.rpc_url to pin it)",
                   "k256_pubkey", api_anchor, NULL);
        return api_anchor;
    }
    if (api_anchor && !phala_hex_same(api_anchor, want)) {
        if (from_state)
            anchor_problem(c, pin, "expected_signer", "The KMS key changed",
                           "The KMS key that vouched for this CVM's app key was %s (recorded in "
                           "state as public_key_signer), but the API now gives %s. A KMS's key "
                           "does not change silently: the API may be serving another KMS's key "
                           "and a key it signed. If the KMS really rotated its key, check the new "
                           "key out of band and set expected_signer = \"%s\" (on the resource or "
                           "the provider), or configure onchain.rpc_url to let the chain decide. "
                           "Nothing was encrypted or sent.",
                           want, api, api);
        else
            anchor_problem(c, pin, "expected_signer", "The API's KMS key is not expected_signer",
                           "expected_signer is %s, but the API gives %s as the KMS key that "
                           "signs app keys. Nothing was encrypted or sent.",
                           want, api);
        return NULL;
    }
    return want;
}

/* The replica-safe path (research/phala-api-2026-06.md §2.5): GET /kms/{kms}/pubkey/{app_id} on the
 * client's API version, with {kms} naming the CVM's contract — its slug (the documented form, and
 * what kms_type values are), else its kc_ id — or, when no contract can be found, the CVM's kms_type
 * as the SDKs send it. The contract API resolves either onto healthy replicas. The signature must
 * recover to the contract's k256_pubkey (else the CVM's kms_info.k256_pubkey); when both exist they
 * must agree, or the API contradicts itself and nothing is encrypted. */
static int onchain_key(tf_ctx *c, pk_client *client, const pk_cvm *cvm, const env_pin *pin,
                       env_key *out)
{
    pk_kms_contract k = {0};
    int found = find_contract(c, client, cvm, &k);
    if (found < 0) return -1;
    const char *which = found ? (k.slug ? k.slug : k.id) : cvm->kms_type;
    const char *cvm_anchor = cvm->kms_info.k256_pubkey;
    const char *api_anchor = found && k.k256_pubkey ? k.k256_pubkey : cvm_anchor;
    /* The off-chain sentinel "phala" is no address; then the CVM's own field, if any. */
    bool real = found && k.contract_address && strcmp(k.contract_address, "phala") != 0;
    const char *kms_addr = real ? k.contract_address : cvm->kms_info.dstack_kms_address;
    /* The contract the API's kms_contract_id leads to must be the CVM's own KMS (its
     * dstack_kms_address) and the one pinned in state: its key is what the chain is asked for. */
    const char *cvm_kms = cvm->kms_info.dstack_kms_address;
    const char *other = cvm_kms && kms_addr && !phala_hex_same(cvm_kms, kms_addr)     ? cvm_kms
                        : pin->kms && kms_addr && !phala_hex_same(pin->kms, kms_addr) ? pin->kms
                                                                                      : NULL;
    if (other) {
        tf_error(c, "cvm_id", "The CVM is not the one this resource manages",
                 "The API leads the CVM's key lookup to KMS contract %s, but the CVM's KMS is %s "
                 "(%s). Nothing was encrypted, signed or sent.",
                 kms_addr, other,
                 other == cvm_kms ? "its kms_info.dstack_kms_address" : "the state");
        pk_kms_contract_free(&k);
        return -1;
    }
    const char *source = NULL;
    char *chain_key = NULL;
    const char *anchor = trusted_anchor(c, pin, kms_addr, api_anchor, cvm, &source, &chain_key);
    if (!anchor) {
        free(chain_key);
        pk_kms_contract_free(&k);
        return -1;
    }
    int rc = -1;
    pk_app_pubkey pk = {0};
    pk_error err = {0};
    char why[256] = "";
    if (!which) {
        tf_error(c, "cvm_id", "Cannot find the CVM's KMS",
                 "No KMS contract has address %s (the CVM's kms_info.dstack_kms_address) and the "
                 "CVM has no kms_type, so there is no KMS to ask for its encryption key.",
                 cvm->kms_info.dstack_kms_address ? cvm->kms_info.dstack_kms_address : "(none)");
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
                 "The key KMS %s returned for app %s does not verify against the KMS key "
                 "%s (vouched for by: %s): %s. Refusing to encrypt secrets with it.",
                 which, cvm->app_id, anchor, source, why);
    } else {
        out->public_key = strdup(pk.public_key);
        out->kms_contract_address = dup_or_null(kms_addr);
        out->signer = strdup(anchor);
        out->signer_source = source;
        rc = 0;
    }
    free(chain_key);
    pk_error_clear(&err);
    pk_app_pubkey_free(&pk);
    pk_kms_contract_free(&k);
    return rc;
}

int env_key_resolve(tf_ctx *c, pk_client *client, const char *cvm_id, const env_pin *pin,
                    env_key *out)
{
    static const env_pin none = {0};
    if (!pin) pin = &none;
    memset(out, 0, sizeof *out);
    pk_cvm cvm = {0};
    pk_error err = {0};
    if (pk_cvm_fetch(client, cvm_id, &cvm, &err) != 0) {
        phala_api_error(c, "cvm_id", "Cannot read the CVM", &err);
        pk_error_clear(&err);
        return -1;
    }
    if (pin && env_pin_check(c, pin, cvm_id, &cvm) != 0) { /* issue 17: before anything else */
        pk_cvm_free(&cvm);
        return -1;
    }
    out->app_id = dup_or_null(cvm.app_id);
    out->onchain = cvm.has_kms_info && cvm.kms_info.has_chain_id;
    out->has_chain_id = out->onchain;
    out->chain_id = cvm.kms_info.chain_id;
    int rc;
    if (out->onchain) {
        rc = cvm.app_id ? onchain_key(c, client, &cvm, pin, out) : -1;
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
