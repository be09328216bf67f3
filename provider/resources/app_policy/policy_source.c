/* policy_source.c — see policy_source.h. The API is asked first (it says whether the app is on an
 * on-chain KMS, on which chain, and which compose hashes and devices its CVMs use — candidates the
 * log search might not reach); then the chain, on an RPC endpoint checked to serve that chain. */
#include "policy_source.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tflog.h"

bool policy_app_id_ok(const char *s)
{
    return s && phala_is_hex(s, 40, false);
}

void policy_app_id_norm(const char *s, char out[PK_ETH_ADDRESS_STRLEN])
{
    phala_hex_norm(s, 40, out);
}

static void log_line(void *user, const char *line)
{
    (void)user;
    tf_log(TF_LOG_DEBUG, line, NULL);
}

/* A pk_error from the chain as a diagnostic (cancellation is no error of the read). */
static void chain_error(tf_ctx *c, const char *attr, const char *summary, const pk_error *err)
{
    if (err->kind == PK_ERR_CANCELLED) {
        tf_error_cancelled(c);
        return;
    }
    tf_error(c, attr, summary, "%s", pk_error_message(err));
}

/* Appends the 64-hex values among v (NULL and malformed ones skipped: the API's view is input). */
static void add_words(const char **dst, size_t *n, const char *v)
{
    if (v && phala_is_hex(v, 64, false)) dst[(*n)++] = v;
}

static int read_chain(tf_ctx *c, const policy_source_opts *o, policy_source *out)
{
    const phala_config *pc = c->provider_data;
    if (!pc || !pc->onchain.rpc_url) {
        char chain[48] = "the app's KMS chain";
        if (out->has_chain_id)
            snprintf(chain, sizeof chain, "chain %" PRIu64 " (the app's KMS chain)", out->chain_id);
        tf_error(c, NULL, "No Ethereum RPC endpoint configured",
                 "Reading an app's key-release policy needs its chain: set onchain.rpc_url in the "
                 "provider block (or PHALA_ONCHAIN_RPC_URL) to a node of %s.",
                 chain);
        return -1;
    }
    pk_eth_config ecfg = {
        .rpc_url = pc->onchain.rpc_url, .cancel = phala_cancel_token(), .log_fn = log_line};
    pk_error err = {0};
    if (pk_eth_new(&ecfg, &out->eth, &err) != 0) {
        chain_error(c, NULL, "Invalid onchain.rpc_url", &err);
        pk_error_clear(&err);
        return -1;
    }
    uint64_t got;
    if (pk_eth_chain_id(out->eth, &got, &err) != 0) {
        chain_error(c, NULL, "Cannot reach the Ethereum RPC endpoint (onchain.rpc_url)", &err);
        pk_error_clear(&err);
        return -1;
    }
    if (out->has_chain_id && got != out->chain_id) {
        tf_error(c, o->app_attr, "The RPC endpoint is on another chain",
                 "onchain.rpc_url serves chain %" PRIu64 " but app %s's KMS is on chain %" PRIu64
                 " — point onchain.rpc_url at a chain %" PRIu64 " node. Nothing was read.",
                 got, out->app, out->chain_id, out->chain_id);
        return -1;
    }
    out->chain_id = got;

    /* Candidates beyond the logs: the caller's, the CVMs' and the allowlist's. */
    size_t nh = 0, nd = 0, cap_h = o->n_extra_hashes + out->cvms.n_results,
           cap_d = o->n_extra_devices + out->cvms.n_results + out->allowlist.n_devices;
    const char **hashes = calloc(cap_h + 1, sizeof *hashes);
    const char **devices = calloc(cap_d + 1, sizeof *devices);
    int rc = -1;
    if (!hashes || !devices) {
        tf_error(c, NULL, "Out of memory", "reading the policy");
        goto done;
    }
    for (size_t i = 0; i < o->n_extra_hashes; i++) add_words(hashes, &nh, o->extra_hashes[i]);
    for (size_t i = 0; i < o->n_extra_devices; i++) add_words(devices, &nd, o->extra_devices[i]);
    for (size_t i = 0; i < out->cvms.n_results; i++) {
        add_words(hashes, &nh, out->cvms.results[i].info.compose_hash);
        add_words(devices, &nd, out->cvms.results[i].info.device_id);
    }
    for (size_t i = 0; i < out->allowlist.n_devices; i++)
        add_words(devices, &nd, out->allowlist.devices[i].device_id);
    pk_policy_query q = {.app = out->app,
                         .lowest_block = o->from_block,
                         .deadline_ms = o->log_search_ms,
                         .extra_hashes = hashes,
                         .n_extra_hashes = nh,
                         .extra_devices = devices,
                         .n_extra_devices = nd};
    if (pk_app_policy_read(out->eth, &q, &out->policy, &err) != 0) {
        chain_error(c, o->app_attr, "Cannot read the app's policy on-chain", &err);
        pk_error_clear(&err);
        goto done;
    }
    rc = 0;
done:
    free(hashes);
    free(devices);
    return rc;
}

/* The allowlist did not name the chain: the KMS of the app's first CVM does (its kms_info). */
static void kms_chain_of_cvm(tf_ctx *c, pk_client *client, policy_source *out)
{
    (void)c;
    if (out->cvms.n_results == 0) return;
    pk_cvm cvm;
    pk_error err = {0};
    if (pk_cvm_fetch(client, out->cvms.results[0].cvm_id, &cvm, &err) != 0) {
        tf_log(TF_LOG_WARN, "cannot read the app's CVM for its KMS chain", "error",
               pk_error_message(&err), NULL);
        pk_error_clear(&err);
        return;
    }
    if (cvm.has_kms_info && cvm.kms_info.has_chain_id && cvm.kms_info.chain_id > 0) {
        out->has_chain_id = true;
        out->chain_id = (uint64_t)cvm.kms_info.chain_id;
    }
    pk_cvm_free(&cvm);
}

int policy_source_read(tf_ctx *c, const policy_source_opts *o, policy_source *out)
{
    memset(out, 0, sizeof *out);
    if (!policy_app_id_ok(o->app_id)) {
        tf_error(c, o->app_attr, "Invalid app id",
                 "%s must be the app's DstackApp contract address: 40 hex digits, optionally "
                 "prefixed by 0x.",
                 o->app_attr);
        return -1;
    }
    policy_app_id_norm(o->app_id, out->app);
    pk_client *client = phala_client(c);
    if (!client) return -1;
    pk_error err = {0};
    bool api_knows_app = true;
    if (pk_app_device_allowlist_fetch(client, out->app, &out->allowlist, &err) != 0) {
        /* 404: no CVM of the app is known to the API (none deployed yet, or all deleted). Its
         * policy still lives on the chain, but only the configuration can name that chain. */
        if (err.http_status != 404 || !o->has_chain_id) {
            if (err.http_status == 404)
                tf_error(c, o->app_attr, "The API knows no CVM of this app",
                         "Phala Cloud has no CVM of app %s, so it cannot say which chain the app's "
                         "KMS is on. To read or manage the app's policy from the chain alone, set "
                         "chain_id to that chain (e.g. 8453 for Base).",
                         out->app);
            else
                phala_api_error(c, o->app_attr, "Cannot read the app's device allowlist", &err);
            pk_error_clear(&err);
            return -1;
        }
        pk_error_clear(&err);
        memset(&out->allowlist, 0, sizeof out->allowlist);
        api_knows_app = false;
        tf_log(TF_LOG_INFO, "the API knows no CVM of the app: reading the chain alone", "app",
               out->app, NULL);
    }
    if (api_knows_app && !out->allowlist.is_onchain_kms) {
        tf_error(c, o->app_attr, "The app is not on an on-chain KMS",
                 "App %s uses Phala's off-chain KMS: no contract decides who gets its keys, so "
                 "there is no on-chain policy to read.",
                 out->app);
        policy_source_free(out);
        return -1;
    }
    out->has_chain_id = out->allowlist.has_chain_id;
    out->chain_id = out->allowlist.chain_id;
    if (api_knows_app && pk_app_cvms_is_allowed(client, out->app, &out->cvms, &err) != 0) {
        phala_api_error(c, o->app_attr, "Cannot ask the API about the app's CVMs", &err);
        pk_error_clear(&err);
        policy_source_free(out);
        return -1;
    }
    if (api_knows_app && !out->has_chain_id) kms_chain_of_cvm(c, client, out);
    if (o->has_chain_id) {
        if (out->has_chain_id && out->chain_id != o->chain_id) {
            tf_error(c, "chain_id", "chain_id is not the app's KMS chain",
                     "chain_id is %" PRIu64 " but the API says app %s's KMS is on chain %" PRIu64
                     ". Nothing was read.",
                     o->chain_id, out->app, out->chain_id);
            policy_source_free(out);
            return -1;
        }
        out->has_chain_id = true;
        out->chain_id = o->chain_id;
    }
    if (!out->has_chain_id) {
        /* Without a chain to check it against, the RPC endpoint could serve any chain — and the
         * resource would sign there. */
        tf_error(c, o->app_attr, "The app's chain is unknown",
                 "Neither the API's device allowlist nor the app's CVMs name the chain of app "
                 "%s's KMS, so the RPC endpoint cannot be checked. Set chain_id to the app's "
                 "chain.",
                 out->app);
        policy_source_free(out);
        return -1;
    }
    if (read_chain(c, o, out) != 0) {
        policy_source_free(out);
        return -1;
    }
    tf_log(TF_LOG_INFO, "app policy read", "app", out->app, NULL);
    return 0;
}

void policy_source_free(policy_source *s)
{
    if (!s) return;
    pk_eth_free(s->eth);
    pk_device_allowlist_free(&s->allowlist);
    pk_app_cvms_allowed_free(&s->cvms);
    pk_app_policy_free(&s->policy);
    memset(s, 0, sizeof *s);
}

void policy_source_warn(tf_ctx *c, const policy_source *s, const char *attr)
{
    const pk_app_policy *p = &s->policy;
    if (!p->complete)
        tf_warning(c, attr, "The log search was incomplete",
                   "Logs of app %s were searched in blocks %" PRIu64 "..%" PRIu64
                   " only (the search deadline passed before it reached its lowest block). A "
                   "compose hash or device whose only log lies below block %" PRIu64
                   " is missing unless a CVM of the app uses it; raise log_search_seconds or set "
                   "from_block to the app's deployment block.",
                   s->app, p->searched_from, p->searched_to, p->searched_from);
    for (size_t i = 0; i < s->cvms.n_results; i++) {
        const pk_app_cvm_allowed *r = &s->cvms.results[i];
        bool boot = pk_app_policy_allows(p, r->info.compose_hash, r->info.device_id);
        if (boot == r->info.is_allowed) continue;
        tf_warning(c, attr, "The API and the chain disagree about a CVM",
                   "For CVM %s (compose hash %s, device %s) the API says is_allowed = %s, but the "
                   "app contract at block %" PRIu64 " says it %s boot. The API's KMS may read the "
                   "chain some blocks behind%s%s.",
                   r->cvm_id, r->info.compose_hash ? r->info.compose_hash : "?",
                   r->info.device_id ? r->info.device_id : "?",
                   r->info.is_allowed ? "true" : "false", p->block, boot ? "would" : "would not",
                   r->info.error ? "; the API said: " : "", r->info.error ? r->info.error : "");
    }
}

const char *policy_source_node_name(const policy_source *s, const char *device_id)
{
    for (size_t i = 0; i < s->allowlist.n_devices; i++)
        if (phala_hex_same(s->allowlist.devices[i].device_id, device_id))
            return s->allowlist.devices[i].node_name;
    return NULL;
}

static const char **cvms_where(const policy_source *s, const char *v, bool device, size_t *n)
{
    *n = 0;
    const char **ids = calloc(s->cvms.n_results + 1, sizeof *ids);
    if (!ids) return NULL;
    for (size_t i = 0; i < s->cvms.n_results; i++) {
        const pk_app_cvm_allowed *r = &s->cvms.results[i];
        if (phala_hex_same(device ? r->info.device_id : r->info.compose_hash, v))
            ids[(*n)++] = r->cvm_id;
    }
    if (*n == 0) {
        free(ids);
        return NULL;
    }
    return ids;
}

const char **policy_source_cvms_on_device(const policy_source *s, const char *device_id, size_t *n)
{
    return cvms_where(s, device_id, true, n);
}

const char **policy_source_cvms_with_hash(const policy_source *s, const char *hash, size_t *n)
{
    return cvms_where(s, hash, false, n);
}
