/* http.c — the API client's transport: each attempt on the thread's easy handle and the shared pool
 * (net/), driven so that cancel and the call deadline are noticed within one short poll, the
 * headers (version, credential, workspace) and the retry loop. Redirects are never followed, TLS
 * is always verified, and the API key or OIDC token only ever lives in the request header list
 * (wiped after use). */
#include "api/pkx_http.h"

#include "api/pkx_client.h"
#include "common/pkx_clock.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"
#include "net/pkx_curl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* No API answer is near this (a page of 100 KMS contracts is ~100 KiB, a compose file a few): a
 * bigger body is refused as it arrives, so memory stays bounded — parsed, it would take several
 * times its size — even with Terraform's 10 reads at once. */
#define PKX_BODY_MAX_MIB 4u
#define PKX_BODY_MAX     (PKX_BODY_MAX_MIB * 1024u * 1024u)
#define PKX_CONNECT_MAX  10000L
/* A write reuses only a connection idle for at most this long (seconds); see attempt_once. */
#define PKX_WRITE_IDLE_MAX_S 2L

int pkx_prefix_check(const char *prefix, char **host_out, pk_error *err)
{
    return pkx_url_check(prefix, "api_prefix", host_out, err);
}

int pkx_path_escape(const char *segment, char *buf, size_t buf_len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!pk_path_segment_valid(segment)) return -1;
    size_t o = strnlen(buf, buf_len);
    if (o >= buf_len) return -1;
    for (const unsigned char *s = (const unsigned char *)segment; *s; s++) {
        bool keep = isalnum(*s) || *s == '-' || *s == '.' || *s == '_' || *s == '~';
        size_t need = keep ? 1 : 3;
        if (o + need + 1 > buf_len) return -1;
        if (keep) {
            buf[o++] = (char)*s;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[*s >> 4];
            buf[o++] = hex[*s & 15];
        }
    }
    buf[o] = '\0';
    return 0;
}

/* ---- one attempt ------------------------------------------------------------------------------ */

typedef struct attempt {
    const pk_client *c;
    long long deadline;
    pkx_body body;
    char *request_id;
    char *retry_after;
    bool write;          /* not a GET: never sent twice by libcurl */
    int sends;           /* times libcurl was about to send the request (pre-request callback) */
    bool resend_refused; /* a write libcurl wanted to send again was stopped */
} attempt;

static char *header_value(const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return NULL;
    const char *v = line + nl + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    return pkx_strndup(v, (size_t)(end - v));
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
    attempt *a = user;
    size_t n = size * nmemb;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after 1xx): forget the previous one's headers. */
        free(a->request_id);
        free(a->retry_after);
        a->request_id = a->retry_after = NULL;
        return n;
    }
    char *v;
    if (!a->request_id && (v = header_value(data, n, "X-Request-ID")))
        a->request_id = v;
    else if (!a->retry_after && (v = header_value(data, n, "Retry-After")))
        a->retry_after = v;
    return n;
}

/* libcurl calls this right before it sends the request, and again — after closing the connection —
 * when it decides on its own to send it once more: a reused connection that died before the first
 * byte of an answer (transfer.c, Curl_retry_request; also a refused HTTP/2 stream). For a GET that
 * is harmless and allowed; a write may already have been carried out by the server, so its second
 * send is refused here and the caller gets an error whose outcome is unknown (request_sent): the
 * provider decides what to do, never libcurl. */
static int on_prereq(void *user, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
    attempt *a = user;
    if (++a->sends > 1 && a->write) {
        a->resend_refused = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    attempt *a = user;
    return (pk_cancel_requested(a->c->cancel) || pkx_now_ms() >= a->deadline) ? 1 : 0;
}

static pk_error_kind kind_for_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return PK_ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
        return PK_ERR_TLS;
    case CURLE_OUT_OF_MEMORY:
        return PK_ERR_NOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return PK_ERR_CONFIG;
    default:
        return PK_ERR_NETWORK;
    }
}

/* Runs one HTTP exchange. 0 = an HTTP answer arrived (resp filled); -1 = transport error in err;
 * -2 = the body was truncated (DECODE error in err). */
static int attempt_once(const pk_client *c, const pkx_request *req, const char *url,
                        struct curl_slist *headers, long long deadline, pkx_response *resp,
                        char **retry_after, pk_error *err)
{
    attempt a = {.c = c,
                 .deadline = deadline,
                 .body = {.max = PKX_BODY_MAX},
                 .write = strcmp(req->method, "GET") != 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    long long left = deadline - pkx_now_ms();
    if (left <= 0)
        return pkx_error_set(err, PK_ERR_TIMEOUT, "the call's deadline of %ld ms passed",
                             c->deadline_ms);
    long tmo = c->timeout_ms < left ? c->timeout_ms : (long)left;

    /* the API's URLs carry no secret (pkx_url_check refuses credentials in them): the thread's
     * handle */
    CURL *h = pkx_curl_easy(url, tmo, tmo < PKX_CONNECT_MAX ? tmo : PKX_CONNECT_MAX, true);
    if (!h) return pkx_error_set(err, PK_ERR_NOMEM, "could not create a libcurl handle");
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, pkx_body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &a);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &a);
    if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
        /* A write reuses a warm connection (no TCP+TLS handshake per write) but is sent once per
         * attempt: on_prereq refuses libcurl's own re-send. A connection idle for longer than
         * PKX_WRITE_IDLE_MAX_S is not reused for a write: servers close idle connections after a
         * few seconds at the least (Node's default is 5 s), and a close that crosses the request
         * would end the write with an unknown outcome. (libcurl itself drops a reused connection
         * already seen closed.) */
        curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, PKX_WRITE_IDLE_MAX_S);
        const char *body = req->json_body ? req->json_body : "";
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    }

    bool cancelled, expired;
    long status;
    CURLcode rc = pkx_curl_perform(h, c->cancel, deadline, &cancelled, &expired, &status);
    long sent_bytes = 0; /* header bytes that went out: a failed write may have been applied */
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent_bytes);
    pkx_curl_easy_release(h);

    int ret = -1;
    if (a.resend_refused) {
        /* Sent once on a reused connection that then closed without a byte of answer. */
        pkx_error_set(err, PK_ERR_NETWORK,
                      "%s %s: the connection closed before any answer; the request may have "
                      "been carried out, so it was not sent again",
                      req->method, req->path);
        sent_bytes = 1;
    } else if (cancelled || (rc == CURLE_ABORTED_BY_CALLBACK && pk_cancel_requested(c->cancel))) {
        pkx_error_set(err, PK_ERR_CANCELLED, "cancelled");
    } else if (expired || rc == CURLE_ABORTED_BY_CALLBACK) {
        pkx_error_set(err, PK_ERR_TIMEOUT, "the call's deadline of %ld ms passed", c->deadline_ms);
    } else if (rc == CURLE_WRITE_ERROR && a.body.too_big) {
        pkx_error_set(err, PK_ERR_DECODE,
                      "%s %s: the answer is larger than %u MiB, more than any Phala Cloud answer "
                      "(refused as it arrived)",
                      req->method, req->path, PKX_BODY_MAX_MIB);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        pkx_error_set(err, PK_ERR_TIMEOUT, "no complete answer to %s %s within %ld ms", req->method,
                      req->path, tmo);
    } else if (rc == CURLE_PARTIAL_FILE) {
        /* The server promised more bytes than it sent: the body cannot be decoded. Reported as
         * DECODE, but a GET may still retry it (-2) since the cut is usually in transit. */
        pkx_error_set(err, PK_ERR_DECODE,
                      "%s %s: response body truncated (%zu bytes arrived before the connection "
                      "closed, fewer than its Content-Length)",
                      req->method, req->path, a.body.len);
        ret = -2;
    } else if (rc == CURLE_OUT_OF_MEMORY) {
        /* libcurl answers an answer header line over its 100 KB limit with "Out of memory"
         * (CURLE_OUT_OF_MEMORY); running out of memory for real while receiving is far rarer. */
        pkx_error_set(err, PK_ERR_DECODE,
                      "%s %s: the answer's headers are too large (a header line over libcurl's "
                      "100 KB limit), not an answer of the Phala Cloud API",
                      req->method, req->path);
    } else if (rc != CURLE_OK) {
        pkx_error_set(err, kind_for_curl(rc), "%s", pkx_curl_strerror(rc, errbuf));
    } else {
        resp->status = (int)status;
        resp->body = a.body.data;
        resp->len = a.body.len;
        resp->request_id = a.request_id;
        a.body.data = NULL;
        a.request_id = NULL;
        *retry_after = a.retry_after;
        a.retry_after = NULL;
        ret = 0;
    }
    free(a.body.data);
    free(a.request_id);
    free(a.retry_after);
    if (ret != 0 && err && sent_bytes > 0) err->request_sent = true;
    return ret;
}

/* ---- the call: headers, retries, logging ------------------------------------------------------ */

void pkx_response_free(pkx_response *resp)
{
    if (!resp) return;
    free(resp->body);
    free(resp->request_id);
    memset(resp, 0, sizeof *resp);
}

static void wipe_headers(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        if (p->data) sodium_memzero(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static struct curl_slist *build_headers(const pk_client *c, const pkx_request *req)
{
    struct curl_slist *l = NULL, *n;
    char line[256];
    const char *fixed[] = {"Accept: application/json", "Expect:", NULL};
    for (int i = 0; fixed[i]; i++) {
        if (!(n = curl_slist_append(l, fixed[i]))) goto fail;
        l = n;
    }
    snprintf(line, sizeof line, "X-Phala-Version: %s",
             req->pin_version ? req->pin_version : c->api_version);
    if (!(n = curl_slist_append(l, line))) goto fail;
    l = n;
    if (req->json_body) {
        if (!(n = curl_slist_append(l, "Content-Type: application/json"))) goto fail;
        l = n;
    }
    for (const char *const *h = req->headers; h && *h; h++) {
        if (!(n = curl_slist_append(l, *h))) goto fail;
        l = n;
    }
    if (c->workspace) {
        size_t wl = strlen(c->workspace) + sizeof "X-Phala-Workspace: ";
        char *wline = malloc(wl);
        if (!wline) goto fail;
        snprintf(wline, wl, "X-Phala-Workspace: %s", c->workspace);
        n = curl_slist_append(l, wline);
        free(wline);
        if (!n) goto fail;
        l = n;
    }
    /* One credential: the API key when there is one (the SDKs prefer it), else the bearer token. */
    const char *name = c->api_key ? "X-API-Key: " : "Authorization: Bearer ";
    const char *secret = c->api_key ? c->api_key : c->bearer;
    size_t kl = strlen(name) + (c->api_key ? c->api_key_len : c->bearer_len) + 1;
    char *kline = malloc(kl);
    if (!kline) goto fail;
    snprintf(kline, kl, "%s%s", name, secret);
    n = curl_slist_append(l, kline);
    sodium_memzero(kline, kl);
    free(kline);
    if (!n) goto fail;
    return n;
fail:
    wipe_headers(l);
    return NULL;
}

static void log_attempt(const pk_client *c, const pkx_request *req, int status,
                        const pk_error *terr, long long ms, int attempt_no)
{
    if (!c->log_fn) return;
    char line[512];
    if (status && attempt_no == 0)
        snprintf(line, sizeof line, "%s %s%s%s -> %d (answered by the plan's cache)", req->method,
                 req->path, req->query ? "?" : "", req->query ? req->query : "", status);
    else if (status)
        snprintf(line, sizeof line, "%s %s%s%s -> %d (%lld ms, attempt %d)", req->method, req->path,
                 req->query ? "?" : "", req->query ? req->query : "", status, ms, attempt_no);
    else
        snprintf(line, sizeof line, "%s %s%s%s -> %s error (%lld ms, attempt %d)", req->method,
                 req->path, req->query ? "?" : "", req->query ? req->query : "",
                 pk_error_kind_name(terr->kind), ms, attempt_no);
    char *safe = pkx_redact(pkx_strdup(line), c->api_key, c->api_key_len);
    safe = pkx_redact(safe, c->bearer, c->bearer_len);
    if (safe) c->log_fn(c->log_user, safe);
    free(safe);
}

/* ---- the GET cache's keys (net/pkx_get_cache.h) ---------------------------------------------- */

/* The object a path is about: its first two segments, a CVM id in its normalized spelling. */
static void object_of(const char *path, char *out, size_t n)
{
    const char *p = path[0] == '/' ? path + 1 : path;
    size_t l1 = strcspn(p, "/?");
    const char *s2 = p[l1] == '/' ? p + l1 + 1 : p + l1;
    size_t l2 = s2 > p + l1 ? strcspn(s2, "/?") : 0;
    char id[128] = "";
    if (l2 && l2 < sizeof id) memcpy(id, s2, l2), id[l2] = '\0';
    char norm[160];
    if (l1 == 4 && strncmp(p, "cvms", 4) == 0 && id[0] &&
        pk_cvm_id_normalize(id, norm, sizeof norm) == 0)
        snprintf(out, n, "cvms/%s", norm);
    else
        snprintf(out, n, "%.*s/%s", (int)l1, p, id);
}

/* Everything that can change a GET's answer: URL, version, workspace, credential, extra headers. */
static char *cache_key(const pk_client *c, const pkx_request *req, const char *url)
{
    size_t n = strlen(url) + strlen(c->api_version) + sizeof c->cred_id + 8 +
               (req->pin_version ? strlen(req->pin_version) : 0) +
               (c->workspace ? strlen(c->workspace) : 0);
    for (const char *const *h = req->headers; h && *h; h++) n += strlen(*h) + 1;
    char *k = malloc(n);
    if (!k) return NULL;
    int o =
        snprintf(k, n, "%s\n%s\n%s\n%s", url, req->pin_version ? req->pin_version : c->api_version,
                 c->workspace ? c->workspace : "", c->cred_id);
    for (const char *const *h = req->headers; h && *h && o > 0 && (size_t)o < n; h++)
        o += snprintf(k + o, n - (size_t)o, "\n%s", *h);
    return k;
}

int pkx_http_call(pk_client *c, const pkx_request *req, bool accept_465, pkx_response *resp,
                  pk_error *err)
{
    pk_error local = {0};
    if (!err) err = &local;
    memset(resp, 0, sizeof *resp);
    if (!pkx_curl_share()) {
        pkx_error_set(err, PK_ERR_NETWORK, "libcurl could not be initialised");
        goto out;
    }
    if (!c->api_key && !c->bearer) {
        pkx_error_set(err, PK_ERR_CONFIG,
                      "no credentials: set api_key in the provider configuration or "
                      "PHALA_CLOUD_API_KEY in the environment (or, in CI, an OIDC token: "
                      "oidc_token or PHALA_OIDC_TOKEN)");
        goto out;
    }
    if (pk_cancel_requested(c->cancel)) {
        pkx_error_set(err, PK_ERR_CANCELLED, "cancelled");
        goto out;
    }

    size_t ul = strlen(c->prefix) + strlen(req->path) + (req->query ? strlen(req->query) + 1 : 0);
    char *url = malloc(ul + 1);
    struct curl_slist *headers = build_headers(c, req);
    if (!url || !headers) {
        free(url);
        wipe_headers(headers);
        pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(url, ul + 1, "%s%s%s%s", c->prefix, req->path, req->query ? "?" : "",
             req->query ? req->query : "");

    bool idempotent = strcmp(req->method, "GET") == 0;
    long long deadline = pkx_now_ms() + c->deadline_ms;
    int rc = -1;
    char object[200], *ckey = NULL;
    int ticket = 0;
    if (c->get_cache) {
        object_of(req->path, object, sizeof object);
        if (!idempotent) {
            pkx_get_cache_wrote(c->get_cache, object);
        } else if (!req->uncached && (ckey = cache_key(c, req, url))) {
            pkx_cached hit;
            if (pkx_get_cache_lookup(c->get_cache, ckey, object, c->cancel, deadline, &hit,
                                     &ticket)) {
                *resp = (pkx_response){hit.status, hit.body, hit.len, hit.request_id};
                log_attempt(c, req, hit.status, NULL, -1, 0);
                pkx_error_reset(err);
                rc = 0;
            }
        }
    }
    for (int retry = 0; rc != 0; retry++) {
        char *retry_after = NULL;
        long long t0 = pkx_now_ms();
        pkx_response r = {0};
        bool retryable;
        long delay;
        int arc = attempt_once(c, req, url, headers, deadline, &r, &retry_after, err);
        if (arc == 0) {
            log_attempt(c, req, r.status, NULL, pkx_now_ms() - t0, retry + 1);
            if ((r.status >= 200 && r.status < 300) || (accept_465 && r.status == 465)) {
                *resp = r;
                free(retry_after);
                pkx_error_reset(err);
                rc = 0;
                break;
            }
            pkx_error_from_response(err, r.status, r.body, r.len, r.request_id, req->method,
                                    req->path);
            err->request_sent = true;
            retryable = pkx_retry_status(r.status, err->error_code != NULL, idempotent);
            if (!retry_after || pkx_retry_after_parse(retry_after, time(NULL), &delay) != 0)
                delay = pkx_backoff_ms(retry);
            pkx_response_free(&r);
        } else {
            log_attempt(c, req, 0, err, pkx_now_ms() - t0, retry + 1);
            retryable = pkx_retry_transport(err->kind, idempotent) || (arc == -2 && idempotent);
            /* An attempt cut by the call's deadline leaves no time to retry. */
            if (err->kind == PK_ERR_TIMEOUT && pkx_now_ms() >= deadline) retryable = false;
            delay = pkx_backoff_ms(retry);
        }
        free(retry_after);
        err->attempts = retry + 1;
        if (!retryable || retry >= c->max_retries) break;
        if (pkx_now_ms() + delay >= deadline) break; /* the wait alone would pass the deadline */
        if (pkx_sleep_cancellable(delay, c->cancel) != 0) {
            int attempts = err->attempts;
            pkx_error_set(err, PK_ERR_CANCELLED, "cancelled while waiting to retry");
            err->attempts = attempts;
            break;
        }
    }
    if (ticket) {
        pkx_cached got = {resp->status, resp->body, resp->len, resp->request_id};
        pkx_get_cache_done(c->get_cache, ckey, ticket, rc == 0 ? &got : NULL);
    }
    free(ckey);
    wipe_headers(headers);
    free(url);
    if (rc == 0) return 0;
out:
    pkx_error_seal(err, c);
    pk_error_clear(&local);
    return -1;
}
