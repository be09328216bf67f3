/* data_app_policy.c — data source phala_app_policy: who may get an app's keys, read from its
 * DstackApp contract (every entry confirmed by a view call at one block) next to what the API says
 * about the app's CVMs, with would_boot recomputed from the chain for each of them. */
#include "policy_source.h"

#include <stdlib.h>
#include <string.h>

static const tf_type string_set = {.kind = TF_SET, .elem = &tf_type_string};

static const char *const safe_names[] = {"owners", "threshold", "nonce"};
static const tf_type *const safe_types[] = {&phala_list_of_string, &tf_type_number,
                                            &tf_type_number};
static const tf_type safe_type = {
    .kind = TF_OBJECT, .n = 3, .names = safe_names, .elems = safe_types};

static const char *const device_names[] = {"device_id", "node_name", "cvm_ids"};
static const tf_type *const device_types[] = {&tf_type_string, &tf_type_string,
                                              &phala_list_of_string};
static const tf_type device_type = {
    .kind = TF_OBJECT, .n = 3, .names = device_names, .elems = device_types};
static const tf_type device_list = {.kind = TF_LIST, .elem = &device_type};

static const char *const cvm_names[] = {"cvm_id", "compose_hash", "device_id", "would_boot",
                                        "api_is_allowed"};
static const tf_type *const cvm_types[] = {&tf_type_string, &tf_type_string, &tf_type_string,
                                           &tf_type_bool, &tf_type_bool};
static const tf_type cvm_type = {.kind = TF_OBJECT, .n = 5, .names = cvm_names, .elems = cvm_types};
static const tf_type cvm_list = {.kind = TF_LIST, .elem = &cvm_type};

#define LOG_SECONDS_MAX 3600

static const tf_attr_def attrs[] = {
    {.name = "app_id",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "The app id: its DstackApp contract address (40 hex digits, optional `0x`)."},
    {.name = "from_block",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "Lowest block the event-log search covers (default 0, genesis; the app's "
                    "deployment block is a good value on a long chain). Entries whose only log "
                    "lies below it are still found when a CVM of the app runs with them (the "
                    "API's compose hashes and devices are candidates too); others are missed."},
    {.name = "chain_id",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "The chain the app contract lives on; `onchain.rpc_url` must serve it. Read "
                    "from the API (the app's KMS) when unset. Required when the API knows no CVM "
                    "of the app (none deployed yet, or all deleted); when set, it must match the "
                    "chain the API names."},
    {.name = "log_search_seconds",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "Time budget of the event-log search, 1..3600 seconds (default 30). A search "
                    "cut short is a warning naming the blocks it covered."},
    {.name = "owner",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The contract's `owner()`: the only account that may change the policy."},
    {.name = "owner_is_contract",
     .type = &tf_type_bool,
     .flags = TF_COMPUTED,
     .description = "Whether the owner has code (a multisig wallet or other contract)."},
    {.name = "owner_safe",
     .type = &safe_type,
     .flags = TF_COMPUTED,
     .description = "When the owner answers as a Safe does: its `owners`, `threshold` and "
                    "`nonce` (the next Safe transaction's). Null otherwise."},
    {.name = "compose_hashes",
     .type = &string_set,
     .flags = TF_COMPUTED,
     .description = "Allowed compose hashes (`0x` + 64 lowercase hex): every hash an event of the "
                    "contract (or a CVM of the app) names and `allowedComposeHashes` confirms at "
                    "`block_number`. A log alone never adds one."},
    {.name = "devices",
     .type = &device_list,
     .flags = TF_COMPUTED,
     .description = "Allowed devices, confirmed by `allowedDeviceIds` at `block_number`: "
                    "`device_id` (`0x` + 64 lowercase hex), `node_name` (the API's, null when it "
                    "does not know it) and `cvm_ids` (the app's CVMs on it)."},
    {.name = "allow_any_device",
     .type = &tf_type_bool,
     .flags = TF_COMPUTED,
     .description = "`allowAnyDevice()`: when true any device may run an allowed compose hash."},
    {.name = "cvms",
     .type = &cvm_list,
     .flags = TF_COMPUTED,
     .description = "The app's CVMs as the API reports them: `cvm_id`, the `compose_hash` and "
                    "`device_id` each runs with, `would_boot` (the boot rule `compose hash "
                    "allowed && (allow_any_device || device allowed)` computed from this read of "
                    "the chain) and `api_is_allowed` (the API's own answer, which may lag; a "
                    "disagreement is a warning naming the CVM)."},
    {.name = "block_number",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "The block every view call read (the head when the read began)."},
    {.name = "searched_from_block",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "Lowest block the log search covered."},
    {.name = "searched_to_block",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "Highest block the log search covered (= `block_number`)."},
    {.name = "log_search_complete",
     .type = &tf_type_bool,
     .flags = TF_COMPUTED,
     .description = "Whether the log search reached `from_block` within its time budget."},
};

/* "0x" + lowercase of a 64-hex value; other text as it is (the API's view is input). */
static tf_value hex_value(tf_arena *a, const char *s)
{
    if (!s) return tf_null(&tf_type_string);
    char v[PK_ETH_HASH_STRLEN];
    return tf_string(a, phala_hex_norm(s, 64, v) ? v : s);
}

static tf_value string_list(tf_arena *a, const char *const *v, size_t n)
{
    tf_value l = tf_collection(a, &phala_list_of_string, n);
    for (size_t i = 0; i < n; i++) l.u.coll.items[i] = tf_string(a, v[i]);
    return l;
}

static tf_value safe_value(tf_arena *a, const pk_app_policy *p)
{
    if (!p->owner_is_safe) return tf_null(&safe_type);
    tf_value v = tf_collection(a, &safe_type, safe_type.n);
    tf_value owners = tf_collection(a, &phala_list_of_string, p->safe.n_owners);
    for (size_t i = 0; i < p->safe.n_owners; i++)
        owners.u.coll.items[i] = tf_string(a, p->safe.owners[i]);
    tf_set(&v, "owners", owners);
    tf_set(&v, "threshold", tf_int((int64_t)p->safe.threshold));
    tf_set(&v, "nonce", tf_int((int64_t)p->safe.nonce));
    return v;
}

static void fill(tf_ctx *c, const policy_source *s, tf_value *state)
{
    tf_arena *a = c->arena;
    const pk_app_policy *p = &s->policy;
    tf_set(state, "owner", tf_string(a, p->owner));
    tf_set(state, "chain_id", tf_int((int64_t)s->chain_id));
    tf_set(state, "owner_is_contract", tf_bool(p->owner_is_contract));
    tf_set(state, "owner_safe", safe_value(a, p));
    tf_value hashes = tf_collection(a, &string_set, p->n_compose_hashes);
    for (size_t i = 0; i < p->n_compose_hashes; i++)
        hashes.u.coll.items[i] = tf_string(a, p->compose_hashes[i].value);
    tf_set(state, "compose_hashes", hashes);
    tf_value devices = tf_collection(a, &device_list, p->n_devices);
    for (size_t i = 0; i < p->n_devices; i++) {
        tf_value d = tf_collection(a, &device_type, device_type.n);
        size_t n = 0;
        const char **ids = policy_source_cvms_on_device(s, p->devices[i].value, &n);
        tf_set(&d, "device_id", tf_string(a, p->devices[i].value));
        tf_set(&d, "node_name",
               phala_str_or_null(a, policy_source_node_name(s, p->devices[i].value)));
        tf_set(&d, "cvm_ids", string_list(a, ids, n));
        free(ids);
        devices.u.coll.items[i] = d;
    }
    tf_set(state, "devices", devices);
    tf_set(state, "allow_any_device", tf_bool(p->allow_any_device));
    tf_value cvms = tf_collection(a, &cvm_list, s->cvms.n_results);
    for (size_t i = 0; i < s->cvms.n_results; i++) {
        const pk_app_cvm_allowed *r = &s->cvms.results[i];
        tf_value v = tf_collection(a, &cvm_type, cvm_type.n);
        tf_set(&v, "cvm_id", tf_string(a, r->cvm_id));
        tf_set(&v, "compose_hash", hex_value(a, r->info.compose_hash));
        tf_set(&v, "device_id", hex_value(a, r->info.device_id));
        tf_set(&v, "would_boot",
               tf_bool(pk_app_policy_allows(p, r->info.compose_hash, r->info.device_id)));
        tf_set(&v, "api_is_allowed", tf_bool(r->info.is_allowed));
        cvms.u.coll.items[i] = v;
    }
    tf_set(state, "cvms", cvms);
    tf_set(state, "block_number", tf_int((int64_t)p->block));
    tf_set(state, "searched_from_block", tf_int((int64_t)p->searched_from));
    tf_set(state, "searched_to_block", tf_int((int64_t)p->searched_to));
    tf_set(state, "log_search_complete", tf_bool(p->complete));
}

static void read_app_policy(tf_ctx *c, const tf_value *config, tf_value *state)
{
    int64_t from = 0, secs = 0, chain = 0;
    tf_get_int(config, "from_block", &from);
    tf_get_int(config, "log_search_seconds", &secs);
    tf_get_int(config, "chain_id", &chain);
    policy_source_opts o = {.app_id = tf_get_string(config, "app_id"),
                            .app_attr = "app_id",
                            .has_chain_id = chain > 0,
                            .chain_id = chain > 0 ? (uint64_t)chain : 0,
                            .from_block = from > 0 ? (uint64_t)from : 0,
                            .log_search_ms = secs > 0 ? (long)secs * 1000 : 0};
    policy_source s;
    if (policy_source_read(c, &o, &s) != 0) return;
    fill(c, &s, state);
    policy_source_warn(c, &s, NULL);
    policy_source_free(&s);
}

static void validate_app_policy(tf_ctx *c, const tf_value *config)
{
    const tf_value *id = tf_attr(config, "app_id");
    if (id && tf_is_known(id) && !policy_app_id_ok(tf_get_string(config, "app_id")))
        tf_error(c, "app_id", "Invalid app id",
                 "app_id must be the app's DstackApp contract address: 40 hex digits, optionally "
                 "prefixed by 0x.");
    int64_t v;
    const tf_value *fb = tf_attr(config, "from_block");
    if (fb && tf_is_known(fb) && (!tf_get_int(config, "from_block", &v) || v < 0))
        tf_error(c, "from_block", "Invalid from_block", "from_block must be a block number >= 0.");
    const tf_value *ch = tf_attr(config, "chain_id");
    if (ch && tf_is_known(ch) && !tf_is_null(ch) && (!tf_get_int(config, "chain_id", &v) || v < 1))
        tf_error(c, "chain_id", "Invalid chain_id", "chain_id must be a chain id >= 1.");
    const tf_value *ls = tf_attr(config, "log_search_seconds");
    if (ls && tf_is_known(ls) &&
        (!tf_get_int(config, "log_search_seconds", &v) || v < 1 || v > LOG_SECONDS_MAX))
        tf_error(c, "log_search_seconds", "Invalid log_search_seconds",
                 "log_search_seconds must be a whole number of seconds in 1..%d.", LOG_SECONDS_MAX);
}

tf_datasource_def phala_app_policy_ds = {
    .type_name = "phala_app_policy",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "Who may get an app's keys: the key-release policy on its DstackApp contract "
               "(owner, allowed compose hashes and devices, allow-any-device), read from the "
               "chain at one block — candidates from the contract's events and the app's CVMs, "
               "each confirmed by a view call — next to the API's view of the app's CVMs. Needs "
               "`onchain.rpc_url` on the app's chain.",
               NULL},
    .validate = validate_app_policy,
    .read = read_app_policy,
};
