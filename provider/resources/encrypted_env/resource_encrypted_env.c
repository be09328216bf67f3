/* resource_encrypted_env.c — resource phala_encrypted_env: a CVM's encrypted environment
 * variables (DESIGN §6). The schema, then the plan (which alone decides when to re-encrypt, so a
 * randomized ciphertext never causes a diff), then apply through the update's state machine
 * (envflow.h), read (drift of allowed env keys, rotated keys, CVM gone), import and destroy.
 *
 * Private state (envprivate.h) remembers what the state cannot show: the key the ciphertext was
 * made with, which compose hash a transaction registered, a pending update's sealed commit token,
 * and a write whose outcome is unknown (the next plan sends the env again). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "envflow.h"
#include "envflow_warn.h"
#include "envkey.h"
#include "envplan.h"
#include "envprivate.h"
#include "envstate.h"
#include "envtrust.h"
#include "envwait.h"

static const tf_type map_of_string = {.kind = TF_MAP, .elem = &tf_type_string};
static const char *const env_conflicts[] = {"env_wo", NULL};
static const char *const env_wo_conflicts[] = {"env", NULL};

static const tf_attr_def attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN,
     .description = "Same as `cvm_id`."},
    {.name = "cvm_id",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "The CVM: its id (`cvm_…`), UUID, `app_<app id>` or 40-hex app id. Another "
                    "spelling of the same CVM's id is not a change (no replacement)."},
    {.name = "env",
     .type = &map_of_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .conflicts_with = env_conflicts,
     .description = "Variables and their plaintext values. Stored in state (mark your variables "
                    "sensitive too); use `env_wo` to keep values out of state."},
    {.name = "env_file",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description =
         "dotenv text, e.g. `file(\"prod.env\")`, parsed like Phala's CLI does; `env` or "
         "`env_wo` win on a duplicate key."},
    {.name = "env_wo",
     .type = &map_of_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE | TF_WRITE_ONLY,
     .conflicts_with = env_wo_conflicts,
     .description = "Write-only variables: sent encrypted, never stored in plan or state "
                    "(Terraform 1.11 or later). Change `env_wo_version` to send new values."},
    {.name = "env_wo_version",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "Bump it to re-encrypt and send `env_wo` again."},
    {.name = "public_key",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description =
         "X25519 key to encrypt with (64 hex). Default: for an on-chain KMS the app key "
         "whose signature must recover to the KMS's `k256_pubkey` (resolved at apply), for "
         "Phala's KMS the CVM's `encrypted_env_pubkey` (read at plan; a key rotated before "
         "the apply stops it). A rotated key plans a re-encryption."},
    {.name = "env_keys",
     .type = &phala_list_of_string,
     .flags = TF_COMPUTED,
     .description = "Sorted variable names: the CVM's allowed env keys. Someone changing them by "
                    "hand shows up as drift."},
    {.name = "encrypted_env",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The encrypted blob sent to the API (hex)."},
    {.name = "status",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "`applied`, or `pending_onchain` while the new compose hash awaits on-chain "
                    "registration."},
    {.name = "compose_hash",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description =
         "The compose hash that must be (or was) registered on-chain. Null on Phala's KMS "
         "(off-chain), already in the plan."},
    {.name = "app_id",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description =
         "The CVM's app (= the app contract compose hashes are registered on; 40 hex, optional "
         "`0x`). Computed: recorded at the first apply (null on Phala's KMS) or from an import "
         "id that names the app (`app_<id>`, 40 hex), and from then on every read of the CVM "
         "must show the same app, KMS contract and chain, or nothing is encrypted, signed or "
         "sent. Set it to pin the app from the first contact on; otherwise the first read is "
         "trusted (trust on first use)."},
    {.name = "kms_contract_address",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The KMS contract of the app (null on Phala's KMS)."},
    {.name = "chain_id",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "The chain of the app contract (null on Phala's KMS)."},
    {.name = "transaction_hash",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "The transaction that registered `compose_hash`: set it to finish a "
                    "`pending_onchain` update. A hash that registered an older compose hash is "
                    "not reused."},
    {.name = "correlation_id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "Correlation id of the last accepted update."},
    {.name = "allowed_envs_changed",
     .type = &tf_type_bool,
     .flags = TF_COMPUTED,
     .description = "Whether the last accepted update changed the allowed env keys."},
    {.name = "expected_signer",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description =
         "The KMS signing key (compressed secp256k1 public key, hex, optional `0x`) that must "
         "have signed the app key on an on-chain KMS; overrides the provider's "
         "`expected_signer`. Set it to pin the KMS key without `onchain.rpc_url`, or to accept "
         "a KMS key that changed since the state recorded it (after checking it out of band)."},
    {.name = "public_key_signer",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The KMS key that vouched for `public_key` (its signature over the app key "
                    "recovers to it). Null on Phala's KMS and for a configured `public_key`."},
    {.name = "public_key_signer_source",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description =
         "Which source vouched for that KMS key, already in the plan: `chain` (read from the "
         "KMS contract's `kmsInfo()` through `onchain.rpc_url`; the API's `k256_pubkey` must "
         "equal it), `configuration` (`expected_signer`), `state` (the key recorded at the "
         "last apply: the API's must still equal it, as SSH does with host keys) or "
         "`api (first use)` (the API's `k256_pubkey`, trusted once and recorded). Null when "
         "no KMS signature was checked."},
    {.name = "device_id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description =
         "The device the CVM runs on, as the app contract's device allowlist knows it "
         "(`allowAnyDevice() || allowedDeviceIds(device_id)` must hold for it to boot)."},
    {.name = "onchain_status",
     .type = &env_onchain_status_type,
     .flags = TF_COMPUTED,
     .description = "What the API (or the app contract) last said about the pending compose "
                    "hash: `compose_hash_allowed`, `device_id_allowed`, `is_allowed`. Null when "
                    "no on-chain registration was involved."},
    {.name = "wait_for_update",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "After the API accepts an update, wait until the CVM runs the new env "
                    "(`in_progress` false, status `running`), up to the `timeouts` (default "
                    "`true`). A CVM that is not updating and rests in another status "
                    "(`stopped`, …) is not waited for: the apply succeeds with a warning, and the "
                    "CVM uses the new env when it starts. `false` returns as soon as the API "
                    "accepts."},
    {.name = "clear_on_destroy",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "On destroy, first replace the CVM's env with an empty one (default: destroy "
                    "only forgets)."},
};

static const tf_attr_def timeout_attrs[] = {
    {.name = "create",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "How long a create may take, waiting included (default `20m`)."},
    {.name = "update",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "How long an update may take, waiting included (default `20m`)."},
    {.name = "delete",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "How long clearing the env on destroy may take (default `10m`)."},
};
static const tf_block_def timeouts_block = {
    timeout_attrs, TF_COUNT(timeout_attrs), NULL, 0, "Durations such as `45s`, `10m` or `1h30m`.",
    NULL};
static const tf_nested_block_def blocks[] = {
    {.name = "timeouts", .nesting = TF_NEST_SINGLE, .block = &timeouts_block},
};

/* Computed results of an update: restored from the prior state unless the plan changes them. */
static const char *const result_attrs[] = {"encrypted_env",
                                           "status",
                                           "compose_hash",
                                           "app_id",
                                           "kms_contract_address",
                                           "chain_id",
                                           "correlation_id",
                                           "allowed_envs_changed",
                                           "device_id",
                                           "onchain_status",
                                           "public_key_signer",
                                           "public_key_signer_source",
                                           NULL};

/* ---- validate ------------------------------------------------------------------------------- */

static void validate_env(tf_ctx *c, const tf_value *config)
{
    phala_check_path_id(c, config, "cvm_id", "CVM id");
    const char *pk = tf_get_string(config, "public_key");
    if (pk && !phala_is_hex(pk, 64, false))
        tf_error(c, "public_key", "Invalid public key",
                 "public_key must be an X25519 public key: 64 hex digits, optionally prefixed by "
                 "0x.");
    const char *signer = tf_get_string(config, "expected_signer");
    if (signer && !phala_is_k256_pubkey(signer))
        tf_error(c, "expected_signer", "Invalid expected_signer",
                 "expected_signer must be a compressed secp256k1 public key: 66 hex digits "
                 "starting with 02 or 03, optionally prefixed by 0x.");
    const char *app = tf_get_string(config, "app_id");
    if (app && !pk_app_id_valid(app))
        tf_error(c, "app_id", "Invalid app id",
                 "app_id must be 40 hex digits, optionally prefixed by 0x.");
    const char *tx = tf_get_string(config, "transaction_hash");
    if (tx && !phala_is_hex(tx, 64, true))
        tf_error(c, "transaction_hash", "Invalid transaction hash",
                 "transaction_hash must be 0x followed by 64 hex digits.");
    env_timeouts_validate(c, config);
    env_input in;
    env_input_build(c, config, &in);
    env_input_free(&in);
}

/* ---- plan ----------------------------------------------------------------------------------- */

static void mark_unknown(tf_value *planned, const char *name)
{
    tf_value *v = tf_attr(planned, name);
    if (v) *v = tf_unknown(v->type);
}

static void restore(tf_value *planned, const tf_value *prior, const char *name)
{
    tf_value *v = tf_attr(planned, name), *p = tf_attr(prior, name);
    if (v && p) *v = *p;
}

static bool attr_changed(const tf_value *config, const tf_value *prior, const char *name)
{
    return !tf_value_equal(tf_attr(config, name), tf_attr(prior, name));
}

/* Whether this plan must encrypt and send the env again. */
static bool needs_encryption(tf_ctx *c, const tf_value *prior, const tf_value *config,
                             const env_input *in, tf_value *keys)
{
    env_private p;
    env_private_read(c, &p);
    const char *cfg_pk = tf_get_string(config, "public_key");
    bool unknown_pk = tf_is_unknown(tf_attr(config, "public_key"));
    bool r = p.resend || /* an ambiguous write: send the configured env whatever it is */
             attr_changed(config, prior, "env") || attr_changed(config, prior, "env_file") ||
             attr_changed(config, prior, "env_wo_version") || !in->keys_known || unknown_pk ||
             !tf_value_equal(keys, tf_attr(prior, "env_keys")) || !p.key ||
             (cfg_pk && !phala_hex_same(cfg_pk, p.key)) || (!cfg_pk && p.pinned) ||
             /* read found that the CVM's key is no longer the one we encrypted with */
             (!cfg_pk && !phala_hex_same(tf_get_string(prior, "public_key"), p.key));
    env_private_free(&p);
    return r;
}

/* The results a Phala-KMS (off-chain) CVM can take: no registration, so no hash, app, chain,
 * contract, device or transaction, and the update is applied (or fails). The key is the CVM's,
 * read now; apply checks it is still the one it encrypts with. */
static const char *const onchain_attrs[] = {"compose_hash",
                                            "app_id",
                                            "kms_contract_address",
                                            "chain_id",
                                            "device_id",
                                            "onchain_status",
                                            "public_key_signer",
                                            "public_key_signer_source",
                                            NULL};

static void plan_offchain(tf_ctx *c, const tf_value *prior, const tf_value *config,
                          tf_value *planned, const char *key)
{
    /* An update encrypts for the key the refresh put into the prior state: the plan Terraform
     * repeats at apply sees the same prior, so a key rotated in between reaches the apply, which
     * refuses it with its own message (envflow.c). A create, or a key pinned until now, has only
     * the key read now. */
    if (prior && tf_get_string(prior, "public_key")) key = tf_get_string(prior, "public_key");
    for (const char *const *a = onchain_attrs; *a; a++) {
        tf_value *v = tf_attr(planned, *a);
        if (v) *v = tf_null(v->type);
    }
    if (tf_is_null(tf_attr(config, "transaction_hash")))
        tf_set(planned, "transaction_hash", tf_null(&tf_type_string));
    tf_set(planned, "status", tf_string(c->arena, STATUS_APPLIED));
    if (key && tf_is_null(tf_attr(config, "public_key")))
        tf_set(planned, "public_key", tf_string(c->arena, key));
}

/* Which source will vouch for an on-chain app key, and the key itself when the configuration or
 * the state names it: decided by the configuration alone, so the plan shows it (envtrust.h). A
 * configured public_key is the user's: no KMS vouches for it. */
static void plan_anchor(tf_ctx *c, const tf_value *config, tf_value *planned, const env_pin *pin)
{
    if (tf_is_unknown(tf_attr(config, "public_key")) ||
        tf_is_unknown(tf_attr(config, "expected_signer")))
        return; /* stays unknown */
    if (tf_get_string(config, "public_key")) {
        tf_set(planned, "public_key_signer", tf_null(&tf_type_string));
        tf_set(planned, "public_key_signer_source", tf_null(&tf_type_string));
        return;
    }
    const char *src = env_anchor_source(c->provider_data, pin);
    tf_set(planned, "public_key_signer_source", tf_string(c->arena, src));
    const char *k = strcmp(src, ENV_ANCHOR_CONFIG) == 0  ? pin->config_signer
                    : strcmp(src, ENV_ANCHOR_STATE) == 0 ? pin->state_signer
                                                         : NULL;
    if (k) tf_set(planned, "public_key_signer", tf_string(c->arena, k));
}

/* Create, or an update that sends a new ciphertext: read the CVM to plan what the apply can
 * really change. Returns false when the CVM does not exist or is not the pinned one (an error was
 * added). */
static bool plan_sending(tf_ctx *c, const tf_value *prior, const tf_value *config,
                         tf_value *planned, const env_pin *pin)
{
    const char *key = NULL;
    switch (env_plan_cvm(c, tf_get_string(config, "cvm_id"), pin, &key)) {
    case ENV_CVM_MISSING:
    case ENV_CVM_CHANGED:
        return false;
    case ENV_CVM_OFFCHAIN:
        plan_offchain(c, prior, config, planned, key);
        return true;
    case ENV_CVM_ONCHAIN:
        plan_anchor(c, config, planned, pin);
        return true;
    default:
        return true;
    }
}

/* A configuration with none of env, env_file and env_wo — typically what -generate-config-out
 * writes after an import, since the values cannot be read back — would replace the CVM's
 * variables with none. That is allowed (`env = {}` says it on purpose) but must not be a
 * surprise. */
static void warn_no_variables(tf_ctx *c, const tf_value *prior, const tf_value *config)
{
    static const char *const sources[] = {"env", "env_file", "env_wo"};
    for (size_t i = 0; i < 3; i++)
        if (!tf_is_null(tf_attr(config, sources[i]))) return;
    const tf_value *keys = tf_attr(prior, "env_keys");
    if (!tf_is_known(keys) || keys->u.coll.n == 0) return;
    tf_buf names = {0};
    for (size_t i = 0; i < keys->u.coll.n && i < 20; i++) {
        const tf_value *k = &keys->u.coll.items[i];
        if (i) tf_buf_puts(&names, ", ");
        if (tf_is_known(k)) tf_buf_put(&names, k->u.str.ptr, k->u.str.len);
    }
    if (keys->u.coll.n > 20) tf_buf_puts(&names, ", …");
    const char *cvm = tf_get_string(config, "cvm_id");
    tf_buf_putc(&names, 0);
    tf_warning(c, "env", "No variables configured",
               "This configuration sets none of env, env_file and env_wo, so the apply replaces "
               "the %zu variables of CVM %s (%s) with none. The values cannot be read back from "
               "the CVM: if this configuration was generated by an import, fill in env, env_file "
               "or env_wo before applying. Set env = {} to clear the env on purpose.",
               keys->u.coll.n, cvm ? cvm : "(unknown)", (const char *)names.data);
    tf_buf_free(&names);
}

/* A configured app_id is what the plan (and the state) shows, as written — or unknown while the
 * configuration's value is: it was compared with the CVM normalised. */
static void keep_configured_app(tf_value *planned, const tf_value *config)
{
    const tf_value *v = tf_attr(config, "app_id");
    if (v && !tf_is_null(v)) tf_set(planned, "app_id", *v);
}

static void plan_env(tf_ctx *c, const tf_value *prior, const tf_value *config, tf_value *planned)
{
    env_input in;
    env_input_build(c, config, &in); /* validate reported any problem already */
    tf_value keys = env_input_keys(c, &in);
    tf_set(planned, "id", *tf_attr(config, "cvm_id"));
    if (!prior) { /* create: the generic plan left every result unknown */
        tf_set(planned, "env_keys", keys);
        env_pin pin = env_pin_of(c, NULL, config);
        plan_sending(c, NULL, config, planned, &pin);
        keep_configured_app(planned, config);
        env_input_free(&in);
        return;
    }
    /* cvm_id written in another form of the same CVM's id (the import used its UUID, the
     * configuration its cvm_ id, …): the same object, not a replacement — keep the prior
     * spelling (Terraform accepts the prior value for an equivalent configuration). */
    const char *cfg_cvm = tf_get_string(config, "cvm_id"),
               *prior_cvm = tf_get_string(prior, "cvm_id");
    if (cfg_cvm && prior_cvm && strcmp(cfg_cvm, prior_cvm) != 0 &&
        env_plan_same_cvm(c, cfg_cvm, prior_cvm)) {
        restore(planned, prior, "cvm_id");
        restore(planned, prior, "id");
    }
    /* Start from the prior results: a change of clear_on_destroy or of a configured
     * transaction_hash alone must not plan a new ciphertext. */
    for (const char *const *a = result_attrs; *a; a++) restore(planned, prior, *a);
    restore(planned, prior, "env_keys");
    bool no_pk = tf_is_null(tf_attr(config, "public_key"));
    bool no_tx = tf_is_null(tf_attr(config, "transaction_hash"));
    if (no_pk) restore(planned, prior, "public_key");
    if (no_tx) restore(planned, prior, "transaction_hash");
    const char *status = tf_get_string(prior, "status");

    env_private p;
    env_private_read(c, &p);
    warn_no_variables(c, prior, config);
    if (needs_encryption(c, prior, config, &in, &keys)) {
        for (const char *const *a = result_attrs; *a; a++) mark_unknown(planned, *a);
        tf_set(planned, "env_keys", keys);
        if (no_pk) mark_unknown(planned, "public_key");
        if (no_tx) mark_unknown(planned, "transaction_hash");
        env_pin pin = env_pin_of(c, prior, config);
        plan_sending(c, p.pinned ? NULL : prior, config, planned, &pin);
        const char *now = tf_get_string(prior, "public_key");
        if (no_pk && !p.pinned && p.key && now && !phala_hex_same(now, p.key))
            /* the refresh saw it; without this the plan would show only a new ciphertext */
            tf_warning(c, "public_key", "The CVM's encryption key changed",
                       "The env was encrypted for key %s, but the CVM's key is %s now (rotated). "
                       "This plan encrypts the env again for the new key.",
                       p.key, now);
        if (p.resend)
            tf_warning(c, "env", "The env is sent again",
                       "The last update of this env may have been applied without an answer "
                       "reaching the provider (%s). This plan sends the configured env again, "
                       "whatever it is, so that the CVM ends up with exactly it.",
                       p.resend);
    } else if (status && strcmp(status, STATUS_PENDING) == 0) {
        /* Finish (or keep waiting for) the registration: the plan shows status changing. The
         * stored ciphertext is normally re-sent as is, but an expired hash (466) makes the apply
         * start over with a fresh one, so every result may change; the keys cannot. A
         * registration made elsewhere is noticed here and the plan says the apply completes. */
        for (const char *const *a = result_attrs; *a; a++) mark_unknown(planned, *a);
        if (no_pk) mark_unknown(planned, "public_key");
        if (no_tx) mark_unknown(planned, "transaction_hash");
        if (env_plan_pending(c, prior, config, &p))
            tf_set(planned, "status", tf_string(c->arena, STATUS_APPLIED));
    }
    keep_configured_app(planned, config);
    env_private_free(&p);
    env_input_free(&in);
}

/* ---- apply ---------------------------------------------------------------------------------- */

static bool planned_applied(const tf_value *planned)
{
    const tf_value *st = planned ? tf_attr(planned, "status") : NULL;
    return tf_is_known(st) && strcmp(tf_get_string(planned, "status"), STATUS_APPLIED) == 0;
}

/* The flow for this configuration, before it knows where to start. */
static env_flow flow_for(tf_ctx *c, const tf_value *config, const env_input *in,
                         const env_private *p, const char *op)
{
    long long timeout = env_timeout_ms(config, op);
    env_flow f = {.cvm_id = tf_get_string(config, "cvm_id"),
                  .env = in,
                  .pinned_key = tf_get_string(config, "public_key"),
                  .config_tx = tf_get_string(config, "transaction_hash"),
                  .stale_tx = p->tx,
                  .stale_for = p->tx_for,
                  .pc = c->provider_data,
                  .approved_in = p->approved,
                  .wait = tf_get_bool(config, "wait_for_update", true),
                  .timeout_ms = timeout,
                  .deadline_ms = env_now_ms() + timeout};
    return f;
}

/* What the plan promised about the CVM (plan_offchain): the apply holds the CVM to it. */
static void expect_planned(env_flow *f, const tf_value *config, const tf_value *planned)
{
    if (!planned) return;
    /* only plan_offchain plans a null compose_hash for an update that sends */
    const tf_value *hash = tf_attr(planned, "compose_hash");
    f->expect_offchain = hash && hash->presence == TF_NULL;
    if (tf_is_null(tf_attr(config, "public_key")) && tf_is_known(tf_attr(planned, "public_key")))
        f->expect_key = tf_get_string(planned, "public_key");
}

/* Create and update: the same decision as the plan (needs_encryption), then the state machine. */
static void apply_env(tf_ctx *c, const tf_value *prior, const tf_value *config,
                      const tf_value *planned, tf_value *s)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    env_private p;
    env_private_read(c, &p);
    env_input in;
    if (env_input_build(c, config, &in) != 0) {
        env_input_free(&in);
        env_private_free(&p);
        return;
    }
    env_flow f = flow_for(c, config, &in, &p, prior ? "update" : "create");
    f.pin = env_pin_of(c, prior, config);
    expect_planned(&f, config, planned);
    /* On create nothing tells which compose hash a configured transaction registered (the API
     * names the hash only in its answer), so the first apply goes pending. This also keeps phase-2
     * errors away from create, where Terraform would taint the object and lose the ciphertext. */
    if (!prior) f.config_tx = NULL;
    const char *status = prior ? tf_get_string(prior, "status") : NULL;
    bool pending = status && strcmp(status, STATUS_PENDING) == 0;
    tf_value keys = env_input_keys(c, &in);
    if (!prior || needs_encryption(c, prior, config, &in, &keys)) { /* the plan's own decision */
        f.state = EF_ENCRYPT;
    } else if (pending && p.mismatch) {
        /* the API named a hash that could not be proved: ask it again rather than resume it */
        f.state = EF_ENCRYPT;
    } else if (pending) {
        char *token =
            env_private_token_or_warn(c, &p, tf_get_string(prior, "compose_hash"), f.cvm_id);
        ef_resume(&f, prior, token, p.legacy);
        if (token) memset(token, 0, strlen(token));
        free(token);
    } else {
        /* nothing to send: only clear_on_destroy, the timeouts or a transaction_hash changed */
        env_input_free(&in);
        env_private_free(&p);
        return;
    }
    const char *addr = tf_arena_printf(c->arena, "the phala_encrypted_env of CVM %s", f.cvm_id);
    switch (ef_run(c, client, &f)) {
    case EF_APPLIED:
        env_store_outcome(c, &f, config, true, s, &p);
        break;
    case EF_PENDING:
        env_store_outcome(c, &f, config, false, s, &p);
        ef_warn_pending(c, &f, addr);
        if (planned_applied(planned)) {
            /* the plan promised the commit: say why it did not happen (and keep the state) */
            c->keep_state_on_error = true;
            tf_error(c, NULL, "The pending update could not be completed",
                     "The plan found the registration of compose hash %s, but the apply could "
                     "not commit the update and prepared it again; see the warning for what is "
                     "needed now.",
                     f.compose_hash ? f.compose_hash : "?");
        }
        break;
    default:
        if (f.accepted) {
            /* the API accepted the update, the wait failed: state says what the API holds */
            c->keep_state_on_error = true;
            env_store_outcome(c, &f, config, true, s, &p);
        } else if (f.keep_pending && f.ciphertext && f.compose_hash) {
            /* phase 2 failed: keep the ciphertext so the next apply resumes without
             * re-encrypting (Terraform saves a state returned with errors) */
            c->keep_state_on_error = true;
            env_store_outcome(c, &f, config, false, s, &p);
        } else if (f.ambiguous) {
            env_store_ambiguous(c, &f, &p);
        }
        break;
    }
    ef_free(&f);
    env_input_free(&in);
    env_private_free(&p);
}

static void create_env(tf_ctx *c, const tf_value *config, const tf_value *planned, tf_value *s)
{
    apply_env(c, NULL, config, planned, s);
}

static void update_env(tf_ctx *c, const tf_value *prior, const tf_value *config,
                       const tf_value *planned, tf_value *s)
{
    apply_env(c, prior, config, planned, s);
}

/* ---- destroy -------------------------------------------------------------------------------- */

static void delete_env(tf_ctx *c, const tf_value *prior)
{
    if (!tf_get_bool(prior, "clear_on_destroy", false)) return; /* destroy only forgets */
    pk_client *client = phala_client(c);
    if (!client) return;
    env_private p;
    env_private_read(c, &p);
    env_input empty = {.keys_known = true, .values_known = true};
    env_flow f = flow_for(c, prior, &empty, &p, "delete");
    f.pin = env_pin_of(c, prior, NULL);
    f.state = EF_ENCRYPT;
    f.pinned_key = p.pinned ? tf_get_string(prior, "public_key") : NULL;
    ef_state end = ef_run(c, client, &f);
    if (end == EF_PENDING) {
        /* Destroy cannot leave a pending object behind: explain and keep the resource. */
        ef_warn_pending(c, &f, "this resource");
        tf_error(c, "clear_on_destroy", "Clearing the env needs an on-chain registration",
                 "Register compose hash %s as the warning explains, set transaction_hash to the "
                 "registering transaction, run terraform apply, then destroy again. Or set "
                 "clear_on_destroy = false to only forget the env.",
                 f.compose_hash ? f.compose_hash : "?");
    }
    ef_free(&f);
    env_private_free(&p);
}

/* ---- read / import -------------------------------------------------------------------------- */

static void read_env(tf_ctx *c, const tf_value *state, tf_value *ns)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    const char *cvm = tf_get_string(state, "cvm_id");
    if (!cvm) cvm = tf_get_string(state, "id");
    tf_set(ns, "cvm_id", tf_string(c->arena, cvm));
    tf_set(ns, "id", tf_string(c->arena, cvm));
    pk_compose_file cf = {0};
    pk_error err = {0};
    /* the CVM's detail carries its compose file: one request, shared with the key check below */
    if (pk_cvm_compose_read(client, cvm, &cf, &err) != 0) {
        if (err.http_status == 404) {
            /* The CVM is gone: so is its env. The plan then refuses to "create" it again. */
            *ns = tf_null(state->type);
            tf_warning(c, NULL, "The CVM no longer exists",
                       "CVM %s was not found (404): it was deleted outside Terraform, so its env "
                       "is removed from the state.",
                       cvm);
        } else
            phala_api_error(c, "cvm_id", "Cannot read the CVM's compose file", &err);
        pk_error_clear(&err);
        return;
    }
    /* Drift: someone changed the CVM's allowed env keys. While an update is pending the remote
     * keys are the old ones by design, so they say nothing. */
    const char *status = tf_get_string(state, "status");
    bool pending = status && strcmp(status, STATUS_PENDING) == 0;
    if (cf.has_allowed_envs && !pending) {
        tf_value remote = env_str_list(c, cf.allowed_envs, cf.n_allowed_envs);
        if (!tf_value_equal(&remote, tf_attr(state, "env_keys"))) tf_set(ns, "env_keys", remote);
    }
    pk_compose_file_free(&cf);
    /* A rotated key (not pinned by the user) shows up as a new public_key, which plans a
     * re-encryption. */
    env_private p;
    env_private_read(c, &p);
    /* Not for an import, before its first apply: a public_key in the imported state would be
     * written into the configuration -generate-config-out makes, pinning the key for good. */
    bool imported = !p.key && !tf_get_string(state, "public_key");
    env_pin pin = env_pin_of(c, state, NULL); /* a changed CVM is an error at refresh too */
    pin.soft_anchor = true; /* but a changed KMS key only a warning: apply sees expected_signer */
    if (!p.pinned && !imported) {
        env_key k;
        if (env_key_resolve(c, client, cvm, &pin, &k) == 0) {
            if (!phala_hex_same(k.public_key, tf_get_string(state, "public_key")))
                tf_set(ns, "public_key", tf_string(c->arena, k.public_key));
            env_key_free(&k);
        }
    } else if (pin.state_app || pin.kms || pin.has_chain) {
        pk_cvm cv;
        env_pin_read_check(c, client, &pin, cvm, &cv);
        pk_cvm_free(&cv);
    }
    env_private_free(&p);
}

static void import_env(tf_ctx *c, const char *id, tf_value *state)
{
    if (!phala_import_id_ok(c, id, "CVM id")) return;
    tf_set(state, "id", tf_string(c->arena, id));
    tf_set(state, "cvm_id", tf_string(c->arena, id));
    /* an id that names the app pins it (envtrust.h): the read that follows checks the CVM */
    const char *app = env_app_of_id(c, id);
    if (app) tf_set(state, "app_id", tf_string(c->arena, app));
}

tf_resource_def phala_encrypted_env_resource = {
    .type_name = "phala_encrypted_env",
    .schema = {attrs, TF_COUNT(attrs), blocks, TF_COUNT(blocks),
               "The encrypted environment variables of a CVM. Values are encrypted locally for the "
               "CVM's key and sent with the list of allowed keys; by default the apply then waits "
               "until the CVM runs them. On an on-chain KMS a change of the key set must be "
               "registered on the app contract first: the resource waits in "
               "`status = \"pending_onchain\"` until the hash is registered — by you or a multisig "
               "wallet (the next plan notices it and the apply completes), with a "
               "`transaction_hash`, or by the provider itself with an `onchain` key, which signs "
               "only a hash it proved to be the approved compose with only `allowed_envs` "
               "changed. The CVM's app, KMS contract and chain are pinned at the first apply (or "
               "by `app_id`, or an import id naming the app) and every later read must match; the "
               "KMS key that vouches for the app key comes from the chain, `expected_signer` or "
               "the state, and from the API only on first use (`public_key_signer_source`).",
               NULL},
    .validate = validate_env,
    .modify_plan = plan_env,
    .create = create_env,
    .update = update_env,
    .delete_ = delete_env,
    .read = read_env,
    .import = import_env,
};
