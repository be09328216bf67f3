/* client_seal.c — pk_client_seal / pk_client_open: sealing keyed by the credential the client
 * holds, so that callers (the provider's private state) never need the credential itself. */
#include "api/pkx_client.h"
#include "phalakms/crypto.h"

#include <string.h>

static const char *material(const pk_client *c)
{
    if (!c) return NULL;
    const char *m = c->api_key ? c->api_key : c->bearer;
    return m && m[0] ? m : NULL; /* wiped credentials seal nothing */
}

int pk_client_seal(const pk_client *c, const char *secret, const char *purpose, char **out_hex)
{
    if (out_hex) *out_hex = NULL;
    const char *m = material(c);
    return m ? pk_secret_seal(secret, m, purpose, out_hex) : -1;
}

int pk_client_open(const pk_client *c, const char *sealed_hex, const char *purpose,
                   char **out_secret)
{
    if (out_secret) *out_secret = NULL;
    const char *m = material(c);
    return m ? pk_secret_open(sealed_hex, m, purpose, out_secret) : -1;
}
