/* eth_rpc.c — the Ethereum JSON-RPC client: POST over libcurl (TLS verified, no redirects, http only
 * to loopback, cancellable within 25 ms), strict hex decoding, JSON-RPC errors turned into sentences
 * (revert reasons decoded), and the reads and waits registration needs. Logs name the host only. */
#include "eth/eth_priv.h"
#include "common/pkx_clock.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"
#include "net/pkx_curl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ETH_BODY_MAX        (16u * 1024u * 1024u) /* a getLogs answer from block 0 can be large */
#define ETH_READ_RETRY      2 /* extra attempts for reads after a network error, 429 or 5xx */
#define ETH_REASON_MAX      256
#define ETH_DEFAULT_POLL_MS 1000L

struct pk_eth {
    char *url;
    char *host;
    long timeout_ms;
    long poll_ms;
    pk_cancel *cancel;
    pk_log_fn log_fn;
    void *log_user;
    atomic_uint_fast64_t next_id;
};

/* ---- errors ------------------------------------------------------------------------------------- */

/* Transport errors get their own sentence: errors.c's speaks of the Phala Cloud API. */
static void humanize(pk_error *err, const pk_eth *eth)
{
    if (!err) return;
    const char *m = err->message ? err->message : "";
    const char *h = eth && eth->host ? eth->host : "the Ethereum RPC endpoint";
    char line[1400];
    switch (err->kind) {
    case PK_ERR_NETWORK:
        snprintf(line, sizeof line,
                 "could not reach the Ethereum RPC endpoint %s: %s — check the rpc url and the "
                 "network",
                 h, m);
        break;
    case PK_ERR_TIMEOUT:
        snprintf(line, sizeof line, "the Ethereum RPC endpoint %s did not answer in time: %s", h,
                 m);
        break;
    case PK_ERR_TLS:
        snprintf(line, sizeof line,
                 "TLS verification failed for the Ethereum RPC endpoint %s: %s — the certificate "
                 "must be valid",
                 h, m);
        break;
    case PK_ERR_CANCELLED:
        snprintf(line, sizeof line, "the on-chain operation was cancelled");
        break;
    case PK_ERR_CONFIG:
        snprintf(line, sizeof line, "invalid Ethereum RPC configuration: %s", m);
        break;
    case PK_ERR_DECODE:
        snprintf(line, sizeof line, "unexpected answer from the Ethereum RPC endpoint %s: %s", h,
                 m);
        break;
    default:
        return;
    }
    char *dup = pkx_strdup(line);
    if (!dup) return;
    free(err->human);
    err->human = dup;
}

static int eth_fail(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int eth_fail(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *fmt, ...)
{
    if (!err) return -1;
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    pkx_error_set(err, kind, "%s", tmp);
    humanize(err, eth);
    return -1;
}

/* ---- hex values --------------------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int pkx_eth_quantity(const char *s, uint64_t *out)
{
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2]) return -1;
    uint64_t v = 0;
    for (const char *p = s + 2; *p; p++) {
        int d = hexval((unsigned char)*p);
        if (d < 0 || v > (UINT64_MAX >> 4)) return -1;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int pkx_eth_quantity256(const char *s, uint8_t out[32])
{
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2]) return -1;
    const char *p = s + 2;
    while (*p == '0' && p[1]) p++; /* tolerated leading zeros */
    size_t n = strlen(p);
    if (n > 64) return -1;
    memset(out, 0, 32);
    for (size_t i = 0; i < n; i++) {
        int d = hexval((unsigned char)p[n - 1 - i]);
        if (d < 0) return -1;
        out[31 - i / 2] |= (uint8_t)(d << (4 * (i & 1)));
    }
    return 0;
}

int pkx_eth_data(const char *s, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
    size_t n = strlen(s + 2);
    if (n % 2) return -1;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b) return -1;
    size_t got = 0;
    if (n && pk_hex_decode(s + 2, n, b, n / 2, &got) != 0) {
        free(b);
        return -1;
    }
    *out = b;
    *len = got;
    return 0;
}

/* ---- revert reasons ----------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t selector_of(const char *signature)
{
    uint8_t h[32];
    pk_keccak256(signature, strlen(signature), h);
    return be32(h);
}

/* An ABI word that must hold a small number (offset or length). */
static bool abi_small(const uint8_t *w, size_t *out)
{
    for (int i = 0; i < 24; i++)
        if (w[i]) return false;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = (v << 8) | w[i];
    if (v > SIZE_MAX / 2) return false;
    *out = (size_t)v;
    return true;
}

static char *printable(const uint8_t *s, size_t n)
{
    if (n > ETH_REASON_MAX) n = ETH_REASON_MAX;
    char *o = malloc(n + 1);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) o[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    o[n] = '\0';
    return o;
}

char *pkx_eth_revert_reason(const uint8_t *data, size_t len)
{
    if (!data || len < 4) return NULL;
    uint32_t sel = be32(data);
    const uint8_t *a = data + 4;
    size_t alen = len - 4;
    char buf[160];
    if (sel == 0x08c379a0u) { /* Error(string) */
        size_t off, n;
        if (alen < 64 || !abi_small(a, &off) || off > alen - 32 || !abi_small(a + off, &n) ||
            n > alen - off - 32)
            return NULL;
        return printable(a + off + 32, n);
    }
    if (sel == 0x4e487b71u && alen >= 32) { /* Panic(uint256) */
        snprintf(buf, sizeof buf, "panic 0x%02x (assertion or arithmetic failure)", a[31]);
        return pkx_strdup(buf);
    }
    if (alen >= 32 && sel == selector_of("OwnableUnauthorizedAccount(address)")) {
        char addr[PK_ETH_ADDRESS_STRLEN];
        pkx_eth_hex0x(a + 12, 20, addr);
        snprintf(buf, sizeof buf, "OwnableUnauthorizedAccount(%s): the caller is not the owner",
                 addr);
        return pkx_strdup(buf);
    }
    return NULL;
}

/* Revert data may sit in error.data as a hex string, or (ganache) in error.data.result / .data. */
static const char *revert_hex(const cJSON *data)
{
    if (cJSON_IsString(data)) return data->valuestring;
    if (cJSON_IsObject(data)) {
        const char *keys[] = {"result", "data", NULL};
        for (int i = 0; keys[i]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, keys[i]);
            if (cJSON_IsString(v)) return v->valuestring;
        }
    }
    return NULL;
}

/* ---- JSON-RPC answers --------------------------------------------------------------------------- */

static bool contains_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int rpc_error(const cJSON *e, const char *method, pk_error *err)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(e, "data");
    long c = cJSON_IsNumber(code) ? (long)code->valuedouble : 0;
    char *m = cJSON_IsString(msg)
                  ? printable((const uint8_t *)msg->valuestring, strlen(msg->valuestring))
                  : pkx_strdup("(no message)");
    char *reason = NULL;
    const char *rh = revert_hex(data);
    if (rh) {
        uint8_t *rd;
        size_t rl;
        if (pkx_eth_data(rh, &rd, &rl) == 0) {
            reason = pkx_eth_revert_reason(rd, rl);
            free(rd);
        }
    }
    const char *hint = "";
    if (contains_ci(m, "nonce too low") || contains_ci(m, "nonce is too low"))
        hint = " — another transaction from this account got that nonce first; run apply again";
    else if (contains_ci(m, "insufficient funds"))
        hint = " — the signing account cannot pay for gas; send it some ETH on this chain";
    else if (contains_ci(m, "replacement transaction underpriced"))
        hint = " — a transaction with the same nonce is pending; wait for it and run apply again";
    if (reason)
        pkx_error_set(err, PK_ERR_RPC,
                      "the Ethereum node rejected %s: execution reverted: %s (%s, code %ld)",
                      method, reason, m ? m : "", c);
    else
        pkx_error_set(err, PK_ERR_RPC, "the Ethereum node rejected %s: %s (code %ld)%s", method,
                      m ? m : "", c, hint);
    free(m);
    free(reason);
    return -1;
}

int pkx_eth_rpc_result(const char *body, size_t len, const char *method, cJSON **root,
                       const cJSON **result, pk_error *err)
{
    *root = NULL;
    *result = NULL;
    cJSON *doc = (body && len) ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return pkx_error_set(err, PK_ERR_DECODE, "%s: the answer is not a JSON-RPC object", method);
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    if (e && !cJSON_IsNull(e)) {
        if (cJSON_IsObject(e))
            rpc_error(e, method, err);
        else
            pkx_error_set(err, PK_ERR_RPC, "the Ethereum node rejected %s", method);
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "result");
    if (!r) {
        cJSON_Delete(doc);
        return pkx_error_set(err, PK_ERR_DECODE, "%s: the answer has neither result nor error",
                             method);
    }
    *root = doc;
    *result = r;
    return 0;
}

/* ---- transport ---------------------------------------------------------------------------------- */

typedef struct xfer {
    const pk_eth *eth;
    long long deadline;
    pkx_body body;
} xfer;

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    xfer *x = user;
    return (pk_cancel_requested(x->eth->cancel) || pkx_now_ms() >= x->deadline) ? 1 : 0;
}

/* One POST. 0 = an HTTP answer (status, body); -1 = transport error in err. */
static int post_once(const pk_eth *eth, const char *json, int *status, char **body, size_t *len,
                     pk_error *err)
{
    xfer x = {
        .eth = eth, .deadline = pkx_now_ms() + eth->timeout_ms, .body = {.max = ETH_BODY_MAX}};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *hdr2 = hdr ? curl_slist_append(hdr, "Accept: application/json") : NULL;
    CURL *h = hdr2 ? pkx_curl_easy(eth->url, eth->timeout_ms,
                                   eth->timeout_ms < 10000 ? eth->timeout_ms : 10000L)
                   : NULL;
    if (!h) {
        curl_slist_free_all(hdr2 ? hdr2 : hdr);
        return pkx_error_set(err, PK_ERR_NOMEM, "could not create a libcurl handle");
    }
    curl_easy_setopt(h, CURLOPT_USERAGENT, "terraform-provider-phala/" PHALAKMS_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr2);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, pkx_body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x.body);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

    bool cancelled, expired;
    long st;
    /* no own deadline: CURLOPT_TIMEOUT and the progress callback bound one exchange */
    CURLcode rc = pkx_curl_perform(h, eth->cancel, 0, &cancelled, &expired, &st);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr2);

    int ret = -1;
    if (cancelled || pk_cancel_requested(eth->cancel)) {
        pkx_error_set(err, PK_ERR_CANCELLED, "cancelled");
    } else if (rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_OPERATION_TIMEDOUT) {
        pkx_error_set(err, PK_ERR_TIMEOUT, "no complete answer within %ld ms", eth->timeout_ms);
    } else if (rc == CURLE_WRITE_ERROR && x.body.too_big) {
        pkx_error_set(err, PK_ERR_DECODE, "answer larger than %u bytes", ETH_BODY_MAX);
    } else if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
               rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM) {
        pkx_error_set(err, PK_ERR_TLS, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (rc != CURLE_OK) {
        /* errbuf never holds the URL path, only host/port, so a key in the path stays private. */
        pkx_error_set(err, PK_ERR_NETWORK, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else {
        *status = (int)st;
        *body = x.body.data;
        *len = x.body.len;
        x.body.data = NULL;
        ret = 0;
    }
    free(x.body.data);
    if (ret != 0) humanize(err, eth);
    return ret;
}

static void log_rpc(const pk_eth *eth, const char *method, const char *outcome, long long ms,
                    int attempt)
{
    if (!eth->log_fn) return;
    char line[256];
    snprintf(line, sizeof line, "eth %s %s -> %s (%lld ms, attempt %d)", eth->host, method, outcome,
             ms, attempt);
    eth->log_fn(eth->log_user, line);
}

/* Calls method with params (a JSON array text). Reads (idempotent) are retried after network
 * errors, timeouts, 429 and 5xx; sends are not. */
static int rpc(pk_eth *eth, const char *method, const char *params, bool idempotent, cJSON **root,
               const cJSON **result, pk_error *err)
{
    *root = NULL;
    *result = NULL;
    if (!pkx_curl_share())
        return eth_fail(err, eth, PK_ERR_NETWORK, "libcurl could not be initialised");
    uint64_t id = atomic_fetch_add(&eth->next_id, 1);
    size_t jl = strlen(method) + strlen(params) + 96;
    char *json = malloc(jl);
    if (!json) return eth_fail(err, eth, PK_ERR_NOMEM, "out of memory");
    snprintf(json, jl, "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"%s\",\"params\":%s}",
             id, method, params);
    int rc = -1;
    for (int attempt = 1;; attempt++) {
        if (pk_cancel_requested(eth->cancel)) {
            eth_fail(err, eth, PK_ERR_CANCELLED, "cancelled");
            break;
        }
        long long t0 = pkx_now_ms();
        int status = 0;
        char *body = NULL;
        size_t len = 0;
        bool retryable = false;
        if (post_once(eth, json, &status, &body, &len, err) != 0) {
            log_rpc(eth, method, pk_error_kind_name(err->kind), pkx_now_ms() - t0, attempt);
            retryable = idempotent && (err->kind == PK_ERR_NETWORK || err->kind == PK_ERR_TIMEOUT);
        } else if (status < 200 || status > 299) {
            /* Some nodes send JSON-RPC errors with HTTP 4xx/5xx: prefer their words. */
            if (pkx_eth_rpc_result(body, len, method, root, result, err) == 0 ||
                err->kind != PK_ERR_RPC) {
                cJSON_Delete(*root);
                *root = NULL;
                pkx_error_set(err, PK_ERR_HTTP,
                              "the Ethereum RPC endpoint %s answered HTTP %d to %s", eth->host,
                              status, method);
            }
            err->http_status = status;
            log_rpc(eth, method, "http error", pkx_now_ms() - t0, attempt);
            retryable = idempotent && (status == 429 || status >= 500);
        } else {
            rc = pkx_eth_rpc_result(body, len, method, root, result, err);
            log_rpc(eth, method, rc == 0 ? "ok" : pk_error_kind_name(err->kind), pkx_now_ms() - t0,
                    attempt);
            if (rc != 0) humanize(err, eth);
        }
        free(body);
        if (rc == 0 || !retryable || attempt > ETH_READ_RETRY) break;
        if (pkx_sleep_cancellable(500L * attempt, eth->cancel) != 0) {
            eth_fail(err, eth, PK_ERR_CANCELLED, "cancelled");
            break;
        }
    }
    free(json);
    return rc;
}

/* ---- client ------------------------------------------------------------------------------------- */

static int url_check(const char *url, char **host_out, pk_error *err)
{
    if (pkx_url_check(url, "the RPC url", host_out, err) != 0) {
        humanize(err, NULL);
        return -1;
    }
    return 0;
}

int pk_eth_new(const pk_eth_config *cfg, pk_eth **out, pk_error *err)
{
    *out = NULL;
    if (err) pkx_error_reset(err);
    if (!cfg || !cfg->rpc_url || !cfg->rpc_url[0])
        return eth_fail(err, NULL, PK_ERR_CONFIG, "no Ethereum RPC url configured");
    pk_eth *e = calloc(1, sizeof *e);
    if (!e) return eth_fail(err, NULL, PK_ERR_NOMEM, "out of memory");
    if (url_check(cfg->rpc_url, &e->host, err) != 0) {
        free(e);
        return -1;
    }
    e->url = pkx_strdup(cfg->rpc_url);
    if (!e->url) {
        pk_eth_free(e);
        return eth_fail(err, NULL, PK_ERR_NOMEM, "out of memory");
    }
    e->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : PK_ETH_DEFAULT_TIMEOUT_MS;
    e->poll_ms = cfg->poll_interval_ms > 0 ? cfg->poll_interval_ms : ETH_DEFAULT_POLL_MS;
    e->cancel = cfg->cancel;
    e->log_fn = cfg->log_fn;
    e->log_user = cfg->log_user;
    atomic_init(&e->next_id, 1);
    *out = e;
    return 0;
}

void pk_eth_free(pk_eth *eth)
{
    if (!eth) return;
    free(eth->url);
    free(eth->host);
    free(eth);
}

long pkx_eth_poll_ms(const pk_eth *eth)
{
    return eth->poll_ms;
}

const pk_cancel *pkx_eth_cancel(const pk_eth *eth)
{
    return eth->cancel;
}

int pkx_eth_fail(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *msg)
{
    return eth_fail(err, eth, kind, "%s", msg);
}

/* ---- reads -------------------------------------------------------------------------------------- */

static int quantity_result(pk_eth *eth, const char *method, const char *params, uint64_t *out,
                           pk_error *err)
{
    cJSON *root;
    const cJSON *r;
    if (rpc(eth, method, params, true, &root, &r, err) != 0) return -1;
    int rc = 0;
    if (!cJSON_IsString(r) || pkx_eth_quantity(r->valuestring, out) != 0)
        rc = eth_fail(err, eth, PK_ERR_DECODE, "%s: result is not a hex quantity", method);
    cJSON_Delete(root);
    return rc;
}

static int check_address(pk_eth *eth, const char *addr, char norm[PK_ETH_ADDRESS_STRLEN],
                         pk_error *err)
{
    uint8_t a[20];
    if (pk_eth_address_parse(addr, a) != 0)
        return eth_fail(err, eth, PK_ERR_INVALID_ARG,
                        "\"%.60s\" is not an Ethereum address (40 hex digits, optional 0x)",
                        addr ? addr : "");
    pkx_eth_hex0x(a, 20, norm);
    return 0;
}

int pk_eth_chain_id(pk_eth *eth, uint64_t *out, pk_error *err)
{
    return quantity_result(eth, "eth_chainId", "[]", out, err);
}

int pk_eth_block_number(pk_eth *eth, uint64_t *out, pk_error *err)
{
    return quantity_result(eth, "eth_blockNumber", "[]", out, err);
}

int pk_eth_nonce(pk_eth *eth, const char *address, bool pending, uint64_t *out, pk_error *err)
{
    char a[PK_ETH_ADDRESS_STRLEN], params[96];
    if (check_address(eth, address, a, err) != 0) return -1;
    snprintf(params, sizeof params, "[\"%s\",\"%s\"]", a, pending ? "pending" : "latest");
    return quantity_result(eth, "eth_getTransactionCount", params, out, err);
}

int pk_eth_balance(pk_eth *eth, const char *address, uint8_t wei[32], pk_error *err)
{
    char a[PK_ETH_ADDRESS_STRLEN], params[96];
    if (check_address(eth, address, a, err) != 0) return -1;
    snprintf(params, sizeof params, "[\"%s\",\"latest\"]", a);
    cJSON *root;
    const cJSON *r;
    if (rpc(eth, "eth_getBalance", params, true, &root, &r, err) != 0) return -1;
    int rc = 0;
    if (!cJSON_IsString(r) || pkx_eth_quantity256(r->valuestring, wei) != 0)
        rc = eth_fail(err, eth, PK_ERR_DECODE, "eth_getBalance: result is not a hex quantity");
    cJSON_Delete(root);
    return rc;
}

/* {"from"?, "to", "data"} as JSON text; malloc'd. */
static char *call_object(const char *from, const char *to, const uint8_t *data, size_t len)
{
    size_t n = 2 * len + 200;
    char *s = malloc(n);
    if (!s) return NULL;
    int k = snprintf(s, n, "{%s%s%s\"to\":\"%s\",\"data\":\"0x", from ? "\"from\":\"" : "",
                     from ? from : "", from ? "\"," : "", to);
    pk_hex_encode(data, len, s + k, n - (size_t)k);
    strcat(s, "\"}");
    return s;
}

int pk_eth_call(pk_eth *eth, const char *to, const uint8_t *data, size_t len, uint8_t **out,
                size_t *out_len, pk_error *err)
{
    char t[PK_ETH_ADDRESS_STRLEN];
    *out = NULL;
    *out_len = 0;
    if (check_address(eth, to, t, err) != 0) return -1;
    char *obj = call_object(NULL, t, data, len);
    char *params = obj ? malloc(strlen(obj) + 16) : NULL;
    if (!params) {
        free(obj);
        return eth_fail(err, eth, PK_ERR_NOMEM, "out of memory");
    }
    sprintf(params, "[%s,\"latest\"]", obj);
    free(obj);
    cJSON *root;
    const cJSON *r;
    int rc = rpc(eth, "eth_call", params, true, &root, &r, err);
    free(params);
    if (rc != 0) return -1;
    if (!cJSON_IsString(r) || pkx_eth_data(r->valuestring, out, out_len) != 0)
        rc = eth_fail(err, eth, PK_ERR_DECODE, "eth_call: result is not hex data");
    cJSON_Delete(root);
    return rc;
}

int pk_eth_estimate_gas(pk_eth *eth, const char *from, const char *to, const uint8_t *data,
                        size_t len, uint64_t *out, pk_error *err)
{
    char f[PK_ETH_ADDRESS_STRLEN], t[PK_ETH_ADDRESS_STRLEN];
    if (check_address(eth, from, f, err) != 0 || check_address(eth, to, t, err) != 0) return -1;
    char *obj = call_object(f, t, data, len);
    char *params = obj ? malloc(strlen(obj) + 8) : NULL;
    if (!params) {
        free(obj);
        return eth_fail(err, eth, PK_ERR_NOMEM, "out of memory");
    }
    sprintf(params, "[%s]", obj);
    free(obj);
    int rc = quantity_result(eth, "eth_estimateGas", params, out, err);
    free(params);
    return rc;
}

int pk_eth_fees_fetch(pk_eth *eth, pk_eth_fees *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root;
    const cJSON *blk;
    if (rpc(eth, "eth_getBlockByNumber", "[\"latest\",false]", true, &root, &blk, err) != 0)
        return -1;
    const cJSON *bf =
        cJSON_IsObject(blk) ? cJSON_GetObjectItemCaseSensitive(blk, "baseFeePerGas") : NULL;
    int rc = 0;
    if (!cJSON_IsObject(blk)) {
        rc = eth_fail(err, eth, PK_ERR_DECODE, "eth_getBlockByNumber: no latest block");
    } else if (cJSON_IsString(bf)) {
        if (pkx_eth_quantity(bf->valuestring, &out->base_fee_per_gas) != 0)
            rc = eth_fail(err, eth, PK_ERR_DECODE,
                          "eth_getBlockByNumber: baseFeePerGas is not a hex quantity");
        out->eip1559 = true;
    }
    cJSON_Delete(root);
    if (rc != 0) return -1;
    pk_error tmp = {0};
    if (out->eip1559) {
        /* Not every node has eth_maxPriorityFeePerGas; then the tip is what eth_gasPrice adds to
         * the base fee (viem does the same). */
        if (quantity_result(eth, "eth_maxPriorityFeePerGas", "[]", &out->max_priority_fee_per_gas,
                            &tmp) != 0) {
            if (tmp.kind == PK_ERR_CANCELLED) {
                pk_error_clear(&tmp);
                return eth_fail(err, eth, PK_ERR_CANCELLED, "cancelled");
            }
            pk_error_clear(&tmp);
            uint64_t gp;
            if (quantity_result(eth, "eth_gasPrice", "[]", &gp, err) != 0) return -1;
            out->max_priority_fee_per_gas =
                gp > out->base_fee_per_gas ? gp - out->base_fee_per_gas : 0;
        }
        uint64_t b = out->base_fee_per_gas;
        uint64_t two_b = b > UINT64_MAX / 2 ? UINT64_MAX : 2 * b;
        out->max_fee_per_gas = two_b > UINT64_MAX - out->max_priority_fee_per_gas
                                   ? UINT64_MAX
                                   : two_b + out->max_priority_fee_per_gas;
        return 0;
    }
    return quantity_result(eth, "eth_gasPrice", "[]", &out->gas_price, err);
}

int pk_eth_send_raw(pk_eth *eth, const uint8_t *raw, size_t len, char tx_hash[PK_ETH_HASH_STRLEN],
                    pk_error *err)
{
    char *params = malloc(2 * len + 16);
    if (!params) return eth_fail(err, eth, PK_ERR_NOMEM, "out of memory");
    strcpy(params, "[\"0x");
    pk_hex_encode(raw, len, params + 4, 2 * len + 1);
    strcat(params, "\"]");
    uint8_t h[32];
    pk_keccak256(raw, len, h);
    pkx_eth_hex0x(h, 32, tx_hash);
    cJSON *root;
    const cJSON *r;
    int rc = rpc(eth, "eth_sendRawTransaction", params, false, &root, &r, err);
    free(params);
    if (rc != 0) {
        /* The node has this very transaction already (e.g. an earlier attempt whose answer was
         * lost): that is what we wanted. */
        if (err && err->kind == PK_ERR_RPC &&
            (contains_ci(err->message, "already known") ||
             contains_ci(err->message, "known transaction") ||
             contains_ci(err->message, "already imported"))) {
            pk_error_clear(err);
            return 0;
        }
        return -1;
    }
    uint8_t got[32];
    if (!cJSON_IsString(r) || pkx_eth_hash_parse(r->valuestring, got) != 0)
        rc = eth_fail(err, eth, PK_ERR_DECODE, "eth_sendRawTransaction: result is not a hash");
    else if (memcmp(got, h, 32) != 0)
        rc = eth_fail(err, eth, PK_ERR_DECODE,
                      "eth_sendRawTransaction: the node returned %s, not the hash of the "
                      "transaction sent (%s)",
                      r->valuestring, tx_hash);
    cJSON_Delete(root);
    return rc;
}

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

static void logs_free(pk_eth_log *logs, size_t n)
{
    for (size_t i = 0; i < n; i++) free(logs[i].data);
    free(logs);
}

/* Parses a JSON array of logs. */
static int parse_logs(const cJSON *arr, pk_eth_log **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int cnt = cJSON_GetArraySize(arr);
    if (cnt <= 0) return 0;
    pk_eth_log *logs = calloc((size_t)cnt, sizeof *logs);
    if (!logs) return -1;
    size_t k = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, arr)
    {
        if (parse_log(l, &logs[k]) != 0) {
            logs_free(logs, k + 1);
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
    logs_free(r->logs, r->n_logs);
    memset(r, 0, sizeof *r);
}

/* 1 = found (out filled), 0 = not yet, -1 = error. */
static int receipt_once(pk_eth *eth, const char *params, pk_eth_receipt *out, pk_error *err)
{
    cJSON *root;
    const cJSON *r;
    if (rpc(eth, "eth_getTransactionReceipt", params, true, &root, &r, err) != 0) return -1;
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
            parse_logs(cJSON_GetObjectItemCaseSensitive(r, "logs"), &out->logs, &out->n_logs) !=
                0) {
            pk_eth_receipt_free(out);
            rc = eth_fail(err, eth, PK_ERR_DECODE,
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
        return eth_fail(err, eth, PK_ERR_INVALID_ARG, "not a transaction hash: \"%.80s\"",
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
            return eth_fail(err, eth, PK_ERR_TIMEOUT,
                            mined ? "transaction %s was mined but did not reach %u confirmations "
                                    "within %ld ms"
                                  : "transaction %s was not mined within %u confirmation(s) and "
                                    "%ld ms — it may still be pending; run apply again later and "
                                    "it will be found on-chain instead of sent twice",
                            hs, confirmations, timeout_ms);
        }
        long nap = eth->poll_ms < left ? eth->poll_ms : (long)left;
        if (pkx_sleep_cancellable(nap, eth->cancel) != 0) {
            pk_eth_receipt_free(out);
            return eth_fail(err, eth, PK_ERR_CANCELLED, "cancelled while waiting for %s", hs);
        }
    }
}

/* ---- DstackApp reads ---------------------------------------------------------------------------- */

int pk_eth_allowed_compose_hash(pk_eth *eth, const char *app, const char *hash_hex, bool *allowed,
                                pk_error *err)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES], *res;
    size_t rl;
    if (pk_eth_calldata_allowed_compose_hash(hash_hex, cd) != 0)
        return eth_fail(err, eth, PK_ERR_INVALID_ARG,
                        "compose hash must be 64 hex digits (optional 0x)");
    if (pk_eth_call(eth, app, cd, sizeof cd, &res, &rl, err) != 0) return -1;
    int rc = 0;
    if (rl != 32) {
        /* An address without code answers "0x": the app id is not a DstackApp on this chain. */
        rc = eth_fail(err, eth, PK_ERR_DECODE,
                      "allowedComposeHashes(bytes32) on %s returned %zu bytes instead of 32 — is "
                      "it a DstackApp contract on this chain?",
                      app, rl);
    } else {
        bool any = false;
        for (int i = 0; i < 31; i++) any |= res[i] != 0;
        if (any || res[31] > 1)
            rc = eth_fail(err, eth, PK_ERR_DECODE,
                          "allowedComposeHashes(bytes32) on %s did not return a bool", app);
        else
            *allowed = res[31] == 1;
    }
    free(res);
    return rc;
}

int pk_eth_owner(pk_eth *eth, const char *app, char owner[PK_ETH_ADDRESS_STRLEN], pk_error *err)
{
    uint8_t cd[4], *res;
    size_t rl;
    pk_eth_calldata_owner(cd);
    if (pk_eth_call(eth, app, cd, sizeof cd, &res, &rl, err) != 0) return -1;
    int rc = 0;
    bool clean = rl == 32;
    for (size_t i = 0; clean && i < 12; i++) clean = res[i] == 0;
    if (!clean)
        rc = eth_fail(err, eth, PK_ERR_DECODE,
                      "owner() on %s returned %zu bytes instead of an address — is it a DstackApp "
                      "contract on this chain?",
                      app, rl);
    else
        pkx_eth_hex0x(res + 12, 20, owner);
    free(res);
    return rc;
}

int pk_eth_find_compose_hash_tx(pk_eth *eth, const char *app, const char *hash_hex, bool *found,
                                char tx_hash[PK_ETH_HASH_STRLEN], uint64_t *block_number,
                                pk_error *err)
{
    char a[PK_ETH_ADDRESS_STRLEN], params[300];
    uint8_t h[32], topic[32];
    *found = false;
    if (check_address(eth, app, a, err) != 0) return -1;
    if (pkx_eth_hash_parse(hash_hex, h) != 0)
        return eth_fail(err, eth, PK_ERR_INVALID_ARG,
                        "compose hash must be 64 hex digits (optional 0x)");
    pkx_eth_hash_parse(PK_ETH_TOPIC_COMPOSE_HASH_ADDED, topic);
    snprintf(params, sizeof params,
             "[{\"address\":\"%s\",\"topics\":[\"%s\"],\"fromBlock\":\"0x0\",\"toBlock\":"
             "\"latest\"}]",
             a, PK_ETH_TOPIC_COMPOSE_HASH_ADDED);
    cJSON *root;
    const cJSON *r;
    if (rpc(eth, "eth_getLogs", params, true, &root, &r, err) != 0) return -1;
    pk_eth_log *logs = NULL;
    size_t n = 0;
    int rc = 0;
    if (!cJSON_IsArray(r) || parse_logs(r, &logs, &n) != 0) {
        rc = eth_fail(err, eth, PK_ERR_DECODE, "eth_getLogs: result is not a list of logs");
    } else {
        uint8_t want_addr[20];
        pk_eth_address_parse(a, want_addr);
        /* The last match wins: a hash removed and added again is allowed by its latest add. */
        for (size_t i = 0; i < n; i++) {
            const pk_eth_log *l = &logs[i];
            if (memcmp(l->address, want_addr, 20) != 0 || l->n_topics < 1 ||
                memcmp(l->topics[0], topic, 32) != 0 || l->data_len != 32 ||
                memcmp(l->data, h, 32) != 0 || !l->tx_hash[0])
                continue;
            *found = true;
            memcpy(tx_hash, l->tx_hash, PK_ETH_HASH_STRLEN);
            if (block_number) *block_number = l->block_number;
        }
    }
    logs_free(logs, n);
    cJSON_Delete(root);
    return rc;
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
        return eth_fail(
            err, eth, PK_ERR_INVALID_ARG,
            "transaction hash \"%.80s\" is not 32 bytes of hex (64 digits, optional 0x)",
            tx_hash ? tx_hash : "");
    if (pk_eth_address_parse(app, a) != 0 || pkx_eth_hash_parse(hash_hex, h) != 0)
        return eth_fail(err, eth, PK_ERR_INVALID_ARG, "bad app contract address or compose hash");
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
