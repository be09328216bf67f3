/* pkx_client.h — the client object behind the public pk_client handle: its resolved, immutable
 * configuration (client.c builds it). Private to libphalakms; every name carries the pkx_ prefix. */
#ifndef PKX_CLIENT_H
#define PKX_CLIENT_H

#include <stddef.h>

#include "common/pkx_error.h"
#include "net/pkx_get_cache.h"
#include "phalakms/client.h"

struct pk_client {
    char *api_key; /* NULL when none was configured; wiped on free */
    size_t api_key_len;
    char *bearer; /* the OIDC token, NULL when none; sent only without an API key; wiped on free */
    size_t bearer_len;
    pkx_cred cred;   /* which of the two requests carry (names it in 401/403 messages) */
    char *workspace; /* X-Phala-Workspace value, NULL = not sent */
    char *prefix;    /* no trailing '/' */
    char *host;      /* for messages ("cloud-api.phala.com") */
    char *api_version;
    long timeout_ms;
    long deadline_ms;
    int max_retries;
    pk_cancel *cancel;
    pk_log_fn log_fn;
    void *log_user;
    char user_agent[96];
    char cred_id[33];         /* hex of a hash of the credential: part of the GET cache keys */
    pkx_get_cache *get_cache; /* NULL unless pk_config.get_cache_ms (see pkx_get_cache.h) */
};

#endif /* PKX_CLIENT_H */
