/* json_parse.c — a small strict JSON reader producing a token tree in an arena. Numbers keep
 * their lexeme (cJSON would turn them into doubles), strings are validated UTF-8 with \u escapes
 * decoded (surrogate pairs joined), and nesting is bounded so hostile input cannot exhaust the
 * stack. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    tf_arena *a;
    const char *p, *end, *start;
    char *err;
    size_t errlen;
} jreader;

static int jfail(jreader *r, const char *msg)
{
    if (r->err && r->errlen)
        snprintf(r->err, r->errlen, "invalid JSON at offset %zu: %s", (size_t)(r->p - r->start),
                 msg);
    return -1;
}

static void skip_ws(jreader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static bool match_word(jreader *r, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0) return false;
    r->p += n;
    return true;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid (overlongs, surrogates and
 * code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, min = 0x10000, cp = c & 0x07;
    else
        return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hex4(jreader *r, unsigned *out)
{
    if (r->end - r->p < 4) return jfail(r, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return jfail(r, "bad hex digit in \\u escape");
        v = v * 16 + d;
    }
    r->p += 4;
    *out = v;
    return 0;
}

/* \uXXXX (p just past "\u"). A lone surrogate becomes U+FFFD, as Go's encoding/json does. */
static int unicode_escape(jreader *r, unsigned *cp)
{
    if (hex4(r, cp) < 0) return -1;
    if (*cp >= 0xD800 && *cp <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
        const char *save = r->p;
        unsigned lo;
        r->p += 2;
        if (hex4(r, &lo) < 0) return -1;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
            return 0;
        }
        r->p = save; /* not a pair: the second escape is read on its own */
    }
    if (*cp >= 0xD800 && *cp <= 0xDFFF) *cp = 0xFFFD;
    return 0;
}

static int simple_escape(char c, char *o)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = strchr(from, c);
    if (!hit || !c) return -1;
    *o = to[hit - from];
    return 0;
}

/* Reads a string (p at the opening quote) into arena memory. Output never exceeds the raw
 * length: every escape is at least as long as the bytes it stands for. */
static int read_string(jreader *r, const char **out, size_t *outlen)
{
    r->p++;
    const char *q = r->p;
    while (q < r->end && *q != '"') q += (*q == '\\' && q + 1 < r->end) ? 2 : 1;
    if (q >= r->end) return jfail(r, "unterminated string");
    char *buf = tf_arena_alloc(r->a, (size_t)(q - r->p) + 1);
    size_t n = 0;
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) return jfail(r, "control character in string");
        if (c == '\\') {
            r->p++;
            if (*r->p == 'u') {
                unsigned cp;
                r->p++;
                if (unicode_escape(r, &cp) < 0) return -1;
                n += put_utf8(buf + n, cp);
                continue;
            }
            if (simple_escape(*r->p, buf + n) < 0) return jfail(r, "bad escape");
            n++, r->p++;
            continue;
        }
        size_t l = utf8_len((const unsigned char *)r->p, (const unsigned char *)r->end);
        if (l == 0) return jfail(r, "invalid UTF-8 in string");
        memcpy(buf + n, r->p, l);
        n += l, r->p += l;
    }
    r->p++;
    *out = buf;
    *outlen = n;
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int read_number(jreader *r, tj_node *n)
{
    const char *s = r->p, *p = r->p;
    if (p < r->end && *p == '-') p++;
    if (p >= r->end || !is_digit(*p)) return jfail(r, "bad number");
    if (*p == '0')
        p++;
    else
        while (p < r->end && is_digit(*p)) p++;
    if (p < r->end && *p == '.') {
        p++;
        if (p >= r->end || !is_digit(*p)) return jfail(r, "bad number fraction");
        while (p < r->end && is_digit(*p)) p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (p >= r->end || !is_digit(*p)) return jfail(r, "bad number exponent");
        while (p < r->end && is_digit(*p)) p++;
    }
    n->kind = TJ_NUM;
    n->s = tf_arena_strndup(r->a, s, (size_t)(p - s));
    n->len = (size_t)(p - s);
    r->p = p;
    return 0;
}

static int read_value(jreader *r, tj_node *n, int depth);

static void append_child(tj_node *parent, tj_node **tail, tj_node *child)
{
    if (*tail)
        (*tail)->next = child;
    else
        parent->first = child;
    *tail = child;
    parent->count++;
}

static int read_array(jreader *r, tj_node *n, int depth)
{
    tj_node *tail = NULL;
    n->kind = TJ_ARR;
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return 0;
    }
    for (;;) {
        tj_node *c = tf_arena_alloc(r->a, sizeof *c);
        if (read_value(r, c, depth + 1) < 0) return -1;
        append_child(n, &tail, c);
        skip_ws(r);
        if (r->p >= r->end) return jfail(r, "unterminated array");
        if (*r->p == ']') break;
        if (*r->p != ',') return jfail(r, "expected ',' or ']'");
        r->p++;
    }
    r->p++;
    return 0;
}

static int read_member(jreader *r, tj_node *n, tj_node **tail, int depth)
{
    skip_ws(r);
    if (r->p >= r->end || *r->p != '"') return jfail(r, "expected member name");
    tj_node *c = tf_arena_alloc(r->a, sizeof *c);
    if (read_string(r, &c->key, &c->keylen) < 0) return -1;
    skip_ws(r);
    if (r->p >= r->end || *r->p != ':') return jfail(r, "expected ':'");
    r->p++;
    if (read_value(r, c, depth + 1) < 0) return -1;
    append_child(n, tail, c);
    return 0;
}

static int read_object(jreader *r, tj_node *n, int depth)
{
    tj_node *tail = NULL;
    n->kind = TJ_OBJ;
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return 0;
    }
    for (;;) {
        if (read_member(r, n, &tail, depth) < 0) return -1;
        skip_ws(r);
        if (r->p >= r->end) return jfail(r, "unterminated object");
        if (*r->p == '}') break;
        if (*r->p != ',') return jfail(r, "expected ',' or '}'");
        r->p++;
    }
    r->p++;
    return 0;
}

static int read_value(jreader *r, tj_node *n, int depth)
{
    if (depth > TFV_MAX_JSON_DEPTH) return jfail(r, "nesting too deep");
    skip_ws(r);
    if (r->p >= r->end) return jfail(r, "unexpected end of input");
    switch (*r->p) {
    case '{':
        return read_object(r, n, depth);
    case '[':
        return read_array(r, n, depth);
    case '"':
        n->kind = TJ_STR;
        return read_string(r, &n->s, &n->len);
    case 'n':
        n->kind = TJ_NULL;
        return match_word(r, "null") ? 0 : jfail(r, "bad literal");
    case 't':
        n->kind = TJ_TRUE;
        return match_word(r, "true") ? 0 : jfail(r, "bad literal");
    case 'f':
        n->kind = TJ_FALSE;
        return match_word(r, "false") ? 0 : jfail(r, "bad literal");
    default:
        return read_number(r, n);
    }
}

int tj_parse(tf_arena *a, const char *json, size_t len, tj_node **out, char *err, size_t errlen)
{
    jreader r = {a, json, json + len, json, err, errlen};
    tj_node *n = tf_arena_alloc(a, sizeof *n);
    if (read_value(&r, n, 0) < 0) return -1;
    skip_ws(&r);
    if (r.p != r.end) return jfail(&r, "trailing data after JSON value");
    *out = n;
    return 0;
}

void tj_write_string(tf_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    tf_buf_putc(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        if (c == '"' || c == '\\') {
            tf_buf_putc(out, '\\');
            tf_buf_putc(out, c);
        } else if (c == '\n')
            tf_buf_puts(out, "\\n");
        else if (c == '\r')
            tf_buf_puts(out, "\\r");
        else if (c == '\t')
            tf_buf_puts(out, "\\t");
        else if (c < 0x20)
            tf_buf_put(out, esc, 6);
        else
            tf_buf_putc(out, c);
    }
    tf_buf_putc(out, '"');
}
