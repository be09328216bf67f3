/* error_body.c — what the Phala Cloud API says when it fails, read from any of its error body
 * shapes (FastAPI `detail` string/list, structured top-level `error_code`/`message`/`details`,
 * legacy flat, and `{"detail":{…structured…}}`), and sealing an error before it leaves the client:
 * the API key scrubbed out, the message rebuilt with the API's host. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_client.h"
#include "api/pkx_http.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

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
        pkx_sb loc = {0};
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(it, "loc");
        if (cJSON_IsArray(l)) {
            const cJSON *part;
            bool first = true;
            cJSON_ArrayForEach(part, l)
            {
                if (!first) pkx_sb_puts(&loc, ".");
                if (cJSON_IsString(part))
                    pkx_sb_puts(&loc, part->valuestring);
                else if (cJSON_IsNumber(part))
                    pkx_sb_printf(&loc, "%.0f", part->valuedouble);
                else
                    pkx_sb_puts(&loc, "?");
                first = false;
            }
        } else if (cJSON_IsString(l)) {
            pkx_sb_puts(&loc, l->valuestring);
        }
        const char *msg = str_item(it, "msg");
        if (!msg) msg = str_item(it, "message");
        pk_field_error *f = &err->fields[err->n_fields++];
        f->loc = pkx_sb_take(&loc);
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

/* Blank or whitespace-only text says nothing either. */
#define PKX_REQUEST_ID_MAX 128

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
    return true;
}

/* When the answer carries no reason at all (production once sent an empty message after a KMS RPC
 * timed out), the message says which call failed and that the server did not say why, instead of a
 * bare reason phrase that reads like a cause. */
static char *no_reason(int status, bool empty_body, const char *method, const char *path)
{
    const char *rp = reason_phrase(status);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s%s%s: the server gave no reason (HTTP %d%s%s, %s)",
             method ? method : "the request", path ? " " : "", path ? path : "", status,
             rp ? " " : "", rp ? rp : "", empty_body ? "empty body" : "no message in the body");
    return pkx_strdup(tmp);
}

void pkx_error_from_response(pk_error *err, int status, const char *body, size_t len,
                             const char *header_request_id, const char *method, const char *path)
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
        if (!err->message && cJSON_IsString(detail) &&
            !blank(detail->valuestring, strlen(detail->valuestring)))
            err->message = pkx_strdup(detail->valuestring);
        if (!err->message && err->n_fields) err->message = pkx_strdup("request validation failed");
        if (!err->message && detail && !cJSON_IsNull(detail) &&
            !(cJSON_IsString(detail) && blank(detail->valuestring, strlen(detail->valuestring)))) {
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
    if (!err->message) err->message = no_reason(status, !body || blank(body, len), method, path);
    if (path) {
        size_t n = strlen(path) + (method ? strlen(method) : 0) + 2;
        if ((err->call = malloc(n)))
            snprintf(err->call, n, "%s%s%s", method ? method : "", method ? " " : "", path);
    }
    if (!err->request_id && header_request_id && header_request_id[0])
        err->request_id = pkx_strdup(header_request_id);
    /* a request id is an opaque token of a few dozen characters; a hostile one is cut */
    if (err->request_id && strlen(err->request_id) > PKX_REQUEST_ID_MAX)
        strcpy(err->request_id + PKX_REQUEST_ID_MAX - 3, "...");
    pkx_error_humanize(err, NULL, PKX_CRED_API_KEY);
}

void pkx_error_seal(pk_error *err, const pk_client *c)
{
    if (!err || err->kind == PK_ERR_NONE) return;
    if (c) {
        pkx_error_redact(err, c->api_key, c->api_key_len);
        pkx_error_redact(err, c->bearer, c->bearer_len);
    }
    pkx_error_humanize(err, c ? c->host : NULL, c ? c->cred : PKX_CRED_API_KEY);
}
