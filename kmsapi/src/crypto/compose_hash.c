/* The compose hash, computed locally in the canonical forms of research/phala-api.md §6.2: parse the
 * app-compose JSON, optionally normalise it, re-serialise the key-sorted object the way JS
 * JSON.stringify prints it — compact (dstack's getComposeHash, form a) or indented by 4 with "key":value
 * (the app-compose.json Phala Cloud writes, form b) — and SHA-256 the UTF-8 bytes. JS details
 * reproduced here: keys sorted by UTF-16 code units, array-index keys ("0", "17") first in numeric
 * order (JS objects keep them there), duplicate keys keep the last value, numbers printed by
 * Number.prototype.toString rules, non-finite numbers (1e400 parses to Infinity) become null, no HTML
 * or non-ASCII escaping, "\u0000" kept inside strings and a lone surrogate ("\ud800") kept and
 * printed as JS's well-formed JSON.stringify prints it (\udXXX, lowercase). Also: the compose with
 * allowed_envs replaced (what an env update asks the chain to approve) and per-field digests (to
 * name the fields two composes differ in). */
#include "crypto/crypto_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

/* ---- numbers ---------------------------------------------------------------------------------- */

/* Shortest decimal digits that read back as d (|d| > 0, finite): digits into out (no sign, no
 * trailing zeros) and the decimal exponent n such that |d| = 0.DIGITS x 10^n. printf rounds ties to
 * even, but at a tie the other neighbour may be the one that round-trips (2^-24 prints as
 * 5.960464477539063e-8 in JS): so at each precision the rounded candidate and its two neighbours
 * are tried. */
static int shortest_digits(double d, char digits[24], int *n)
{
    char tmp[48];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        unsigned long long m = 0;
        const char *p = tmp;
        for (; *p && *p != 'e'; p++)
            if (*p != '.') m = m * 10 + (unsigned)(*p - '0');
        int scale = atoi(p + 1) - (prec - 1); /* d ~= m x 10^scale */
        static const int deltas[] = {0, 1, -1};
        for (int i = 0; i < 3; i++) {
            unsigned long long c = m + (unsigned long long)(long long)deltas[i];
            if (c == 0) continue;
            snprintf(tmp, sizeof tmp, "%llue%d", c, scale);
            if (strtod(tmp, NULL) != d) continue;
            int k = snprintf(digits, 24, "%llu", c);
            *n = k + scale;
            while (k > 1 && digits[k - 1] == '0') digits[--k] = '\0';
            return k;
        }
    }
    /* not reached: 17 significant digits always round-trip */
    strcpy(digits, "0");
    *n = 1;
    return 1;
}

/* Number.prototype.toString(10): shortest round-tripping digits, then JS's choice between plain and
 * exponent notation. */
static void js_number(double d, char out[40])
{
    if (d == 0) {
        strcpy(out, "0"); /* also -0 */
        return;
    }
    char digits[24];
    int n = 0;
    int k = shortest_digits(fabs(d), digits, &n);

    char *o = out;
    if (d < 0) *o++ = '-';
    if (k <= n && n <= 21) {
        memcpy(o, digits, (size_t)k);
        o += k;
        for (int i = 0; i < n - k; i++) *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, digits, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, digits + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++) *o++ = '0';
        memcpy(o, digits, (size_t)k);
        o += k;
    } else {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(k - 1));
            o += k - 1;
        }
        o += sprintf(o, "e%c%d", n - 1 > 0 ? '+' : '-', abs(n - 1));
    }
    *o = '\0';
}

/* ---- key order -------------------------------------------------------------------------------- */

/* Array index: canonical decimal (no leading zero except "0") below 2^32 - 1. */
static bool array_index(const char *k, unsigned long long *v)
{
    size_t len = strlen(k);
    if (len == 0 || len > 10 || (len > 1 && k[0] == '0')) return false;
    unsigned long long x = 0;
    for (size_t i = 0; i < len; i++) {
        if (k[i] < '0' || k[i] > '9') return false;
        x = x * 10 + (unsigned)(k[i] - '0');
    }
    if (x > 4294967294ULL) return false;
    *v = x;
    return true;
}

/* ---- strings JSON.parse keeps but cJSON cannot ---------------------------------------------------
 * cJSON keeps strings NUL-terminated (a "\u0000" cuts the string) and refuses a lone surrogate escape;
 * JSON.parse keeps both. So before cJSON sees the text, inside string literals "\u0000" becomes the
 * bytes C0 80 and a lone surrogate escape its three-byte generalised UTF-8 (ED A0..BF xx): byte
 * sequences that valid UTF-8 input never holds (checked up front), which cJSON copies through
 * unchanged. Key order, duplicates and the writer read them back; the writer prints them as JS does:
 * \u0000 and \udXXX. */

static int hex4(const char *p, size_t avail)
{
    if (avail < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool is_high(int u)
{
    return u >= 0xd800 && u <= 0xdbff;
}

static bool is_low(int u)
{
    return u >= 0xdc00 && u <= 0xdfff;
}

/* The text with those escapes replaced (never longer), NUL-terminated; NULL after an error. A raw
 * control character inside a string is refused as JSON.parse refuses it (cJSON would keep it, and
 * a raw NUL would cut the string). Malformed escapes are copied for cJSON to refuse. */
static char *protect_specials(const char *json, size_t len, size_t *out_len, char *err,
                              size_t errlen)
{
    char *out = malloc(len + 1);
    if (!out) {
        pkx_seterr(err, errlen, "out of memory");
        return NULL;
    }
    size_t i = 0, o = 0;
    bool in_string = false;
    while (i < len) {
        unsigned char c = (unsigned char)json[i];
        if (!in_string || (c != '\\' && c >= 0x20)) {
            if (c == '"') in_string = !in_string;
            out[o++] = json[i++];
            continue;
        }
        if (c < 0x20) {
            free(out);
            pkx_seterr(err, errlen,
                       "app compose is not valid JSON: a control character (0x%02x) inside a "
                       "string must be escaped",
                       c);
            return NULL;
        }
        int u = i + 1 < len && json[i + 1] == 'u' ? hex4(json + i + 2, len - i - 2) : -1;
        bool pair = is_high(u) && i + 7 < len && json[i + 6] == '\\' && json[i + 7] == 'u' &&
                    is_low(hex4(json + i + 8, len - i - 8));
        if (u == 0) {
            out[o++] = (char)0xc0;
            out[o++] = (char)0x80;
            i += 6;
        } else if ((is_high(u) || is_low(u)) && !pair) {
            out[o++] = (char)(0xe0 | (u >> 12));
            out[o++] = (char)(0x80 | ((u >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (u & 0x3f));
            i += 6;
        } else { /* any other escape: its first two bytes (a pair is then copied whole) */
            size_t n = pair ? 12 : (i + 1 < len ? 2 : 1);
            memcpy(out + o, json + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* Length of the protected sequence at s (C0 80 or ED A0..BF xx), 0 if there is none. */
static size_t special_at(const unsigned char *s)
{
    if (s[0] == 0xc0 && s[1] == 0x80) return 2;
    if (s[0] == 0xed && s[1] >= 0xa0 && s[1] <= 0xbf && s[2]) return 3;
    return 0;
}

/* The escape JS prints for the protected sequence at s (n bytes long), into out[7]. */
static void special_escape(const unsigned char *s, size_t n, char out[7])
{
    unsigned u = n == 2 ? 0 : ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    snprintf(out, 7, "\\u%04x", u);
}

/* Appends s as a JS JSON.stringify string literal, protected sequences as their escapes. */
static int quote_string(pkx_buf *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), start = 0, i = 0;
    while (i < n && !special_at(p + i)) i++;
    if (i == n) return pkx_json_quote(o, s, n); /* the common case */
    pkx_buf_putc(o, '"');
    for (i = 0; i <= n;) {
        size_t sp = i < n ? special_at(p + i) : 0;
        if (i < n && !sp) {
            i++;
            continue;
        }
        if (i > start) { /* the plain run before: quoted, then its quotes dropped */
            size_t at = o->len;
            if (pkx_json_quote(o, s + start, i - start) != 0) return -1;
            memmove(o->data + at, o->data + at + 1, o->len - at - 2);
            o->len -= 2;
        }
        if (i == n) break;
        char esc[7];
        special_escape(p + i, sp, esc);
        pkx_buf_append(o, esc, 6);
        i += sp;
        start = i;
    }
    return pkx_buf_putc(o, '"');
}

/* s with each protected sequence written as its escape text, for text that leaves this file (a
 * JSON document cJSON printed, a member name): malloc'd, NULL when out of memory. */
static char *unprotect(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1); /* at most 6 bytes for 2 */
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t sp = special_at(p + i);
        if (sp) {
            special_escape(p + i, sp, out + o);
            o += 6;
            i += sp;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* Next UTF-16 code unit of a (protected) UTF-8 string, -1 at its end; *low holds the second half of
 * a surrogate pair between calls. */
static int32_t utf16_next(const unsigned char **p, uint32_t *low)
{
    if (*low) {
        uint32_t u = *low;
        *low = 0;
        return (int32_t)u;
    }
    const unsigned char *s = *p;
    if (!s[0]) return -1;
    uint32_t c = s[0];
    int n = 0;
    if (c >= 0xf0) {
        c &= 0x07;
        n = 3;
    } else if (c >= 0xe0) {
        c &= 0x0f;
        n = 2;
    } else if (c >= 0xc0) {
        c &= 0x1f;
        n = 1;
    }
    for (int i = 1; i <= n && s[i]; i++) c = (c << 6) | (s[i] & 0x3f);
    *p = s + 1 + n;
    if (c >= 0x10000) {
        c -= 0x10000;
        *low = 0xdc00 | (c & 0x3ff);
        return (int32_t)(0xd800 | (c >> 10));
    }
    return (int32_t)c;
}

/* Compare as JS sorts strings: by UTF-16 code units (a lone surrogate is one unit, U+0000 another). */
static int utf16_cmp(const char *a, const char *b)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    uint32_t la = 0, lb = 0;
    for (;;) {
        int32_t ca = utf16_next(&pa, &la), cb = utf16_next(&pb, &lb);
        if (ca != cb) return ca < cb ? -1 : 1; /* the end (-1) sorts first */
        if (ca < 0) return 0;
    }
}

typedef struct member {
    const cJSON *item;
    size_t pos;
    bool is_index;
    unsigned long long index;
} member;

static int member_cmp(const void *x, const void *y)
{
    const member *a = x, *b = y;
    int c;
    if (a->is_index != b->is_index)
        c = a->is_index ? -1 : 1;
    else if (a->is_index)
        c = a->index < b->index ? -1 : (a->index > b->index ? 1 : 0);
    else
        c = utf16_cmp(a->item->string, b->item->string);
    if (c == 0) c = a->pos < b->pos ? -1 : (a->pos > b->pos ? 1 : 0); /* stable */
    return c;
}

/* ---- serialisation ---------------------------------------------------------------------------- */

static int write_value(pkx_buf *o, const cJSON *v, int indent, int depth);

/* Form b puts each member or element on its own line, indented by 4 per level: "\n" + spaces. */
static void newline(pkx_buf *o, int indent, int depth)
{
    if (!indent) return;
    pkx_buf_putc(o, '\n');
    for (int i = 0; i < indent * depth; i++) pkx_buf_putc(o, ' ');
}

static int write_object(pkx_buf *o, const cJSON *obj, int indent, int depth)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next) n++;
    member *m = n ? calloc(n, sizeof *m) : NULL;
    if (n && !m) return -1;
    size_t i = 0;
    for (const cJSON *c = obj->child; c; c = c->next, i++) {
        m[i].item = c;
        m[i].pos = i;
        m[i].is_index = array_index(c->string, &m[i].index);
    }
    if (n) qsort(m, n, sizeof *m, member_cmp);
    int rc = 0;
    bool first = true;
    pkx_buf_putc(o, '{');
    for (i = 0; i < n && rc == 0; i++) {
        /* Duplicates sort together in input order; JSON.parse keeps the last one. */
        if (i + 1 < n && strcmp(m[i].item->string, m[i + 1].item->string) == 0) continue;
        if (!first) pkx_buf_putc(o, ',');
        first = false;
        newline(o, indent, depth + 1);
        quote_string(o, m[i].item->string);
        pkx_buf_putc(o, ':'); /* no space in either form: form b is "key":value */
        rc = write_value(o, m[i].item, indent, depth + 1);
    }
    if (!first) newline(o, indent, depth); /* an empty object stays {} */
    pkx_buf_putc(o, '}');
    free(m);
    return rc;
}

static int write_value(pkx_buf *o, const cJSON *v, int indent, int depth)
{
    if (cJSON_IsObject(v)) return write_object(o, v, indent, depth);
    if (cJSON_IsArray(v)) {
        pkx_buf_putc(o, '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            if (c != v->child) pkx_buf_putc(o, ',');
            newline(o, indent, depth + 1);
            if (write_value(o, c, indent, depth + 1) != 0) return -1;
        }
        if (v->child) newline(o, indent, depth); /* an empty array stays [] */
        return pkx_buf_putc(o, ']');
    }
    if (cJSON_IsString(v)) return quote_string(o, v->valuestring);
    if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble)) return pkx_buf_append(o, "null", 4);
        char num[40];
        js_number(v->valuedouble, num);
        return pkx_buf_append(o, num, strlen(num));
    }
    if (cJSON_IsTrue(v)) return pkx_buf_append(o, "true", 4);
    if (cJSON_IsFalse(v)) return pkx_buf_append(o, "false", 5);
    return pkx_buf_append(o, "null", 4);
}

/* ---- normalisation ---------------------------------------------------------------------------- */

/* The member JSON.parse would keep for key: the last one. */
static cJSON *last_member(cJSON *obj, const char *key)
{
    cJSON *found = NULL;
    for (cJSON *c = obj->child; c; c = c->next)
        if (strcmp(c->string, key) == 0) found = c;
    return found;
}

static void delete_members(cJSON *obj, const char *key)
{
    cJSON *c;
    while ((c = cJSON_GetObjectItemCaseSensitive(obj, key)) != NULL)
        cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
}

static bool js_falsy(const cJSON *v)
{
    if (cJSON_IsNull(v) || cJSON_IsFalse(v)) return true;
    if (cJSON_IsString(v)) return v->valuestring[0] == '\0';
    if (cJSON_IsNumber(v)) return v->valuedouble == 0 || isnan(v->valuedouble);
    return false;
}

/* dstack's preprocessAppCompose. The newest dstack also treats "nerdctl-compose" like
 * "docker-compose" (sdk 0.5.8 does not; the cross-check avoids that one case). */
static void normalize(cJSON *root)
{
    const cJSON *runner = last_member(root, "runner");
    const char *r = cJSON_IsString(runner) ? runner->valuestring : "";
    if (strcmp(r, "bash") == 0)
        delete_members(root, "docker_compose_file");
    else if (strcmp(r, "docker-compose") == 0 || strcmp(r, "nerdctl-compose") == 0)
        delete_members(root, "bash_script");
    const cJSON *pls = last_member(root, "pre_launch_script");
    if (pls && js_falsy(pls)) delete_members(root, "pre_launch_script");
}

/* Parses an app-compose: valid UTF-8, one JSON object, nothing but whitespace after it; strings
 * protected as described above. */
static cJSON *parse_compose(const char *json, size_t len, char *err, size_t errlen)
{
    if (!json) {
        pkx_seterr(err, errlen, "NULL argument");
        return NULL;
    }
    if (!pkx_utf8_valid(json, len)) {
        pkx_seterr(err, errlen, "app compose is not valid UTF-8");
        return NULL;
    }
    size_t plen = 0;
    char *text = protect_specials(json, len, &plen, err, errlen);
    if (!text) return NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, plen, &end, false);
    const char *why = !root ? "app compose is not valid JSON" : NULL;
    for (; root && !why && end && end < text + plen; end++)
        if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
            why = "app compose has trailing data after the JSON value";
    if (!why && !cJSON_IsObject(root)) why = "app compose must be a JSON object";
    free(text);
    if (why) {
        cJSON_Delete(root);
        pkx_seterr(err, errlen, "%s", why);
        return NULL;
    }
    return root;
}

/* SHA-256 of v serialised in form, as 64 lowercase hex. */
static int hash_value(const cJSON *v, pk_compose_form form, char out_hex[PK_SHA256_HEX_LEN + 1],
                      char *err, size_t errlen)
{
    pkx_buf o = {0};
    int rc = write_value(&o, v, form == PK_COMPOSE_INDENT4 ? 4 : 0, 0);
    if (rc != 0 || o.failed) {
        pkx_buf_free(&o);
        return pkx_seterr(err, errlen, "out of memory");
    }
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)o.data, o.len);
    pkx_buf_free(&o);
    pk_hex_encode(digest, sizeof digest, out_hex, PK_SHA256_HEX_LEN + 1);
    return 0;
}

int pk_compose_hash_form(const char *json, size_t len, pk_compose_form form, bool normalize_first,
                         char out_hex[PK_SHA256_HEX_LEN + 1], char *err, size_t errlen)
{
    if (!json || !out_hex) return pkx_seterr(err, errlen, "NULL argument");
    if (form != PK_COMPOSE_COMPACT && form != PK_COMPOSE_INDENT4)
        return pkx_seterr(err, errlen, "unknown compose hash form %d", (int)form);
    if (pkx_crypto_init() != 0) return pkx_seterr(err, errlen, "libsodium failed to initialise");
    cJSON *root = parse_compose(json, len, err, errlen);
    if (!root) return -1;
    if (normalize_first) normalize(root);
    int rc = hash_value(root, form, out_hex, err, errlen);
    cJSON_Delete(root);
    return rc;
}

int pk_compose_hash(const char *json, size_t len, bool normalize_first,
                    char out_hex[PK_SHA256_HEX_LEN + 1], char *err, size_t errlen)
{
    return pk_compose_hash_form(json, len, PK_COMPOSE_COMPACT, normalize_first, out_hex, err,
                                errlen);
}

const char *pk_compose_form_name(pk_compose_form form)
{
    return form == PK_COMPOSE_INDENT4 ? "indented (app-compose.json as Phala Cloud writes it)"
                                      : "compact (dstack getComposeHash)";
}

/* ---- editing and comparing ---------------------------------------------------------------------- */

int pk_compose_with_allowed_envs(const char *json, size_t len, const char *const *keys, size_t n,
                                 char **out_json, char *err, size_t errlen)
{
    if (!out_json) return pkx_seterr(err, errlen, "NULL argument");
    *out_json = NULL;
    if (n && !keys) return pkx_seterr(err, errlen, "NULL key list");
    cJSON *root = parse_compose(json, len, err, errlen);
    if (!root) return -1;
    delete_members(root, "allowed_envs"); /* every duplicate: JSON.parse would keep the last */
    cJSON *arr = cJSON_AddArrayToObject(root, "allowed_envs");
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *s = keys[i] ? cJSON_CreateString(keys[i]) : NULL;
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            arr = NULL;
        }
    }
    char *txt = arr ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!txt) return pkx_seterr(err, errlen, "out of memory");
    *out_json = unprotect(txt); /* cJSON printed protected sequences raw: escapes again */
    cJSON_free(txt);
    return *out_json ? 0 : pkx_seterr(err, errlen, "out of memory");
}

int pk_compose_field_digests(const char *json, size_t len, pk_compose_field_fn fn, void *user,
                             char *err, size_t errlen)
{
    if (!fn) return pkx_seterr(err, errlen, "NULL argument");
    if (pkx_crypto_init() != 0) return pkx_seterr(err, errlen, "libsodium failed to initialise");
    cJSON *root = parse_compose(json, len, err, errlen);
    if (!root) return -1;
    int rc = 0;
    for (const cJSON *c = root->child; c && rc == 0; c = c->next) {
        if (last_member(root, c->string) != c) continue; /* an earlier duplicate */
        char hex[PK_SHA256_HEX_LEN + 1];
        rc = hash_value(c, PK_COMPOSE_COMPACT, hex, err, errlen);
        char *name = rc == 0 ? unprotect(c->string) : NULL; /* a name to show: valid UTF-8 */
        if (rc == 0 && !name) rc = pkx_seterr(err, errlen, "out of memory");
        if (name) fn(name, hex, user);
        free(name);
    }
    cJSON_Delete(root);
    return rc;
}
