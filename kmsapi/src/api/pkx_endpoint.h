/* pkx_endpoint.h — what every endpoint function shares (endpoint.c): building an escaped path, one
 * GET decoded into a result, and walking the pages of a paginated list. */
#ifndef PKX_ENDPOINT_H
#define PKX_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "phalakms/client.h"

/* A server that never says "last page" must not make a walk loop forever. */
#define PKX_WALK_MAX_PAGES 1000

/* GET path?query (version pin may be NULL), then decode the 2xx body into out; a decode failure
 * keeps the request id and the HTTP status. */
typedef int (*pkx_decode_fn)(const char *body, size_t len, void *out, pk_error *err);
int pkx_api_get(pk_client *c, const char *path, const char *query, const char *pin,
                pkx_decode_fn decode, void *out, pk_error *err);
/* The same for a GET whose answer changes with every call (a reservation): never cached. */
int pkx_api_get_uncached(pk_client *c, const char *path, const char *query, pkx_decode_fn decode,
                         void *out, pk_error *err);
/* head + escaped(a) [+ mid [+ escaped(b)]], malloc'd; b NULL: mid is a literal tail. NULL with err
 * set when a or b cannot be a path segment (pk_path_segment_valid) or memory ran out. */
char *pkx_build_path(const char *head, const char *a, const char *mid, const char *b,
                     pk_error *err);
/* "/cvms/" + escaped(the normalised cvm_id, as the SDKs send it) + tail (a literal such as "/envs"),
 * malloc'd; NULL with err set for an id that is no CVM id or no path segment, or out of memory. */
char *pkx_cvm_path(const char *cvm_id, const char *tail, pk_error *err);
/* Every one of keys[0..n) present and non-empty; else false with an INVALID_ARG error naming
 * what[i]. */
bool pkx_env_keys_ok(const char *what, const char *const *keys, size_t n, pk_error *err);

/* "page=…&page_size=…&is_onchain=…" (parts that are 0/unset left out) into buf; -1 (with an
 * INVALID_ARG error) for a page below 1 or a page size outside 1..PK_PAGE_SIZE_MAX. */
int pkx_page_query(char *buf, size_t len, pk_tristate is_onchain, int page, int page_size,
                   pk_error *err);

/* Copies the n items of size sz at src to the end of *dst, which holds *n_dst items in room for
 * *cap (shallow: what the items point to now belongs to dst, so the caller frees only src's array).
 * -1 when out of memory, nothing moved (the caller then releases src with its items). */
int pkx_items_append(void **dst, size_t *n_dst, size_t *cap, const void *src, size_t n, size_t sz);
/* Whether a walk stops after this page: it came back empty, it is the last the server announced,
 * or every item the total promised has arrived. */
bool pkx_page_is_last(int page, size_t n_page, size_t n_have, int64_t total, int64_t pages);

#endif /* PKX_ENDPOINT_H */
