/* rpc_codec.c — what travels in JSON-RPC: strict hex quantities and data, revert reasons decoded
 * from error data (Error(string), Panic(uint256), OwnableUnauthorizedAccount), and one answer read
 * as a result or an error turned into a sentence for a person (with hints for nonce/funds errors). */
#include "common/pkx_error.h"
#include "common/pkx_str.h"
#include "eth/eth_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ETH_REASON_MAX 256

/* ---- hex values --------------------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int pkx_eth_quantity(const char *s, uint64_t *out)
{
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2]) return -1;
    uint64_t v = 0;
    for (const char *p = s + 2; *p; p++) {
        int d = hexval((unsigned char)*p);
        if (d < 0 || v > (UINT64_MAX >> 4)) return -1;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int pkx_eth_quantity256(const char *s, uint8_t out[32])
{
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2]) return -1;
    const char *p = s + 2;
    while (*p == '0' && p[1]) p++; /* tolerated leading zeros */
    size_t n = strlen(p);
    if (n > 64) return -1;
    memset(out, 0, 32);
    for (size_t i = 0; i < n; i++) {
        int d = hexval((unsigned char)p[n - 1 - i]);
        if (d < 0) return -1;
        out[31 - i / 2] |= (uint8_t)(d << (4 * (i & 1)));
    }
    return 0;
}

int pkx_eth_data(const char *s, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
    size_t n = strlen(s + 2);
    if (n % 2) return -1;
    uint8_t *b = malloc(n / 2 + 1);
    if (!b) return -1;
    size_t got = 0;
    if (n && pk_hex_decode(s + 2, n, b, n / 2, &got) != 0) {
        free(b);
        return -1;
    }
    *out = b;
    *len = got;
    return 0;
}

/* ---- revert reasons ----------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t selector_of(const char *signature)
{
    uint8_t h[32];
    pk_keccak256(signature, strlen(signature), h);
    return be32(h);
}

/* An ABI word that must hold a small number (offset or length). */
static bool abi_small(const uint8_t *w, size_t *out)
{
    for (int i = 0; i < 24; i++)
        if (w[i]) return false;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = (v << 8) | w[i];
    if (v > SIZE_MAX / 2) return false;
    *out = (size_t)v;
    return true;
}

static char *printable(const uint8_t *s, size_t n)
{
    if (n > ETH_REASON_MAX) n = ETH_REASON_MAX;
    char *o = malloc(n + 1);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) o[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    o[n] = '\0';
    return o;
}

char *pkx_eth_revert_reason(const uint8_t *data, size_t len)
{
    if (!data || len < 4) return NULL;
    uint32_t sel = be32(data);
    const uint8_t *a = data + 4;
    size_t alen = len - 4;
    char buf[160];
    if (sel == 0x08c379a0u) { /* Error(string) */
        size_t off, n;
        if (alen < 64 || !abi_small(a, &off) || off > alen - 32 || !abi_small(a + off, &n) ||
            n > alen - off - 32)
            return NULL;
        return printable(a + off + 32, n);
    }
    if (sel == 0x4e487b71u && alen >= 32) { /* Panic(uint256) */
        snprintf(buf, sizeof buf, "panic 0x%02x (assertion or arithmetic failure)", a[31]);
        return pkx_strdup(buf);
    }
    if (alen >= 32 && sel == selector_of("OwnableUnauthorizedAccount(address)")) {
        char addr[PK_ETH_ADDRESS_STRLEN];
        pkx_eth_hex0x(a + 12, 20, addr);
        snprintf(buf, sizeof buf, "OwnableUnauthorizedAccount(%s): the caller is not the owner",
                 addr);
        return pkx_strdup(buf);
    }
    return NULL;
}

/* Revert data may sit in error.data as a hex string, or (ganache) in error.data.result / .data. */
static const char *revert_hex(const cJSON *data)
{
    if (cJSON_IsString(data)) return data->valuestring;
    if (cJSON_IsObject(data)) {
        const char *keys[] = {"result", "data", NULL};
        for (int i = 0; keys[i]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, keys[i]);
            if (cJSON_IsString(v)) return v->valuestring;
        }
    }
    return NULL;
}

/* ---- JSON-RPC answers --------------------------------------------------------------------------- */

bool pkx_eth_contains_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static int rpc_error(const cJSON *e, const char *method, pk_error *err)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(e, "data");
    /* the node's number is outside input: converted only when it fits (1e300 would be UB) */
    double cd = cJSON_IsNumber(code) ? code->valuedouble : 0;
    long c = isfinite(cd) && cd >= -2147483648.0 && cd <= 2147483647.0 ? (long)cd : 0;
    char *m = cJSON_IsString(msg)
                  ? printable((const uint8_t *)msg->valuestring, strlen(msg->valuestring))
                  : pkx_strdup("(no message)");
    char *reason = NULL;
    const char *rh = revert_hex(data);
    if (rh) {
        uint8_t *rd;
        size_t rl;
        if (pkx_eth_data(rh, &rd, &rl) == 0) {
            reason = pkx_eth_revert_reason(rd, rl);
            free(rd);
        }
    }
    const char *hint = "";
    if (pkx_eth_contains_ci(m, "nonce too low") || pkx_eth_contains_ci(m, "nonce is too low"))
        hint = " — another transaction from this account got that nonce first; run apply again";
    else if (pkx_eth_contains_ci(m, "insufficient funds"))
        hint = " — the signing account cannot pay for gas; send it some ETH on this chain";
    else if (pkx_eth_contains_ci(m, "replacement transaction underpriced"))
        hint = " — a transaction with the same nonce is pending; wait for it and run apply again";
    if (reason)
        pkx_error_set(err, PK_ERR_RPC,
                      "the Ethereum node rejected %s: execution reverted: %s (%s, code %ld)",
                      method, reason, m ? m : "", c);
    else
        pkx_error_set(err, PK_ERR_RPC, "the Ethereum node rejected %s: %s (code %ld)%s", method,
                      m ? m : "", c, hint);
    free(m);
    free(reason);
    return -1;
}

int pkx_eth_rpc_result(const char *body, size_t len, const char *method, cJSON **root,
                       const cJSON **result, pk_error *err)
{
    *root = NULL;
    *result = NULL;
    cJSON *doc = (body && len) ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return pkx_error_set(err, PK_ERR_DECODE, "%s: the answer is not a JSON-RPC object", method);
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    if (e && !cJSON_IsNull(e)) {
        if (cJSON_IsObject(e))
            rpc_error(e, method, err);
        else
            pkx_error_set(err, PK_ERR_RPC, "the Ethereum node rejected %s", method);
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "result");
    if (!r) {
        cJSON_Delete(doc);
        return pkx_error_set(err, PK_ERR_DECODE, "%s: the answer has neither result nor error",
                             method);
    }
    *root = doc;
    *result = r;
    return 0;
}
