/* pkx_get_cache.h — a client's short-lived cache of GET answers, so that identical GETs within one
 * plan are sent once (a plan is a snapshot): a refresh and the plan of the same resource, or 200
 * data sources reading one KMS contract, share one request. Thread-safe; owned by one pk_client,
 * which the provider makes anew for every Terraform command (ConfigureProvider).
 *
 * The rule — why nothing stale is ever served, a refresh after an update included:
 *  - only 2xx answers to GET are stored, never an error, and an entry lives at most ttl_ms;
 *  - the key is the whole URL, X-Phala-Version, the workspace, the credential's identity (a hash,
 *    never the secret) and any extra request header: any difference is another entry;
 *  - an object is a URL's first two path segments (/cvms/{id}, /kms/{x}). Any write (a request
 *    other than GET) to an object drops its entries and marks it written for the rest of the
 *    cache's life: its GETs then always go to the network and are never stored (the wait's polls
 *    see the live CVM), nor is an answer that was still in flight when the write began. Entries of
 *    the same collection whose body names the written id (another spelling of the same CVM) go too;
 *  - identical GETs sent at once wait for the first (single flight); if it fails, each sends its
 *    own request;
 *  - a new Terraform command starts from nothing: the provider makes a new client, or calls
 *    pk_client_forget_reads when it reuses one (a --debug provider serves many commands). */
#ifndef PKX_GET_CACHE_H
#define PKX_GET_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "phalakms/client.h"

typedef struct pkx_get_cache pkx_get_cache;

/* An answer as stored and handed out (malloc'd copies; request_id may be NULL). */
typedef struct pkx_cached {
    int status;
    char *body;
    size_t len;
    char *request_id;
} pkx_cached;

pkx_get_cache *pkx_get_cache_new(long ttl_ms); /* NULL on OOM */
void pkx_get_cache_free(pkx_get_cache *gc);

/* 1: a stored answer, copied into *out. 0: none — the caller sends the request and then calls
 * pkx_get_cache_done with *ticket (a no-op for ticket 0: this answer is not to be stored). Waits
 * for an identical GET in flight, giving up when cancel fires or deadline (pkx_now_ms) passes. */
int pkx_get_cache_lookup(pkx_get_cache *gc, const char *key, const char *object,
                         const pk_cancel *cancel, long long deadline, pkx_cached *out, int *ticket);
/* The end of a lookup's miss: ok = the 2xx answer to store, or NULL when the request failed. */
void pkx_get_cache_done(pkx_get_cache *gc, const char *key, int ticket, const pkx_cached *ok);
/* A write to object is about to be sent (see the rule above). */
void pkx_get_cache_wrote(pkx_get_cache *gc, const char *object);
/* A new snapshot begins (another Terraform command on a long-lived provider): every stored answer
 * goes, answers in flight will not be stored; written objects stay uncached. */
void pkx_get_cache_forget(pkx_get_cache *gc);
void pkx_cached_free(pkx_cached *c);

#endif
