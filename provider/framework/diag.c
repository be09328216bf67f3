/* diag.c — diagnostics with attribute paths, and the small typed accessors resources use. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tfcancel.h"
#include "tfprovider.h"

#define DIAG_SUMMARY_MAX 512
#define DIAG_DETAIL_MAX  8192 /* bytes; longer details end in "…" at a character boundary */

static void vadd(tf_diags *d, tf_severity sev, const tf_path *path, const char *summary,
                 const char *fmt, va_list ap)
{
    tf_diag *x = tf_arena_alloc(d->arena, sizeof *x);
    x->severity = sev;
    /* Diagnostics quote the API and the user's input: cleaned once here, for every caller. */
    x->summary = tf_text_clean(d->arena, summary, DIAG_SUMMARY_MAX);
    x->detail = "";
    if (fmt) {
        va_list copy;
        va_copy(copy, ap);
        int n = vsnprintf(NULL, 0, fmt, copy);
        va_end(copy);
        char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (buf) {
            vsnprintf(buf, (size_t)n + 1, fmt, ap);
            x->detail = tf_text_clean(d->arena, buf, DIAG_DETAIL_MAX);
            free(buf);
        }
    }
    if (path) x->path = *path;
    if (d->tail)
        d->tail->next = x;
    else
        d->head = x;
    d->tail = x;
    if (sev == TF_ERROR) d->errors++;
}

void tf_diag_add(tf_diags *d, tf_severity sev, const tf_path *path, const char *summary,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(d, sev, path, summary, fmt, ap);
    va_end(ap);
}

static tf_path extend(tf_arena *a, tf_path base, tf_step step)
{
    tf_step *s = tf_arena_alloc(a, (base.n + 1) * sizeof *s);
    if (base.n) memcpy(s, base.steps, base.n * sizeof *s);
    s[base.n] = step;
    return (tf_path){s, base.n + 1};
}

tf_path tf_path_attr(tf_arena *a, const char *name)
{
    return extend(a, (tf_path){0}, (tf_step){TF_STEP_ATTR, tf_arena_strdup(a, name), 0});
}
tf_path tf_path_with_attr(tf_arena *a, tf_path base, const char *name)
{
    return extend(a, base, (tf_step){TF_STEP_ATTR, tf_arena_strdup(a, name), 0});
}
tf_path tf_path_with_key(tf_arena *a, tf_path base, const char *key)
{
    return extend(a, base, (tf_step){TF_STEP_KEY, tf_arena_strdup(a, key), 0});
}
tf_path tf_path_with_index(tf_arena *a, tf_path base, int64_t index)
{
    return extend(a, base, (tf_step){TF_STEP_INDEX, NULL, index});
}

const char *tf_path_string(tf_arena *a, tf_path p)
{
    tf_buf b = {0};
    for (size_t i = 0; i < p.n; i++) {
        char tmp[32];
        switch (p.steps[i].kind) {
        case TF_STEP_ATTR:
            if (i) tf_buf_putc(&b, '.');
            tf_buf_puts(&b, p.steps[i].name);
            break;
        case TF_STEP_KEY:
            tf_buf_puts(&b, "[\"");
            tf_buf_puts(&b, p.steps[i].name);
            tf_buf_puts(&b, "\"]");
            break;
        case TF_STEP_INDEX:
            snprintf(tmp, sizeof tmp, "[%lld]", (long long)p.steps[i].index);
            tf_buf_puts(&b, tmp);
            break;
        }
    }
    const char *s = tf_arena_strndup(a, b.len ? (const char *)b.data : "", b.len);
    tf_buf_free(&b);
    return s;
}

static void ctx_add(tf_ctx *c, tf_severity sev, const char *attr, const char *summary,
                    const char *fmt, va_list ap)
{
    tf_path p = attr ? tf_path_attr(c->arena, attr) : (tf_path){0};
    vadd(&c->diags, sev, attr ? &p : NULL, summary, fmt, ap);
}

void tf_error(tf_ctx *c, const char *attr, const char *summary, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_add(c, TF_ERROR, attr, summary, fmt, ap);
    va_end(ap);
}

void tf_warning(tf_ctx *c, const char *attr, const char *summary, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_add(c, TF_WARNING, attr, summary, fmt, ap);
    va_end(ap);
}

bool tf_cancelled(void)
{
    return tf_stop_requested();
}

bool tf_sleep_ms_cancellable(int64_t ms)
{
    return tf_sleep_cancellable((long)ms);
}

void tf_error_cancelled(tf_ctx *c)
{
    tf_error(c, NULL, "Operation cancelled",
             "Terraform asked the provider to stop (interrupt) before the operation finished.");
}

void tf_plan_requires_replace(tf_ctx *c, tf_path path)
{
    if (c->n_replace == c->cap_replace) {
        size_t cap = c->cap_replace ? 2 * c->cap_replace : 8;
        tf_path *np = tf_arena_alloc(c->arena, cap * sizeof *np);
        if (c->n_replace) memcpy(np, c->replace, c->n_replace * sizeof *np);
        c->replace = np;
        c->cap_replace = cap;
    }
    c->replace[c->n_replace++] = path;
}

const char *tf_get_string(const tf_value *obj, const char *name)
{
    tf_value *v = tf_attr(obj, name);
    return tf_is_known(v) && v->type->kind == TF_STRING ? v->u.str.ptr : NULL;
}

bool tf_get_bool(const tf_value *obj, const char *name, bool dflt)
{
    tf_value *v = tf_attr(obj, name);
    return tf_is_known(v) && v->type->kind == TF_BOOL ? v->u.b : dflt;
}

bool tf_get_int(const tf_value *obj, const char *name, int64_t *out)
{
    tf_value *v = tf_attr(obj, name);
    return tf_is_known(v) && v->type->kind == TF_NUMBER && tf_number_to_int64(&v->u.num, out);
}

void tf_set(tf_value *obj, const char *name, tf_value v)
{
    tf_value *slot = tf_attr(obj, name);
    if (!slot) return;
    const tf_type *declared = slot->type;
    bool dyn = slot->dynamic;
    *slot = v;
    /* keep the schema's type for nulls/unknowns so the encoder knows the declared shape */
    if (v.presence != TF_KNOWN || !v.type) slot->type = declared;
    slot->dynamic = dyn;
}
