/* pkx_client.h — the client object behind the public pk_client handle: its resolved, immutable
 * configuration (client.c builds it). Private to libphalakms; every name carries the pkx_ prefix. */
#ifndef PKX_CLIENT_H
#define PKX_CLIENT_H

#include <stddef.h>

#include "phalakms/client.h"

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

#endif /* PKX_CLIENT_H */
