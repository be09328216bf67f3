/* rpc.c — the simulator's Ethereum JSON-RPC client (libcurl, plain HTTP to loopback, short
 * timeouts) and the checks built on it: phase 2 (eth_chainId, eth_getTransactionReceipt with status
 * 0x1 and a ComposeHashAdded(hash) log from 0x<app_id>, eth_call allowedComposeHashes(hash)) and the
 * contract's bool getters the is-allowed check and device allowlist read. */
#include "rpc.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RPC_CONNECT_TIMEOUT_MS 2000L
#define RPC_TIMEOUT_MS         5000L
#define RPC_MAX_RESPONSE       (4u * 1024u * 1024u)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct buf {
    char *p;
    size_t n;
    bool overflow;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    struct buf *b = ud;
    size_t len = size * nmemb;
    if (b->n + len > RPC_MAX_RESPONSE) {
        b->overflow = true;
        return 0; /* aborts the transfer */
    }
    char *p = realloc(b->p, b->n + len + 1);
    if (!p) return 0;
    memcpy(p + b->n, data, len);
    b->n += len;
    p[b->n] = '\0';
    b->p = p;
    return len;
}

static void fmt(char *msg, size_t msglen, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(msg, msglen, f, ap);
    va_end(ap);
}

enum rpc_rc { RPC_OK = 0, RPC_UNREACHABLE = -1, RPC_ERROR = -2 };

/* One JSON-RPC call. RPC_OK: *result is the "result" member (caller frees; may be JSON null).
 * RPC_UNREACHABLE: no HTTP answer. RPC_ERROR: an HTTP or JSON-RPC error, or a malformed answer.
 * Takes ownership of params. */
static enum rpc_rc rpc_call(const char *url, const char *method, cJSON *params, cJSON **result,
                            char *err, size_t errlen)
{
    *result = NULL;
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "jsonrpc", "2.0");
    cJSON_AddNumberToObject(req, "id", 1);
    cJSON_AddStringToObject(req, "method", method);
    cJSON_AddItemToObject(req, "params", params);
    char *body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    if (!body) {
        fmt(err, errlen, "%s: out of memory", method);
        return RPC_ERROR;
    }

    pthread_once(&curl_once, curl_init_once);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct buf b = {0};
    enum rpc_rc rc = RPC_ERROR;
    if (!h || !hdr) {
        fmt(err, errlen, "%s: cannot set up the HTTP client", method);
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*"); /* loopback chain: never through an env proxy */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, RPC_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, RPC_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        if (b.overflow)
            fmt(err, errlen, "%s: response larger than %u bytes", method, RPC_MAX_RESPONSE);
        else {
            fmt(err, errlen, "the chain's JSON-RPC endpoint could not be reached (%s: %s)", method,
                curl_easy_strerror(cc));
            rc = RPC_UNREACHABLE;
        }
        goto out;
    }
    long http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    cJSON *resp = b.p ? cJSON_ParseWithLength(b.p, b.n) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(resp, "error");
    cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
    if (e && !cJSON_IsNull(e)) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        fmt(err, errlen, "%s: JSON-RPC error: %s", method,
            cJSON_IsString(m) ? m->valuestring : "(no message)");
    } else if (http != 200 || !cJSON_IsObject(resp) || !res) {
        fmt(err, errlen, "%s: unexpected answer (HTTP %ld)", method, http);
    } else {
        *result = cJSON_DetachItemViaPointer(resp, res);
        rc = RPC_OK;
    }
    cJSON_Delete(resp);
out:
    free(b.p);
    curl_slist_free_all(hdr);
    if (h) curl_easy_cleanup(h);
    free(body);
    return rc;
}

/* The block the KMS reads at: "latest", or head - lag ("0x…"). *none: the chain is younger than the
 * lag, so nothing registered on it is visible yet. */
static enum rpc_rc block_tag(const char *url, long lag, char tag[24], bool *none, char *err,
                             size_t errlen)
{
    *none = false;
    snprintf(tag, 24, "latest");
    if (lag <= 0) return RPC_OK;
    cJSON *res = NULL;
    enum rpc_rc rc = rpc_call(url, "eth_blockNumber", cJSON_CreateArray(), &res, err, errlen);
    if (rc == RPC_OK) {
        long long head = cJSON_IsString(res) ? strtoll(res->valuestring, NULL, 16) : -1;
        if (head < 0) {
            fmt(err, errlen, "eth_blockNumber: unexpected answer");
            rc = RPC_ERROR;
        } else if (head < lag) {
            *none = true;
        } else {
            snprintf(tag, 24, "0x%llx", head - lag);
        }
    }
    cJSON_Delete(res);
    return rc;
}

static bool str_ieq(const cJSON *v, const char *want)
{
    return cJSON_IsString(v) && strcasecmp(v->valuestring, want) == 0;
}

/* A receipt log equal to ComposeHashAdded(hash) emitted by addr. */
static bool is_registration(const cJSON *log, const char *addr, const char *data)
{
    const cJSON *topics = cJSON_GetObjectItemCaseSensitive(log, "topics");
    return !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(log, "removed")) &&
           str_ieq(cJSON_GetObjectItemCaseSensitive(log, "address"), addr) &&
           cJSON_IsArray(topics) &&
           str_ieq(cJSON_GetArrayItem(topics, 0), SIM_TOPIC_COMPOSE_HASH_ADDED) &&
           str_ieq(cJSON_GetObjectItemCaseSensitive(log, "data"), data);
}

/* ABI bool: exactly one 32-byte word, 0…01. */
static bool abi_true(const cJSON *v)
{
    if (!cJSON_IsString(v) || strlen(v->valuestring) != 66 || strncmp(v->valuestring, "0x", 2))
        return false;
    for (int i = 2; i < 65; i++)
        if (v->valuestring[i] != '0') return false;
    return v->valuestring[65] == '1';
}

int sim_rpc_verify(const char *rpc_url, bool has_chain, long long chain_id, const char *app_id,
                   const char *hash, const char *tx, long lag, char *msg, size_t msglen)
{
    char addr[2 + 40 + 1], data[2 + 64 + 1], err[384];
    snprintf(addr, sizeof addr, "0x%s", app_id);
    snprintf(data, sizeof data, "0x%s", hash);
    cJSON *res = NULL;
    int status = 467;

    if (has_chain) { /* a transaction on another chain does not count */
        if (rpc_call(rpc_url, "eth_chainId", cJSON_CreateArray(), &res, err, sizeof err)) {
            fmt(msg, msglen, "Cannot verify the transaction: %s", err);
            goto out;
        }
        long long got = cJSON_IsString(res) ? strtoll(res->valuestring, NULL, 16) : -1;
        if (got != chain_id) {
            fmt(msg, msglen,
                "Cannot verify the transaction: the RPC endpoint serves chain %lld, "
                "the KMS is on chain %lld",
                got, chain_id);
            goto out;
        }
        cJSON_Delete(res);
        res = NULL;
    }

    cJSON *params = cJSON_CreateArray();
    cJSON_AddItemToArray(params, cJSON_CreateString(tx));
    if (rpc_call(rpc_url, "eth_getTransactionReceipt", params, &res, err, sizeof err)) {
        fmt(msg, msglen, "Cannot verify the transaction: %s", err);
        goto out;
    }
    if (!cJSON_IsObject(res)) {
        fmt(msg, msglen, "Transaction not found");
        goto out;
    }
    if (!str_ieq(cJSON_GetObjectItemCaseSensitive(res, "status"), "0x1")) {
        fmt(msg, msglen, "Transaction failed on chain");
        goto out;
    }
    const cJSON *logs = cJSON_GetObjectItemCaseSensitive(res, "logs"), *entry;
    bool found = false;
    cJSON_ArrayForEach(entry, logs) found = found || is_registration(entry, addr, data);
    if (!found) {
        fmt(msg, msglen, "Transaction does not register this compose hash on the app contract");
        goto out;
    }
    cJSON_Delete(res);
    res = NULL;

    char call_data[10 + 64 + 1];
    snprintf(call_data, sizeof call_data, "%s%s", SIM_SEL_ALLOWED_COMPOSE_HASHES, hash);
    bool allowed = false;
    if (sim_rpc_call_bool(rpc_url, app_id, call_data, lag, &allowed, err, sizeof err) != 0) {
        fmt(msg, msglen, "Cannot verify the transaction: %s", err);
        goto out;
    }
    if (!allowed) { /* a revert or a non-contract is "not allowed" too; so is a lagging KMS's view */
        status = 468;
        fmt(msg, msglen, "Compose hash not allowed by the app contract");
        goto out;
    }
    status = 0;
    msg[0] = '\0';
out:
    cJSON_Delete(res);
    return status;
}

int sim_rpc_call_bool(const char *rpc_url, const char *app_id, const char *calldata, long lag,
                      bool *out, char *msg, size_t msglen)
{
    char addr[2 + 40 + 1], err[384], tag[24];
    bool none = false;
    *out = false;
    if (block_tag(rpc_url, lag, tag, &none, err, sizeof err) != RPC_OK) {
        fmt(msg, msglen, "%s", err);
        return -1;
    }
    if (none) return 0;
    snprintf(addr, sizeof addr, "0x%s", app_id);
    cJSON *params = cJSON_CreateArray();
    cJSON *call = cJSON_CreateObject();
    cJSON_AddStringToObject(call, "to", addr);
    cJSON_AddStringToObject(call, "data", calldata);
    cJSON_AddItemToArray(params, call);
    cJSON_AddItemToArray(params, cJSON_CreateString(tag));
    cJSON *res = NULL;
    enum rpc_rc rc = rpc_call(rpc_url, "eth_call", params, &res, err, sizeof err);
    if (rc == RPC_UNREACHABLE) {
        fmt(msg, msglen, "%s", err);
        cJSON_Delete(res);
        return -1;
    }
    *out = rc == RPC_OK && abi_true(res);
    cJSON_Delete(res);
    return 0;
}
