/* rpc.c — the tfplugin6 protocol layer: unpack a request with protobuf-c, turn its DynamicValues
 * into typed values, run the generic rules (tfrules.h) around the resource's callbacks, and pack the
 * reply. Failures are reported as diagnostics with gRPC status OK, as Terraform expects; only a
 * request that cannot be unpacked at all gets INVALID_ARGUMENT. */
#include "tfrpc.h"

#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfcancel.h"
#include "tflog.h"
#include "tfplugin6.pb-c.h"
#include "tfrules.h"

static const tf_provider_def *P;
static _Atomic(void *) g_provider_data;

void tf_rpc_init(const tf_provider_def *def)
{
    P = def;
}

/* ---- helpers -------------------------------------------------------------------------------- */

static void ctx_init(tf_ctx *c, const char *rpc, const char *type_name)
{
    if (rpc) tf_log(TF_LOG_DEBUG, rpc, type_name ? "type_name" : NULL, type_name, NULL);
    memset(c, 0, sizeof *c);
    c->arena = tf_arena_new();
    c->diags.arena = c->arena;
    c->provider_data = atomic_load(&g_provider_data);
    c->type_name = type_name;
}

static void *arena_array(tf_arena *a, size_t n, size_t size)
{
    return tf_arena_alloc(a, (n ? n : 1) * size);
}

static tf_value decode_dv(tf_ctx *c, const Tfplugin6__DynamicValue *dv, const tf_type *t,
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
static void require_object(tf_ctx *c, const tf_value *v, const char *what, bool null_ok)
{
    if (tf_is_known(v) || (null_ok && tf_is_null(v))) return;
    tf_diag_add(&c->diags, TF_ERROR, NULL, "Invalid data from Terraform",
                "The %s in the request is %s where an object is required.", what,
                tf_is_null(v) ? "null" : "unknown");
}

static Tfplugin6__DynamicValue *encode_dv(tf_arena *a, const tf_value *v)
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

static Tfplugin6__AttributePath *encode_path(tf_arena *a, tf_path p)
{
    Tfplugin6__AttributePath *ap = tf_arena_alloc(a, sizeof *ap);
    tfplugin6__attribute_path__init(ap);
    ap->n_steps = p.n;
    ap->steps = arena_array(a, p.n, sizeof *ap->steps);
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

static Tfplugin6__Diagnostic **encode_diags(tf_arena *a, const tf_diags *d, size_t *n)
{
    size_t count = 0;
    for (tf_diag *x = d->head; x; x = x->next) count++;
    Tfplugin6__Diagnostic **out = arena_array(a, count, sizeof *out);
    size_t i = 0;
    for (tf_diag *x = d->head; x; x = x->next, i++) {
        Tfplugin6__Diagnostic *pd = tf_arena_alloc(a, sizeof *pd);
        tfplugin6__diagnostic__init(pd);
        pd->severity = x->severity == TF_ERROR ? TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR
                                               : TFPLUGIN6__DIAGNOSTIC__SEVERITY__WARNING;
        pd->summary = (char *)x->summary;
        pd->detail = (char *)(x->detail ? x->detail : "");
        if (x->path.n) pd->attribute = encode_path(a, x->path);
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
static int pack(const ProtobufCMessage *m, tf_buf *out)
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

static ProtobufCAllocator g_wiping = {wiping_alloc, wiping_free, NULL};

static const tf_resource_def *find_resource(const char *name)
{
    for (size_t i = 0; i < P->n_resources; i++)
        if (strcmp(P->resources[i]->type_name, name) == 0) return P->resources[i];
    return NULL;
}

static const tf_datasource_def *find_data_source(const char *name)
{
    for (size_t i = 0; i < P->n_data_sources; i++)
        if (strcmp(P->data_sources[i]->type_name, name) == 0) return P->data_sources[i];
    return NULL;
}

static void unknown_type(tf_ctx *c, const char *kind, const char *name)
{
    tf_error(c, NULL, "Unknown type", "This provider has no %s named \"%s\".", kind, name);
}

/* Each handler unpacks its request type or answers INVALID_ARGUMENT. */
#define UNPACK(var, type, desc, req, len)                                                          \
    type *var = (type *)protobuf_c_message_unpack(&desc, &g_wiping, len, req);                     \
    if (!var) return RPC_STATUS_INVALID_ARGUMENT

#define DONE(c, var, status)                                                                       \
    do {                                                                                           \
        protobuf_c_message_free_unpacked((ProtobufCMessage *)(var), &g_wiping);                    \
        tf_arena_free((c).arena);                                                                  \
        return status;                                                                             \
    } while (0)

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
    pb->attributes = arena_array(a, b->n_attrs, sizeof *pb->attributes);
    for (size_t i = 0; i < b->n_attrs; i++) pb->attributes[i] = encode_attr(a, &b->attrs[i]);
    pb->n_block_types = b->n_blocks;
    pb->block_types = arena_array(a, b->n_blocks, sizeof *pb->block_types);
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
    ctx_init(&c, NULL, NULL);
    Tfplugin6__GetProviderSchema__Response r = TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__INIT;
    char err[256];
    if (tf_block_check(&P->schema, false, err, sizeof err))
        tf_error(&c, NULL, "Provider bug: invalid provider schema", "%s", err);
    r.provider = encode_schema(c.arena, &P->schema, 0);
    r.n_resource_schemas = P->n_resources;
    r.resource_schemas = arena_array(c.arena, P->n_resources, sizeof *r.resource_schemas);
    for (size_t i = 0; i < P->n_resources; i++) {
        const tf_resource_def *d = P->resources[i];
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
    r.n_data_source_schemas = P->n_data_sources;
    r.data_source_schemas = arena_array(c.arena, P->n_data_sources, sizeof *r.data_source_schemas);
    for (size_t i = 0; i < P->n_data_sources; i++) {
        const tf_datasource_def *d = P->data_sources[i];
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
    r.server_capabilities = capabilities(c.arena);
    r.diagnostics = encode_diags(c.arena, &c.diags, &r.n_diagnostics);
    pack(&r.base, &g_schema_reply);
    tf_arena_free(c.arena);
}

static int h_get_provider_schema(const uint8_t *req, size_t len, tf_buf *out)
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

static int h_get_metadata(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    tf_ctx c;
    ctx_init(&c, NULL, NULL);
    Tfplugin6__GetMetadata__Response r = TFPLUGIN6__GET_METADATA__RESPONSE__INIT;
    r.server_capabilities = capabilities(c.arena);
    r.n_resources = P->n_resources;
    r.resources = arena_array(c.arena, P->n_resources, sizeof *r.resources);
    for (size_t i = 0; i < P->n_resources; i++) {
        Tfplugin6__GetMetadata__ResourceMetadata *m = tf_arena_alloc(c.arena, sizeof *m);
        tfplugin6__get_metadata__resource_metadata__init(m);
        m->type_name = (char *)P->resources[i]->type_name;
        r.resources[i] = m;
    }
    r.n_data_sources = P->n_data_sources;
    r.data_sources = arena_array(c.arena, P->n_data_sources, sizeof *r.data_sources);
    for (size_t i = 0; i < P->n_data_sources; i++) {
        Tfplugin6__GetMetadata__DataSourceMetadata *m = tf_arena_alloc(c.arena, sizeof *m);
        tfplugin6__get_metadata__data_source_metadata__init(m);
        m->type_name = (char *)P->data_sources[i]->type_name;
        r.data_sources[i] = m;
    }
    pack(&r.base, out);
    tf_arena_free(c.arena);
    return RPC_STATUS_OK;
}

/* ---- provider ------------------------------------------------------------------------------- */

static int h_validate_provider_config(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ValidateProviderConfig__Request,
           tfplugin6__validate_provider_config__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "ValidateProviderConfig", NULL);
    tf_value cfg = decode_dv(&c, q->config, tf_block_type(&P->schema), "provider configuration");
    require_object(&c, &cfg, "provider configuration", false);
    if (!tf_has_errors(&c)) {
        tf_validate_generic(&c, &P->schema, &cfg, false);
        if (P->validate) P->validate(&c, &cfg);
    }
    Tfplugin6__ValidateProviderConfig__Response r =
        TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__RESPONSE__INIT;
    r.diagnostics = encode_diags(c.arena, &c.diags, &r.n_diagnostics);
    int st = pack(&r.base, out);
    DONE(c, q, st);
}

static int h_configure_provider(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ConfigureProvider__Request,
           tfplugin6__configure_provider__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, NULL, NULL);
    tf_log(TF_LOG_DEBUG, "ConfigureProvider", "terraform_version", q->terraform_version, NULL);
    tf_value cfg = decode_dv(&c, q->config, tf_block_type(&P->schema), "provider configuration");
    require_object(&c, &cfg, "provider configuration", false);
    if (!tf_has_errors(&c) && P->configure) {
        void *data = P->configure(&c, &cfg);
        if (!tf_has_errors(&c)) atomic_store(&g_provider_data, data);
    }
    Tfplugin6__ConfigureProvider__Response r = TFPLUGIN6__CONFIGURE_PROVIDER__RESPONSE__INIT;
    r.diagnostics = encode_diags(c.arena, &c.diags, &r.n_diagnostics);
    int st = pack(&r.base, out);
    DONE(c, q, st);
}

static int h_stop_provider(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    tf_log(TF_LOG_INFO, "StopProvider: cancelling in-flight operations", NULL);
    tf_stop_raise();
    Tfplugin6__StopProvider__Response r = TFPLUGIN6__STOP_PROVIDER__RESPONSE__INIT;
    return pack(&r.base, out);
}

static int h_get_functions(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    Tfplugin6__GetFunctions__Response r = TFPLUGIN6__GET_FUNCTIONS__RESPONSE__INIT;
    return pack(&r.base, out);
}

/* ---- resources ------------------------------------------------------------------------------ */

static int h_validate_resource_config(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ValidateResourceConfig__Request,
           tfplugin6__validate_resource_config__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "ValidateResourceConfig", q->type_name);
    c.write_only_allowed =
        q->client_capabilities && q->client_capabilities->write_only_attributes_allowed;
    const tf_resource_def *r = find_resource(q->type_name);
    if (!r) {
        unknown_type(&c, "resource", q->type_name);
    } else {
        tf_value cfg = decode_dv(&c, q->config, tf_block_type(&r->schema), "configuration");
        require_object(&c, &cfg, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_validate_generic(&c, &r->schema, &cfg, true);
            if (r->validate) r->validate(&c, &cfg);
        }
    }
    Tfplugin6__ValidateResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_upgrade_resource_state(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__UpgradeResourceState__Request,
           tfplugin6__upgrade_resource_state__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "UpgradeResourceState", q->type_name);
    Tfplugin6__UpgradeResourceState__Response resp =
        TFPLUGIN6__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    const tf_resource_def *r = find_resource(q->type_name);
    if (!r) {
        unknown_type(&c, "resource", q->type_name);
    } else if (q->version > r->version) {
        tf_error(&c, NULL, "State written by a newer provider",
                 "The state of this %s was written with schema version %lld, newer than this "
                 "provider's %lld. Upgrade the provider.",
                 q->type_name, (long long)q->version, (long long)r->version);
    } else if (q->version < r->version) {
        tf_error(&c, NULL, "Cannot upgrade state",
                 "This provider cannot upgrade %s state from schema version %lld.", q->type_name,
                 (long long)q->version);
    } else {
        const tf_type *t = tf_block_type(&r->schema);
        tf_value v = tf_null(t);
        char err[512];
        const ProtobufCBinaryData *js = q->raw_state ? &q->raw_state->json : NULL;
        /* Same version: decode with the current schema; attributes it no longer has are
         * dropped (Terraform strips most of them already), number lexemes are kept. */
        if (js && js->len &&
            tf_json_decode(c.arena, t, (const char *)js->data, js->len, true, &v, err, sizeof err))
            tf_error(&c, NULL, "Invalid state", "The stored state of this %s cannot be read: %s",
                     q->type_name, err);
        else
            resp.upgraded_state = encode_dv(c.arena, &v);
    }
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_read_resource(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ReadResource__Request, tfplugin6__read_resource__request__descriptor, req,
           len);
    tf_ctx c;
    ctx_init(&c, "ReadResource", q->type_name);
    c.private_in = q->private_.data;
    c.private_in_len = q->private_.len;
    Tfplugin6__ReadResource__Response resp = TFPLUGIN6__READ_RESOURCE__RESPONSE__INIT;
    const tf_resource_def *r = find_resource(q->type_name);
    if (!r) {
        unknown_type(&c, "resource", q->type_name);
    } else {
        tf_value state = decode_dv(&c, q->current_state, tf_block_type(&r->schema), "state");
        require_object(&c, &state, "current state", true);
        if (!tf_has_errors(&c)) {
            tf_value ns;
            tf_read_generic(&c, r, &state, &ns);
            resp.new_state = encode_dv(c.arena, &ns);
        }
    }
    /* Terraform stores whatever private data Read returns: echo it unless replaced. */
    resp.private_.data = (uint8_t *)(c.private_out ? c.private_out : q->private_.data);
    resp.private_.len = c.private_out ? c.private_out_len : q->private_.len;
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_plan_resource_change(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__PlanResourceChange__Request,
           tfplugin6__plan_resource_change__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "PlanResourceChange", q->type_name);
    c.write_only_allowed =
        q->client_capabilities && q->client_capabilities->write_only_attributes_allowed;
    c.private_in = q->prior_private.data;
    c.private_in_len = q->prior_private.len;
    Tfplugin6__PlanResourceChange__Response resp = TFPLUGIN6__PLAN_RESOURCE_CHANGE__RESPONSE__INIT;
    const tf_resource_def *r = find_resource(q->type_name);
    if (!r) {
        unknown_type(&c, "resource", q->type_name);
    } else {
        const tf_type *t = tf_block_type(&r->schema);
        tf_value prior = decode_dv(&c, q->prior_state, t, "prior state");
        tf_value proposed = decode_dv(&c, q->proposed_new_state, t, "proposed new state");
        tf_value config = decode_dv(&c, q->config, t, "configuration");
        require_object(&c, &prior, "prior state", true);
        require_object(&c, &proposed, "proposed new state", true);
        if (!tf_is_null(&proposed)) require_object(&c, &config, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_value planned;
            tf_plan_generic(&c, r, &prior, &proposed, &config, &planned);
            resp.planned_state = encode_dv(c.arena, &planned);
            resp.n_requires_replace = c.n_replace;
            resp.requires_replace =
                arena_array(c.arena, c.n_replace, sizeof *resp.requires_replace);
            for (size_t i = 0; i < c.n_replace; i++)
                resp.requires_replace[i] = encode_path(c.arena, c.replace[i]);
        }
    }
    resp.planned_private.data = (uint8_t *)(c.private_out ? c.private_out : q->prior_private.data);
    resp.planned_private.len = c.private_out ? c.private_out_len : q->prior_private.len;
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_apply_resource_change(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ApplyResourceChange__Request,
           tfplugin6__apply_resource_change__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "ApplyResourceChange", q->type_name);
    c.private_in = q->planned_private.data;
    c.private_in_len = q->planned_private.len;
    Tfplugin6__ApplyResourceChange__Response resp =
        TFPLUGIN6__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    const tf_resource_def *r = find_resource(q->type_name);
    if (!r) {
        unknown_type(&c, "resource", q->type_name);
    } else {
        const tf_type *t = tf_block_type(&r->schema);
        tf_value prior = decode_dv(&c, q->prior_state, t, "prior state");
        tf_value planned = decode_dv(&c, q->planned_state, t, "planned state");
        tf_value config = decode_dv(&c, q->config, t, "configuration");
        tf_value ns = tf_is_known(&prior) ? prior : tf_null(t);
        require_object(&c, &prior, "prior state", true);
        require_object(&c, &planned, "planned state", true);
        if (!tf_is_null(&planned)) require_object(&c, &config, "configuration", false);
        if (!tf_has_errors(&c)) tf_apply_generic(&c, r, &prior, &planned, &config, &ns);
        resp.new_state = encode_dv(c.arena, &ns);
    }
    resp.private_.data = (uint8_t *)(c.private_out ? c.private_out : q->planned_private.data);
    resp.private_.len = c.private_out ? c.private_out_len : q->planned_private.len;
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_import_resource_state(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ImportResourceState__Request,
           tfplugin6__import_resource_state__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "ImportResourceState", q->type_name);
    Tfplugin6__ImportResourceState__Response resp =
        TFPLUGIN6__IMPORT_RESOURCE_STATE__RESPONSE__INIT;
    const tf_resource_def *r = find_resource(q->type_name);
    if (!r) {
        unknown_type(&c, "resource", q->type_name);
    } else {
        tf_value state;
        tf_import_generic(&c, r, q->id, &state);
        if (!tf_has_errors(&c)) {
            Tfplugin6__ImportResourceState__ImportedResource *ir =
                tf_arena_alloc(c.arena, sizeof *ir);
            tfplugin6__import_resource_state__imported_resource__init(ir);
            ir->type_name = q->type_name;
            ir->state = encode_dv(c.arena, &state);
            if (c.private_out) {
                ir->private_.data = (uint8_t *)c.private_out;
                ir->private_.len = c.private_out_len;
            }
            resp.n_imported_resources = 1;
            resp.imported_resources = arena_array(c.arena, 1, sizeof *resp.imported_resources);
            resp.imported_resources[0] = ir;
        }
    }
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

/* ---- data sources --------------------------------------------------------------------------- */

static int h_validate_data_resource_config(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ValidateDataResourceConfig__Request,
           tfplugin6__validate_data_resource_config__request__descriptor, req, len);
    tf_ctx c;
    ctx_init(&c, "ValidateDataResourceConfig", q->type_name);
    const tf_datasource_def *d = find_data_source(q->type_name);
    if (!d) {
        unknown_type(&c, "data source", q->type_name);
    } else {
        tf_value cfg = decode_dv(&c, q->config, tf_block_type(&d->schema), "configuration");
        require_object(&c, &cfg, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_validate_generic(&c, &d->schema, &cfg, false);
            if (d->validate) d->validate(&c, &cfg);
        }
    }
    Tfplugin6__ValidateDataResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_read_data_source(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ReadDataSource__Request, tfplugin6__read_data_source__request__descriptor,
           req, len);
    tf_ctx c;
    ctx_init(&c, "ReadDataSource", q->type_name);
    Tfplugin6__ReadDataSource__Response resp = TFPLUGIN6__READ_DATA_SOURCE__RESPONSE__INIT;
    const tf_datasource_def *d = find_data_source(q->type_name);
    if (!d) {
        unknown_type(&c, "data source", q->type_name);
    } else {
        tf_value cfg = decode_dv(&c, q->config, tf_block_type(&d->schema), "configuration");
        require_object(&c, &cfg, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_value state;
            tf_read_data_generic(&c, d, &cfg, &state);
            if (!tf_has_errors(&c)) resp.state = encode_dv(c.arena, &state);
        }
    }
    resp.diagnostics = encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = pack(&resp.base, out);
    DONE(c, q, st);
}

/* ---- go-plugin side services ---------------------------------------------------------------- */

/* GRPCController/Shutdown: the process exits once this reply is written; the provider's secrets go
 * first. */
static int h_shutdown(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    (void)out; /* plugin.Empty packs to zero bytes */
    if (P && P->release) P->release();
    return RPC_STATUS_OK;
}

static int h_health_check(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    static const uint8_t serving[] = {0x08, 0x01}; /* HealthCheckResponse{status: SERVING} */
    tf_buf_put(out, serving, sizeof serving);
    return RPC_STATUS_OK;
}

/* RPC names are logged at debug level, with the resource type when there is one. */
#define M(name, fn, inl)                                                                           \
    {                                                                                              \
        "/tfplugin6.Provider/" name, fn, inl, false                                                \
    }
static const rpc_method g_methods[] = {
    M("GetProviderSchema", h_get_provider_schema, false),
    M("GetMetadata", h_get_metadata, false),
    M("ValidateProviderConfig", h_validate_provider_config, false),
    M("ConfigureProvider", h_configure_provider, false),
    M("ValidateResourceConfig", h_validate_resource_config, false),
    M("ValidateDataResourceConfig", h_validate_data_resource_config, false),
    M("UpgradeResourceState", h_upgrade_resource_state, false),
    M("ReadResource", h_read_resource, false),
    M("PlanResourceChange", h_plan_resource_change, false),
    M("ApplyResourceChange", h_apply_resource_change, false),
    M("ImportResourceState", h_import_resource_state, false),
    M("ReadDataSource", h_read_data_source, false),
    M("GetFunctions", h_get_functions, false),
    /* never queued behind busy workers: it is what unblocks them */
    M("StopProvider", h_stop_provider, true),
    {"/plugin.GRPCController/Shutdown", h_shutdown, true, true},
    {"/grpc.health.v1.Health/Check", h_health_check, true, false},
};

const rpc_method *tf_rpc_methods(size_t *n)
{
    *n = sizeof g_methods / sizeof g_methods[0];
    return g_methods;
}
