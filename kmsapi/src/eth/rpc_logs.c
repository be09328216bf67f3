/* rpc_logs.c — receipts and event logs: parsing them strictly, waiting for a receipt with
 * confirmations and a timeout, searching an event log in bounded windows newest first (public nodes
 * refuse eth_getLogs from block 0), and deciding whether a given transaction registered a given
 * compose hash. */
#include "common/pkx_clock.h"
#include "common/pkx_error.h"
#include "eth/eth_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- receipts and logs -------------------------------------------------------------------------- */

static int parse_log(const cJSON *l, pk_eth_log *out)
{
    const cJSON *addr = cJSON_GetObjectItemCaseSensitive(l, "address");
    const cJSON *topics = cJSON_GetObjectItemCaseSensitive(l, "topics");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(l, "data");
    const cJSON *txh = cJSON_GetObjectItemCaseSensitive(l, "transactionHash");
    const cJSON *bn = cJSON_GetObjectItemCaseSensitive(l, "blockNumber");
    if (!cJSON_IsString(addr) || pk_eth_address_parse(addr->valuestring, out->address) != 0 ||
        !cJSON_IsArray(topics) || !cJSON_IsString(data) ||
        pkx_eth_data(data->valuestring, &out->data, &out->data_len) != 0)
        return -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, topics)
    {
        if (out->n_topics >= 4 || !cJSON_IsString(t) ||
            pkx_eth_hash_parse(t->valuestring, out->topics[out->n_topics]) != 0)
            return -1;
        out->n_topics++;
    }
    uint8_t h[32];
    if (cJSON_IsString(txh) && pkx_eth_hash_parse(txh->valuestring, h) == 0)
        pkx_eth_hex0x(h, 32, out->tx_hash);
    if (cJSON_IsString(bn)) pkx_eth_quantity(bn->valuestring, &out->block_number);
    return 0;
}

void pkx_eth_logs_free(pk_eth_log *logs, size_t n)
{
    for (size_t i = 0; i < n; i++) free(logs[i].data);
    free(logs);
}

int pkx_eth_parse_logs(const cJSON *arr, pk_eth_log **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (arr && !cJSON_IsArray(arr) && !cJSON_IsNull(arr)) return -1;
    int cnt = cJSON_GetArraySize(arr);
    if (cnt <= 0) return 0;
    pk_eth_log *logs = calloc((size_t)cnt, sizeof *logs);
    if (!logs) return -1;
    size_t k = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, arr)
    {
        if (parse_log(l, &logs[k]) != 0) {
            pkx_eth_logs_free(logs, k + 1);
            return -1;
        }
        k++;
    }
    *out = logs;
    *n = k;
    return 0;
}

void pk_eth_receipt_free(pk_eth_receipt *r)
{
    if (!r) return;
    pkx_eth_logs_free(r->logs, r->n_logs);
    memset(r, 0, sizeof *r);
}

/* 1 = found (out filled), 0 = not yet, -1 = error. */
static int receipt_once(pk_eth *eth, const char *params, pk_eth_receipt *out, pk_error *err)
{
    cJSON *root;
    const cJSON *r;
    if (pkx_eth_rpc(eth, "eth_getTransactionReceipt", params, true, &root, &r, err) != 0) return -1;
    int rc = 1;
    if (cJSON_IsNull(r)) {
        rc = 0;
    } else {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "status");
        const cJSON *bn = cJSON_GetObjectItemCaseSensitive(r, "blockNumber");
        const cJSON *gu = cJSON_GetObjectItemCaseSensitive(r, "gasUsed");
        const cJSON *th = cJSON_GetObjectItemCaseSensitive(r, "transactionHash");
        uint64_t status = 0;
        uint8_t h[32];
        if (!cJSON_IsObject(r) || !cJSON_IsString(st) ||
            pkx_eth_quantity(st->valuestring, &status) != 0 || !cJSON_IsString(bn) ||
            pkx_eth_quantity(bn->valuestring, &out->block_number) != 0 || !cJSON_IsString(th) ||
            pkx_eth_hash_parse(th->valuestring, h) != 0 ||
            pkx_eth_parse_logs(cJSON_GetObjectItemCaseSensitive(r, "logs"), &out->logs,
                               &out->n_logs) != 0) {
            pk_eth_receipt_free(out);
            rc = pkx_eth_failf(err, eth, PK_ERR_DECODE,
                               "eth_getTransactionReceipt: the receipt lacks status, blockNumber, "
                               "transactionHash or well-formed logs");
        } else {
            out->status_ok = status == 1;
            pkx_eth_hex0x(h, 32, out->tx_hash);
            if (cJSON_IsString(gu)) pkx_eth_quantity(gu->valuestring, &out->gas_used);
        }
    }
    cJSON_Delete(root);
    return rc;
}

int pk_eth_wait_receipt(pk_eth *eth, const char *tx_hash, unsigned confirmations, long timeout_ms,
                        pk_eth_receipt *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    uint8_t h[32];
    char hs[PK_ETH_HASH_STRLEN], params[96];
    if (pkx_eth_hash_parse(tx_hash, h) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG, "not a transaction hash: \"%.80s\"",
                             tx_hash ? tx_hash : "");
    pkx_eth_hex0x(h, 32, hs);
    snprintf(params, sizeof params, "[\"%s\"]", hs);
    if (confirmations == 0) confirmations = 1;
    if (timeout_ms <= 0) timeout_ms = PK_ETH_RECEIPT_TIMEOUT_MS;
    long long deadline = pkx_now_ms() + timeout_ms;
    for (;;) {
        int f = out->tx_hash[0] ? 1 : receipt_once(eth, params, out, err);
        if (f < 0) return -1;
        if (f == 1) {
            if (confirmations <= 1) return 0;
            uint64_t head;
            if (pk_eth_block_number(eth, &head, err) != 0) {
                pk_eth_receipt_free(out);
                return -1;
            }
            if (head >= out->block_number && head - out->block_number + 1 >= confirmations)
                return 0;
        }
        long long left = deadline - pkx_now_ms();
        if (left <= 0) {
            bool mined = out->tx_hash[0] != 0;
            pk_eth_receipt_free(out);
            return pkx_eth_failf(
                err, eth, PK_ERR_TIMEOUT,
                mined ? "transaction %s was mined but did not reach %u confirmations "
                        "within %ld ms"
                      : "transaction %s was not mined within %u confirmation(s) and "
                        "%ld ms — it may still be pending; run apply again later and "
                        "it will be found on-chain instead of sent twice",
                hs, confirmations, timeout_ms);
        }
        long nap = pkx_eth_poll_ms(eth) < left ? pkx_eth_poll_ms(eth) : (long)left;
        if (pkx_sleep_cancellable(nap, pkx_eth_cancel(eth)) != 0) {
            pk_eth_receipt_free(out);
            return pkx_eth_failf(err, eth, PK_ERR_CANCELLED, "cancelled while waiting for %s", hs);
        }
    }
}

/* ---- log search --------------------------------------------------------------------------------- */

void pk_eth_log_range_text(const pk_eth_log_result *r, char *out, size_t len)
{
    if (r->searched_from > r->searched_to)
        snprintf(out, len, "no blocks (the search ended before its first window)");
    else
        snprintf(out, len,
                 "blocks %" PRIu64 "..%" PRIu64 " (newest first, %s, %u eth_getLogs "
                 "call%s, last window %" PRIu64 " blocks)",
                 r->searched_from, r->searched_to,
                 r->complete ? "complete" : "cut short by the search deadline", r->requests,
                 r->requests == 1 ? "" : "s", r->last_span);
}

/* A refusal that a narrower window may avoid: the node's words for a range or result limit (every
 * provider words it differently, so any JSON-RPC error but "no such method"), an answer too large
 * to take, a node that timed out on the query, or an HTTP 413/5xx. */
static bool narrower_may_help(const pk_error *e)
{
    if (e->kind == PK_ERR_RPC)
        return !pkx_eth_contains_ci(e->message, "method not found") &&
               !pkx_eth_contains_ci(e->message, "not supported") &&
               !pkx_eth_contains_ci(e->message, "does not exist");
    if (e->kind == PK_ERR_DECODE) return pkx_eth_contains_ci(e->message, "larger than");
    if (e->kind == PK_ERR_HTTP) return e->http_status == 413 || e->http_status >= 500;
    return e->kind == PK_ERR_TIMEOUT;
}

/* One eth_getLogs window [from, to]: the logs of s->address whose topic0 is in the set, handed to
 * on_window. Its 0/1/-1, or -1 when the node refuses or answers nonsense. */
static int scan_window(pk_eth *eth, const pkx_eth_log_scan *s, uint64_t from, uint64_t to,
                       pk_eth_log_result *out, pk_error *err)
{
    char params[1024], topics[8 * 70 + 8] = "";
    size_t k = 0;
    for (size_t i = 0; i < s->n_topic0s; i++) {
        char t[PK_ETH_HASH_STRLEN];
        pkx_eth_hex0x(s->topic0s[i], 32, t);
        k += (size_t)snprintf(topics + k, sizeof topics - k, "%s\"%s\"", i ? "," : "", t);
    }
    snprintf(params, sizeof params,
             "[{\"address\":\"%s\",\"topics\":[%s%s%s],\"fromBlock\":\"0x%" PRIx64
             "\",\"toBlock\":\"0x%" PRIx64 "\"}]",
             s->address, s->n_topic0s > 1 ? "[" : "", topics, s->n_topic0s > 1 ? "]" : "", from,
             to);
    cJSON *root;
    const cJSON *r;
    out->requests++;
    if (pkx_eth_rpc(eth, "eth_getLogs", params, true, &root, &r, err) != 0) return -1;
    pk_eth_log *logs = NULL;
    size_t n = 0;
    int rc = 0;
    if (!cJSON_IsArray(r) || pkx_eth_parse_logs(r, &logs, &n) != 0) {
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "eth_getLogs: result is not a list of logs");
    } else {
        /* A node may answer more than was asked: keep only what the filter names. */
        uint8_t want_addr[20];
        pk_eth_address_parse(s->address, want_addr);
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            bool ok = memcmp(logs[i].address, want_addr, 20) == 0 && logs[i].n_topics >= 1;
            bool topic = false;
            for (size_t t = 0; ok && t < s->n_topic0s && !topic; t++)
                topic = memcmp(logs[i].topics[0], s->topic0s[t], 32) == 0;
            if (ok && topic) {
                pk_eth_log tmp = logs[kept];
                logs[kept++] = logs[i];
                logs[i] = tmp;
            }
        }
        rc = s->on_window(s->user, logs, kept, err);
    }
    pkx_eth_logs_free(logs, n);
    cJSON_Delete(root);
    return rc;
}

int pkx_eth_scan_logs(pk_eth *eth, const pkx_eth_log_scan *s, pk_eth_log_result *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    if (s->n_topic0s < 1 || s->n_topic0s > 8)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG, "a log search needs 1..8 topics");
    long long deadline =
        pkx_now_ms() + (s->deadline_ms > 0 ? s->deadline_ms : PK_ETH_LOG_DEADLINE_DEFAULT);
    uint64_t head = s->head;
    uint64_t span = s->span ? s->span : PK_ETH_LOG_SPAN_DEFAULT;
    uint64_t lowest = s->lowest > head ? head : s->lowest;
    uint64_t to = head;
    out->searched_to = head;
    out->searched_from = head + 1; /* from > to: nothing searched yet */
    for (;;) {
        out->last_span = span;
        if (pkx_now_ms() >= deadline) return 0; /* cut short: complete stays false */
        uint64_t from = to - lowest + 1 > span ? to - span + 1 : lowest;
        int w = scan_window(eth, s, from, to, out, err);
        if (w < 0) {
            if (err && err->kind == PK_ERR_CANCELLED) return -1;
            if (err && narrower_may_help(err) && to > from) {
                span = (to - from + 1) / 2; /* the same top, half as deep */
                pkx_eth_logf(eth,
                             "eth_getLogs %" PRIu64 "..%" PRIu64 " refused: trying %" PRIu64
                             "-block windows",
                             from, to, span);
                pkx_error_reset(err);
                continue;
            }
            char range[200], node[600];
            pk_eth_log_range_text(out, range, sizeof range);
            snprintf(node, sizeof node, "%s", err && err->message ? err->message : "");
            return pkx_eth_failf(err, eth, err ? err->kind : PK_ERR_RPC,
                                 "%s (window %" PRIu64 "..%" PRIu64 " refused; searched %s)", node,
                                 from, to, range);
        }
        out->searched_from = from;
        if (w == 1 || from == lowest) {
            out->complete = true;
            return 0;
        }
        to = from - 1;
    }
}

/* pk_eth_find_log's window: the newest log whose data is the wanted word ends the search. */
typedef struct find_ctx {
    const uint8_t *want;
    pk_eth_log_result *out;
} find_ctx;

static int find_window(void *user, const pk_eth_log *logs, size_t n, pk_error *err)
{
    (void)err;
    find_ctx *f = user;
    int rc = 0;
    /* Logs come oldest first: the last match is the newest (a hash removed and added again is
     * allowed by its latest add). */
    for (size_t i = 0; i < n; i++) {
        const pk_eth_log *l = &logs[i];
        if (l->data_len != 32 || memcmp(l->data, f->want, 32) != 0 || !l->tx_hash[0]) continue;
        rc = 1;
        f->out->found = true;
        memcpy(f->out->tx_hash, l->tx_hash, PK_ETH_HASH_STRLEN);
        f->out->block_number = l->block_number;
    }
    return rc;
}

int pk_eth_find_log(pk_eth *eth, const pk_eth_log_query *q, pk_eth_log_result *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    out->searched_from = 1; /* from > to: nothing searched yet */
    char addr[PK_ETH_ADDRESS_STRLEN];
    uint8_t want[32], t[1][32];
    if (!q || pkx_eth_check_address(eth, q->address, addr, err) != 0) return -1;
    if (pkx_eth_hash_parse(q->topic0, t[0]) != 0 || pkx_eth_hash_parse(q->data_hex, want) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                             "a log search needs a 32-byte topic and data word (64 hex digits)");
    uint64_t head;
    if (pk_eth_block_number(eth, &head, err) != 0) return -1;
    pk_eth_log_result r;
    find_ctx f = {want, &r};
    pkx_eth_log_scan s = {.address = addr,
                          .topic0s = (const uint8_t(*)[32])t,
                          .n_topic0s = 1,
                          .lowest = q->lowest_block,
                          .head = head,
                          .span = q->span,
                          .deadline_ms = q->deadline_ms,
                          .on_window = find_window,
                          .user = &f};
    /* scan fills progress into r after zeroing it; found/tx_hash/block_number are set by the
     * window callback on the same struct. */
    int rc = pkx_eth_scan_logs(eth, &s, &r, err);
    *out = r;
    return rc;
}

int pk_eth_find_compose_hash_tx(pk_eth *eth, const char *app, const char *hash_hex, bool *found,
                                char tx_hash[PK_ETH_HASH_STRLEN], uint64_t *block_number,
                                pk_error *err)
{
    *found = false;
    pk_eth_log_query q = {
        .address = app, .topic0 = PK_ETH_TOPIC_COMPOSE_HASH_ADDED, .data_hex = hash_hex};
    pk_eth_log_result r;
    if (pk_eth_find_log(eth, &q, &r, err) != 0) return -1;
    if (r.found) {
        *found = true;
        memcpy(tx_hash, r.tx_hash, PK_ETH_HASH_STRLEN);
        if (block_number) *block_number = r.block_number;
    }
    return 0;
}

/* True when the receipt holds ComposeHashAdded(hash) emitted by app. */
bool pkx_eth_receipt_has_compose_log(const pk_eth_receipt *rc, const uint8_t app[20],
                                     const uint8_t hash[32])
{
    uint8_t topic[32];
    pkx_eth_hash_parse(PK_ETH_TOPIC_COMPOSE_HASH_ADDED, topic);
    for (size_t i = 0; i < rc->n_logs; i++) {
        const pk_eth_log *l = &rc->logs[i];
        if (memcmp(l->address, app, 20) == 0 && l->n_topics >= 1 &&
            memcmp(l->topics[0], topic, 32) == 0 && l->data_len == 32 &&
            memcmp(l->data, hash, 32) == 0)
            return true;
    }
    return false;
}

int pk_eth_tx_registers(pk_eth *eth, const char *tx_hash, const char *app, const char *hash_hex,
                        bool *registers, uint64_t *block_number, pk_error *err)
{
    uint8_t t[32], a[20], h[32];
    char params[96], ts[PK_ETH_HASH_STRLEN];
    *registers = false;
    if (pkx_eth_hash_parse(tx_hash, t) != 0)
        return pkx_eth_failf(
            err, eth, PK_ERR_INVALID_ARG,
            "transaction hash \"%.80s\" is not 32 bytes of hex (64 digits, optional 0x)",
            tx_hash ? tx_hash : "");
    if (pk_eth_address_parse(app, a) != 0 || pkx_eth_hash_parse(hash_hex, h) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                             "bad app contract address or compose hash");
    pkx_eth_hex0x(t, 32, ts);
    snprintf(params, sizeof params, "[\"%s\"]", ts);
    pk_eth_receipt rc = {0};
    int f = receipt_once(eth, params, &rc, err);
    if (f < 0) return -1;
    if (f == 1) {
        *registers = rc.status_ok && pkx_eth_receipt_has_compose_log(&rc, a, h);
        if (block_number) *block_number = rc.block_number;
    }
    pk_eth_receipt_free(&rc);
    return 0;
}
