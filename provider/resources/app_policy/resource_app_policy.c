/* resource_app_policy.c — resource phala_app_policy: the app contract's key-release policy (allowed
 * compose hashes, devices, allow-any-device) as authoritative sets. Refresh reads the chain (drift
 * shows in the plan), plan lists the calls and runs the lockout rail, apply sends exactly those
 * calls with the owner key (each at most once: the chain is the journal) or writes the owners'
 * batch and waits in "pending_owner". Schema, plan and the Terraform callbacks live here; the
 * sets (policy_want), the rail (policy_rail), the batch (policy_batch) and the calls
 * (policy_send) have their own files. */
#include <string.h>

#include "policy_batch.h"
#include "policy_rail.h"
#include "policy_send.h"
#include "policy_source.h"
#include "policy_want.h"

#define STATUS_IN_SYNC       "in_sync"
#define STATUS_PENDING_OWNER "pending_owner"

static const tf_type set_of_string = {.kind = TF_SET, .elem = &tf_type_string};

static const tf_attr_def attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN,
     .description = "The app id: 40 lowercase hex digits without 0x."},
    {.name = "app_id",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "The app id = the address of its DstackApp contract (40 hex digits, optional "
                    "0x), e.g. `phala_encrypted_env.app.app_id`. Changing it manages another app "
                    "(the old one is forgotten, never changed)."},
    {.name = "compose_hashes",
     .type = &set_of_string,
     .flags = TF_OPTIONAL,
     .description =
         "The compose hashes the app contract allows, exactly (64 hex digits, optional 0x; case "
         "and 0x never show as a change). Hashes allowed on-chain but not listed are removed, "
         "listed ones missing are added. Null: the compose hashes are not managed (left as they "
         "are). `[phala_encrypted_env.app.compose_hash]` keeps only the compose the CVM runs "
         "(see the guide \"Who can get your app's keys\")."},
    {.name = "devices",
     .type = &set_of_string,
     .flags = TF_OPTIONAL,
     .description = "The device ids the app contract allows, exactly (64 hex digits, optional "
                    "0x). Null: the devices are not managed."},
    {.name = "allow_any_device",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "Whether any device may run the app (`setAllowAnyDevice`). Null: not "
                    "managed."},
    {.name = "allow_lockout",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "Default false: a change that would stop a CVM of the app that may boot now "
                    "from obtaining the app's keys at its next boot (its compose hash or device "
                    "removed, any-device turned off while it relies on it) is an error naming the "
                    "CVM. true accepts it (a warning)."},
    {.name = "remove_on_destroy",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "Default false: destroying the resource only forgets it (nothing changes "
                    "on-chain, no CVM is locked out). true: destroy removes the compose hashes and "
                    "devices this resource added (`added_compose_hashes`, `added_devices`), under "
                    "the lockout rail."},
    {.name = "batch_file",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description = "Where to write the calls when the provider cannot make them itself (the "
                    "owner is a Safe, another account, or no `onchain.private_key` is set): a "
                    "Safe{Wallet} Transaction Builder JSON file, with the Safe transaction and its "
                    "`safeTxHash` for a Safe owner. Written atomically. Null: nothing is written; "
                    "the warning lists the calls."},
    {.name = "multisend",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL,
     .description =
         "The MultiSendCallOnly contract a Safe owner's batch of several calls "
         "delegates to. Default: Safe 1.4.1's canonical `" PK_SAFE_MULTISEND_CALL_ONLY_141
         "`; set it on chains that deployed their own."},
    {.name = "owner",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The app contract's owner() (lowercase 0x address)."},
    {.name = "owner_is_safe",
     .type = &tf_type_bool,
     .flags = TF_COMPUTED,
     .description = "Whether the owner is a Safe (answers getOwners/getThreshold/nonce)."},
    {.name = "chain_id",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "The chain the app contract lives on; `onchain.rpc_url` must serve it. Read "
                    "from the API (the app's KMS) when unset. Required when the API knows no CVM "
                    "of the app — e.g. to allow a compose hash before the first CVM is deployed; "
                    "when set, it must match the chain the API names."},
    {.name = "status",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "`in_sync`: the chain shows the configured policy. `pending_owner`: the calls "
                    "in `pending_calls` wait for the owner (see `batch_file`); the next refresh "
                    "notices when they are executed."},
    {.name = "planned_calls",
     .type = &phala_list_of_string,
     .flags = TF_COMPUTED,
     .description = "In a plan: the calls the apply makes, in order (adds before removals), e.g. "
                    "`removeComposeHash(0x…)`. In state: the calls of the last apply."},
    {.name = "pending_calls",
     .type = &phala_list_of_string,
     .flags = TF_COMPUTED,
     .description = "The calls waiting for the owner (empty when `in_sync`)."},
    {.name = "pending_safe_tx_hash",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The `safeTxHash` the Safe's owners sign for the pending calls (the Safe's "
                    "nonce at apply time); null otherwise."},
    {.name = "added_compose_hashes",
     .type = &set_of_string,
     .flags = TF_COMPUTED,
     .description = "The compose hashes this resource added (what `remove_on_destroy` removes)."},
    {.name = "added_devices",
     .type = &set_of_string,
     .flags = TF_COMPUTED,
     .description = "The devices this resource added (what `remove_on_destroy` removes)."},
};

/* ---- shared steps ---------------------------------------------------------------------------- */

/* Normalised extra candidates: every value the configuration and the state name, so that the read
 * confirms them even when their logs lie beyond the searched blocks. */
static void add_extras(tf_ctx *c, const tf_value *obj, const char *attr, const char ***list,
                       size_t *n)
{
    const tf_value *v = tf_attr(obj, attr);
    if (!tf_is_known(v)) return;
    const char **l = tf_arena_alloc(c->arena, (*n + v->u.coll.n + 1) * sizeof *l);
    if (*n) memcpy(l, *list, *n * sizeof *l);
    for (size_t i = 0; i < v->u.coll.n; i++) {
        char norm[PK_ETH_HASH_STRLEN];
        const tf_value *e = &v->u.coll.items[i];
        if (tf_is_known(e) && ap_hex32_norm(e->u.str.ptr, norm))
            l[(*n)++] = tf_arena_strdup(c->arena, norm);
    }
    *list = l;
}

/* The pending calls' values are candidates too (a call the owners executed names them). */
static void add_pending_extras(tf_ctx *c, const tf_value *obj, const char ***hashes, size_t *nh,
                               const char ***devices, size_t *nd)
{
    const tf_value *v = tf_attr(obj, "pending_calls");
    if (!tf_is_known(v)) return;
    const char **h = tf_arena_alloc(c->arena, (*nh + v->u.coll.n + 1) * sizeof *h);
    const char **d = tf_arena_alloc(c->arena, (*nd + v->u.coll.n + 1) * sizeof *d);
    if (*nh) memcpy(h, *hashes, *nh * sizeof *h);
    if (*nd) memcpy(d, *devices, *nd * sizeof *d);
    for (size_t i = 0; i < v->u.coll.n; i++) {
        pk_policy_call pc;
        if (!tf_is_known(&v->u.coll.items[i]) || !ap_call_parse(v->u.coll.items[i].u.str.ptr, &pc))
            continue;
        if (pc.op == PK_POLICY_ADD_COMPOSE_HASH || pc.op == PK_POLICY_REMOVE_COMPOSE_HASH)
            h[(*nh)++] = tf_arena_strdup(c->arena, pc.value);
        else if (pc.op != PK_POLICY_SET_ALLOW_ANY_DEVICE)
            d[(*nd)++] = tf_arena_strdup(c->arena, pc.value);
    }
    *hashes = h;
    *devices = d;
}

/* Reads the app's policy with the candidates of a and b (either may be NULL). */
static int read_source(tf_ctx *c, const char *app, const tf_value *a, const tf_value *b, bool warn,
                       policy_source *s)
{
    policy_source_opts o = {.app_id = app, .app_attr = "app_id"};
    const tf_value *objs[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        if (!objs[i]) continue;
        int64_t chain = 0;
        const tf_value *ch = tf_attr(objs[i], "chain_id");
        if (!o.has_chain_id && ch && tf_is_known(ch) && !tf_is_null(ch) &&
            tf_get_int(objs[i], "chain_id", &chain) && chain > 0) {
            o.has_chain_id = true;
            o.chain_id = (uint64_t)chain;
        }
        add_extras(c, objs[i], "compose_hashes", (const char ***)&o.extra_hashes,
                   &o.n_extra_hashes);
        add_extras(c, objs[i], "added_compose_hashes", (const char ***)&o.extra_hashes,
                   &o.n_extra_hashes);
        add_extras(c, objs[i], "devices", (const char ***)&o.extra_devices, &o.n_extra_devices);
        add_extras(c, objs[i], "added_devices", (const char ***)&o.extra_devices,
                   &o.n_extra_devices);
        add_pending_extras(c, objs[i], (const char ***)&o.extra_hashes, &o.n_extra_hashes,
                           (const char ***)&o.extra_devices, &o.n_extra_devices);
    }
    memset(s, 0, sizeof *s);
    if (policy_source_read(c, &o, s) != 0) return -1;
    if (warn) policy_source_warn(c, s, NULL);
    return 0;
}

/* owner, owner_is_safe, chain_id, id from what the chain says. */
static void set_facts(tf_ctx *c, tf_value *obj, const policy_source *s)
{
    tf_set(obj, "owner", tf_string(c->arena, s->policy.owner));
    tf_set(obj, "owner_is_safe", tf_bool(s->policy.owner_is_safe));
    tf_set(obj, "chain_id", tf_int((int64_t)s->chain_id));
    tf_set(obj, "id", tf_string(c->arena, s->app + 2));
}

/* The managed parts of obj (those not null) replaced by what the chain shows, in obj's spelling. */
static void set_live(tf_ctx *c, tf_value *obj, const pk_app_policy *p)
{
    tf_value *h = tf_attr(obj, "compose_hashes"), *d = tf_attr(obj, "devices");
    if (!tf_is_null(h)) *h = ap_live_set(c->arena, p->compose_hashes, p->n_compose_hashes, h);
    if (!tf_is_null(d)) *d = ap_live_set(c->arena, p->devices, p->n_devices, d);
    if (!tf_is_null(tf_attr(obj, "allow_any_device")))
        tf_set(obj, "allow_any_device", tf_bool(p->allow_any_device));
}

static tf_value empty_set(tf_ctx *c)
{
    return tf_collection(c->arena, &set_of_string, 0);
}

/* The added_* record after calls: prior's adds plus these adds, minus these removals. */
static tf_value added_after(tf_ctx *c, const tf_value *prior, const char *attr,
                            const pk_policy_call *calls, size_t n, bool devices)
{
    pk_policy_op add = devices ? PK_POLICY_ADD_DEVICE : PK_POLICY_ADD_COMPOSE_HASH;
    pk_policy_op rm = devices ? PK_POLICY_REMOVE_DEVICE : PK_POLICY_REMOVE_COMPOSE_HASH;
    const tf_value *p = prior ? tf_attr(prior, attr) : NULL;
    size_t np = tf_is_known(p) ? p->u.coll.n : 0;
    tf_value out = tf_collection(c->arena, &set_of_string, np + n);
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        const char *v = p->u.coll.items[i].u.str.ptr;
        bool removed = false;
        for (size_t j = 0; j < n; j++) removed |= calls[j].op == rm && !strcmp(calls[j].value, v);
        if (!removed) out.u.coll.items[k++] = p->u.coll.items[i];
    }
    for (size_t j = 0; j < n; j++) {
        if (calls[j].op != add) continue;
        bool have = false;
        for (size_t i = 0; i < k; i++)
            have |= !strcmp(out.u.coll.items[i].u.str.ptr, calls[j].value);
        if (!have) out.u.coll.items[k++] = tf_string(c->arena, calls[j].value);
    }
    out.u.coll.n = k;
    return out;
}

static const char *multisend_of(const tf_value *config)
{
    const char *m = tf_get_string(config, "multisend");
    return m ? m : PK_SAFE_MULTISEND_CALL_ONLY_141;
}

/* ---- validate ------------------------------------------------------------------------------- */

static void validate_policy(tf_ctx *c, const tf_value *config)
{
    const char *app = tf_get_string(config, "app_id");
    if (app && !policy_app_id_ok(app))
        tf_error(c, "app_id", "Invalid app id",
                 "app_id must be 40 hex digits, optionally prefixed by 0x.");
    const char *m = tf_get_string(config, "multisend");
    uint8_t a[20];
    if (m && pk_eth_address_parse(m, a) != 0)
        tf_error(c, "multisend", "Invalid multisend address",
                 "multisend must be an address: 40 hex digits, optionally prefixed by 0x.");
    int64_t chain;
    const tf_value *ch = tf_attr(config, "chain_id");
    if (ch && tf_is_known(ch) && !tf_is_null(ch) &&
        (!tf_get_int(config, "chain_id", &chain) || chain < 1))
        tf_error(c, "chain_id", "Invalid chain_id", "chain_id must be a chain id >= 1.");
    const char *bf = tf_get_string(config, "batch_file");
    if (bf && !*bf)
        tf_error(c, "batch_file", "Invalid batch_file", "batch_file must be a file path.");
    ap_want w;
    ap_want_read(c, config, true, &w);
}

/* ---- plan ----------------------------------------------------------------------------------- */

static void plan_policy(tf_ctx *c, const tf_value *prior, const tf_value *config, tf_value *planned)
{
    if (tf_is_null(planned) || !tf_is_known(planned)) return; /* destroy: decided at apply */
    const char *app = tf_get_string(config, "app_id");
    ap_want w;
    if (!app || !ap_want_read(c, config, false, &w) || !w.known) return; /* decided at apply */
    policy_source s;
    if (read_source(c, app, config, prior, true, &s) != 0) return;
    pk_policy_call *calls;
    size_t n = ap_want_calls(c->arena, &w, &s.policy, &calls);
    ap_rail_check(c, &s, &w, tf_get_bool(config, "allow_lockout", false), true);
    set_facts(c, planned, &s);
    bool signs = ap_owner_signs(c, &s);
    if (n == 0) {
        if (!prior) {
            tf_set(planned, "status", tf_string(c->arena, STATUS_IN_SYNC));
            tf_set(planned, "planned_calls", ap_calls_value(c->arena, NULL, 0));
            tf_set(planned, "pending_calls", ap_calls_value(c->arena, NULL, 0));
            tf_set(planned, "pending_safe_tx_hash", tf_null(&tf_type_string));
            tf_set(planned, "added_compose_hashes", empty_set(c));
            tf_set(planned, "added_devices", empty_set(c));
        }
    } else {
        tf_set(planned, "planned_calls", ap_calls_value(c->arena, calls, n));
        tf_set(planned, "status",
               tf_string(c->arena, signs ? STATUS_IN_SYNC : STATUS_PENDING_OWNER));
        tf_set(planned, "pending_calls",
               signs ? ap_calls_value(c->arena, NULL, 0) : ap_calls_value(c->arena, calls, n));
        if (signs || !s.policy.owner_is_safe)
            tf_set(planned, "pending_safe_tx_hash", tf_null(&tf_type_string));
        tf_set(planned, "added_compose_hashes",
               added_after(c, prior, "added_compose_hashes", calls, n, false));
        tf_set(planned, "added_devices", added_after(c, prior, "added_devices", calls, n, true));
    }
    policy_source_free(&s);
}

/* ---- apply ---------------------------------------------------------------------------------- */

/* The plan listed planned_calls; the apply makes only calls from that list. Fewer is fine: the
 * chain moved toward the configuration meanwhile (phala_encrypted_env, applied first, registered
 * the new compose hash itself). Any other call was never reviewed: nothing is sent. */
static bool within_plan(tf_ctx *c, const tf_value *planned, const pk_policy_call *calls, size_t n)
{
    const tf_value *pl = tf_attr(planned, "planned_calls");
    if (!tf_is_known(pl)) return true;
    tf_value now = ap_calls_value(c->arena, calls, n);
    for (size_t i = 0; i < n; i++) {
        bool listed = false;
        for (size_t j = 0; j < pl->u.coll.n && !listed; j++)
            listed = strcmp(pl->u.coll.items[j].u.str.ptr, now.u.coll.items[i].u.str.ptr) == 0;
        if (listed) continue;
        tf_error(c, NULL, "The app's policy changed since the plan",
                 "The apply would have to make %s, which the plan did not list: someone changed "
                 "the app contract in between. Nothing was sent; run plan again and review it.",
                 now.u.coll.items[i].u.str.ptr);
        return false;
    }
    return true;
}

/* Sets a result the plan left unknown; a value the plan showed stays as shown. */
static void fill(tf_value *ns, const char *name, tf_value v)
{
    if (tf_is_unknown(tf_attr(ns, name))) tf_set(ns, name, v);
}

/* Reads the chain back after the calls. It shows the configuration: true. Else (a call failed, or
 * someone changed the contract meanwhile) the state keeps what the chain shows, with the error, so
 * it never claims what did not happen and the next plan shows what is left. */
static bool confirm(tf_ctx *c, const char *app, const tf_value *config, const tf_value *prior,
                    const ap_want *w, tf_value *ns)
{
    bool failed = tf_has_errors(c);
    policy_source s;
    if (read_source(c, app, config, prior, false, &s) != 0) return false;
    pk_policy_call *left;
    size_t n = ap_want_calls(c->arena, w, &s.policy, &left);
    if (n == 0 && !failed) {
        policy_source_free(&s);
        return true;
    }
    if (!failed) {
        char first[160];
        pk_policy_call_text(&left[0], first, sizeof first);
        tf_error(c, NULL, "The chain does not show the configured policy",
                 "After the calls, app contract %s still needs %zu call(s), the first %s: it was "
                 "changed by someone else meanwhile. The state records what the chain shows; "
                 "plan again.",
                 s.app, n, first);
    }
    set_live(c, ns, &s.policy);
    set_facts(c, ns, &s);
    tf_set(ns, "status", tf_string(c->arena, STATUS_IN_SYNC));
    tf_set(ns, "pending_calls", ap_calls_value(c->arena, NULL, 0));
    tf_set(ns, "pending_safe_tx_hash", tf_null(&tf_type_string));
    c->keep_state_on_error = true;
    policy_source_free(&s);
    return false;
}

static void apply_policy(tf_ctx *c, const tf_value *prior, const tf_value *config,
                         const tf_value *planned, tf_value *ns)
{
    const char *app = tf_get_string(config, "app_id");
    ap_want w;
    if (!ap_want_read(c, config, true, &w)) return;
    policy_source s;
    if (read_source(c, app, config, prior, false, &s) != 0) return;
    pk_policy_call *calls;
    size_t n = ap_want_calls(c->arena, &w, &s.policy, &calls);
    /* values unknown at plan (another resource's compose hash) meet the rail here */
    if (ap_rail_check(c, &s, &w, tf_get_bool(config, "allow_lockout", false), false) &&
        tf_has_errors(c))
        goto out;
    if (!within_plan(c, planned, calls, n)) goto out;
    set_facts(c, ns, &s);
    fill(ns, "planned_calls", ap_calls_value(c->arena, calls, n));
    fill(ns, "added_compose_hashes",
         added_after(c, prior, "added_compose_hashes", calls, n, false));
    fill(ns, "added_devices", added_after(c, prior, "added_devices", calls, n, true));
    fill(ns, "pending_safe_tx_hash", tf_null(&tf_type_string));
    if (n == 0 || ap_owner_signs(c, &s)) {
        /* Each call at most once; afterwards the state records what the chain shows. */
        ap_send_calls(c, &s, calls, n); /* a failure is in the diagnostics: confirm records it */
        if (!confirm(c, app, config, prior, &w, ns)) goto out;
        tf_set(ns, "status", tf_string(c->arena, STATUS_IN_SYNC));
        tf_set(ns, "pending_calls", ap_calls_value(c->arena, NULL, 0));
        tf_set(ns, "pending_safe_tx_hash", tf_null(&tf_type_string));
        goto out;
    }
    /* The owners make the calls: the batch, the pending state, a warning naming both. */
    char safe_hash[PK_ETH_HASH_STRLEN];
    const char *file = tf_get_string(config, "batch_file");
    if (ap_batch_write(c, &s, file, multisend_of(config), calls, n, safe_hash) != 0) goto out;
    tf_set(ns, "status", tf_string(c->arena, STATUS_PENDING_OWNER));
    tf_set(ns, "pending_calls", ap_calls_value(c->arena, calls, n));
    tf_set(ns, "pending_safe_tx_hash",
           safe_hash[0] ? tf_string(c->arena, safe_hash) : tf_null(&tf_type_string));
    ap_warn_pending(c, &s, calls, n, file, safe_hash);
out:
    policy_source_free(&s);
}

static void create_policy(tf_ctx *c, const tf_value *config, const tf_value *planned, tf_value *ns)
{
    apply_policy(c, NULL, config, planned, ns);
}

static void update_policy(tf_ctx *c, const tf_value *prior, const tf_value *config,
                          const tf_value *planned, tf_value *ns)
{
    apply_policy(c, prior, config, planned, ns);
}

/* ---- read, import, delete ----------------------------------------------------------------------- */

/* A pending_owner state whose calls the chain now shows is in sync: the owners executed them. */
static void settle_pending(tf_ctx *c, tf_value *ns, const pk_app_policy *p)
{
    const char *status = tf_get_string(ns, "status");
    const tf_value *pending = tf_attr(ns, "pending_calls");
    if (!status || strcmp(status, STATUS_PENDING_OWNER) != 0 || !tf_is_known(pending)) return;
    for (size_t i = 0; i < pending->u.coll.n; i++) {
        pk_policy_call pc;
        if (!ap_call_parse(pending->u.coll.items[i].u.str.ptr, &pc) || !ap_call_shown(p, &pc))
            return;
    }
    tf_set(ns, "status", tf_string(c->arena, STATUS_IN_SYNC));
    tf_set(ns, "pending_calls", ap_calls_value(c->arena, NULL, 0));
    tf_set(ns, "pending_safe_tx_hash", tf_null(&tf_type_string));
}

static void read_policy(tf_ctx *c, const tf_value *state, tf_value *ns)
{
    const char *app = tf_get_string(state, "app_id");
    if (!app) return;
    policy_source s;
    if (read_source(c, app, state, NULL, false, &s) != 0) return;
    settle_pending(c, ns, &s.policy);
    set_live(c, ns, &s.policy);
    set_facts(c, ns, &s);
    policy_source_free(&s);
}

static void import_policy(tf_ctx *c, const char *id, tf_value *st)
{
    if (!policy_app_id_ok(id)) {
        tf_error(c, NULL, "Invalid import id",
                 "Import phala_app_policy by its app id: 40 hex digits, optionally prefixed by "
                 "0x (got \"%.60s\").",
                 id);
        return;
    }
    char norm[PK_ETH_ADDRESS_STRLEN];
    policy_app_id_norm(id, norm);
    tf_set(st, "app_id", tf_string(c->arena, norm + 2));
    policy_source s;
    if (read_source(c, norm, NULL, NULL, false, &s) != 0) return;
    /* Everything is managed after an import: the generated configuration pins what is there. */
    tf_set(st, "compose_hashes", empty_set(c));
    tf_set(st, "devices", empty_set(c));
    tf_set(st, "allow_any_device", tf_bool(false));
    set_live(c, st, &s.policy);
    set_facts(c, st, &s);
    tf_set(st, "status", tf_string(c->arena, STATUS_IN_SYNC));
    tf_set(st, "planned_calls", ap_calls_value(c->arena, NULL, 0));
    tf_set(st, "pending_calls", ap_calls_value(c->arena, NULL, 0));
    tf_set(st, "added_compose_hashes", empty_set(c));
    tf_set(st, "added_devices", empty_set(c));
    policy_source_free(&s);
}

/* Forgets by default. remove_on_destroy: removes what this resource added and the chain still
 * allows, under the rail; an owner the provider cannot sign for gets the batch. */
static void delete_policy(tf_ctx *c, const tf_value *prior)
{
    if (!tf_get_bool(prior, "remove_on_destroy", false)) return;
    const char *app = tf_get_string(prior, "app_id");
    policy_source s;
    if (!app || read_source(c, app, prior, NULL, false, &s) != 0) return;
    ap_want w;
    ap_want_without(c->arena, &s.policy, tf_attr(prior, "added_compose_hashes"),
                    tf_attr(prior, "added_devices"), &w);
    pk_policy_call *calls;
    size_t n = ap_want_calls(c->arena, &w, &s.policy, &calls);
    ap_rail_check(c, &s, &w, tf_get_bool(prior, "allow_lockout", false), false);
    if (n == 0 || tf_has_errors(c)) goto out;
    if (ap_owner_signs(c, &s)) {
        ap_send_calls(c, &s, calls, n);
        goto out;
    }
    char safe_hash[PK_ETH_HASH_STRLEN];
    const char *file = tf_get_string(prior, "batch_file");
    if (ap_batch_write(c, &s, file, multisend_of(prior), calls, n, safe_hash) == 0)
        ap_warn_pending(c, &s, calls, n, file, safe_hash);
out:
    policy_source_free(&s);
}

tf_resource_def phala_app_policy_resource = {
    .type_name = "phala_app_policy",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "An app's on-chain key-release policy as code: the compose hashes and devices its "
               "DstackApp contract allows, and allow-any-device. The KMS gives the app's keys to "
               "a CVM only when `allowedComposeHashes[hash] && (allowAnyDevice || "
               "allowedDeviceIds[device])`. Refresh reads the chain (changes made elsewhere show "
               "as drift), plan lists the calls (`planned_calls`) and refuses to lock a running "
               "CVM out, apply sends each call at most once with `onchain.private_key` when it "
               "owns the app, or writes the owners' batch (a Safe transaction) and waits in "
               "`pending_owner`. Import by app id. Destroy forgets unless `remove_on_destroy`.",
               NULL},
    .validate = validate_policy,
    .modify_plan = plan_policy,
    .create = create_policy,
    .update = update_policy,
    .delete_ = delete_policy,
    .read = read_policy,
    .import = import_policy,
};
