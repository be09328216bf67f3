/* rpc_schema.c — GetProviderSchema (built once, served from memory) and GetMetadata: the
 * provider's schema as data (tfprovider.h) turned into the protocol's messages. */
#include "rpc_codec.h"

#include <pthread.h>
#include <string.h>

/* ---- schema --------------------------------------------------------------------------------- */

static Tfplugin6__Schema__Block *encode_block(tf_arena *a, const tf_block_def *b);

static Tfplugin6__Schema__Attribute *encode_attr(tf_arena *a, const tf_attr_def *d)
{
    Tfplugin6__Schema__Attribute *pa = tf_arena_alloc(a, sizeof *pa);
    tfplugin6__schema__attribute__init(pa);
    pa->name = (char *)d->name;
    if (d->type) {
        tf_buf tj = {0};
        tf_type_json(d->type, &tj);
        pa->type.len = tj.len;
        pa->type.data = (uint8_t *)tf_arena_strndup(a, (const char *)tj.data, tj.len);
        tf_buf_free(&tj);
    } else {
        Tfplugin6__Schema__Object *o = tf_arena_alloc(a, sizeof *o);
        tfplugin6__schema__object__init(o);
        Tfplugin6__Schema__Block *inner = encode_block(a, d->nested);
        o->n_attributes = inner->n_attributes;
        o->attributes = inner->attributes;
        o->nesting = (Tfplugin6__Schema__Object__NestingMode)d->nesting;
        pa->nested_type = o;
    }
    pa->description = (char *)(d->description ? d->description : "");
    pa->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    pa->required = (d->flags & TF_REQUIRED) != 0;
    pa->optional = (d->flags & TF_OPTIONAL) != 0;
    pa->computed = (d->flags & TF_COMPUTED) != 0;
    pa->sensitive = (d->flags & TF_SENSITIVE) != 0;
    pa->write_only = (d->flags & TF_WRITE_ONLY) != 0;
    pa->deprecated = d->deprecation != NULL;
    pa->deprecation_message = (char *)(d->deprecation ? d->deprecation : "");
    return pa;
}

static Tfplugin6__Schema__Block *encode_block(tf_arena *a, const tf_block_def *b)
{
    Tfplugin6__Schema__Block *pb = tf_arena_alloc(a, sizeof *pb);
    tfplugin6__schema__block__init(pb);
    pb->n_attributes = b->n_attrs;
    pb->attributes = tf_rpc_array(a, b->n_attrs, sizeof *pb->attributes);
    for (size_t i = 0; i < b->n_attrs; i++) pb->attributes[i] = encode_attr(a, &b->attrs[i]);
    pb->n_block_types = b->n_blocks;
    pb->block_types = tf_rpc_array(a, b->n_blocks, sizeof *pb->block_types);
    for (size_t i = 0; i < b->n_blocks; i++) {
        const tf_nested_block_def *nb = &b->blocks[i];
        Tfplugin6__Schema__NestedBlock *pn = tf_arena_alloc(a, sizeof *pn);
        tfplugin6__schema__nested_block__init(pn);
        pn->type_name = (char *)nb->name;
        pn->block = encode_block(a, nb->block);
        pn->nesting = (Tfplugin6__Schema__NestedBlock__NestingMode)nb->nesting;
        pn->min_items = nb->min_items;
        pn->max_items = nb->max_items;
        pb->block_types[i] = pn;
    }
    pb->description = (char *)(b->description ? b->description : "");
    pb->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    pb->deprecated = b->deprecation != NULL;
    pb->deprecation_message = (char *)(b->deprecation ? b->deprecation : "");
    return pb;
}

/* Every Schema must carry a block, even an empty one: Terraform dereferences it. */
static Tfplugin6__Schema *encode_schema(tf_arena *a, const tf_block_def *b, int64_t version)
{
    Tfplugin6__Schema *s = tf_arena_alloc(a, sizeof *s);
    tfplugin6__schema__init(s);
    s->version = version;
    s->block = encode_block(a, b);
    return s;
}

static Tfplugin6__ServerCapabilities *capabilities(tf_arena *a)
{
    Tfplugin6__ServerCapabilities *caps = tf_arena_alloc(a, sizeof *caps);
    tfplugin6__server_capabilities__init(caps);
    caps->plan_destroy = true;                 /* our plan answers null for destroy */
    caps->get_provider_schema_optional = true; /* the schema is static: Terraform may cache it */
    return caps;
}

static tf_buf g_schema_reply;
static pthread_once_t g_schema_once = PTHREAD_ONCE_INIT;

/* The schema never changes, so the packed reply is built once and served from memory. */
static void build_schema_reply(void)
{
    tf_ctx c;
    tf_rpc_ctx_init(&c, NULL, NULL);
    Tfplugin6__GetProviderSchema__Response r = TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__INIT;
    char err[256];
    if (tf_block_check(&tf_rpc_provider->schema, false, err, sizeof err))
        tf_error(&c, NULL, "Provider bug: invalid provider schema", "%s", err);
    r.provider = encode_schema(c.arena, &tf_rpc_provider->schema, 0);
    r.n_resource_schemas = tf_rpc_provider->n_resources;
    r.resource_schemas =
        tf_rpc_array(c.arena, tf_rpc_provider->n_resources, sizeof *r.resource_schemas);
    for (size_t i = 0; i < tf_rpc_provider->n_resources; i++) {
        const tf_resource_def *d = tf_rpc_provider->resources[i];
        if (tf_block_check(&d->schema, true, err, sizeof err))
            tf_error(&c, NULL, "Provider bug: invalid resource schema", "%s: %s", d->type_name,
                     err);
        Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry *e =
            tf_arena_alloc(c.arena, sizeof *e);
        tfplugin6__get_provider_schema__response__resource_schemas_entry__init(e);
        e->key = (char *)d->type_name;
        e->value = encode_schema(c.arena, &d->schema, d->version);
        r.resource_schemas[i] = e;
    }
    r.n_data_source_schemas = tf_rpc_provider->n_data_sources;
    r.data_source_schemas =
        tf_rpc_array(c.arena, tf_rpc_provider->n_data_sources, sizeof *r.data_source_schemas);
    for (size_t i = 0; i < tf_rpc_provider->n_data_sources; i++) {
        const tf_datasource_def *d = tf_rpc_provider->data_sources[i];
        if (tf_block_check(&d->schema, false, err, sizeof err))
            tf_error(&c, NULL, "Provider bug: invalid data source schema", "%s: %s", d->type_name,
                     err);
        Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry *e =
            tf_arena_alloc(c.arena, sizeof *e);
        tfplugin6__get_provider_schema__response__data_source_schemas_entry__init(e);
        e->key = (char *)d->type_name;
        e->value = encode_schema(c.arena, &d->schema, 0);
        r.data_source_schemas[i] = e;
    }
    r.functions = tf_rpc_schema_functions(c.arena, &r.n_functions);
    r.server_capabilities = capabilities(c.arena);
    r.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &r.n_diagnostics);
    tf_rpc_pack(&r.base, &g_schema_reply);
    tf_arena_free(c.arena);
}

int tf_rpc_get_provider_schema(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    pthread_once(&g_schema_once, build_schema_reply);
    tf_buf_put(out, g_schema_reply.data, g_schema_reply.len);
    return RPC_STATUS_OK;
}

const uint8_t *tf_rpc_schema_bytes(size_t *len)
{
    pthread_once(&g_schema_once, build_schema_reply);
    *len = g_schema_reply.len;
    return g_schema_reply.data;
}

int tf_rpc_get_metadata(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    tf_ctx c;
    tf_rpc_ctx_init(&c, NULL, NULL);
    Tfplugin6__GetMetadata__Response r = TFPLUGIN6__GET_METADATA__RESPONSE__INIT;
    r.server_capabilities = capabilities(c.arena);
    r.n_resources = tf_rpc_provider->n_resources;
    r.resources = tf_rpc_array(c.arena, tf_rpc_provider->n_resources, sizeof *r.resources);
    for (size_t i = 0; i < tf_rpc_provider->n_resources; i++) {
        Tfplugin6__GetMetadata__ResourceMetadata *m = tf_arena_alloc(c.arena, sizeof *m);
        tfplugin6__get_metadata__resource_metadata__init(m);
        m->type_name = (char *)tf_rpc_provider->resources[i]->type_name;
        r.resources[i] = m;
    }
    r.n_data_sources = tf_rpc_provider->n_data_sources;
    r.data_sources = tf_rpc_array(c.arena, tf_rpc_provider->n_data_sources, sizeof *r.data_sources);
    for (size_t i = 0; i < tf_rpc_provider->n_data_sources; i++) {
        Tfplugin6__GetMetadata__DataSourceMetadata *m = tf_arena_alloc(c.arena, sizeof *m);
        tfplugin6__get_metadata__data_source_metadata__init(m);
        m->type_name = (char *)tf_rpc_provider->data_sources[i]->type_name;
        r.data_sources[i] = m;
    }
    r.n_functions = tf_rpc_provider->n_functions;
    r.functions = tf_rpc_array(c.arena, r.n_functions, sizeof *r.functions);
    for (size_t i = 0; i < r.n_functions; i++) {
        Tfplugin6__GetMetadata__FunctionMetadata *m = tf_arena_alloc(c.arena, sizeof *m);
        tfplugin6__get_metadata__function_metadata__init(m);
        m->name = (char *)tf_rpc_provider->functions[i]->name;
        r.functions[i] = m;
    }
    tf_rpc_pack(&r.base, out);
    tf_arena_free(c.arena);
    return RPC_STATUS_OK;
}
