/* rpc_transport.c — the Ethereum JSON-RPC transport: the pk_eth client, one POST over libcurl (TLS
 * verified, no redirects, http only to loopback, cancellable within 25 ms), the retry of reads, the
 * log line per call (host only: the URL may carry a provider key) and error sentences that speak of
 * the RPC endpoint. */
#include "common/pkx_clock.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"
#include "eth/eth_priv.h"
#include "net/pkx_curl.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_BODY_MAX        (16u * 1024u * 1024u) /* a getLogs answer from block 0 can be large */
#define ETH_READ_RETRY      2 /* extra attempts for reads after a network error, 429 or 5xx */
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
    case PK_ERR_HTTP: /* the message is the sentence; common/errors.c's would speak of the API */
        snprintf(line, sizeof line, "%s", m);
        break;
    default:
        return;
    }
    char *dup = pkx_strdup(line);
    if (!dup) return;
    free(err->human);
    err->human = dup;
}

int pkx_eth_failf(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *fmt, ...)
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

static pkx_eth_fake_fn g_fake;

void pkx_eth_set_fake(pkx_eth_fake_fn answer)
{
    g_fake = answer;
}

/* One POST. 0 = an HTTP answer (status, body); -1 = transport error in err. */
static int post_once(const pk_eth *eth, const char *json, int *status, char **body, size_t *len,
                     pk_error *err)
{
    if (g_fake) { /* fuzzing and unit tests only: the answer without a network */
        *body = g_fake(json, len);
        *status = 200;
        return *body ? 0 : pkx_error_set(err, PK_ERR_NETWORK, "the fake node did not answer");
    }
    xfer x = {
        .eth = eth, .deadline = pkx_now_ms() + eth->timeout_ms, .body = {.max = ETH_BODY_MAX}};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *hdr2 = hdr ? curl_slist_append(hdr, "Accept: application/json") : NULL;
    /* a handle of its own (keep = false): the RPC URL may carry a key, freed with the handle */
    CURL *h = hdr2 ? pkx_curl_easy(eth->url, eth->timeout_ms,
                                   eth->timeout_ms < 10000 ? eth->timeout_ms : 10000L, false)
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
    pkx_curl_easy_release(h);
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
        pkx_error_set(err, PK_ERR_TLS, "%s", pkx_curl_strerror(rc, errbuf));
    } else if (rc != CURLE_OK) {
        /* errbuf never holds the URL path, only host/port, so a key in the path stays private. */
        pkx_error_set(err, PK_ERR_NETWORK, "%s", pkx_curl_strerror(rc, errbuf));
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

void pkx_eth_logf(const pk_eth *eth, const char *fmt, ...)
{
    if (!eth || !eth->log_fn) return;
    char line[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    eth->log_fn(eth->log_user, line);
}

/* Calls method with params (a JSON array text). Reads (idempotent) are retried after network
 * errors, timeouts, 429 and 5xx; sends are not. */
int pkx_eth_rpc(pk_eth *eth, const char *method, const char *params, bool idempotent, cJSON **root,
                const cJSON **result, pk_error *err)
{
    *root = NULL;
    *result = NULL;
    if (!pkx_curl_share())
        return pkx_eth_failf(err, eth, PK_ERR_NETWORK, "libcurl could not be initialised");
    uint64_t id = atomic_fetch_add(&eth->next_id, 1);
    size_t jl = strlen(method) + strlen(params) + 96;
    char *json = malloc(jl);
    if (!json) return pkx_eth_failf(err, eth, PK_ERR_NOMEM, "out of memory");
    snprintf(json, jl, "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"%s\",\"params\":%s}",
             id, method, params);
    int rc = -1;
    for (int attempt = 1;; attempt++) {
        if (pk_cancel_requested(eth->cancel)) {
            pkx_eth_failf(err, eth, PK_ERR_CANCELLED, "cancelled");
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
                humanize(err, eth);
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
            pkx_eth_failf(err, eth, PK_ERR_CANCELLED, "cancelled");
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
        return pkx_eth_failf(err, NULL, PK_ERR_CONFIG, "no Ethereum RPC url configured");
    pk_eth *e = calloc(1, sizeof *e);
    if (!e) return pkx_eth_failf(err, NULL, PK_ERR_NOMEM, "out of memory");
    if (url_check(cfg->rpc_url, &e->host, err) != 0) {
        free(e);
        return -1;
    }
    e->url = pkx_strdup(cfg->rpc_url);
    if (!e->url) {
        pk_eth_free(e);
        return pkx_eth_failf(err, NULL, PK_ERR_NOMEM, "out of memory");
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
