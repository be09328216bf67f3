/* number.c — decimal numbers: validation of number text, canonical (sign, digits, exponent)
 * comparison, and the choice of form a JSON number gets so that msgpack re-encoding matches
 * cty's encoder (int64 if exact, float64 if exact, else decimal text). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exponents beyond this are refused: no real number in a schema needs them and they would make
 * the plain-decimal expansion explode. */
#define MAX_EXP 100000000

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses "[+-]?d*(.d*)?" into scratch; returns the position after it or NULL. */
static const char *parse_mantissa(const char *p, const char *end, bool strict, char *scratch,
                                  tfv_decimal *d, size_t *intdigits)
{
    size_t n = 0;
    if (p < end && (*p == '-' || (*p == '+' && !strict))) d->neg = (*p++ == '-');
    const char *int_start = p;
    while (p < end && is_digit(*p)) scratch[n++] = *p++;
    *intdigits = n;
    if (strict && (n == 0 || (n > 1 && *int_start == '0'))) return NULL;
    if (p < end && *p == '.') {
        p++;
        const char *frac = p;
        while (p < end && is_digit(*p)) scratch[n++] = *p++;
        if (strict && p == frac) return NULL;
    }
    if (n == 0) return NULL;
    d->ndigits = n;
    return p;
}

static const char *parse_exponent(const char *p, const char *end, int64_t *exp)
{
    bool neg = false;
    int64_t e = 0;
    if (p < end && (*p == '+' || *p == '-')) neg = (*p++ == '-');
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) {
        e = e * 10 + (*p++ - '0');
        if (e > MAX_EXP) return NULL;
    }
    *exp = neg ? -e : e;
    return p;
}

bool tfv_decimal_parse(const char *s, size_t len, bool strict_json, char *scratch, tfv_decimal *d)
{
    const char *p = s, *end = s + len;
    size_t intdigits = 0;
    int64_t e = 0;
    memset(d, 0, sizeof *d);
    p = parse_mantissa(p, end, strict_json, scratch, d, &intdigits);
    if (!p) return false;
    if (p < end && (*p == 'e' || *p == 'E')) p = parse_exponent(p + 1, end, &e);
    if (!p || p != end) return false;
    /* Strip leading zeros (each moves the decimal point left) and trailing zeros. */
    size_t lead = 0;
    while (lead < d->ndigits && scratch[lead] == '0') lead++;
    size_t n = d->ndigits;
    while (n > lead && scratch[n - 1] == '0') n--;
    d->digits = scratch + lead;
    d->ndigits = n - lead;
    d->exp = (int64_t)intdigits - (int64_t)lead + e;
    if (d->ndigits == 0) d->neg = false, d->exp = 0;
    return true;
}

static bool decimal_equal(const tfv_decimal *x, const tfv_decimal *y)
{
    return x->neg == y->neg && x->ndigits == y->ndigits && x->exp == y->exp &&
           memcmp(x->digits, y->digits, x->ndigits) == 0;
}

/* Exact decimal of a finite double: glibc prints every digit, and 780 significant digits cover
 * the longest double (subnormals need 767). */
#define DBL_TEXT 800
static bool decimal_of_double(double f, char *text, char *scratch, tfv_decimal *d)
{
    if (f != f || f - f != 0) return false; /* NaN or infinite */
    int n = snprintf(text, DBL_TEXT, "%.780e", f);
    return n > 0 && n < DBL_TEXT && tfv_decimal_parse(text, (size_t)n, false, scratch, d);
}

/* Canonical decimal of any number form; false for NaN/Inf or invalid text. */
static bool number_decimal(const tf_number *num, char *text, char *scratch, tfv_decimal *d,
                           char **heap)
{
    int n;
    *heap = NULL;
    switch (num->form) {
    case TF_NUM_INT:
        n = snprintf(text, DBL_TEXT, "%lld", (long long)num->i);
        return tfv_decimal_parse(text, (size_t)n, false, scratch, d);
    case TF_NUM_UINT:
        n = snprintf(text, DBL_TEXT, "%llu", (unsigned long long)num->u);
        return tfv_decimal_parse(text, (size_t)n, false, scratch, d);
    case TF_NUM_FLOAT:
        return decimal_of_double(num->f, text, scratch, d);
    case TF_NUM_TEXT:
        break;
    }
    if (!num->text) return false;
    size_t len = strlen(num->text);
    *heap = malloc(len + 1);
    if (!*heap) abort();
    return tfv_decimal_parse(num->text, len, false, *heap, d);
}

/* Same-form comparisons that need no decimal conversion (doubles compare exactly: a float64
 * number is that double's value, and -0 == 0 holds mathematically too). */
static bool same_form_equal(const tf_number *a, const tf_number *b, bool *eq)
{
    if (a->form != b->form || a->form == TF_NUM_TEXT) return false;
    if (a->form == TF_NUM_INT)
        *eq = a->i == b->i;
    else if (a->form == TF_NUM_UINT)
        *eq = a->u == b->u;
    else
        *eq = a->f == b->f;
    return true;
}

bool tf_number_equal(const tf_number *a, const tf_number *b)
{
    bool same;
    if (same_form_equal(a, b, &same)) return same;
    char ta[DBL_TEXT], sa[DBL_TEXT], tb[DBL_TEXT], sb[DBL_TEXT];
    char *ha, *hb;
    tfv_decimal da, db;
    bool oka = number_decimal(a, ta, sa, &da, &ha);
    bool okb = number_decimal(b, tb, sb, &db, &hb);
    bool eq;
    if (oka && okb)
        eq = decimal_equal(&da, &db);
    else if (oka || okb)
        eq = false;
    else /* infinities compare by value; NaN never equals anything */
        eq = a->form == TF_NUM_FLOAT && b->form == TF_NUM_FLOAT && a->f == b->f;
    free(ha);
    free(hb);
    return eq;
}

/* Magnitude of an integral decimal if it fits in uint64. */
static bool decimal_to_u64(const tfv_decimal *d, uint64_t *out)
{
    uint64_t v = 0;
    if (d->ndigits == 0) {
        *out = 0;
        return true;
    }
    if (d->exp < (int64_t)d->ndigits || d->exp > 20) return false;
    for (int64_t i = 0; i < d->exp; i++) {
        unsigned dig = (size_t)i < d->ndigits ? (unsigned)(d->digits[i] - '0') : 0;
        if (v > (UINT64_MAX - dig) / 10) return false;
        v = v * 10 + dig;
    }
    *out = v;
    return true;
}

static bool decimal_to_i64(const tfv_decimal *d, int64_t *out)
{
    uint64_t m;
    if (!decimal_to_u64(d, &m)) return false;
    if (d->neg) {
        if (m > (uint64_t)INT64_MAX + 1) return false;
        *out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    } else {
        if (m > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)m;
    }
    return true;
}

bool tf_number_to_int64(const tf_number *n, int64_t *out)
{
    char text[DBL_TEXT], scratch[DBL_TEXT];
    char *heap;
    tfv_decimal d;
    if (n->form == TF_NUM_INT) {
        *out = n->i;
        return true;
    }
    bool ok = number_decimal(n, text, scratch, &d, &heap) && decimal_to_i64(&d, out);
    free(heap);
    return ok;
}

/* Plain decimal ("f" format, no exponent) of d; false if longer than TFV_MAX_NUM_TEXT. */
static bool decimal_plain(const tfv_decimal *d, tf_buf *out)
{
    int64_t e = d->exp, nd = (int64_t)d->ndigits;
    int64_t len = (e <= 0 ? 2 - e + nd : (e >= nd ? e : nd + 1)) + 1;
    if (len > TFV_MAX_NUM_TEXT) return false;
    if (nd == 0) {
        tf_buf_putc(out, '0');
        return true;
    }
    if (d->neg) tf_buf_putc(out, '-');
    if (e <= 0) {
        tf_buf_puts(out, "0.");
        for (int64_t i = 0; i < -e; i++) tf_buf_putc(out, '0');
        tf_buf_put(out, d->digits, d->ndigits);
    } else if (e >= nd) {
        tf_buf_put(out, d->digits, d->ndigits);
        for (int64_t i = nd; i < e; i++) tf_buf_putc(out, '0');
    } else {
        tf_buf_put(out, d->digits, (size_t)e);
        tf_buf_putc(out, '.');
        tf_buf_put(out, d->digits + e, (size_t)(nd - e));
    }
    return true;
}

/* Is the decimal exactly a double? Then that double is returned in *f. */
static bool decimal_exact_double(const tfv_decimal *d, double *f)
{
    size_t len = d->ndigits + 32;
    char *sci = malloc(len), *scratch = malloc(DBL_TEXT), text[DBL_TEXT];
    if (!sci || !scratch) abort();
    snprintf(sci, len, "%s0.%.*se%lld", d->neg ? "-" : "", (int)d->ndigits, d->digits,
             (long long)d->exp);
    *f = strtod(sci, NULL);
    tfv_decimal back;
    bool exact = decimal_of_double(*f, text, scratch, &back) && decimal_equal(d, &back);
    free(sci);
    free(scratch);
    return exact;
}

int tfv_number_from_json(tf_arena *a, const char *lex, size_t len, bool strict, tf_number *out,
                         char *msg, size_t msglen)
{
    char *scratch = malloc(len + 1);
    if (!scratch) abort();
    tfv_decimal d;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (!tfv_decimal_parse(lex, len, strict, scratch, &d)) {
        snprintf(msg, msglen, "invalid number %.40s", lex);
        rc = -1;
    } else if (decimal_to_i64(&d, &out->i)) {
        out->form = TF_NUM_INT;
        out->f = (double)out->i;
    } else if (decimal_exact_double(&d, &out->f)) {
        out->form = TF_NUM_FLOAT;
    } else {
        tf_buf b = {0};
        if (decimal_plain(&d, &b)) {
            out->form = TF_NUM_TEXT;
            out->text = tf_arena_strndup(a, (const char *)b.data, b.len);
            out->f = strtod(out->text, NULL);
        } else {
            snprintf(msg, msglen, "number %.40s has too many digits", lex);
            rc = -1;
        }
        tf_buf_free(&b);
    }
    free(scratch);
    return rc;
}

int tfv_number_from_text(tf_arena *a, const char *s, size_t len, tf_number *out)
{
    char *scratch = malloc(len + 1);
    if (!scratch) abort();
    tfv_decimal d;
    bool ok = tfv_decimal_parse(s, len, false, scratch, &d);
    free(scratch);
    if (!ok) return -1;
    memset(out, 0, sizeof *out);
    out->form = TF_NUM_TEXT;
    out->text = tf_arena_strndup(a, s, len);
    out->f = strtod(out->text, NULL);
    return 0;
}

/* A float64 number stands for exactly that double (Terraform only sends float64 when it is exact),
 * so it is written with every digit: the shortest round-trip form ("9223372036854776000" for
 * 2^63) would be a different number. */
static void exact_double(double f, tf_buf *out)
{
    char text[DBL_TEXT], scratch[DBL_TEXT];
    tfv_decimal d;
    if (decimal_of_double(f, text, scratch, &d) && decimal_plain(&d, out)) return;
    snprintf(text, sizeof text, "%.17g", f);
    tf_buf_puts(out, text);
}

void tfv_number_text(const tf_number *n, tf_buf *out)
{
    char text[DBL_TEXT];
    switch (n->form) {
    case TF_NUM_INT:
        snprintf(text, sizeof text, "%lld", (long long)n->i);
        break;
    case TF_NUM_UINT:
        snprintf(text, sizeof text, "%llu", (unsigned long long)n->u);
        break;
    case TF_NUM_FLOAT:
        if (n->f != n->f || n->f - n->f != 0)
            tf_buf_puts(out, "null");
        else
            exact_double(n->f, out);
        return;
    case TF_NUM_TEXT: {
        const char *t = n->text ? n->text : "0";
        size_t len = strlen(t);
        char *scratch = malloc(len + 1);
        if (!scratch) abort();
        tfv_decimal d;
        if (!tfv_decimal_parse(t, len, false, scratch, &d) || !decimal_plain(&d, out))
            tf_buf_puts(out, t);
        free(scratch);
        return;
    }
    }
    tf_buf_puts(out, text);
}
