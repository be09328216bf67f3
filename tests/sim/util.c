/* util.c — small helpers shared by the simulator's files: hex, strings, the monotonic clock, the
 * lookups of KMS nodes, contracts and CVMs by every identifier form the real API accepts, which API
 * version a request asks for, and the JSON of a node, a contract and a replica. */
#include "sim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

bool sim_is_hex(const char *s, size_t len)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n == 0 || (len && n != len)) return false;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return true;
}

const char *sim_strip0x(const char *s)
{
    if (s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return s + 2;
    return s;
}

char *sim_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void sim_lower(char *s)
{
    for (; s && *s; s++) *s = (char)tolower((unsigned char)*s);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int sim_hex_decode(const char *hex, uint8_t *out, size_t outlen)
{
    if (!hex || strlen(hex) != 2 * outlen) return -1;
    for (size_t i = 0; i < outlen; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void sim_hex_encode(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

double sim_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sim_kms *sim_find_kms(struct sim_state *st, const char *id_or_slug)
{
    for (size_t i = 0; i < st->nkms; i++) {
        struct sim_kms *k = &st->kms[i];
        if (strcmp(k->id, id_or_slug) == 0 || (k->slug && strcmp(k->slug, id_or_slug) == 0))
            return k;
    }
    return NULL;
}

struct sim_contract *sim_find_contract(struct sim_state *st, const char *id_or_slug)
{
    for (size_t i = 0; i < st->ncontracts; i++) {
        struct sim_contract *c = &st->contracts[i];
        if (strcmp(c->id, id_or_slug) == 0 || (c->slug && strcmp(c->slug, id_or_slug) == 0))
            return c;
    }
    return NULL;
}

const struct sim_keys *sim_kms_keys(const struct sim_state *st, const struct sim_kms *k)
{
    return &st->contracts[k->contract].keys;
}

const char *sim_kms_type(bool has_chain, long long chain_id)
{
    if (!has_chain) return "phala";
    switch (chain_id) {
    case 1:
        return "ethereum";
    case 31337:
        return "anvil";
    default:
        return "base";
    }
}

/* Versions are dates, so they compare as strings; no header, or an older date, is the node era
 * (what @phala/cloud 0.2.9 sends by default: 2026-01-21). */
bool sim_contract_era(const struct sim_req *q)
{
    const char *v = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-Phala-Version");
    if (!v) return false;
    if (strcasecmp(v, "latest") == 0) return true;
    return strlen(v) == 10 && strcmp(v, SIM_CONTRACT_VERSION) >= 0;
}

/* The SDKs send the CVM id as is, `app_<40 hex>` for an app id, or the name (§1.3); a bare 40-hex
 * app id is accepted too because hand-written clients send it. */
void sim_cvm_uuid(const struct sim_cvm *c, char out[37])
{
    const char *d = c->device_id;
    snprintf(out, 37, "%.8s-%.4s-4%.3s-8%.3s-%.12s", d, d + 8, d + 12, d + 15, d + 18);
}

/* Whether ident is c's vm_uuid, with or without dashes (the SDKs send it without). */
static bool uuid_matches(const struct sim_cvm *c, const char *ident)
{
    char uuid[37], bare[33];
    sim_cvm_uuid(c, uuid);
    size_t o = 0;
    for (const char *p = uuid; *p; p++)
        if (*p != '-') bare[o++] = *p;
    bare[o] = 0;
    return strcasecmp(ident, uuid) == 0 || strcasecmp(ident, bare) == 0;
}

struct sim_cvm *sim_find_cvm(struct sim_state *st, const char *ident)
{
    const char *app = NULL;
    if (strncmp(ident, "app_", 4) == 0 && sim_is_hex(ident + 4, 40))
        app = ident + 4;
    else if (sim_is_hex(sim_strip0x(ident), 40))
        app = sim_strip0x(ident);
    for (size_t i = 0; i < st->ncvms; i++) {
        struct sim_cvm *c = &st->cvms[i];
        if (c->deleted) continue;
        if (strcmp(c->id, ident) == 0) return c;
        if (app && strcasecmp(c->app_id, app) == 0) return c;
        if (uuid_matches(c, ident)) return c;
    }
    for (size_t i = 0; i < st->ncvms; i++) {
        struct sim_cvm *c = &st->cvms[i];
        if (!c->deleted && strcmp(c->name, ident) == 0) return c;
    }
    return NULL;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* KmsInfo as GET /kms/{id} returns it (2026-05-22 node shape plus the newest k256_pubkey). */
cJSON *sim_kms_info_json(const struct sim_state *st, const struct sim_kms *k)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", k->id);
    cJSON_AddItemToObject(o, "slug", str_or_null(k->slug));
    cJSON_AddStringToObject(o, "url", k->url);
    cJSON_AddStringToObject(o, "version", k->version);
    if (k->has_chain)
        cJSON_AddNumberToObject(o, "chain_id", (double)k->chain_id);
    else
        cJSON_AddNullToObject(o, "chain_id");
    cJSON_AddItemToObject(o, "kms_contract_address", str_or_null(k->kms_contract_address));
    cJSON_AddItemToObject(o, "gateway_app_id", str_or_null(k->gateway_app_id));
    cJSON_AddStringToObject(o, "k256_pubkey", sim_kms_keys(st, k)->k256_pubkey);
    return o;
}

/* Replicas the contract API lists and routes to: the enabled ones (its health filter). */
static long long enabled_nodes(const struct sim_state *st, const struct sim_contract *c)
{
    long long n = 0;
    for (size_t i = 0; i < st->nkms; i++)
        if (&st->contracts[st->kms[i].contract] == c && st->kms[i].enabled) n++;
    return n;
}

/* KmsContract as GET /kms and GET /kms/{slug} return it under 2026-06-23. */
cJSON *sim_contract_json(const struct sim_state *st, const struct sim_contract *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddItemToObject(o, "slug", str_or_null(c->slug));
    cJSON_AddItemToObject(o, "label", str_or_null(c->label));
    cJSON_AddStringToObject(o, "contract_address", c->contract_address);
    cJSON_AddNumberToObject(o, "chain_id", (double)c->chain_id);
    cJSON_AddStringToObject(o, "k256_pubkey", c->keys.k256_pubkey);
    cJSON_AddItemToObject(o, "ca_pubkey", str_or_null(c->ca_pubkey));
    cJSON_AddNumberToObject(o, "node_count", (double)enabled_nodes(st, c));
    return o;
}

cJSON *sim_node_json(const struct sim_kms *k)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", k->id);
    cJSON_AddItemToObject(o, "slug", str_or_null(k->slug));
    cJSON_AddStringToObject(o, "url", k->url);
    cJSON_AddStringToObject(o, "version", k->version);
    cJSON_AddStringToObject(o, "kms_type", sim_kms_type(k->has_chain, k->chain_id));
    return o;
}

void sim_path_split(struct sim_path *p, const char *path)
{
    memset(p, 0, sizeof *p);
    if (*path == '/') path++;
    p->buf = sim_strdup(path);
    if (!p->buf) {
        p->n = SIM_MAX_SEGS + 1;
        return;
    }
    /* A trailing slash is not a segment: FastAPI would redirect, we simply treat "/kms/" as "/kms".
     */
    size_t len = strlen(p->buf);
    if (len && p->buf[len - 1] == '/') p->buf[len - 1] = '\0';
    char *s = p->buf;
    if (!*s) return;
    for (;;) {
        if (p->n == SIM_MAX_SEGS) {
            p->n = SIM_MAX_SEGS + 1;
            return;
        }
        p->seg[p->n++] = s;
        char *slash = strchr(s, '/');
        if (!slash) break;
        *slash = '\0';
        s = slash + 1;
    }
}

void sim_path_free(struct sim_path *p)
{
    free(p->buf);
    memset(p, 0, sizeof *p);
}
