/* endpoint.c — see pkx_endpoint.h. */
#include "api/pkx_endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_http.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

static int get_decoded(pk_client *c, const pkx_request *req, pkx_decode_fn decode, void *out,
                       pk_error *err)
{
    pkx_response resp;
    if (pkx_http_call(c, req, false, &resp, err) != 0) return -1;
    int rc = decode(resp.body, resp.len, out, err);
    if (rc != 0 && err) {
        if (!err->request_id && resp.request_id) err->request_id = pkx_strdup(resp.request_id);
        err->http_status = resp.status;
        err->attempts = err->attempts ? err->attempts : 1;
        pkx_error_seal(err, c);
    }
    pkx_response_free(&resp);
    return rc;
}

int pkx_api_get(pk_client *c, const char *path, const char *query, const char *pin,
                pkx_decode_fn decode, void *out, pk_error *err)
{
    pkx_request req = {.method = "GET", .path = path, .query = query, .pin_version = pin};
    return get_decoded(c, &req, decode, out, err);
}

int pkx_api_get_uncached(pk_client *c, const char *path, const char *query, pkx_decode_fn decode,
                         void *out, pk_error *err)
{
    pkx_request req = {.method = "GET", .path = path, .query = query, .uncached = true};
    return get_decoded(c, &req, decode, out, err);
}

char *pkx_build_path(const char *head, const char *a, const char *mid, const char *b, pk_error *err)
{
    const char *bad = !pk_path_segment_valid(a) ? a : b && !pk_path_segment_valid(b) ? b : NULL;
    if (bad) {
        pkx_error_set(err, PK_ERR_INVALID_ARG,
                      "\"%.64s\" cannot be an id in a request path (empty, \".\" and \"..\" are "
                      "refused: they would name another endpoint)",
                      bad ? bad : "");
        return NULL;
    }
    size_t n = strlen(head) + 3 * strlen(a) + (mid ? strlen(mid) : 0) + (b ? 3 * strlen(b) : 0) + 1;
    char *p = malloc(n);
    if (!p) goto oom;
    snprintf(p, n, "%s", head);
    if (pkx_path_escape(a, p, n) != 0) goto oom;
    if (mid) {
        size_t l = strlen(p);
        snprintf(p + l, n - l, "%s", mid);
        if (b && pkx_path_escape(b, p, n) != 0) goto oom;
    }
    return p;
oom:
    free(p);
    pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    return NULL;
}

int pkx_page_query(char *buf, size_t len, pk_tristate is_onchain, int page, int page_size,
                   pk_error *err)
{
    buf[0] = '\0';
    if (page < 0) return pkx_error_set(err, PK_ERR_INVALID_ARG, "page: must be at least 1");
    if (page_size < 0 || page_size > PK_PAGE_SIZE_MAX)
        return pkx_error_set(err, PK_ERR_INVALID_ARG, "page_size: must be between 1 and %d",
                             PK_PAGE_SIZE_MAX);
    size_t q = 0;
    if (page > 0) q += (size_t)snprintf(buf + q, len - q, "page=%d", page);
    if (page_size > 0)
        q += (size_t)snprintf(buf + q, len - q, "%spage_size=%d", q ? "&" : "", page_size);
    if (is_onchain != PK_UNSET)
        snprintf(buf + q, len - q, "%sis_onchain=%s", q ? "&" : "",
                 is_onchain == PK_TRUE ? "true" : "false");
    return 0;
}

int pkx_items_append(void **dst, size_t *n_dst, size_t *cap, const void *src, size_t n, size_t sz)
{
    if (*n_dst + n > *cap) {
        size_t ncap = *cap ? *cap : 128;
        while (ncap < *n_dst + n) ncap *= 2;
        void *p = realloc(*dst, ncap * sz);
        if (!p) return -1;
        *dst = p;
        *cap = ncap;
    }
    if (n) memcpy((char *)*dst + *n_dst * sz, src, n * sz);
    *n_dst += n;
    return 0;
}

bool pkx_page_is_last(int page, size_t n_page, size_t n_have, int64_t total, int64_t pages)
{
    return n_page == 0 || page >= pages || (total > 0 && n_have >= (size_t)total);
}
