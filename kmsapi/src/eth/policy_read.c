/* policy_read.c — pk_app_policy_read and pk_app_policy_allows (policy.h): the head block is read
 * once; owner, allowAnyDevice and every candidate's view call are made at that block. Candidates
 * come from the policy's logs (one windowed search over all five event kinds) and the query's
 * extras; a log never adds an entry by itself — only allowedComposeHashes / allowedDeviceIds
 * saying true does. */
#include "common/pkx_error.h"
#include "eth/eth_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cand {
    uint8_t value[32];
    uint64_t block; /* newest log naming it; 0 = none */
    char tx_hash[PK_ETH_HASH_STRLEN];
} cand;

typedef struct cand_set {
    cand *v;
    size_t n, cap;
    bool nomem;
} cand_set;

typedef struct collect {
    cand_set sets[2]; /* indexed by pkx_policy_kind */
    size_t n_logs, n_malformed;
} collect;

static void cand_add(cand_set *s, const uint8_t value[32], uint64_t block, const char *tx)
{
    if (s->nomem) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        cand *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->nomem = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    cand *c = &s->v[s->n++];
    memcpy(c->value, value, 32);
    c->block = block;
    snprintf(c->tx_hash, sizeof c->tx_hash, "%s", tx ? tx : "");
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    int c = memcmp(x->value, y->value, 32);
    if (c) return c;
    return x->block < y->block ? 1 : x->block > y->block ? -1 : 0; /* newest first */
}

/* Sorted by value, one per value (the newest log's block and transaction kept). */
static void cand_unique(cand_set *s)
{
    if (s->n == 0) return;
    qsort(s->v, s->n, sizeof *s->v, cand_cmp);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (memcmp(s->v[i].value, s->v[k - 1].value, 32) != 0) s->v[k++] = s->v[i];
    s->n = k;
}

static int on_window(void *user, const pk_eth_log *logs, size_t n, pk_error *err)
{
    (void)err;
    collect *c = user;
    for (size_t i = 0; i < n; i++) {
        pkx_policy_kind kind;
        uint8_t value[32];
        c->n_logs++;
        if (pkx_policy_log_entry(&logs[i], &kind, value) != 0) {
            c->n_malformed++; /* allow-any-device's PolicyChanged lands here too: harmless */
            continue;
        }
        cand_add(&c->sets[kind], value, logs[i].block_number, logs[i].tx_hash);
    }
    return 0;
}

/* A bool view call at the block; a revert is false (older contracts lack allowAnyDevice). */
static int view_bool(pk_eth *eth, const char *app, uint32_t sel, const uint8_t *word,
                     uint64_t block, bool revert_false, bool *out, pk_error *err)
{
    uint8_t cd[36] = {(uint8_t)(sel >> 24), (uint8_t)(sel >> 16), (uint8_t)(sel >> 8),
                      (uint8_t)sel};
    size_t len = 4;
    if (word) {
        memcpy(cd + 4, word, 32);
        len = 36;
    }
    char what[48];
    snprintf(what, sizeof what, "view call 0x%08x at block %" PRIu64, sel, block);
    return pkx_eth_read_bool_at(eth, app, what, cd, len, true, block, revert_false, out, err);
}

/* Confirms each candidate of a set; the true ones become entries. */
static int confirm(pk_eth *eth, const char *app, const cand_set *s, uint32_t sel, uint64_t block,
                   pk_policy_entry **out, size_t *n_out, size_t *rejected, pk_error *err)
{
    *out = s->n ? calloc(s->n, sizeof **out) : NULL;
    *n_out = 0;
    if (s->n && !*out) return pkx_eth_failf(err, eth, PK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++) {
        bool yes;
        if (view_bool(eth, app, sel, s->v[i].value, block, false, &yes, err) != 0) return -1;
        if (!yes) {
            (*rejected)++;
            continue;
        }
        pk_policy_entry *e = &(*out)[(*n_out)++];
        pkx_eth_hex0x(s->v[i].value, 32, e->value);
        e->block_number = s->v[i].block;
        snprintf(e->tx_hash, sizeof e->tx_hash, "%s", s->v[i].tx_hash);
    }
    return 0;
}

static int add_extras(pk_eth *eth, cand_set *s, const char *const *v, size_t n, const char *what,
                      pk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t w[32];
        if (!v[i] || pkx_eth_hash_parse(v[i], w) != 0)
            return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                                 "%s \"%.80s\" is not 64 hex digits (optional 0x)", what,
                                 v[i] ? v[i] : "");
        cand_add(s, w, 0, NULL);
    }
    return 0;
}

int pk_app_policy_read(pk_eth *eth, const pk_policy_query *q, pk_app_policy *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    if (!q || pkx_eth_check_address(eth, q->app, out->app, err) != 0) return -1;
    const char *app = out->app;
    collect c = {0};
    int rc = -1;
    if (add_extras(eth, &c.sets[PKX_POLICY_HASH], q->extra_hashes, q->n_extra_hashes,
                   "extra compose hash", err) != 0 ||
        add_extras(eth, &c.sets[PKX_POLICY_DEVICE], q->extra_devices, q->n_extra_devices,
                   "extra device id", err) != 0)
        goto done;
    if (pk_eth_block_number(eth, &out->block, err) != 0) goto done;
    size_t code;
    if (pkx_eth_code_size(eth, app, out->block, &code, err) != 0) goto done;
    if (code == 0) {
        pkx_eth_failf(err, eth, PK_ERR_DECODE,
                      "no contract at %s on this chain (block %" PRIu64
                      ") — is the RPC endpoint on the app's chain?",
                      app, out->block);
        goto done;
    }
    uint8_t *res;
    size_t rl;
    uint8_t osel[4];
    pk_eth_calldata_owner(osel);
    if (pkx_eth_call_at(eth, app, osel, 4, true, out->block, &res, &rl, err) != 0) goto done;
    int bad = pkx_abi_address(res, rl, out->owner);
    free(res);
    if (bad) {
        pkx_eth_failf(err, eth, PK_ERR_DECODE, "owner() on %s did not return an address", app);
        goto done;
    }
    if (view_bool(eth, app, PK_ETH_SEL_ALLOW_ANY_DEVICE, NULL, out->block, true,
                  &out->allow_any_device, err) != 0)
        goto done;
    if (pkx_eth_code_size(eth, out->owner, out->block, &code, err) != 0) goto done;
    out->owner_is_contract = code > 0;
    if (out->owner_is_contract) {
        pk_error e2 = {0};
        if (pkx_safe_read_at(eth, out->owner, true, out->block, &out->safe, &e2) == 0) {
            out->owner_is_safe = true;
        } else if (e2.kind != PK_ERR_DECODE) {
            *err = e2; /* transport: the read cannot be trusted */
            goto done;
        }
        pkx_error_reset(&e2);
    }

    static const char *const topics[] = {
        PK_ETH_TOPIC_COMPOSE_HASH_ADDED, PK_ETH_TOPIC_COMPOSE_HASH_REMOVED,
        PK_ETH_TOPIC_DEVICE_ADDED, PK_ETH_TOPIC_DEVICE_REMOVED, PK_ETH_TOPIC_POLICY_CHANGED};
    uint8_t t[5][32];
    for (size_t i = 0; i < 5; i++) pkx_eth_hash_parse(topics[i], t[i]);
    pkx_eth_log_scan s = {.address = app,
                          .topic0s = (const uint8_t(*)[32])t,
                          .n_topic0s = 5,
                          .lowest = q->lowest_block,
                          .head = out->block,
                          .span = q->span,
                          .deadline_ms = q->deadline_ms,
                          .on_window = on_window,
                          .user = &c};
    pk_eth_log_result lr;
    if (pkx_eth_scan_logs(eth, &s, &lr, err) != 0) goto done;
    out->searched_from = lr.searched_from;
    out->searched_to = lr.searched_to;
    out->complete = lr.complete;
    out->log_requests = lr.requests;
    if (c.sets[0].nomem || c.sets[1].nomem) {
        pkx_eth_failf(err, eth, PK_ERR_NOMEM, "out of memory");
        goto done;
    }
    cand_unique(&c.sets[PKX_POLICY_HASH]);
    cand_unique(&c.sets[PKX_POLICY_DEVICE]);
    pkx_eth_logf(eth,
                 "policy %s: %zu logs in blocks %" PRIu64 "..%" PRIu64 " (%s, %u eth_getLogs), "
                 "%zu compose hash and %zu device candidates; confirming at block %" PRIu64,
                 app, c.n_logs, lr.searched_from, lr.searched_to,
                 lr.complete ? "complete" : "cut short", lr.requests, c.sets[PKX_POLICY_HASH].n,
                 c.sets[PKX_POLICY_DEVICE].n, out->block);
    if (confirm(eth, app, &c.sets[PKX_POLICY_HASH], PK_ETH_SEL_ALLOWED_COMPOSE_HASH, out->block,
                &out->compose_hashes, &out->n_compose_hashes, &out->n_rejected, err) != 0 ||
        confirm(eth, app, &c.sets[PKX_POLICY_DEVICE], PK_ETH_SEL_ALLOWED_DEVICE_ID, out->block,
                &out->devices, &out->n_devices, &out->n_rejected, err) != 0)
        goto done;
    pkx_eth_logf(eth,
                 "policy %s at block %" PRIu64 ": %zu compose hashes, %zu devices allowed, "
                 "allowAnyDevice %s, %zu candidates rejected by the view calls",
                 app, out->block, out->n_compose_hashes, out->n_devices,
                 out->allow_any_device ? "true" : "false", out->n_rejected);
    rc = 0;
done:
    free(c.sets[0].v);
    free(c.sets[1].v);
    if (rc != 0) {
        char keep[PK_ETH_ADDRESS_STRLEN];
        memcpy(keep, out->app, sizeof keep);
        pk_app_policy_free(out);
        memcpy(out->app, keep, sizeof keep);
    }
    return rc;
}

void pk_app_policy_free(pk_app_policy *p)
{
    if (!p) return;
    free(p->compose_hashes);
    free(p->devices);
    pk_safe_info_free(&p->safe);
    memset(p, 0, sizeof *p);
}

static bool listed(const pk_policy_entry *v, size_t n, const char *hex)
{
    uint8_t w[32];
    char norm[PK_ETH_HASH_STRLEN];
    if (!hex || pkx_eth_hash_parse(hex, w) != 0) return false;
    pkx_eth_hex0x(w, 32, norm);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].value, norm) == 0) return true;
    return false;
}

bool pk_app_policy_allows(const pk_app_policy *p, const char *compose_hash, const char *device_id)
{
    if (!p || !listed(p->compose_hashes, p->n_compose_hashes, compose_hash)) return false;
    return p->allow_any_device || listed(p->devices, p->n_devices, device_id);
}
