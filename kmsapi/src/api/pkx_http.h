/* pkx_http.h — the API client's transport: one call = the request, its retries under the policy of
 * research/phala-api.md §1.2 (retry.c) and the error read from the answer (error_body.c). */
#ifndef PKX_HTTP_H
#define PKX_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "phalakms/client.h"

/* ---- the call (http.c) ---- */
typedef struct pkx_request {
    const char *method;         /* "GET" or "PATCH" */
    const char *path;           /* already percent-encoded, starts with '/' */
    const char *query;          /* without '?', may be NULL */
    const char *pin_version;    /* overrides X-Phala-Version; NULL = client's */
    const char *json_body;      /* NULL = no body, no Content-Type */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; NULL = none */
    bool uncached; /* a GET whose every answer differs (a reservation): never from or into the
                    * client's GET cache (net/pkx_get_cache.h) */
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

/* ---- retry policy (retry.c) ---- */
/* Retry-After as seconds or an HTTP date; -1 on garbage. A date in the past gives 0. */
int pkx_retry_after_parse(const char *value, time_t now, long *delay_ms);
/* min(2^retry s, 20 s); retry counts from 0. */
long pkx_backoff_ms(int retry);
/* 409 without error_code, 429, 503 for every method; other 5xx only for idempotent calls. */
bool pkx_retry_status(int status, bool has_error_code, bool idempotent);
/* Network errors and attempt timeouts are retried only for idempotent calls. */
bool pkx_retry_transport(pk_error_kind kind, bool idempotent);

/* ---- errors from answers (error_body.c) ---- */
/* Fills err from an HTTP error answer (any of the three body shapes, or none). method and path name
 * the call in the message when the answer gives no reason (both may be NULL). */
void pkx_error_from_response(pk_error *err, int status, const char *body, size_t len,
                             const char *header_request_id, const char *method, const char *path);
/* Removes every occurrence of the API key and the OIDC token from every string of err, then rebuilds
 * human with the client's host and credential. c may be NULL. */
void pkx_error_seal(pk_error *err, const pk_client *c);

#endif /* PKX_HTTP_H */
