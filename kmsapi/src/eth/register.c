/* register.c — pk_register_compose_hash and pk_register_device: addComposeHash / addDevice on a
 * DstackApp, never twice for one value, sent by owner_call.c's one core. What is particular to them
 * lives here: an allowed hash is answered with the transaction found in its logs, a device counts
 * as allowed under allowAnyDevice too, and a device added once and removed since is not added
 * again. */
#include "eth/eth_priv.h"
#include "common/pkx_str.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define fail    pkx_owner_fail
#define context pkx_owner_context

/* The value is allowed already: a compose hash is answered with its registering transaction
 * (phase 2 names it), found by its ComposeHashAdded log. */
static int hash_reuse(const pkx_owner_call *r, pk_register_result *out, pk_error *err)
{
    pk_eth_log_query q = {.address = r->app,
                          .topic0 = PK_ETH_TOPIC_COMPOSE_HASH_ADDED,
                          .data_hex = r->arg,
                          .deadline_ms = r->log_ms};
    pk_eth_log_result found;
    char range[200];
    if (pk_eth_find_log(r->eth, &q, &found, err) != 0) {
        if (err && err->kind != PK_ERR_CANCELLED && err->kind != PK_ERR_NETWORK) {
            /* A node that refuses even narrow log searches: the user can still finish by naming
             * the transaction. */
            char node[900];
            snprintf(node, sizeof node, "%s", err->message ? err->message : "");
            return fail(err, r->eth, PK_ERR_TX_NOT_FOUND,
                        "compose hash %s is already allowed by app contract %s on chain %" PRIu64
                        ", but the RPC node refused to search for its ComposeHashAdded log (%s) — "
                        "set transaction_hash to the transaction that registered it",
                        r->arg, r->app, r->chain_id, node);
        }
        return context(err, "looking for the transaction that registered the compose hash");
    }
    pk_eth_log_range_text(&found, range, sizeof range);
    if (!found.found)
        return fail(
            err, r->eth, PK_ERR_TX_NOT_FOUND,
            "compose hash %s is already allowed by app contract %s on chain %" PRIu64
            ", but no ComposeHashAdded log for it was found in %s (the RPC node may not keep "
            "old logs) — set transaction_hash to the transaction that registered it",
            r->arg, r->app, r->chain_id, range);
    out->tx_hash = pkx_strdup(found.tx_hash);
    if (!out->tx_hash) return fail(err, r->eth, PK_ERR_NOMEM, "out of memory");
    out->block_number = found.block_number;
    return 0;
}

static int hash_allowed(const pkx_owner_call *r, pk_error *err)
{
    bool allowed = false;
    if (pk_eth_allowed_compose_hash(r->eth, r->app, r->arg, &allowed, err) != 0) return -1;
    return allowed ? 1 : 0;
}

/* allowAnyDevice() counts: the device may run the app, which is all registration wants. */
static int device_allowed(const pkx_owner_call *r, pk_error *err)
{
    bool allowed = false;
    if (pk_eth_device_allowed(r->eth, r->app, r->arg, &allowed, NULL, err) != 0) return -1;
    return allowed ? 1 : 0;
}

/* Before a device is added: was it added once already (and removed since, as it is not allowed
 * now)? Then adding it again would undo someone's decision. A search cut short by its deadline
 * covered the recent blocks, where a retried apply's own transaction would be: it proceeds. */
static int device_added_before(const pkx_owner_call *r, pk_error *err)
{
    pk_eth_log_query q = {.address = r->app,
                          .topic0 = PK_ETH_TOPIC_DEVICE_ADDED,
                          .data_hex = r->arg,
                          .deadline_ms = r->log_ms};
    pk_eth_log_result found;
    if (pk_eth_find_log(r->eth, &q, &found, err) != 0)
        return context(err, "looking for an earlier addDevice of this device");
    if (!found.found) return 0;
    return fail(err, r->eth, PK_ERR_TX_FAILED,
                "device %s was added to app contract %s by transaction %s (block %" PRIu64
                ") and is no longer allowed, so someone removed it — not adding it again; call "
                "addDevice(%s) yourself if it should run the app",
                r->arg, r->app, found.tx_hash, found.block_number, r->arg);
}

static const pkx_owner_op ADD_COMPOSE_HASH = {.what = "compose hash",
                                              .fn = "addComposeHash",
                                              .selector = PK_ETH_SEL_ADD_COMPOSE_HASH,
                                              .topic = PK_ETH_TOPIC_COMPOSE_HASH_ADDED,
                                              .done = hash_allowed,
                                              .already = hash_reuse};
static const pkx_owner_op ADD_DEVICE = {.what = "device",
                                        .fn = "addDevice",
                                        .selector = PK_ETH_SEL_ADD_DEVICE,
                                        .topic = PK_ETH_TOPIC_DEVICE_ADDED,
                                        .done = device_allowed,
                                        .before_send = device_added_before};

int pk_register_compose_hash(pk_eth *eth, const pk_register_req *req, pk_register_result *out,
                             pk_error *err)
{
    return pkx_eth_owner_call(eth, &ADD_COMPOSE_HASH, req, req ? req->compose_hash : NULL, out,
                              err);
}

int pk_register_device(pk_eth *eth, const pk_register_req *req, pk_register_result *out,
                       pk_error *err)
{
    return pkx_eth_owner_call(eth, &ADD_DEVICE, req, req ? req->device_id : NULL, out, err);
}
