/* Dotenv parsing with the exact results of JS dotenv v16's LINE regex, the parser behind Phala's
 * CLI and @phala/cloud parseEnv. Written as a hand matcher: each step below says which part of
 *   (?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|
 *   \s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)        (flags g, m)
 * it reproduces, including where the regex backtracks. \s and trim() use JS's whitespace set, and
 * U+2028/U+2029 end lines for ^ $ and '.', as they do in JS. One JS effect is not copied: a JS
 * object lists integer-like keys ("10") first; here order is always first occurrence (such keys
 * are not valid env keys anyway). */
#include "crypto/crypto_priv.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

typedef struct text {
    const unsigned char *s;
    size_t n;
} text;

/* Byte length of a line terminator at i (\n, \r, U+2028, U+2029), else 0. */
static size_t lt_len(const text *t, size_t i)
{
    if (i >= t->n) return 0;
    if (t->s[i] == '\n' || t->s[i] == '\r') return 1;
    if (i + 2 < t->n && t->s[i] == 0xe2 && t->s[i + 1] == 0x80 &&
        (t->s[i + 2] == 0xa8 || t->s[i + 2] == 0xa9))
        return 3;
    return 0;
}

/* Byte length of a JS \s character at i (WhiteSpace or LineTerminator), else 0. */
static size_t ws_len(const text *t, size_t i)
{
    if (i >= t->n) return 0;
    const unsigned char *p = t->s + i;
    size_t left = t->n - i;
    if (*p == ' ' || (*p >= '\t' && *p <= '\r')) return 1;
    if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0) return 2; /* NBSP */
    if (left < 3) return 0;
    if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) return 3; /* U+1680 */
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf) && p[2] >= 0x80)
        return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) return 3; /* U+205F */
    if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) return 3; /* U+3000 */
    if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) return 3; /* U+FEFF */
    return 0;
}

/* Length of a \s character that ends exactly at `end` (and starts at or after `start`), else 0. */
static size_t ws_len_before(const text *t, size_t start, size_t end)
{
    for (size_t k = 1; k <= 3 && k <= end - start; k++)
        if (ws_len(t, end - k) == k) return k;
    return 0;
}

static size_t skip_ws(const text *t, size_t i)
{
    size_t k;
    while ((k = ws_len(t, i)) > 0) i += k;
    return i;
}

/* ^ in multiline mode: start of input or just after a line terminator. */
static bool line_start(const text *t, size_t i)
{
    if (i == 0) return true;
    if (t->s[i - 1] == '\n' || t->s[i - 1] == '\r') return true;
    return i >= 3 && lt_len(t, i - 3) == 3;
}

#define NO_MATCH SIZE_MAX

/* The tail  \s*(?:#.*)?(?:$|$)  from i: returns where the match ends, or NO_MATCH. \s* first takes
 * the whole whitespace run; if a comment or the end of input follows, done; otherwise it backs off
 * to just before the last line terminator inside the run (where $ holds). */
static size_t match_tail(const text *t, size_t i)
{
    size_t w = skip_ws(t, i);
    if (w >= t->n) return t->n;
    if (t->s[w] == '#') {
        size_t e = w + 1;
        while (e < t->n && lt_len(t, e) == 0) e++;
        return e;
    }
    size_t last_lt = NO_MATCH;
    for (size_t k = i; k < w; k += ws_len(t, k))
        if (lt_len(t, k)) last_lt = k;
    return last_lt;
}

/* One quoted alternative  \s*Q(?:\\Q|[^Q])*Q  followed by the tail. The inner star can end just
 * before any Q up to and including the first Q not preceded by a backslash; the regex tries those
 * closing quotes from the farthest back to the nearest, and the first whose tail matches wins. */
static bool match_quoted(const text *t, size_t r, unsigned char q, size_t *val_end, size_t *end)
{
    size_t open = skip_ws(t, r);
    if (open >= t->n || t->s[open] != q) return false;
    size_t stop = open + 1;
    while (stop < t->n && !(t->s[stop] == q && (stop == open + 1 || t->s[stop - 1] != '\\')))
        stop++;
    for (size_t c = stop < t->n ? stop : t->n - 1; c > open; c--) {
        if (t->s[c] != q) continue;
        size_t e = match_tail(t, c + 1);
        if (e != NO_MATCH) {
            *val_end = c + 1;
            *end = e;
            return true;
        }
    }
    return false;
}

typedef struct match {
    size_t key, key_end, val, val_end, end;
} match;

/* Everything after the optional export: key, separator, value alternatives, tail. */
static bool match_key_rest(const text *t, size_t k, match *m)
{
    size_t e = k;
    while (e < t->n && (t->s[e] == '_' || t->s[e] == '.' || t->s[e] == '-' ||
                        (t->s[e] >= '0' && t->s[e] <= '9') || (t->s[e] >= 'A' && t->s[e] <= 'Z') ||
                        (t->s[e] >= 'a' && t->s[e] <= 'z')))
        e++;
    if (e == k) return false;
    /* Separator: \s*=\s*? or :\s+? — the lazy parts never grow, because the rest of the pattern
     * always matches from where they stop. */
    size_t r, w = skip_ws(t, e);
    if (w < t->n && t->s[w] == '=')
        r = w + 1;
    else if (e < t->n && t->s[e] == ':' && ws_len(t, e + 1) > 0)
        r = e + 1 + ws_len(t, e + 1);
    else
        return false;
    m->key = k;
    m->key_end = e;
    m->val = r;
    static const unsigned char quotes[] = {'\'', '"', '`'};
    for (size_t i = 0; i < sizeof quotes; i++)
        if (match_quoted(t, r, quotes[i], &m->val_end, &m->end)) return true;
    /* [^#\r\n]+ — then the tail always matches (a comment, a line end or the input end follows). */
    size_t u = r;
    while (u < t->n && t->s[u] != '#' && t->s[u] != '\n' && t->s[u] != '\r') u++;
    m->val_end = u;
    m->end = match_tail(t, u); /* with u == r this is the "no value" branch */
    return m->end != NO_MATCH;
}

/* A match attempt at a line start, after its leading \s* has been skipped (to i). */
static bool match_at(const text *t, size_t i, match *m)
{
    if (t->n - i > 6 && memcmp(t->s + i, "export", 6) == 0 && ws_len(t, i + 6) > 0 &&
        match_key_rest(t, skip_ws(t, i + 6), m))
        return true;
    return match_key_rest(t, i, m);
}

/* value.trim(), the quote strip  replace(/^(['"`])([\s\S]*)\1$/mg, "$2")  and, when the trimmed
 * value began with a double quote, \n and \r expansion. Writes into out (capacity >= len);
 * returns the length written, or NO_MATCH when out of memory. */
static size_t clean_value(const text *src, size_t a, size_t b, unsigned char *out)
{
    size_t k;
    while (a < b && (k = ws_len(src, a)) > 0 && a + k <= b) a += k;
    while (b > a && (k = ws_len_before(src, a, b)) > 0) b -= k;
    text v = {src->s + a, b - a};
    bool dq = v.n > 0 && v.s[0] == '"';

    unsigned char *tmp = malloc(v.n + 1);
    if (!tmp) return NO_MATCH;
    size_t tn = 0;
    for (size_t i = 0; i < v.n;) {
        unsigned char c = v.s[i];
        if ((c == '\'' || c == '"' || c == '`') && line_start(&v, i)) {
            /* [\s\S]* is greedy: the farthest matching quote followed by a line end or the end. */
            size_t close = NO_MATCH;
            for (size_t q = v.n; q-- > i + 1;)
                if (v.s[q] == c && (q + 1 == v.n || lt_len(&v, q + 1))) {
                    close = q;
                    break;
                }
            if (close != NO_MATCH) {
                memcpy(tmp + tn, v.s + i + 1, close - i - 1);
                tn += close - i - 1;
                i = close + 1;
                continue;
            }
        }
        tmp[tn++] = c;
        i++;
    }
    size_t on = 0;
    for (size_t i = 0; i < tn; i++) {
        if (dq && tmp[i] == '\\' && i + 1 < tn && (tmp[i + 1] == 'n' || tmp[i + 1] == 'r')) {
            out[on++] = tmp[i + 1] == 'n' ? '\n' : '\r';
            i++;
        } else {
            out[on++] = tmp[i];
        }
    }
    sodium_memzero(tmp, v.n + 1);
    free(tmp);
    return on;
}

int pk_parse_dotenv(const char *input, size_t len, pk_env_list *out, char *err, size_t errlen)
{
    if (!out || (!input && len)) return pkx_seterr(err, errlen, "NULL argument");
    if (pkx_crypto_init() != 0) return pkx_seterr(err, errlen, "libsodium failed to initialise");
    /* lines.replace(/\r\n?/g, "\n") */
    unsigned char *s = malloc(len + 1);
    unsigned char *val = malloc(len + 1);
    char *key = malloc(len + 1);
    int rc = -1;
    if (!s || !val || !key) {
        pkx_seterr(err, errlen, "out of memory");
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (input[i] == '\r') {
            s[n++] = '\n';
            if (i + 1 < len && input[i + 1] == '\n') i++;
        } else {
            s[n++] = (unsigned char)input[i];
        }
    }
    text t = {s, n};
    size_t p = 0;
    while (p < n) {
        match m;
        size_t i = skip_ws(&t, p);
        if (match_at(&t, i, &m)) {
            size_t vn = clean_value(&t, m.val, m.val_end, val);
            if (vn == NO_MATCH) {
                pkx_seterr(err, errlen, "out of memory");
                goto out;
            }
            memcpy(key, s + m.key, m.key_end - m.key);
            key[m.key_end - m.key] = '\0';
            if (pk_env_list_set(out, key, (const char *)val, vn) != 0) {
                pkx_seterr(err, errlen, "out of memory");
                goto out;
            }
            p = m.end > p ? m.end : p + 1;
        } else {
            /* Every line start up to i skips to the same i and fails the same way. */
            p = i + 1;
        }
        while (p < n && !line_start(&t, p)) p++; /* the next position where ^ can match */
    }
    rc = 0;
out:
    if (s) sodium_memzero(s, len + 1);
    if (val) sodium_memzero(val, len + 1);
    free(s);
    free(val);
    free(key);
    return rc;
}
