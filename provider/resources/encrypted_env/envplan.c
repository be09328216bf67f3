/* envplan.c — see envplan.h. */
#include "envplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envcheck.h"
#include "envsigner.h"
#include "tflog.h"

env_cvm_kind env_plan_cvm(tf_ctx *c, const char *cvm_id, const env_pin *pin, const char **key)
{
    const phala_config *pc = c->provider_data;
    *key = NULL;
    if (!cvm_id || !pc || !pc->client) return ENV_CVM_UNKNOWN;
    pk_cvm cvm = {0};
    pk_error err = {0};
    env_cvm_kind kind = ENV_CVM_UNKNOWN;
    int rc = pk_cvm_fetch(pc->client, cvm_id, &cvm, &err);
    if (rc == 0 && pin && env_pin_check(c, pin, cvm_id, &cvm) != 0) {
        kind = ENV_CVM_CHANGED; /* issue 17: the plan stops here, nothing is sent */
    } else if (rc == 0) {
        /* the rule of env_key_resolve: on-chain iff kms_info names a chain */
        if (cvm.has_kms_info && cvm.kms_info.has_chain_id) {
            kind = ENV_CVM_ONCHAIN;
        } else {
            kind = ENV_CVM_OFFCHAIN;
            const char *k = pk_cvm_env_pubkey(&cvm);
            if (k) *key = tf_arena_printf(c->arena, "%s", k);
        }
    } else if (err.http_status == 404) {
        /* Say it now: a plan to "create" an env on a CVM that is not there can only fail. */
        kind = ENV_CVM_MISSING;
        tf_error(c, "cvm_id", "The CVM does not exist",
                 "There is no CVM %s (GET /cvms/%s answered 404). This provider manages the env "
                 "of an existing CVM and cannot create one. If the CVM was deleted, remove this "
                 "resource from the configuration; otherwise set cvm_id to an existing CVM.",
                 cvm_id, cvm_id);
    } else {
        /* The plan can do without it: the results stay unknown and the apply reports the error. */
        tf_log(TF_LOG_DEBUG, "cannot read the CVM at plan", "cvm_id", cvm_id, "error",
               pk_error_message(&err), NULL);
    }
    pk_error_clear(&err);
    pk_cvm_free(&cvm);
    return kind;
}

static char *api_id_of(pk_client *client, const char *cvm_id)
{
    pk_cvm cvm = {0};
    pk_error err = {0};
    char *id = NULL;
    if (pk_cvm_fetch(client, cvm_id, &cvm, &err) == 0 && cvm.id) id = strdup(cvm.id);
    pk_error_clear(&err);
    pk_cvm_free(&cvm);
    return id;
}

bool env_plan_same_cvm(tf_ctx *c, const char *a, const char *b)
{
    const phala_config *pc = c->provider_data;
    if (!a || !b) return false;
    size_t na = strlen(a) + 8, nb = strlen(b) + 8;
    char *xa = tf_arena_alloc(c->arena, na), *xb = tf_arena_alloc(c->arena, nb);
    if (pk_cvm_id_normalize(a, xa, na) == 0 && pk_cvm_id_normalize(b, xb, nb) == 0 &&
        strcmp(xa, xb) == 0)
        return true;
    if (!pc || !pc->client) return false;
    char *ia = api_id_of(pc->client, a), *ib = ia ? api_id_of(pc->client, b) : NULL;
    bool same = ia && ib && strcmp(ia, ib) == 0;
    free(ia);
    free(ib);
    return same;
}

/* How the apply would commit, in the words of the API. */
static const char *commit_path(tf_ctx *c, const env_private *p, const char *hash, const char *cvm)
{
    if (p->legacy)
        return "phase 2 of PATCH /cvms/{id}/envs with the registering transaction, found by its "
               "ComposeHashAdded log";
    char *t = env_private_token_or_warn(c, p, hash, cvm);
    bool token = t != NULL;
    if (t) memset(t, 0, strlen(t));
    free(t);
    return token ? "POST /cvms/{id}/commit-update with its commit token (already-registered)"
                 : "the confirm PATCH /cvms/{id} (X-Transaction-Hash: already-registered)";
}

bool env_plan_pending(tf_ctx *c, const tf_value *prior, const tf_value *config,
                      const env_private *p)
{
    const phala_config *pc = c->provider_data;
    const char *hash = tf_get_string(prior, "compose_hash");
    const char *app = tf_get_string(prior, "app_id");
    const char *cvm = tf_get_string(prior, "cvm_id");
    const char *dev = tf_get_string(prior, "device_id");
    if (!pc || !pc->client || !hash || !cvm) return false;
    if (tf_get_string(config, "transaction_hash"))
        return false; /* the user's transaction decides */
    int64_t chain = 0;
    bool has_chain = tf_get_int(prior, "chain_id", &chain);
    env_check k;
    env_check_registration(pc->client, pc, cvm, app, hash, dev, has_chain, chain, &k);
    bool commit = false;
    if (k.hash_allowed == PK_TRUE && k.device_allowed != PK_FALSE) {
        if (p->legacy && !env_chain_can_read(pc)) {
            tf_warning(c, "transaction_hash", "Registration found; transaction needed",
                       "Compose hash %s is allowed now (checked with %s), but this API commits "
                       "only with the registering transaction: set transaction_hash, or configure "
                       "onchain.rpc_url so that the provider finds it.",
                       hash, k.source);
        } else {
            commit = true;
            tf_warning(c, NULL, "Registration found: this apply completes the update",
                       "Compose hash 0x%s of the pending update is allowed by app contract 0x%s "
                       "now (checked with %s) — registered outside Terraform, e.g. by a multisig "
                       "wallet. Apply commits the prepared update through %s; no transaction_hash "
                       "is needed.",
                       phala_strip0x(hash), app ? phala_strip0x(app) : "?", k.source,
                       commit_path(c, p, hash, cvm));
        }
    } else if (k.hash_allowed == PK_TRUE) {
        if (!(env_chain_can_sign(pc) && pc->onchain.add_device))
            tf_warning(c, NULL, "Registration found; the device is not allowed",
                       "Compose hash %s is allowed now (checked with %s), but app contract %s "
                       "does not allow device %s: call addDevice(0x%s) on it (or set "
                       "onchain.add_device = true with the owner key), then apply.",
                       hash, k.source, app ? app : "?", dev ? dev : "?",
                       dev ? phala_strip0x(dev) : "?");
    } else if (k.hash_allowed == PK_FALSE && !env_chain_can_sign(pc)) {
        tf_warning(c, NULL, "Still waiting for the on-chain registration",
                   "Compose hash 0x%s is not allowed by app contract 0x%s yet (checked with %s). "
                   "Register it (addComposeHash), or set transaction_hash; the plan notices a "
                   "registration made elsewhere by itself.",
                   phala_strip0x(hash), app ? phala_strip0x(app) : "?", k.source);
    } else if (k.hash_allowed == PK_UNSET && k.why && !env_chain_can_sign(pc)) {
        tf_warning(c, NULL, "Cannot tell whether the compose hash is registered",
                   "Checking compose hash %s failed: %s. Apply tries again.", hash, k.why);
    }
    env_check_free(&k);
    return commit;
}
