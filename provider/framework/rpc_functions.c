/* rpc_functions.c — provider functions: their definitions (for GetProviderSchema, GetMetadata and
 * GetFunctions) and CallFunction, which decodes each argument with its parameter's type, checks
 * what the protocol leaves to the provider, calls the function and checks its result. Errors are
 * FunctionErrors naming the argument, never diagnostics. */
#include "rpc_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tflog.h"

struct tf_fctx {
    tf_arena *arena;
    const char *error;
    int arg;
};

tf_arena *tf_func_arena(tf_fctx *f)
{
    return f->arena;
}

void tf_func_error(tf_fctx *f, int arg, const char *fmt, ...)
{
    if (f->error) return;
    char *text;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    text = tf_arena_alloc(f->arena, n > 0 ? (size_t)n + 1 : 1);
    va_start(ap, fmt);
    if (n > 0) vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    /* function errors reach the user's terminal like diagnostics: cleaned the same way */
    f->error = tf_text_clean(f->arena, text, 4096);
    f->arg = arg;
}

static Tfplugin6__Function__Parameter *encode_param(tf_arena *a, const tf_func_param *p)
{
    Tfplugin6__Function__Parameter *e = tf_arena_alloc(a, sizeof *e);
    tfplugin6__function__parameter__init(e);
    e->name = (char *)p->name;
    tf_buf tj = {0};
    tf_type_json(p->type, &tj);
    e->type.len = tj.len;
    e->type.data = (uint8_t *)tf_arena_strndup(a, (const char *)tj.data, tj.len);
    tf_buf_free(&tj);
    e->allow_null_value = p->allow_null;
    e->description = (char *)(p->description ? p->description : "");
    e->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    return e;
}

static Tfplugin6__Function *encode_function(tf_arena *a, const tf_function_def *d)
{
    Tfplugin6__Function *f = tf_arena_alloc(a, sizeof *f);
    tfplugin6__function__init(f);
    f->n_parameters = d->n_params;
    f->parameters = tf_rpc_array(a, d->n_params, sizeof *f->parameters);
    for (size_t i = 0; i < d->n_params; i++) f->parameters[i] = encode_param(a, &d->params[i]);
    if (d->variadic) f->variadic_parameter = encode_param(a, d->variadic);
    Tfplugin6__Function__Return *r = tf_arena_alloc(a, sizeof *r);
    tfplugin6__function__return__init(r);
    tf_buf tj = {0};
    tf_type_json(d->ret, &tj);
    r->type.len = tj.len;
    r->type.data = (uint8_t *)tf_arena_strndup(a, (const char *)tj.data, tj.len);
    tf_buf_free(&tj);
    f->return_ = r;
    f->summary = (char *)(d->summary ? d->summary : "");
    f->description = (char *)(d->description ? d->description : "");
    f->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    return f;
}

Tfplugin6__GetProviderSchema__Response__FunctionsEntry **tf_rpc_schema_functions(tf_arena *a,
                                                                                 size_t *n)
{
    const tf_provider_def *p = tf_rpc_provider;
    *n = p->n_functions;
    Tfplugin6__GetProviderSchema__Response__FunctionsEntry **out =
        tf_rpc_array(a, p->n_functions, sizeof *out);
    for (size_t i = 0; i < p->n_functions; i++) {
        out[i] = tf_arena_alloc(a, sizeof *out[i]);
        tfplugin6__get_provider_schema__response__functions_entry__init(out[i]);
        out[i]->key = (char *)p->functions[i]->name;
        out[i]->value = encode_function(a, p->functions[i]);
    }
    return out;
}

int tf_rpc_get_functions(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    tf_arena *a = tf_arena_new();
    const tf_provider_def *p = tf_rpc_provider;
    Tfplugin6__GetFunctions__Response r = TFPLUGIN6__GET_FUNCTIONS__RESPONSE__INIT;
    r.n_functions = p->n_functions;
    r.functions = tf_rpc_array(a, p->n_functions, sizeof *r.functions);
    for (size_t i = 0; i < p->n_functions; i++) {
        r.functions[i] = tf_arena_alloc(a, sizeof *r.functions[i]);
        tfplugin6__get_functions__response__functions_entry__init(r.functions[i]);
        r.functions[i]->key = (char *)p->functions[i]->name;
        r.functions[i]->value = encode_function(a, p->functions[i]);
    }
    tf_rpc_pack(&r.base, out);
    tf_arena_free(a);
    return RPC_STATUS_OK;
}

static const tf_function_def *find_function(const char *name)
{
    const tf_provider_def *p = tf_rpc_provider;
    for (size_t i = 0; name && i < p->n_functions; i++)
        if (strcmp(p->functions[i]->name, name) == 0) return p->functions[i];
    return NULL;
}

/* Decodes the arguments into args: the n_params fixed ones, then (with a variadic parameter) one
 * list of every argument after them. Terraform sends each variadic argument on its own, encoded
 * with the variadic parameter's type (plugin6 CallFunction), so argument i keeps its own index in
 * errors. False after an error. */
static bool decode_args(tf_fctx *f, const tf_function_def *d, Tfplugin6__CallFunction__Request *q,
                        tf_value *args)
{
    if (q->n_arguments < d->n_params || (!d->variadic && q->n_arguments > d->n_params)) {
        tf_func_error(f, -1, "%s takes %zu argument%s%s, not %zu", d->name, d->n_params,
                      d->n_params == 1 ? "" : "s", d->variadic ? " (and optional more)" : "",
                      q->n_arguments);
        return false;
    }
    size_t n_var = q->n_arguments - d->n_params;
    if (d->variadic)
        args[d->n_params] = tf_collection(
            f->arena, tf_type_collection(f->arena, TF_LIST, d->variadic->type), n_var);
    tf_ctx c;
    memset(&c, 0, sizeof c);
    c.arena = f->arena;
    c.diags.arena = f->arena;
    for (size_t i = 0; i < q->n_arguments; i++) {
        const tf_func_param *pd = i < d->n_params ? &d->params[i] : d->variadic;
        tf_value *dst =
            i < d->n_params ? &args[i] : &args[d->n_params].u.coll.items[i - d->n_params];
        *dst = tf_rpc_decode(&c, q->arguments[i], pd->type, "argument");
        if (tf_has_errors(&c)) {
            tf_func_error(f, (int)i, "argument %zu (%s) is not a value of the parameter's type: %s",
                          i + 1, pd->name, c.diags.head->detail);
            return false;
        }
        if (tf_is_unknown(dst) || (!pd->allow_null && tf_is_null(dst))) {
            tf_func_error(f, (int)i, "argument %zu (%s) must not be %s", i + 1, pd->name,
                          tf_is_unknown(dst) ? "unknown" : "null");
            return false;
        }
    }
    return true;
}

int tf_rpc_call_function(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__CallFunction__Request, tfplugin6__call_function__request__descriptor, req,
           len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "CallFunction", q->name);
    tf_fctx f = {.arena = c.arena, .arg = -1};
    Tfplugin6__CallFunction__Response r = TFPLUGIN6__CALL_FUNCTION__RESPONSE__INIT;
    const tf_function_def *d = find_function(q->name);
    if (!d) {
        tf_func_error(&f, -1, "This provider has no function named \"%s\"", q->name);
    } else {
        tf_value *args = tf_rpc_array(c.arena, d->n_params + 1, sizeof *args);
        if (decode_args(&f, d, q, args)) {
            tf_value result = tf_null(d->ret);
            d->call(&f, args, &result);
            if (!f.error &&
                (!tf_value_wholly_known(&result) || !tf_type_equal(result.type, d->ret)))
                tf_func_error(&f, -1, "Provider bug: %s returned a value that is not a known %s",
                              d->name, "value of its declared type");
            if (!f.error) r.result = tf_rpc_encode(c.arena, &result);
        }
    }
    Tfplugin6__FunctionError fe = TFPLUGIN6__FUNCTION_ERROR__INIT;
    if (f.error) {
        fe.text = (char *)f.error;
        if (f.arg >= 0) {
            fe._function_argument_case =
                TFPLUGIN6__FUNCTION_ERROR___FUNCTION_ARGUMENT_FUNCTION_ARGUMENT;
            fe.function_argument = f.arg;
        }
        r.error = &fe;
    }
    int st = tf_rpc_pack(&r.base, out);
    DONE(c, q, st);
}
