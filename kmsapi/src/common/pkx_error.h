/* pkx_error.h — building the one error value of libphalakms (pk_error, phalakms/client.h): set,
 * reset, the one-line human message, and scrubbing a secret out of it. Used by the API client, the
 * Ethereum client and the libcurl layer alike; reading the API's error bodies is api/'s job. */
#ifndef PKX_ERROR_H
#define PKX_ERROR_H

#include <stddef.h>

#include "phalakms/client.h"

void pkx_error_reset(pk_error *err);
/* Sets kind and a printf-style message; builds the human line. Always returns -1. */
int pkx_error_set(pk_error *err, pk_error_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The credential a request carried, so that a 401/403 message says which one to check. */
typedef enum pkx_cred {
    PKX_CRED_API_KEY = 0,       /* X-API-Key (also the wording when nothing else is known) */
    PKX_CRED_API_KEY_WITH_OIDC, /* X-API-Key; an OIDC token is configured too but not sent */
    PKX_CRED_OIDC,              /* Authorization: Bearer, no API key configured */
} pkx_cred;

/* Rebuilds err->human; host may be NULL. */
void pkx_error_humanize(pk_error *err, const char *host, pkx_cred cred);
/* Replaces each occurrence of secret in s by "[REDACTED]": returns s itself when there is none,
 * else a new string (the old one is wiped and freed). */
char *pkx_redact(char *s, const char *secret, size_t secret_len);
/* pkx_redact over every string of err. */
void pkx_error_redact(pk_error *err, const char *secret, size_t secret_len);

#endif /* PKX_ERROR_H */
