/* pkx_client.h — private rooms of the HTTP client: the client and cancel structs, the error builders,
 * the retry policy, the HTTP transport and the typed JSON accessors. Nothing here is public API;
 * every name carries the pkx_ prefix. */
#ifndef PKX_CLIENT_H
#define PKX_CLIENT_H

#include "phalakms/client.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <time.h>

struct pk_cancel {
    atomic_bool requested;
};

struct pk_client {
    char *api_key; /* NULL when none was configured; wiped on free */
    size_t api_key_len;
    char *prefix; /* no trailing '/' */
    char *host;   /* for messages ("cloud-api.phala.com") */
    char *api_version;
    long timeout_ms;
    long deadline_ms;
    int max_retries;
    pk_cancel *cancel;
    pk_log_fn log_fn;
    void *log_user;
    char user_agent[96];
};

/* ---- errors (errors.c) ---- */
void pkx_error_reset(pk_error *err);
/* Sets kind and a printf-style message; builds the human line. Always returns -1. */
int pkx_error_set(pk_error *err, pk_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills err from an HTTP error answer (any of the three body shapes, or none). */
void pkx_error_from_response(pk_error *err, int status, const char *body, size_t len,
                             const char *header_request_id);
/* Rebuilds err->human; host may be NULL. */
void pkx_error_humanize(pk_error *err, const char *host);
/* Removes every occurrence of the API key from every string of err, then rebuilds human. */
void pkx_error_seal(pk_error *err, const pk_client *c);
/* Replaces each occurrence of secret in s (in place, same length never grows) by "[REDACTED]"
 * (returns a new string when needed; frees the old one). */
char *pkx_redact(char *s, const char *secret, size_t secret_len);

/* ---- retry policy (retry.c) ---- */
/* Retry-After as seconds or an HTTP date; -1 on garbage. A date in the past gives 0. */
int pkx_retry_after_parse(const char *value, time_t now, long *delay_ms);
/* min(2^retry s, 20 s); retry counts from 0. */
long pkx_backoff_ms(int retry);
/* §1.2: 409 without error_code, 429, 503 for every method; other 5xx only for idempotent calls. */
bool pkx_retry_status(int status, bool has_error_code, bool idempotent);
/* Network errors and attempt timeouts are retried only for idempotent calls. */
bool pkx_retry_transport(pk_error_kind kind, bool idempotent);
/* Sleeps ms in short slices; returns -1 as soon as cancel is requested. */
int pkx_sleep_cancellable(long ms, const pk_cancel *cancel);
long long pkx_now_ms(void); /* monotonic */

/* ---- transport (http.c) ---- */
typedef struct pkx_request {
    const char *method;      /* "GET" or "PATCH" */
    const char *path;        /* already percent-encoded, starts with '/' */
    const char *query;       /* without '?', may be NULL */
    const char *pin_version; /* overrides X-Phala-Version; NULL = client's */
    const char *json_body;   /* NULL = no body, no Content-Type */
} pkx_request;

typedef struct pkx_response {
    int status;
    char *body;
    size_t len;
    char *request_id; /* X-Request-ID header */
} pkx_response;

/* Performs the request with the retry policy. Returns 0 with *resp filled for a 2xx answer and for
 * HTTP 465 when accept_465 is set; -1 with err filled otherwise (resp is then released). */
int pkx_http_call(pk_client *c, const pkx_request *req, bool accept_465, pkx_response *resp,
                  pk_error *err);
void pkx_response_free(pkx_response *resp);
/* Appends the percent-encoded segment (RFC 3986 unreserved kept) to buf. -1 if it does not fit. */
int pkx_path_escape(const char *segment, char *buf, size_t buf_len);
/* http:// only for 127.0.0.0/8, ::1, localhost; https:// otherwise. Fills host (malloc). */
int pkx_prefix_check(const char *prefix, char **host, pk_error *err);

/* ---- JSON accessors (json_get.c) ---- */
#define PKX_REQUIRED 1 /* absent or null is a DECODE error */

/* Parses body as a JSON object; what names the response in the error ("GET /kms"). */
int pkx_json_parse_object(const char *body, size_t len, const char *what, cJSON **out,
                          pk_error *err);
int pkx_json_str(const cJSON *obj, const char *ctx, const char *key, int flags, char **out,
                 pk_error *err);
/* Accepts a string or an integer (kept as decimal text), e.g. CVM ids of older API versions. */
int pkx_json_str_or_int(const cJSON *obj, const char *ctx, const char *key, int flags, char **out,
                        pk_error *err);
int pkx_json_i64(const cJSON *obj, const char *ctx, const char *key, int flags, int64_t *out,
                 bool *present, pk_error *err);
int pkx_json_bool(const cJSON *obj, const char *ctx, const char *key, int flags, pk_tristate *out,
                  pk_error *err);
/* *out = the array, or NULL when absent/null and not required. */
int pkx_json_array(const cJSON *obj, const char *ctx, const char *key, int flags, const cJSON **out,
                   pk_error *err);
int pkx_json_object(const cJSON *obj, const char *ctx, const char *key, int flags,
                    const cJSON **out, pk_error *err);
char *pkx_strdup(const char *s);
char *pkx_strndup(const char *s, size_t n);

#endif /* PKX_CLIENT_H */
