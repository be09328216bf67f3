/* client.c — the client's configuration and lifecycle: explicit values, then PHALA_CLOUD_API_KEY /
 * PHALA_OIDC_TOKEN / PHALA_CLOUD_WORKSPACE / PHALA_CLOUD_API_PREFIX, then defaults; the loopback-only
 * http:// rule; the User-Agent; and credential copies that are wiped when the client is freed. The client is immutable after pk_client_new, so any
 * number of threads may call endpoints on it at once. */
#include "api/pkx_client.h"

#include "api/pkx_http.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PHALAKMS_VERSION
#define PHALAKMS_VERSION "0.0.0"
#endif

void pk_config_init(pk_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_retries = -1;
}

static const char *first_set(const char *explicit_value, const char *env_name)
{
    if (explicit_value && explicit_value[0]) return explicit_value;
    const char *e = getenv(env_name);
    return (e && e[0]) ? e : NULL;
}

/* A header value must not carry CR/LF or other controls (header injection). */
static bool header_safe_n(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return false;
    return true;
}

static bool header_safe(const char *s)
{
    return header_safe_n(s, strlen(s));
}

int pk_client_new(const pk_config *cfg, pk_client **out, pk_error *err)
{
    pk_config defaults;
    if (!out) return pkx_error_set(err, PK_ERR_INVALID_ARG, "pk_client_new: out is NULL");
    *out = NULL;
    if (!cfg) {
        pk_config_init(&defaults);
        cfg = &defaults;
    }

    const char *key = first_set(cfg->api_key, "PHALA_CLOUD_API_KEY");
    const char *bearer = first_set(cfg->bearer_token, "PHALA_OIDC_TOKEN");
    const char *ws = first_set(cfg->workspace, "PHALA_CLOUD_WORKSPACE");
    /* The workspace is trimmed and sent only when something is left, as the JS SDK does. */
    size_t ws_len = 0;
    if (ws) {
        while (*ws == ' ' || *ws == '\t') ws++;
        ws_len = strlen(ws);
        while (ws_len && (ws[ws_len - 1] == ' ' || ws[ws_len - 1] == '\t')) ws_len--;
        if (!ws_len) ws = NULL;
    }
    const char *prefix = first_set(cfg->api_prefix, "PHALA_CLOUD_API_PREFIX");
    if (!prefix) prefix = PK_DEFAULT_API_PREFIX;
    const char *version =
        (cfg->api_version && cfg->api_version[0]) ? cfg->api_version : PK_DEFAULT_API_VERSION;
    /* The key is checked without ever being echoed. */
    if (key && !header_safe(key))
        return pkx_error_set(err, PK_ERR_CONFIG, "the API key contains control characters");
    if (bearer && !header_safe(bearer))
        return pkx_error_set(err, PK_ERR_CONFIG, "the OIDC token contains control characters");
    if (ws && !header_safe_n(ws, ws_len))
        return pkx_error_set(err, PK_ERR_CONFIG, "workspace contains control characters");
    if (!header_safe(version))
        return pkx_error_set(err, PK_ERR_CONFIG, "api_version contains control characters");
    if (cfg->timeout_ms < 0 || cfg->deadline_ms < 0)
        return pkx_error_set(err, PK_ERR_CONFIG, "timeout and deadline must not be negative");

    pk_client *c = calloc(1, sizeof *c);
    if (!c) return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    c->prefix = pkx_strdup(prefix);
    c->api_version = pkx_strdup(version);
    if (key) {
        c->api_key_len = strlen(key);
        c->api_key = pkx_strdup(key);
    }
    if (bearer) {
        c->bearer_len = strlen(bearer);
        c->bearer = pkx_strdup(bearer);
    }
    c->cred = key ? (bearer ? PKX_CRED_API_KEY_WITH_OIDC : PKX_CRED_API_KEY)
                  : (bearer ? PKX_CRED_OIDC : PKX_CRED_API_KEY);
    if (ws) c->workspace = pkx_strndup(ws, ws_len);
    if (!c->prefix || !c->api_version || (key && !c->api_key) || (bearer && !c->bearer) ||
        (ws && !c->workspace)) {
        pk_client_free(c);
        return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    }
    size_t n = strlen(c->prefix);
    while (n && c->prefix[n - 1] == '/') c->prefix[--n] = '\0';
    if (pkx_prefix_check(c->prefix, &c->host, err) != 0) {
        pk_client_free(c);
        return -1;
    }
    c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : PK_DEFAULT_TIMEOUT_MS;
    c->deadline_ms = cfg->deadline_ms                         ? cfg->deadline_ms
                     : c->timeout_ms > PK_DEFAULT_DEADLINE_MS ? c->timeout_ms
                                                              : PK_DEFAULT_DEADLINE_MS;
    c->max_retries = cfg->max_retries < 0 ? PK_DEFAULT_MAX_RETRIES : cfg->max_retries;
    c->cancel = cfg->cancel;
    c->log_fn = cfg->log_fn;
    c->log_user = cfg->log_user;
    snprintf(c->user_agent, sizeof c->user_agent, "terraform-provider-phala/%s libphalakms",
             PHALAKMS_VERSION);
    /* Which credential, for the GET cache's keys: a hash, so no copy of the secret spreads. */
    unsigned char id[16];
    const char *secret = key ? c->api_key : c->bearer;
    size_t secret_len = key ? c->api_key_len : c->bearer_len;
    crypto_generichash(id, sizeof id, (const unsigned char *)(secret ? secret : ""),
                       secret ? secret_len : 0, NULL, 0);
    sodium_bin2hex(c->cred_id, sizeof c->cred_id, id, sizeof id);
    if (cfg->get_cache_ms > 0 && !(c->get_cache = pkx_get_cache_new(cfg->get_cache_ms))) {
        pk_client_free(c);
        return pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
    }
    *out = c;
    return 0;
}

void pk_client_wipe_credentials(pk_client *c)
{
    if (!c) return;
    if (c->api_key) sodium_memzero(c->api_key, c->api_key_len);
    if (c->bearer) sodium_memzero(c->bearer, c->bearer_len);
}

void pk_client_free(pk_client *c)
{
    if (!c) return;
    if (c->api_key) {
        sodium_memzero(c->api_key, c->api_key_len);
        free(c->api_key);
    }
    if (c->bearer) {
        sodium_memzero(c->bearer, c->bearer_len);
        free(c->bearer);
    }
    free(c->workspace);
    free(c->prefix);
    free(c->host);
    free(c->api_version);
    pkx_get_cache_free(c->get_cache);
    sodium_memzero(c, sizeof *c);
    free(c);
}

void pk_client_forget_reads(pk_client *c)
{
    if (c) pkx_get_cache_forget(c->get_cache);
}

const char *pk_client_api_prefix(const pk_client *c)
{
    return c ? c->prefix : NULL;
}
