/* rpc_codec.c — see rpc_codec.h. */
#include "rpc_codec.h"

#include <malloc.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tflog.h"

const tf_provider_def *tf_rpc_provider;
_Atomic(void *) tf_rpc_provider_data;

void tf_rpc_init(const tf_provider_def *def)
{
    tf_rpc_provider = def;
}

void tf_rpc_ctx_init(tf_ctx *c, const char *rpc, const char *type_name)
{
    if (rpc) tf_log(TF_LOG_DEBUG, rpc, type_name ? "type_name" : NULL, type_name, NULL);
    memset(c, 0, sizeof *c);
    c->arena = tf_arena_new();
    c->diags.arena = c->arena;
    c->provider_data = atomic_load(&tf_rpc_provider_data);
    c->type_name = type_name;
}

void *tf_rpc_array(tf_arena *a, size_t n, size_t size)
{
    return tf_arena_alloc(a, (n ? n : 1) * size);
}

tf_value tf_rpc_decode(tf_ctx *c, const Tfplugin6__DynamicValue *dv, const tf_type *t,
                       const char *what)
{
    tf_value v = tf_null(t);
    char err[512] = "";
    int rc = 0;
    if (dv && dv->msgpack.len)
        rc = tf_msgpack_decode(c->arena, t, dv->msgpack.data, dv->msgpack.len, &v, err, sizeof err);
    else if (dv && dv->json.len)
        rc = tf_json_decode(c->arena, t, (const char *)dv->json.data, dv->json.len, false, &v, err,
                            sizeof err);
    if (rc != 0) {
        tf_diag_add(&c->diags, TF_ERROR, NULL, "Invalid data from Terraform",
                    "The provider could not decode the %s it received: %s", what, err);
        v = tf_null(t);
    }
    return v;
}

/* Terraform never sends a null or unknown object where the protocol has one, but a request that
 * does must get a diagnostic, not reach a callback that relies on it. */
void tf_rpc_require_object(tf_ctx *c, const tf_value *v, const char *what, bool null_ok)
{
    if (tf_is_known(v) || (null_ok && tf_is_null(v))) return;
    tf_diag_add(&c->diags, TF_ERROR, NULL, "Invalid data from Terraform",
                "The %s in the request is %s where an object is required.", what,
                tf_is_null(v) ? "null" : "unknown");
}

Tfplugin6__DynamicValue *tf_rpc_encode(tf_arena *a, const tf_value *v)
{
    Tfplugin6__DynamicValue *dv = tf_arena_alloc(a, sizeof *dv);
    tfplugin6__dynamic_value__init(dv);
    tf_buf b = {0};
    tf_msgpack_encode(v, &b);
    dv->msgpack.len = b.len;
    dv->msgpack.data = tf_arena_alloc(a, b.len ? b.len : 1);
    memcpy(dv->msgpack.data, b.data, b.len);
    tf_buf_free(&b);
    return dv;
}

Tfplugin6__AttributePath *tf_rpc_encode_path(tf_arena *a, tf_path p)
{
    Tfplugin6__AttributePath *ap = tf_arena_alloc(a, sizeof *ap);
    tfplugin6__attribute_path__init(ap);
    ap->n_steps = p.n;
    ap->steps = tf_rpc_array(a, p.n, sizeof *ap->steps);
    for (size_t i = 0; i < p.n; i++) {
        Tfplugin6__AttributePath__Step *s = tf_arena_alloc(a, sizeof *s);
        tfplugin6__attribute_path__step__init(s);
        switch (p.steps[i].kind) {
        case TF_STEP_ATTR:
            s->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
            s->attribute_name = (char *)p.steps[i].name;
            break;
        case TF_STEP_KEY:
            s->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_STRING;
            s->element_key_string = (char *)p.steps[i].name;
            break;
        case TF_STEP_INDEX:
            s->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_INT;
            s->element_key_int = p.steps[i].index;
            break;
        }
        ap->steps[i] = s;
    }
    return ap;
}

Tfplugin6__Diagnostic **tf_rpc_encode_diags(tf_arena *a, const tf_diags *d, size_t *n)
{
    size_t count = 0;
    for (tf_diag *x = d->head; x; x = x->next) count++;
    Tfplugin6__Diagnostic **out = tf_rpc_array(a, count, sizeof *out);
    size_t i = 0;
    for (tf_diag *x = d->head; x; x = x->next, i++) {
        Tfplugin6__Diagnostic *pd = tf_arena_alloc(a, sizeof *pd);
        tfplugin6__diagnostic__init(pd);
        pd->severity = x->severity == TF_ERROR ? TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR
                                               : TFPLUGIN6__DIAGNOSTIC__SEVERITY__WARNING;
        pd->summary = (char *)x->summary;
        pd->detail = (char *)(x->detail ? x->detail : "");
        if (x->path.n) pd->attribute = tf_rpc_encode_path(a, x->path);
        out[i] = pd;
        if (tf_log_enabled(TF_LOG_DEBUG))
            tf_log(x->severity == TF_ERROR ? TF_LOG_DEBUG : TF_LOG_TRACE, "diagnostic", "summary",
                   x->summary, NULL);
    }
    *n = count;
    return out;
}

/* Packs straight into the reply buffer (wiped when freed): a temporary copy of a state or a
 * configuration would be left behind in freed memory. */
int tf_rpc_pack(const ProtobufCMessage *m, tf_buf *out)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    protobuf_c_message_pack(m, tf_buf_extend(out, n));
    return RPC_STATUS_OK;
}

/* Unpacked requests hold configuration values and states (secrets among them): protobuf-c gets
 * an allocator that wipes every block before freeing it. */
static void *wiping_alloc(void *data, size_t size)
{
    (void)data;
    void *p = malloc(size ? size : 1);
    if (!p) abort();
    return p;
}

static void wiping_free(void *data, void *p)
{
    (void)data;
    if (!p) return;
    sodium_memzero(p, malloc_usable_size(p));
    free(p);
}

ProtobufCAllocator tf_rpc_wiping_allocator = {wiping_alloc, wiping_free, NULL};

const tf_resource_def *tf_rpc_find_resource(const char *name)
{
    for (size_t i = 0; i < tf_rpc_provider->n_resources; i++)
        if (strcmp(tf_rpc_provider->resources[i]->type_name, name) == 0)
            return tf_rpc_provider->resources[i];
    return NULL;
}

const tf_datasource_def *tf_rpc_find_data_source(const char *name)
{
    for (size_t i = 0; i < tf_rpc_provider->n_data_sources; i++)
        if (strcmp(tf_rpc_provider->data_sources[i]->type_name, name) == 0)
            return tf_rpc_provider->data_sources[i];
    return NULL;
}

void tf_rpc_unknown_type(tf_ctx *c, const char *kind, const char *name)
{
    tf_error(c, NULL, "Unknown type", "This provider has no %s named \"%s\".", kind, name);
}
