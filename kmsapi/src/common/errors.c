/* errors.c — the pk_error value: building it, its one-line human message (written per kind, with
 * the hint a person needs next), and scrubbing a secret out of every string it holds. */
#include "common/pkx_error.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pkx_str.h"

void pkx_error_reset(pk_error *err)
{
    if (!err) return;
    free(err->error_code);
    free(err->message);
    free(err->request_id);
    free(err->call);
    for (size_t i = 0; i < err->n_fields; i++) {
        free(err->fields[i].loc);
        free(err->fields[i].msg);
    }
    free(err->fields);
    free(err->human);
    memset(err, 0, sizeof *err);
}

void pk_error_clear(pk_error *err)
{
    pkx_error_reset(err);
}

bool pk_error_outcome_unknown(const pk_error *err)
{
    if (!err || err->kind == PK_ERR_NONE) return false;
    if (err->http_status >= 500) return true;
    if (err->http_status >= 200 && err->http_status < 300) return true; /* done, unreadable */
    if (err->http_status) return false; /* a 3xx/4xx answer: definitely not done */
    return err->request_sent && (err->kind == PK_ERR_TIMEOUT || err->kind == PK_ERR_NETWORK ||
                                 err->kind == PK_ERR_CANCELLED || err->kind == PK_ERR_DECODE);
}

const char *pk_error_kind_name(pk_error_kind kind)
{
    switch (kind) {
    case PK_ERR_NONE:
        return "none";
    case PK_ERR_CONFIG:
        return "config";
    case PK_ERR_INVALID_ARG:
        return "invalid_argument";
    case PK_ERR_NETWORK:
        return "network";
    case PK_ERR_TIMEOUT:
        return "timeout";
    case PK_ERR_TLS:
        return "tls";
    case PK_ERR_CANCELLED:
        return "cancelled";
    case PK_ERR_REDIRECT:
        return "redirect";
    case PK_ERR_HTTP:
        return "http";
    case PK_ERR_DECODE:
        return "decode";
    case PK_ERR_PRECONDITION:
        return "precondition";
    case PK_ERR_HASH_EXPIRED:
        return "hash_expired";
    case PK_ERR_TX_VERIFY_FAILED:
        return "tx_verify_failed";
    case PK_ERR_HASH_NOT_ALLOWED:
        return "hash_not_allowed";
    case PK_ERR_NOMEM:
        return "out_of_memory";
    case PK_ERR_RPC:
        return "rpc";
    case PK_ERR_CHAIN_MISMATCH:
        return "chain_mismatch";
    case PK_ERR_NOT_OWNER:
        return "not_owner";
    case PK_ERR_INSUFFICIENT_FUNDS:
        return "insufficient_funds";
    case PK_ERR_TX_FAILED:
        return "tx_failed";
    case PK_ERR_TX_NOT_FOUND:
        return "tx_not_found";
    }
    return "unknown";
}

const char *pk_error_message(const pk_error *err)
{
    if (!err || err->kind == PK_ERR_NONE) return "no error";
    if (err->human) return err->human;
    if (err->message) return err->message;
    return pk_error_kind_name(err->kind);
}

int pkx_error_set(pk_error *err, pk_error_kind kind, const char *fmt, ...)
{
    if (!err) return -1;
    pkx_error_reset(err);
    err->kind = kind;
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    err->message = pkx_strdup(tmp);
    pkx_error_humanize(err, NULL, PKX_CRED_API_KEY);
    return -1;
}

static void human_fields(pkx_sb *b, const pk_error *err)
{
    size_t shown = err->n_fields < 5 ? err->n_fields : 5;
    for (size_t i = 0; i < shown; i++) {
        pkx_sb_puts(b, i ? "; " : ": ");
        if (err->fields[i].loc && err->fields[i].loc[0]) {
            pkx_sb_puts(b, err->fields[i].loc);
            pkx_sb_puts(b, ": ");
        }
        pkx_sb_puts(b, err->fields[i].msg);
    }
    if (err->n_fields > shown) pkx_sb_printf(b, "; and %zu more", err->n_fields - shown);
}

/* 401/403 name the credential the request carried: with an OIDC token the usual causes (an expired
 * token, a workspace that does not trust the repository) differ from an API key's. */
static void human_auth(pkx_sb *b, const pk_error *err, pkx_cred cred)
{
    const char *m = err->message ? err->message : "";
    if (cred == PKX_CRED_OIDC) {
        if (err->http_status == 401) {
            pkx_sb_puts(b, "the OIDC token was rejected (HTTP 401): ");
            pkx_sb_puts(b, m);
            pkx_sb_puts(b,
                        " — check oidc_token / PHALA_OIDC_TOKEN: CI tokens expire within minutes "
                        "and must be issued for Phala Cloud");
        } else {
            pkx_sb_puts(b, "the OIDC token is not allowed to do this (HTTP 403): ");
            pkx_sb_puts(b, m);
            pkx_sb_puts(b, " — check that the workspace trusts this token's repository, and set "
                           "workspace / PHALA_CLOUD_WORKSPACE when it is trusted in several");
        }
        return;
    }
    if (err->http_status == 401)
        pkx_sb_puts(b, "the API key was rejected (HTTP 401) — check api_key / PHALA_CLOUD_API_KEY");
    else {
        pkx_sb_puts(b, "the API key is not allowed to do this (HTTP 403): ");
        pkx_sb_puts(b, m);
        pkx_sb_puts(b, " — check the key's workspace and permissions");
    }
    if (cred == PKX_CRED_API_KEY_WITH_OIDC)
        pkx_sb_puts(b, " (an OIDC token is configured too, but the API key takes precedence)");
}

static void human_http(pkx_sb *b, const pk_error *err, pkx_cred cred)
{
    int s = err->http_status;
    const char *m = err->message ? err->message : "";
    switch (s) {
    case 401:
    case 403:
        human_auth(b, err, cred);
        return;
    case 404:
        /* "not found" alone does not say what: the call's path holds the id or slug asked for */
        pkx_sb_puts(b, "not found (HTTP 404): ");
        if (err->call) pkx_sb_printf(b, "%s: ", err->call);
        pkx_sb_puts(b, m);
        pkx_sb_puts(b, " — check the id or slug");
        return;
    case 409:
        if (err->error_code) {
            pkx_sb_puts(b, "the API refused the request (HTTP 409): ");
            pkx_sb_puts(b, m);
        } else {
            pkx_sb_printf(b,
                          "another operation is in progress (HTTP 409) and %d attempt(s) did not "
                          "get through: ",
                          err->attempts ? err->attempts : 1);
            pkx_sb_puts(b, m);
            pkx_sb_puts(b, " — wait for it to finish and try again");
        }
        return;
    case 422:
        pkx_sb_puts(b, "the API rejected the request as invalid (HTTP 422)");
        if (err->n_fields)
            human_fields(b, err);
        else {
            pkx_sb_puts(b, ": ");
            pkx_sb_puts(b, m);
        }
        return;
    case 429:
        pkx_sb_printf(b,
                      "rate limited by the API (HTTP 429) after %d attempt(s) — wait and retry, or "
                      "raise max_retries",
                      err->attempts ? err->attempts : 1);
        return;
    default:
        break;
    }
    if (s >= 500) {
        pkx_sb_printf(b, "the Phala Cloud API failed (HTTP %d): ", s);
        pkx_sb_puts(b, m);
        pkx_sb_printf(b, " — a server-side problem; %d attempt(s) made, retry later",
                      err->attempts ? err->attempts : 1);
        return;
    }
    pkx_sb_printf(b, "the API answered HTTP %d: ", s);
    pkx_sb_puts(b, m);
    if (err->n_fields) human_fields(b, err);
}

void pkx_error_humanize(pk_error *err, const char *host, pkx_cred cred)
{
    if (!err) return;
    free(err->human);
    err->human = NULL;
    pkx_sb b = {0};
    const char *m = err->message ? err->message : "";
    const char *h = host ? host : "the Phala Cloud API";
    switch (err->kind) {
    case PK_ERR_NONE:
        pkx_sb_puts(&b, "no error");
        break;
    case PK_ERR_CONFIG:
        pkx_sb_puts(&b, "invalid client configuration: ");
        pkx_sb_puts(&b, m);
        break;
    case PK_ERR_INVALID_ARG:
        pkx_sb_puts(&b, m);
        break;
    case PK_ERR_NETWORK:
        pkx_sb_printf(&b, "could not reach %s: ", h);
        pkx_sb_puts(&b, m);
        pkx_sb_puts(&b, " — check api_prefix / PHALA_CLOUD_API_PREFIX and the network");
        break;
    case PK_ERR_TIMEOUT:
        pkx_sb_printf(&b, "%s did not answer in time: ", h);
        pkx_sb_puts(&b, m);
        pkx_sb_puts(&b, " — retry later or raise timeout_seconds");
        break;
    case PK_ERR_TLS:
        pkx_sb_printf(&b, "TLS verification failed for %s: ", h);
        pkx_sb_puts(&b, m);
        pkx_sb_puts(&b,
                    " — the server certificate must be valid (verification cannot be disabled)");
        break;
    case PK_ERR_CANCELLED:
        pkx_sb_puts(&b, "the request was cancelled");
        break;
    case PK_ERR_REDIRECT:
        pkx_sb_printf(&b,
                      "the API answered with a redirect (HTTP %d), which is refused so the API key "
                      "never leaves its origin — check api_prefix",
                      err->http_status);
        break;
    case PK_ERR_HTTP:
        human_http(&b, err, cred);
        break;
    case PK_ERR_DECODE:
        pkx_sb_puts(&b, "unexpected response from the Phala Cloud API: ");
        pkx_sb_puts(&b, m);
        break;
    case PK_ERR_PRECONDITION:
        pkx_sb_puts(&b, "the API requires an on-chain compose hash registration (HTTP 465): ");
        pkx_sb_puts(&b, m);
        break;
    case PK_ERR_HASH_EXPIRED:
        pkx_sb_puts(&b, "the compose hash is unknown or expired (HTTP 466): ");
        pkx_sb_puts(&b, m);
        pkx_sb_puts(&b, " — start the update over to get a fresh compose hash");
        break;
    case PK_ERR_TX_VERIFY_FAILED:
        pkx_sb_puts(&b, "the transaction does not register the compose hash (HTTP 467): ");
        pkx_sb_puts(&b, m);
        pkx_sb_puts(&b, " — check transaction_hash and its ComposeHashAdded log");
        break;
    case PK_ERR_HASH_NOT_ALLOWED:
        pkx_sb_puts(&b, "the app contract does not allow the compose hash (HTTP 468): ");
        pkx_sb_puts(&b, m);
        pkx_sb_puts(&b, " — register it with addComposeHash on the app contract");
        break;
    case PK_ERR_NOMEM:
        pkx_sb_puts(&b, "out of memory");
        break;
    case PK_ERR_RPC:
    case PK_ERR_CHAIN_MISMATCH:
    case PK_ERR_NOT_OWNER:
    case PK_ERR_INSUFFICIENT_FUNDS:
    case PK_ERR_TX_FAILED:
    case PK_ERR_TX_NOT_FOUND:
        /* The on-chain code (eth/) writes complete sentences, hints included. */
        pkx_sb_puts(&b, m);
        break;
    }
    if (err->error_code && !strstr(b.p ? b.p : "", err->error_code)) {
        pkx_sb_puts(&b, " (");
        pkx_sb_puts(&b, err->error_code);
        pkx_sb_puts(&b, ")");
    }
    if (err->request_id) {
        pkx_sb_puts(&b, " [request_id: ");
        pkx_sb_puts(&b, err->request_id);
        pkx_sb_puts(&b, "]");
    }
    err->human = pkx_sb_take(&b);
}

char *pkx_redact(char *s, const char *secret, size_t secret_len)
{
    /* A secret is matched by its length, never as a C string: a wiped one (all NUL, after
     * Shutdown) or one with a NUL inside would match everywhere and walk past the end. */
    if (!s || !secret || secret_len == 0 || memchr(secret, '\0', secret_len)) return s;
    size_t n = strlen(s);
    if (!memmem(s, n, secret, secret_len)) return s;
    static const char mark[] = "[REDACTED]";
    pkx_sb b = {0};
    const char *p = s, *end = s + n;
    const char *hit;
    while ((hit = memmem(p, (size_t)(end - p), secret, secret_len))) {
        pkx_sb_add(&b, p, (size_t)(hit - p));
        pkx_sb_puts(&b, mark);
        p = hit + secret_len;
    }
    pkx_sb_puts(&b, p);
    sodium_memzero(s, strlen(s));
    free(s);
    return pkx_sb_take(&b);
}

void pkx_error_redact(pk_error *err, const char *secret, size_t secret_len)
{
    if (!err) return;
    err->error_code = pkx_redact(err->error_code, secret, secret_len);
    err->message = pkx_redact(err->message, secret, secret_len);
    err->request_id = pkx_redact(err->request_id, secret, secret_len);
    for (size_t i = 0; i < err->n_fields; i++) {
        err->fields[i].loc = pkx_redact(err->fields[i].loc, secret, secret_len);
        err->fields[i].msg = pkx_redact(err->fields[i].msg, secret, secret_len);
    }
}
