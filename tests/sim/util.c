/* util.c — small helpers shared by the simulator's files: hex, strings, the monotonic clock, and
 * the lookups of KMS and CVMs by every identifier form the real API accepts. */
#include "sim.h"

#include <ctype.h>
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

/* The SDKs send the CVM id as is, `app_<40 hex>` for an app id, or the name (§1.3); a bare 40-hex
 * app id is accepted too because hand-written clients send it. */
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
cJSON *sim_kms_info_json(const struct sim_kms *k)
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
    cJSON_AddStringToObject(o, "k256_pubkey", k->k256_pubkey);
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
