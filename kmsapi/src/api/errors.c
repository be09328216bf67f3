/* errors.c — the pk_error value: building it, reading the API's three error body shapes (FastAPI
 * `detail` string/list, structured top-level `error_code`/`message`/`details`, legacy flat, and
 * `{"detail":{…structured…}}`), the human one-line message, and scrubbing the API key out of it. */
#include "api/pkx_client.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tiny growable string for composing messages. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    if (s) sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char *sb_take(sbuf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    return b->p ? b->p : pkx_strdup("");
}

void pkx_error_reset(pk_error *err)
{
    if (!err) return;
    free(err->error_code);
    free(err->message);
    free(err->request_id);
    for (size_t i = 0; i < err->n_fields; i++) {
        free(err->fields[i].loc);
        free(err->fields[i].msg);
    }
    free(err->fields);
    free(err->human);
    memset(err, 0, sizeof *err);
}

void pk_error_clear(pk_error *err)
{
    pkx_error_reset(err);
}

const char *pk_error_kind_name(pk_error_kind kind)
{
    switch (kind) {
    case PK_ERR_NONE:
        return "none";
    case PK_ERR_CONFIG:
        return "config";
    case PK_ERR_INVALID_ARG:
        return "invalid_argument";
    case PK_ERR_NETWORK:
        return "network";
    case PK_ERR_TIMEOUT:
        return "timeout";
    case PK_ERR_TLS:
        return "tls";
    case PK_ERR_CANCELLED:
        return "cancelled";
    case PK_ERR_REDIRECT:
        return "redirect";
    case PK_ERR_HTTP:
        return "http";
    case PK_ERR_DECODE:
        return "decode";
    case PK_ERR_PRECONDITION:
        return "precondition";
    case PK_ERR_HASH_EXPIRED:
        return "hash_expired";
    case PK_ERR_TX_VERIFY_FAILED:
        return "tx_verify_failed";
    case PK_ERR_HASH_NOT_ALLOWED:
        return "hash_not_allowed";
    case PK_ERR_NOMEM:
        return "out_of_memory";
    case PK_ERR_RPC:
        return "rpc";
    case PK_ERR_CHAIN_MISMATCH:
        return "chain_mismatch";
    case PK_ERR_NOT_OWNER:
        return "not_owner";
    case PK_ERR_INSUFFICIENT_FUNDS:
        return "insufficient_funds";
    case PK_ERR_TX_FAILED:
        return "tx_failed";
    case PK_ERR_TX_NOT_FOUND:
        return "tx_not_found";
    }
    return "unknown";
}

const char *pk_error_message(const pk_error *err)
{
    if (!err || err->kind == PK_ERR_NONE) return "no error";
    if (err->human) return err->human;
    if (err->message) return err->message;
    return pk_error_kind_name(err->kind);
}

int pkx_error_set(pk_error *err, pk_error_kind kind, const char *fmt, ...)
{
    if (!err) return -1;
    pkx_error_reset(err);
    err->kind = kind;
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    err->message = pkx_strdup(tmp);
    pkx_error_humanize(err, NULL);
    return -1;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 465:
        return "Compose Hash Registration Required";
    case 466:
        return "Compose Hash Invalid Or Expired";
    case 467:
        return "Transaction Verification Failed";
    case 468:
        return "Compose Hash Not Allowed";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return NULL;
    }
}

static pk_error_kind kind_for_status(int status)
{
    if (status >= 300 && status < 400) return PK_ERR_REDIRECT;
    switch (status) {
    case 465:
        return PK_ERR_PRECONDITION;
    case 466:
        return PK_ERR_HASH_EXPIRED;
    case 467:
        return PK_ERR_TX_VERIFY_FAILED;
    case 468:
        return PK_ERR_HASH_NOT_ALLOWED;
    default:
        return PK_ERR_HTTP;
    }
}

static const char *str_item(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) && it->valuestring[0] ? it->valuestring : NULL;
}

/* A body that is not JSON still says something (a proxy's HTML page, "Bad gateway"): keep its
 * first line, printable characters only, bounded. */
static char *text_excerpt(const char *body, size_t len)
{
    size_t n = 0;
    char *out = malloc(201);
    if (!out) return NULL;
    for (size_t i = 0; i < len && n < 200; i++) {
        unsigned char ch = (unsigned char)body[i];
        if (ch == '\n' || ch == '\r') {
            if (n) break;
            continue;
        }
        out[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    while (n && out[n - 1] == ' ') n--;
    out[n] = '\0';
    if (!n) {
        free(out);
        return NULL;
    }
    return out;
}

/* FastAPI 422: [{"loc":["body","env_keys",0],"msg":"…","type":"…"}, …] → "body.env_keys.0". */
static void take_validation_list(pk_error *err, const cJSON *list)
{
    int n = cJSON_GetArraySize(list);
    if (n <= 0) return;
    err->fields = calloc((size_t)n, sizeof *err->fields);
    if (!err->fields) return;
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        if (!cJSON_IsObject(it)) continue;
        sbuf loc = {0};
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(it, "loc");
        if (cJSON_IsArray(l)) {
            const cJSON *part;
            bool first = true;
            cJSON_ArrayForEach(part, l)
            {
                if (!first) sb_puts(&loc, ".");
                if (cJSON_IsString(part))
                    sb_puts(&loc, part->valuestring);
                else if (cJSON_IsNumber(part))
                    sb_printf(&loc, "%.0f", part->valuedouble);
                else
                    sb_puts(&loc, "?");
                first = false;
            }
        } else if (cJSON_IsString(l)) {
            sb_puts(&loc, l->valuestring);
        }
        const char *msg = str_item(it, "msg");
        if (!msg) msg = str_item(it, "message");
        pk_field_error *f = &err->fields[err->n_fields++];
        f->loc = sb_take(&loc);
        f->msg = pkx_strdup(msg ? msg : "invalid");
    }
}

/* Structured 4xx bodies may carry per-field details ({"field","value","message"}); keep the ones
 * that say something about a field so a 422 can name it. */
static void take_structured_details(pk_error *err, const cJSON *details)
{
    if (err->n_fields || !cJSON_IsArray(details)) return;
    int n = cJSON_GetArraySize(details);
    if (n <= 0) return;
    err->fields = calloc((size_t)n, sizeof *err->fields);
    if (!err->fields) return;
    const cJSON *it;
    cJSON_ArrayForEach(it, details)
    {
        const char *field = str_item(it, "field");
        const char *msg = str_item(it, "message");
        if (!field || !msg) continue;
        pk_field_error *f = &err->fields[err->n_fields++];
        f->loc = pkx_strdup(field);
        f->msg = pkx_strdup(msg);
    }
}

static void take_structured(pk_error *err, const cJSON *obj)
{
    const char *s;
    if (!err->error_code && (s = str_item(obj, "error_code"))) err->error_code = pkx_strdup(s);
    if (!err->message && (s = str_item(obj, "message"))) err->message = pkx_strdup(s);
    if (!err->request_id && (s = str_item(obj, "request_id"))) err->request_id = pkx_strdup(s);
    take_structured_details(err, cJSON_GetObjectItemCaseSensitive(obj, "details"));
}

void pkx_error_from_response(pk_error *err, int status, const char *body, size_t len,
                             const char *header_request_id)
{
    if (!err) return;
    pkx_error_reset(err);
    err->kind = kind_for_status(status);
    err->http_status = status;

    cJSON *root = (body && len) ? cJSON_ParseWithLength(body, len) : NULL;
    if (cJSON_IsObject(root)) {
        const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
        take_structured(err, root);
        if (cJSON_IsObject(detail)) take_structured(err, detail);
        if (cJSON_IsArray(detail)) take_validation_list(err, detail);
        if (!err->message && cJSON_IsString(detail) && detail->valuestring[0])
            err->message = pkx_strdup(detail->valuestring);
        if (!err->message && err->n_fields) err->message = pkx_strdup("request validation failed");
        if (!err->message && detail && !cJSON_IsNull(detail)) {
            char *txt = cJSON_PrintUnformatted(detail);
            if (txt) {
                err->message = text_excerpt(txt, strlen(txt));
                cJSON_free(txt);
            }
        }
        if (!err->error_code) {
            /* FastAPI-style bodies sometimes name the error in `code` instead. */
            const char *code = str_item(root, "code");
            if (code) err->error_code = pkx_strdup(code);
        }
    } else if (body && len) {
        err->message = text_excerpt(body, len);
    }
    cJSON_Delete(root);
    if (!err->message) {
        const char *rp = reason_phrase(status);
        char tmp[64];
        if (!rp) {
            snprintf(tmp, sizeof tmp, "HTTP %d", status);
            rp = tmp;
        }
        err->message = pkx_strdup(rp);
    }
    if (!err->request_id && header_request_id && header_request_id[0])
        err->request_id = pkx_strdup(header_request_id);
    pkx_error_humanize(err, NULL);
}

static void human_fields(sbuf *b, const pk_error *err)
{
    size_t shown = err->n_fields < 5 ? err->n_fields : 5;
    for (size_t i = 0; i < shown; i++) {
        sb_puts(b, i ? "; " : ": ");
        if (err->fields[i].loc && err->fields[i].loc[0]) {
            sb_puts(b, err->fields[i].loc);
            sb_puts(b, ": ");
        }
        sb_puts(b, err->fields[i].msg);
    }
    if (err->n_fields > shown) sb_printf(b, "; and %zu more", err->n_fields - shown);
}

static void human_http(sbuf *b, const pk_error *err)
{
    int s = err->http_status;
    const char *m = err->message ? err->message : "";
    switch (s) {
    case 401:
        sb_printf(b, "the API key was rejected (HTTP 401) — check api_key / PHALA_CLOUD_API_KEY");
        return;
    case 403:
        sb_printf(b, "the API key is not allowed to do this (HTTP 403): ");
        sb_puts(b, m);
        sb_puts(b, " — check the key's workspace and permissions");
        return;
    case 404:
        sb_puts(b, "not found (HTTP 404): ");
        sb_puts(b, m);
        sb_puts(b, " — check the id or slug");
        return;
    case 409:
        if (err->error_code) {
            sb_puts(b, "the API refused the request (HTTP 409): ");
            sb_puts(b, m);
        } else {
            sb_printf(b,
                      "another operation is in progress (HTTP 409) and %d attempt(s) did not "
                      "get through: ",
                      err->attempts ? err->attempts : 1);
            sb_puts(b, m);
            sb_puts(b, " — wait for it to finish and try again");
        }
        return;
    case 422:
        sb_puts(b, "the API rejected the request as invalid (HTTP 422)");
        if (err->n_fields)
            human_fields(b, err);
        else {
            sb_puts(b, ": ");
            sb_puts(b, m);
        }
        return;
    case 429:
        sb_printf(b,
                  "rate limited by the API (HTTP 429) after %d attempt(s) — wait and retry, or "
                  "raise max_retries",
                  err->attempts ? err->attempts : 1);
        return;
    default:
        break;
    }
    if (s >= 500) {
        sb_printf(b, "the Phala Cloud API failed (HTTP %d): ", s);
        sb_puts(b, m);
        sb_printf(b, " — a server-side problem; %d attempt(s) made, retry later",
                  err->attempts ? err->attempts : 1);
        return;
    }
    sb_printf(b, "the API answered HTTP %d: ", s);
    sb_puts(b, m);
    if (err->n_fields) human_fields(b, err);
}

void pkx_error_humanize(pk_error *err, const char *host)
{
    if (!err) return;
    free(err->human);
    err->human = NULL;
    sbuf b = {0};
    const char *m = err->message ? err->message : "";
    const char *h = host ? host : "the Phala Cloud API";
    switch (err->kind) {
    case PK_ERR_NONE:
        sb_puts(&b, "no error");
        break;
    case PK_ERR_CONFIG:
        sb_puts(&b, "invalid client configuration: ");
        sb_puts(&b, m);
        break;
    case PK_ERR_INVALID_ARG:
        sb_puts(&b, m);
        break;
    case PK_ERR_NETWORK:
        sb_printf(&b, "could not reach %s: ", h);
        sb_puts(&b, m);
        sb_puts(&b, " — check api_prefix / PHALA_CLOUD_API_PREFIX and the network");
        break;
    case PK_ERR_TIMEOUT:
        sb_printf(&b, "%s did not answer in time: ", h);
        sb_puts(&b, m);
        sb_puts(&b, " — retry later or raise timeout_seconds");
        break;
    case PK_ERR_TLS:
        sb_printf(&b, "TLS verification failed for %s: ", h);
        sb_puts(&b, m);
        sb_puts(&b, " — the server certificate must be valid (verification cannot be disabled)");
        break;
    case PK_ERR_CANCELLED:
        sb_puts(&b, "the request was cancelled");
        break;
    case PK_ERR_REDIRECT:
        sb_printf(&b,
                  "the API answered with a redirect (HTTP %d), which is refused so the API key "
                  "never leaves its origin — check api_prefix",
                  err->http_status);
        break;
    case PK_ERR_HTTP:
        human_http(&b, err);
        break;
    case PK_ERR_DECODE:
        sb_puts(&b, "unexpected response from the Phala Cloud API: ");
        sb_puts(&b, m);
        break;
    case PK_ERR_PRECONDITION:
        sb_puts(&b, "the API requires an on-chain compose hash registration (HTTP 465): ");
        sb_puts(&b, m);
        break;
    case PK_ERR_HASH_EXPIRED:
        sb_puts(&b, "the compose hash is unknown or expired (HTTP 466): ");
        sb_puts(&b, m);
        sb_puts(&b, " — start the update over to get a fresh compose hash");
        break;
    case PK_ERR_TX_VERIFY_FAILED:
        sb_puts(&b, "the transaction does not register the compose hash (HTTP 467): ");
        sb_puts(&b, m);
        sb_puts(&b, " — check transaction_hash and its ComposeHashAdded log");
        break;
    case PK_ERR_HASH_NOT_ALLOWED:
        sb_puts(&b, "the app contract does not allow the compose hash (HTTP 468): ");
        sb_puts(&b, m);
        sb_puts(&b, " — register it with addComposeHash on the app contract");
        break;
    case PK_ERR_NOMEM:
        sb_puts(&b, "out of memory");
        break;
    case PK_ERR_RPC:
    case PK_ERR_CHAIN_MISMATCH:
    case PK_ERR_NOT_OWNER:
    case PK_ERR_INSUFFICIENT_FUNDS:
    case PK_ERR_TX_FAILED:
    case PK_ERR_TX_NOT_FOUND:
        /* The on-chain code (eth_*.c) writes complete sentences, hints included. */
        sb_puts(&b, m);
        break;
    }
    if (err->error_code && !strstr(b.p ? b.p : "", err->error_code)) {
        sb_puts(&b, " (");
        sb_puts(&b, err->error_code);
        sb_puts(&b, ")");
    }
    if (err->request_id) {
        sb_puts(&b, " [request_id: ");
        sb_puts(&b, err->request_id);
        sb_puts(&b, "]");
    }
    err->human = sb_take(&b);
}

char *pkx_redact(char *s, const char *secret, size_t secret_len)
{
    if (!s || !secret || secret_len == 0 || !strstr(s, secret)) return s;
    static const char mark[] = "[REDACTED]";
    sbuf b = {0};
    const char *p = s;
    const char *hit;
    while ((hit = strstr(p, secret))) {
        sb_add(&b, p, (size_t)(hit - p));
        sb_puts(&b, mark);
        p = hit + secret_len;
    }
    sb_puts(&b, p);
    sodium_memzero(s, strlen(s));
    free(s);
    return sb_take(&b);
}

void pkx_error_seal(pk_error *err, const pk_client *c)
{
    if (!err || err->kind == PK_ERR_NONE) return;
    const char *k = c ? c->api_key : NULL;
    size_t kl = c ? c->api_key_len : 0;
    err->error_code = pkx_redact(err->error_code, k, kl);
    err->message = pkx_redact(err->message, k, kl);
    err->request_id = pkx_redact(err->request_id, k, kl);
    for (size_t i = 0; i < err->n_fields; i++) {
        err->fields[i].loc = pkx_redact(err->fields[i].loc, k, kl);
        err->fields[i].msg = pkx_redact(err->fields[i].msg, k, kl);
    }
    pkx_error_humanize(err, c ? c->host : NULL);
}
