/* phala_provider.c — the provider block: schema, validation, and ConfigureProvider resolving
 * explicit attributes first, then PHALA_CLOUD_* / PHALA_OIDC_TOKEN / PHALA_ONCHAIN_* environment
 * variables, then the defaults. The resolved configuration lives for the whole process (several
 * configurations may coexist in reattach mode), and secrets in it (API key, OIDC token, private key)
 * are never logged or put in a diagnostic. */
#include "phala_provider.h"

#include <phalakms.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "credenv.h"
#include "phala_common.h"
#include "tfcancel.h"
#include "tflog.h"

/* How long a read may answer an identical one: longer than the refresh-then-plan of one resource
 * or a plan's data sources, short against what a person changes by hand between commands. */
#define PHALA_GET_CACHE_MS 30000L

static const tf_attr_def onchain_attrs[] = {
    {.name = "rpc_url",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Ethereum JSON-RPC URL used to register compose hashes. Defaults to "
                    "`PHALA_ONCHAIN_RPC_URL`."},
    {.name = "private_key",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description = "Hex private key of the app contract owner. Defaults to "
                    "`PHALA_ONCHAIN_PRIVATE_KEY`. Without a key the provider never signs a "
                    "transaction: updates that need one stay `pending_onchain`."},
    {.name = "confirmations",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description =
         "How deep the provider's own transactions (`addComposeHash`, `addDevice`) must be "
         "before it goes on, counting the block that includes them (default 1: mined). "
         "dstack's KMS reads the app contract some blocks behind the chain head, so before "
         "committing an update the provider also asks the API (`POST /cvms/{id}/is-allowed`, "
         "which sees what the KMS sees) until it allows the registration, within the "
         "resource's `timeouts`, whatever this says. Raise it above the KMS's lag only for an "
         "API without is-allowed (the older `PATCH /cvms/{id}/envs`)."},
    {.name = "receipt_timeout_seconds",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "How long to wait for the transaction receipt (default 120)."},
    {.name = "verify_compose",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description =
         "Before signing `addComposeHash`, prove that the hash is the CVM's on-chain-approved "
         "compose with only `allowed_envs` changed to the plan's keys, for the CVM's own app "
         "and the KMS's chain (default `true`). **Dangerous** to turn off: the provider would "
         "then sign whatever compose hash the API names, and a compromised or impersonated API "
         "could get any compose approved with the owner's key."},
    {.name = "add_device",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description =
         "When the app contract does not allow the CVM's device "
         "(`allowAnyDevice() || allowedDeviceIds(device_id)`), send `addDevice(device_id)` "
         "with the key (once; never again for a device removed since). Default `false`: "
         "the update then waits in `pending_onchain` with instructions."},
};
static const tf_block_def onchain_block = {onchain_attrs,
                                           TF_COUNT(onchain_attrs),
                                           NULL,
                                           0,
                                           "On-chain signer for compose-hash registration.",
                                           NULL};
static const tf_nested_block_def provider_blocks[] = {
    {.name = "onchain",
     .nesting = TF_NEST_LIST,
     .block = &onchain_block,
     .min_items = 0,
     .max_items = 1},
};

static const tf_attr_def provider_attrs[] = {
    {.name = "api_key",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description = "Phala Cloud API key (`phak_…`). Defaults to `PHALA_CLOUD_API_KEY`. Never "
                    "stored in state."},
    {.name = "oidc_token",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description =
         "OIDC token for CI without a long-lived key (e.g. a GitHub Actions ID token issued for "
         "Phala Cloud), sent as `Authorization: Bearer` — only when no API key is configured, "
         "as the SDKs prefer the key. Defaults to `PHALA_OIDC_TOKEN`. Pass it through the "
         "environment or an `ephemeral` variable: it is never stored in state, and never logged."},
    {.name = "workspace",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Workspace slug sent as `X-Phala-Workspace` (trimmed; not sent when empty). "
                    "Defaults to `PHALA_CLOUD_WORKSPACE`. Needed with an OIDC token whose "
                    "repository is trusted in several workspaces."},
    {.name = "api_prefix",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "API base URL including `/api/v1`. Defaults to `PHALA_CLOUD_API_PREFIX`, "
                    "else `" PHALA_DEFAULT_API_PREFIX "`. Plain `http://` is accepted for "
                    "loopback hosts only."},
    {.name = "api_version",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description =
         "Value of the `X-Phala-Version` header, a date such as `2026-06-23` or `LATEST` "
         "(default `" PHALA_DEFAULT_API_VERSION "`, as the SDKs). Endpoints whose shape depends "
         "on it keep their pin whatever this says: the KMS contract data sources send "
         "`2026-06-23`, the deprecated `phala_kms_list` / `phala_kms_info` send `2026-05-22`; "
         "the app key lookup follows this value (see the provider guide)."},
    {.name = "timeout_seconds",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "Timeout of one API request in seconds, 1 to 3600 (default 60, as the SDKs: "
                    "longer than the server's own 30 s timeout for KMS calls). All attempts of one "
                    "call (see `max_retries`) end within 120 s, or within `timeout_seconds` when "
                    "that is longer."},
    {.name = "max_retries",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "Retries of one API call, 0 to 30 (default 5): after rate limiting (429), a "
                    "busy answer (409 without an error code) or unavailability (503); reads (GET, "
                    "safe to repeat) are also retried after other 5xx answers, network errors, "
                    "timeouts and truncated answers. Waits follow `Retry-After`, else 1, 2, 4, … s "
                    "up to 20 s, within the call's time bound (see `timeout_seconds`). Updates "
                    "are never re-sent after an answer that may have been applied."},
    {.name = "expected_signer",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description =
         "The KMS signing key (compressed secp256k1 public key, hex, optional `0x`) that must "
         "have signed every on-chain app key `phala_encrypted_env` encrypts for, unless the "
         "resource sets its own `expected_signer`. Without `onchain.rpc_url` (which reads the "
         "KMS contract's key from the chain) this pins the KMS key instead of trusting the "
         "API's `k256_pubkey`; see `public_key_signer_source`."},
};

/* A header value: no control characters (they would split the header). */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
    return true;
}

/* YYYY-MM-DD (the versions the API publishes) or LATEST, any case, as docs/api-versioning.md. */
static bool api_version_valid(const char *v)
{
    if (strcasecmp(v, "latest") == 0) return true;
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9')) return false;
    return true;
}

static bool valid_url(const char *s)
{
    return s && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) && strlen(s) > 8;
}

static void check_positive(tf_ctx *c, const tf_value *obj, const char *name, int64_t min,
                           int64_t max, tf_path base)
{
    tf_value *v = tf_attr(obj, name);
    if (!tf_is_known(v)) return;
    int64_t n;
    tf_path p = tf_path_with_attr(c->arena, base, name);
    if (!tf_number_to_int64(&v->u.num, &n) || n < min || n > max)
        tf_diag_add(&c->diags, TF_ERROR, &p, "Invalid provider configuration",
                    "%s must be a whole number between %lld and %lld.", name, (long long)min,
                    (long long)max);
}

/* The URL rules of kmsapi (https, or http:// to loopback only; no credentials), at validate time so
 * that `terraform validate` reports them on the attribute. */
static void check_url(tf_ctx *c, const char *url, tf_path path, const char *what)
{
    pk_error err = {0};
    if (url && pk_url_check(url, what, &err) != 0)
        tf_diag_add(&c->diags, TF_ERROR, &path, "Invalid provider configuration", "%s.",
                    err.message ? err.message : "not a usable URL");
    pk_error_clear(&err);
}

static void validate_provider(tf_ctx *c, const tf_value *config)
{
    tf_path root = {0};
    const char *prefix = tf_get_string(config, "api_prefix");
    if (prefix && !valid_url(prefix))
        tf_error(c, "api_prefix", "Invalid provider configuration",
                 "api_prefix must be an http(s) URL such as %s.", PHALA_DEFAULT_API_PREFIX);
    else
        check_url(c, prefix, tf_path_attr(c->arena, "api_prefix"), "api_prefix");
    tf_value *key = tf_attr(config, "api_key");
    if (tf_is_known(key) && key->u.str.len == 0)
        tf_error(c, "api_key", "Invalid provider configuration",
                 "api_key is empty. Set it, or leave it out to use PHALA_CLOUD_API_KEY.");
    tf_value *tok = tf_attr(config, "oidc_token");
    if (tf_is_known(tok) && tok->u.str.len == 0)
        tf_error(c, "oidc_token", "Invalid provider configuration",
                 "oidc_token is empty. Set it, or leave it out to use PHALA_OIDC_TOKEN.");
    else if (tf_is_known(tok) && !printable(tf_get_string(config, "oidc_token")))
        /* never echo the value: it is a secret */
        tf_error(c, "oidc_token", "Invalid provider configuration",
                 "oidc_token contains control characters (a JWT has none).");
    const char *ws = tf_get_string(config, "workspace");
    if (ws && !printable(ws))
        tf_error(c, "workspace", "Invalid provider configuration",
                 "workspace must be a workspace slug without control characters.");
    const char *version = tf_get_string(config, "api_version");
    if (version && !api_version_valid(version))
        tf_error(c, "api_version", "Invalid provider configuration",
                 "api_version \"%s\" is not an API version: expected a date such as %s, or "
                 "LATEST.",
                 printable(version) ? version : "(control characters)", PHALA_DEFAULT_API_VERSION);
    check_positive(c, config, "timeout_seconds", 1, 3600, root);
    check_positive(c, config, "max_retries", 0, 30, root);
    const char *signer = tf_get_string(config, "expected_signer");
    if (signer && !phala_is_k256_pubkey(signer))
        tf_error(c, "expected_signer", "Invalid provider configuration",
                 "expected_signer must be a compressed secp256k1 public key: 66 hex digits "
                 "starting with 02 or 03, optionally prefixed by 0x.");
    tf_value *oc = tf_attr(config, "onchain");
    if (tf_is_known(oc) && oc->u.coll.n == 1) {
        tf_path ob = tf_path_with_index(c->arena, tf_path_attr(c->arena, "onchain"), 0);
        const tf_value *o = &oc->u.coll.items[0];
        check_positive(c, o, "confirmations", 0, 100, ob);
        check_positive(c, o, "receipt_timeout_seconds", 1, 3600, ob);
        const char *rpc = tf_get_string(o, "rpc_url");
        tf_path rp = tf_path_with_attr(c->arena, ob, "rpc_url");
        if (rpc && !valid_url(rpc))
            tf_diag_add(&c->diags, TF_ERROR, &rp, "Invalid provider configuration",
                        "rpc_url must be an http(s) URL.");
        else
            check_url(c, rpc, rp, "rpc_url");
        const char *key = tf_get_string(o, "private_key");
        if (key && !phala_is_hex(key, 64, false)) {
            /* never echo the value: it is a secret */
            tf_path p = tf_path_with_attr(c->arena, ob, "private_key");
            tf_diag_add(&c->diags, TF_ERROR, &p, "Invalid provider configuration",
                        "private_key must be a secp256k1 private key: 64 hex digits, optionally "
                        "prefixed by 0x.");
        }
    }
}

static char *pick(const char *explicit_value, const char *env, const char *dflt)
{
    if (explicit_value) return strdup(explicit_value);
    char *held = phala_credenv_get(env); /* a credential: no longer in the environment */
    if (held && *held) return held;
    free(held);
    const char *e = env ? getenv(env) : NULL;
    if (e && *e) return strdup(e);
    return dflt ? strdup(dflt) : NULL;
}

static int64_t pick_int(const tf_value *obj, const char *name, int64_t dflt)
{
    int64_t v;
    return obj && tf_get_int(obj, name, &v) ? v : dflt;
}

/* One cancel token for the process: StopProvider (Ctrl-C in Terraform) triggers it and every
 * in-flight or later API call gives up within ~50 ms. */
static pk_cancel *g_cancel;
static pthread_once_t g_cancel_once = PTHREAD_ONCE_INIT;
static void trigger_cancel(void *arg)
{
    pk_cancel_trigger(arg);
}
static void make_cancel(void)
{
    if (pk_cancel_new(&g_cancel) == 0) tf_stop_on_raise(trigger_cancel, g_cancel);
}

pk_cancel *phala_cancel_token(void)
{
    pthread_once(&g_cancel_once, make_cancel);
    return g_cancel;
}

static void log_http(void *user, const char *line)
{
    (void)user;
    tf_log(TF_LOG_DEBUG, line, NULL);
}

static void make_client(tf_ctx *c, phala_config *pc, bool credential_unknown)
{
    if (!pc->api_key && !pc->oidc_token && !credential_unknown) {
        /* Reported once here instead of once per data source and resource. */
        tf_error(c, "api_key", "Missing Phala Cloud API key",
                 "Set api_key in the provider block or the PHALA_CLOUD_API_KEY environment "
                 "variable (keys look like phak_…). In CI without a long-lived key, an OIDC "
                 "token works too: oidc_token or PHALA_OIDC_TOKEN.");
        return;
    }
    pthread_once(&g_cancel_once, make_cancel);
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = pc->api_key;
    cfg.bearer_token = pc->oidc_token;
    cfg.workspace = pc->workspace;
    cfg.api_prefix = pc->api_prefix;
    cfg.api_version = pc->api_version;
    cfg.timeout_ms = (long)pc->timeout_seconds * 1000L;
    cfg.max_retries = (int)pc->max_retries;
    cfg.cancel = g_cancel;
    cfg.log_fn = log_http;
    /* Within one Terraform command identical reads are sent once, as a plan is a snapshot (the
     * rule: kmsapi's pkx_get_cache.h); the next command starts afresh (configure_provider). */
    cfg.get_cache_ms = PHALA_GET_CACHE_MS;
    pk_error err = {0};
    if (pk_client_new(&cfg, &pc->client, &err) != 0) {
        /* The client names what it refused first in its message (never the value of a secret). */
        const char *m = err.message ? err.message : "";
        const char *attr = strncmp(m, "the OIDC token", 14) == 0 ? "oidc_token"
                           : strncmp(m, "the API key", 11) == 0  ? "api_key"
                           : strncmp(m, "workspace", 9) == 0     ? "workspace"
                           : strncmp(m, "api_version", 11) == 0  ? "api_version"
                                                                 : "api_prefix";
        tf_error(c, attr, "Invalid provider configuration", "%s", pk_error_message(&err));
        pc->client = NULL;
    }
    pk_error_clear(&err);
}

phala_config *phala_config_resolve(tf_ctx *c, const tf_value *config)
{
    phala_config *pc = calloc(1, sizeof *pc);
    if (!pc) abort();
    pc->api_key = pick(tf_get_string(config, "api_key"), "PHALA_CLOUD_API_KEY", NULL);
    pc->oidc_token = pick(tf_get_string(config, "oidc_token"), "PHALA_OIDC_TOKEN", NULL);
    pc->workspace = pick(tf_get_string(config, "workspace"), "PHALA_CLOUD_WORKSPACE", NULL);
    pc->api_prefix = pick(tf_get_string(config, "api_prefix"), "PHALA_CLOUD_API_PREFIX",
                          PHALA_DEFAULT_API_PREFIX);
    pc->api_version = pick(tf_get_string(config, "api_version"), NULL, PHALA_DEFAULT_API_VERSION);
    pc->timeout_seconds = pick_int(config, "timeout_seconds", PHALA_DEFAULT_TIMEOUT_S);
    pc->max_retries = pick_int(config, "max_retries", 5);
    pc->expected_signer = pick(tf_get_string(config, "expected_signer"), NULL, NULL);
    tf_value *oc = tf_attr(config, "onchain");
    const tf_value *o = tf_is_known(oc) && oc->u.coll.n == 1 ? &oc->u.coll.items[0] : NULL;
    pc->onchain.rpc_url =
        pick(o ? tf_get_string(o, "rpc_url") : NULL, "PHALA_ONCHAIN_RPC_URL", NULL);
    pc->onchain.private_key =
        pick(o ? tf_get_string(o, "private_key") : NULL, "PHALA_ONCHAIN_PRIVATE_KEY", NULL);
    pc->onchain.confirmations = pick_int(o, "confirmations", 1);
    pc->onchain.receipt_timeout_seconds = pick_int(o, "receipt_timeout_seconds", 120);
    pc->onchain.verify_compose = o ? tf_get_bool(o, "verify_compose", true) : true;
    pc->onchain.add_device = o ? tf_get_bool(o, "add_device", false) : false;
    if (pc->onchain.private_key && !pc->onchain.rpc_url)
        tf_error(c, NULL, "Incomplete on-chain signer",
                 "An on-chain private key is configured (onchain.private_key or "
                 "PHALA_ONCHAIN_PRIVATE_KEY) but no rpc_url (onchain.rpc_url or "
                 "PHALA_ONCHAIN_RPC_URL): the provider cannot send transactions without one.");
    if (pc->onchain.private_key && !phala_is_hex(pc->onchain.private_key, 64, false))
        tf_error(c, NULL, "Invalid on-chain private key",
                 "The on-chain private key (from onchain.private_key or PHALA_ONCHAIN_PRIVATE_KEY) "
                 "must be 64 hex digits, optionally prefixed by 0x.");
    if (!valid_url(pc->api_prefix))
        tf_error(c, "api_prefix", "Invalid provider configuration",
                 "The API URL from PHALA_CLOUD_API_PREFIX is not an http(s) URL.");
    return pc;
}

static void wipe_string(char **s)
{
    if (!*s) return;
    sodium_memzero(*s, strlen(*s));
    free(*s);
    *s = NULL;
}

/* Configurations seen by this process, by a digest of what they were made from (the decoded
 * provider block and every PHALA_* environment variable: nothing else feeds them). Terraform
 * configures a provider process once per run; a --debug provider serves many runs, and aliases
 * repeat blocks: an identical configuration is reused instead of holding one more copy of its
 * credentials. Earlier configurations stay valid (calls of other runs may still use them). */
typedef struct known_config {
    uint8_t digest[32];
    phala_config *pc;
    struct known_config *next;
} known_config;
static known_config *g_known;
static pthread_mutex_t g_known_mu = PTHREAD_MUTEX_INITIALIZER;

extern char **environ;

static void config_digest(const tf_value *config, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    tf_buf b = {0};
    tf_json_encode(config, &b); /* holds the secrets for a moment: tf_buf_free wipes it */
    crypto_generichash_update(&st, b.data, b.len);
    tf_buf_free(&b);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "PHALA_", 6) == 0)
            crypto_generichash_update(&st, (const uint8_t *)*e, strlen(*e) + 1);
    crypto_generichash_final(&st, out, 32);
}

static void *configure_provider(tf_ctx *c, const tf_value *config)
{
    uint8_t digest[32];
    config_digest(config, digest);
    pthread_mutex_lock(&g_known_mu);
    for (known_config *k = g_known; k; k = k->next)
        if (sodium_memcmp(k->digest, digest, 32) == 0 && k->pc->client) {
            pthread_mutex_unlock(&g_known_mu);
            pk_client_forget_reads(k->pc->client); /* a new command: a new snapshot */
            return k->pc;
        }
    pthread_mutex_unlock(&g_known_mu);
    phala_config *pc = phala_config_resolve(c, config);
    if (!tf_has_errors(c))
        make_client(c, pc,
                    tf_is_unknown(tf_attr(config, "api_key")) ||
                        tf_is_unknown(tf_attr(config, "oidc_token")));
    /* The client holds the only copy of the credential from here on (wiped when it is freed). */
    wipe_string(&pc->api_key);
    wipe_string(&pc->oidc_token);
    if (pc->client) {
        known_config *k = calloc(1, sizeof *k);
        if (k) {
            memcpy(k->digest, digest, 32);
            k->pc = pc;
            pthread_mutex_lock(&g_known_mu);
            k->next = g_known;
            g_known = k;
            pthread_mutex_unlock(&g_known_mu);
        }
    }
    return pc;
}

/* Shutdown: credentials and on-chain keys are wiped where they are. Nothing is freed: a call still
 * running (Terraform should have none by now) keeps valid memory, and simply fails. */
static void release_provider(void)
{
    pthread_mutex_lock(&g_known_mu);
    for (known_config *k = g_known; k; k = k->next) {
        pk_client_wipe_credentials(k->pc->client);
        if (k->pc->onchain.private_key)
            sodium_memzero(k->pc->onchain.private_key, strlen(k->pc->onchain.private_key));
    }
    pthread_mutex_unlock(&g_known_mu);
}

extern tf_resource_def phala_app_ids_resource, phala_encrypted_env_resource;
extern tf_resource_def phala_app_policy_resource;
extern tf_datasource_def phala_kms_contracts_ds, phala_kms_contract_ds, phala_kms_list_ds,
    phala_kms_info_ds, phala_kms_onchain_ds, phala_app_pubkey_ds;
extern tf_datasource_def phala_app_policy_ds;

extern const tf_function_def phala_func_cvm_id, phala_func_parse_dotenv,
    phala_func_env_pubkey_signer, phala_func_compose_hash, phala_func_compose_hash_indent4;
static const tf_function_def *const phala_functions[] = {
    &phala_func_cvm_id, &phala_func_parse_dotenv, &phala_func_env_pubkey_signer,
    &phala_func_compose_hash, &phala_func_compose_hash_indent4};

static tf_resource_def *const phala_resources[] = {
    &phala_app_ids_resource, &phala_encrypted_env_resource, &phala_app_policy_resource};
static tf_datasource_def *const phala_data_sources[] = {
    &phala_kms_contracts_ds, &phala_kms_contract_ds, &phala_kms_list_ds,  &phala_kms_info_ds,
    &phala_kms_onchain_ds,   &phala_app_pubkey_ds,   &phala_app_policy_ds};

const tf_provider_def phala_provider = {
    .name = "phala",
    .version = PHALA_VERSION,
    .source_address = "local.dev/phala/phala",
    .schema = {provider_attrs, TF_COUNT(provider_attrs), provider_blocks, TF_COUNT(provider_blocks),
               "The Phala Cloud KMS provider: KMS contracts and their replicas, app encryption "
               "keys and a CVM's encrypted environment variables.",
               NULL},
    .validate = validate_provider,
    .configure = configure_provider,
    .resources = phala_resources,
    .n_resources = TF_COUNT(phala_resources),
    .data_sources = phala_data_sources,
    .functions = phala_functions,
    .n_functions = TF_COUNT(phala_functions),
    .release = release_provider,
    .n_data_sources = TF_COUNT(phala_data_sources),
};
