/* rpc.c — the tfplugin6 protocol layer: unpack a request with protobuf-c, turn its DynamicValues
 * into typed values, run the generic rules (tfrules.h) around the resource's callbacks, and pack the
 * reply. Failures are reported as diagnostics with gRPC status OK, as Terraform expects; only a
 * request that cannot be unpacked at all gets INVALID_ARGUMENT. The schema RPCs live in
 * rpc_schema.c, provider functions in rpc_functions.c, the shared encoding in rpc_codec.c. */
#include "rpc_codec.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfcancel.h"
#include "tflog.h"

/* ---- provider ------------------------------------------------------------------------------- */

static int h_validate_provider_config(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ValidateProviderConfig__Request,
           tfplugin6__validate_provider_config__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ValidateProviderConfig", NULL);
    tf_value cfg = tf_rpc_decode(&c, q->config, tf_block_type(&tf_rpc_provider->schema),
                                 "provider configuration");
    tf_rpc_require_object(&c, &cfg, "provider configuration", false);
    if (!tf_has_errors(&c)) {
        tf_validate_generic(&c, &tf_rpc_provider->schema, &cfg, false);
        if (tf_rpc_provider->validate) tf_rpc_provider->validate(&c, &cfg);
    }
    Tfplugin6__ValidateProviderConfig__Response r =
        TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__RESPONSE__INIT;
    r.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &r.n_diagnostics);
    int st = tf_rpc_pack(&r.base, out);
    DONE(c, q, st);
}

static int h_configure_provider(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ConfigureProvider__Request,
           tfplugin6__configure_provider__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, NULL, NULL);
    tf_log(TF_LOG_DEBUG, "ConfigureProvider", "terraform_version", q->terraform_version, NULL);
    tf_value cfg = tf_rpc_decode(&c, q->config, tf_block_type(&tf_rpc_provider->schema),
                                 "provider configuration");
    tf_rpc_require_object(&c, &cfg, "provider configuration", false);
    if (!tf_has_errors(&c) && tf_rpc_provider->configure) {
        void *data = tf_rpc_provider->configure(&c, &cfg);
        if (!tf_has_errors(&c)) atomic_store(&tf_rpc_provider_data, data);
    }
    Tfplugin6__ConfigureProvider__Response r = TFPLUGIN6__CONFIGURE_PROVIDER__RESPONSE__INIT;
    r.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &r.n_diagnostics);
    int st = tf_rpc_pack(&r.base, out);
    DONE(c, q, st);
}

static int h_stop_provider(const uint8_t *req, size_t len, tf_buf *out)
{
    (void)req;
    (void)len;
    tf_log(TF_LOG_INFO, "StopProvider: cancelling in-flight operations", NULL);
    tf_stop_raise();
    Tfplugin6__StopProvider__Response r = TFPLUGIN6__STOP_PROVIDER__RESPONSE__INIT;
    return tf_rpc_pack(&r.base, out);
}

/* ---- resources ------------------------------------------------------------------------------ */

static int h_validate_resource_config(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ValidateResourceConfig__Request,
           tfplugin6__validate_resource_config__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ValidateResourceConfig", q->type_name);
    c.write_only_allowed =
        q->client_capabilities && q->client_capabilities->write_only_attributes_allowed;
    const tf_resource_def *r = tf_rpc_find_resource(q->type_name);
    if (!r) {
        tf_rpc_unknown_type(&c, "resource", q->type_name);
    } else {
        tf_value cfg = tf_rpc_decode(&c, q->config, tf_block_type(&r->schema), "configuration");
        tf_rpc_require_object(&c, &cfg, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_validate_generic(&c, &r->schema, &cfg, true);
            if (r->validate) r->validate(&c, &cfg);
        }
    }
    Tfplugin6__ValidateResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_upgrade_resource_state(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__UpgradeResourceState__Request,
           tfplugin6__upgrade_resource_state__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "UpgradeResourceState", q->type_name);
    Tfplugin6__UpgradeResourceState__Response resp =
        TFPLUGIN6__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    const tf_resource_def *r = tf_rpc_find_resource(q->type_name);
    if (!r) {
        tf_rpc_unknown_type(&c, "resource", q->type_name);
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
            resp.upgraded_state = tf_rpc_encode(c.arena, &v);
    }
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_read_resource(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ReadResource__Request, tfplugin6__read_resource__request__descriptor, req,
           len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ReadResource", q->type_name);
    c.private_in = q->private_.data;
    c.private_in_len = q->private_.len;
    Tfplugin6__ReadResource__Response resp = TFPLUGIN6__READ_RESOURCE__RESPONSE__INIT;
    const tf_resource_def *r = tf_rpc_find_resource(q->type_name);
    if (!r) {
        tf_rpc_unknown_type(&c, "resource", q->type_name);
    } else {
        tf_value state = tf_rpc_decode(&c, q->current_state, tf_block_type(&r->schema), "state");
        tf_rpc_require_object(&c, &state, "current state", true);
        if (!tf_has_errors(&c)) {
            tf_value ns;
            tf_read_generic(&c, r, &state, &ns);
            resp.new_state = tf_rpc_encode(c.arena, &ns);
        }
    }
    /* Terraform stores whatever private data Read returns: echo it unless replaced. */
    resp.private_.data = (uint8_t *)(c.private_out ? c.private_out : q->private_.data);
    resp.private_.len = c.private_out ? c.private_out_len : q->private_.len;
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_plan_resource_change(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__PlanResourceChange__Request,
           tfplugin6__plan_resource_change__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "PlanResourceChange", q->type_name);
    c.write_only_allowed =
        q->client_capabilities && q->client_capabilities->write_only_attributes_allowed;
    c.private_in = q->prior_private.data;
    c.private_in_len = q->prior_private.len;
    Tfplugin6__PlanResourceChange__Response resp = TFPLUGIN6__PLAN_RESOURCE_CHANGE__RESPONSE__INIT;
    const tf_resource_def *r = tf_rpc_find_resource(q->type_name);
    if (!r) {
        tf_rpc_unknown_type(&c, "resource", q->type_name);
    } else {
        const tf_type *t = tf_block_type(&r->schema);
        tf_value prior = tf_rpc_decode(&c, q->prior_state, t, "prior state");
        tf_value proposed = tf_rpc_decode(&c, q->proposed_new_state, t, "proposed new state");
        tf_value config = tf_rpc_decode(&c, q->config, t, "configuration");
        tf_rpc_require_object(&c, &prior, "prior state", true);
        tf_rpc_require_object(&c, &proposed, "proposed new state", true);
        if (!tf_is_null(&proposed)) tf_rpc_require_object(&c, &config, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_value planned;
            tf_plan_generic(&c, r, &prior, &proposed, &config, &planned);
            resp.planned_state = tf_rpc_encode(c.arena, &planned);
            resp.n_requires_replace = c.n_replace;
            resp.requires_replace =
                tf_rpc_array(c.arena, c.n_replace, sizeof *resp.requires_replace);
            for (size_t i = 0; i < c.n_replace; i++)
                resp.requires_replace[i] = tf_rpc_encode_path(c.arena, c.replace[i]);
        }
    }
    resp.planned_private.data = (uint8_t *)(c.private_out ? c.private_out : q->prior_private.data);
    resp.planned_private.len = c.private_out ? c.private_out_len : q->prior_private.len;
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_apply_resource_change(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ApplyResourceChange__Request,
           tfplugin6__apply_resource_change__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ApplyResourceChange", q->type_name);
    c.private_in = q->planned_private.data;
    c.private_in_len = q->planned_private.len;
    Tfplugin6__ApplyResourceChange__Response resp =
        TFPLUGIN6__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    const tf_resource_def *r = tf_rpc_find_resource(q->type_name);
    if (!r) {
        tf_rpc_unknown_type(&c, "resource", q->type_name);
    } else {
        const tf_type *t = tf_block_type(&r->schema);
        tf_value prior = tf_rpc_decode(&c, q->prior_state, t, "prior state");
        tf_value planned = tf_rpc_decode(&c, q->planned_state, t, "planned state");
        tf_value config = tf_rpc_decode(&c, q->config, t, "configuration");
        tf_value ns = tf_is_known(&prior) ? prior : tf_null(t);
        tf_rpc_require_object(&c, &prior, "prior state", true);
        tf_rpc_require_object(&c, &planned, "planned state", true);
        if (!tf_is_null(&planned)) tf_rpc_require_object(&c, &config, "configuration", false);
        if (!tf_has_errors(&c)) tf_apply_generic(&c, r, &prior, &planned, &config, &ns);
        resp.new_state = tf_rpc_encode(c.arena, &ns);
    }
    resp.private_.data = (uint8_t *)(c.private_out ? c.private_out : q->planned_private.data);
    resp.private_.len = c.private_out ? c.private_out_len : q->planned_private.len;
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_import_resource_state(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ImportResourceState__Request,
           tfplugin6__import_resource_state__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ImportResourceState", q->type_name);
    Tfplugin6__ImportResourceState__Response resp =
        TFPLUGIN6__IMPORT_RESOURCE_STATE__RESPONSE__INIT;
    const tf_resource_def *r = tf_rpc_find_resource(q->type_name);
    if (!r) {
        tf_rpc_unknown_type(&c, "resource", q->type_name);
    } else {
        tf_value state;
        tf_import_generic(&c, r, q->id, &state);
        if (!tf_has_errors(&c)) {
            Tfplugin6__ImportResourceState__ImportedResource *ir =
                tf_arena_alloc(c.arena, sizeof *ir);
            tfplugin6__import_resource_state__imported_resource__init(ir);
            ir->type_name = q->type_name;
            ir->state = tf_rpc_encode(c.arena, &state);
            if (c.private_out) {
                ir->private_.data = (uint8_t *)c.private_out;
                ir->private_.len = c.private_out_len;
            }
            resp.n_imported_resources = 1;
            resp.imported_resources = tf_rpc_array(c.arena, 1, sizeof *resp.imported_resources);
            resp.imported_resources[0] = ir;
        }
    }
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

/* ---- data sources --------------------------------------------------------------------------- */

static int h_validate_data_resource_config(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ValidateDataResourceConfig__Request,
           tfplugin6__validate_data_resource_config__request__descriptor, req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ValidateDataResourceConfig", q->type_name);
    const tf_datasource_def *d = tf_rpc_find_data_source(q->type_name);
    if (!d) {
        tf_rpc_unknown_type(&c, "data source", q->type_name);
    } else {
        tf_value cfg = tf_rpc_decode(&c, q->config, tf_block_type(&d->schema), "configuration");
        tf_rpc_require_object(&c, &cfg, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_validate_generic(&c, &d->schema, &cfg, false);
            if (d->validate) d->validate(&c, &cfg);
        }
    }
    Tfplugin6__ValidateDataResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__RESPONSE__INIT;
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
    DONE(c, q, st);
}

static int h_read_data_source(const uint8_t *req, size_t len, tf_buf *out)
{
    UNPACK(q, Tfplugin6__ReadDataSource__Request, tfplugin6__read_data_source__request__descriptor,
           req, len);
    tf_ctx c;
    tf_rpc_ctx_init(&c, "ReadDataSource", q->type_name);
    Tfplugin6__ReadDataSource__Response resp = TFPLUGIN6__READ_DATA_SOURCE__RESPONSE__INIT;
    const tf_datasource_def *d = tf_rpc_find_data_source(q->type_name);
    if (!d) {
        tf_rpc_unknown_type(&c, "data source", q->type_name);
    } else {
        tf_value cfg = tf_rpc_decode(&c, q->config, tf_block_type(&d->schema), "configuration");
        tf_rpc_require_object(&c, &cfg, "configuration", false);
        if (!tf_has_errors(&c)) {
            tf_value state;
            tf_read_data_generic(&c, d, &cfg, &state);
            if (!tf_has_errors(&c)) resp.state = tf_rpc_encode(c.arena, &state);
        }
    }
    resp.diagnostics = tf_rpc_encode_diags(c.arena, &c.diags, &resp.n_diagnostics);
    int st = tf_rpc_pack(&resp.base, out);
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
    if (tf_rpc_provider && tf_rpc_provider->release) tf_rpc_provider->release();
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
/* Inline (true): answered on the server's I/O thread, without the hand-over to a worker and back
 * (~50 µs a call, which adds up over the hundreds of validations of a large configuration). Only
 * calls that compute and never wait qualify: schema, metadata, validation, state upgrade and
 * functions — tfprovider.h asks validate callbacks and functions never to block. */
static const rpc_method g_methods[] = {
    M("GetProviderSchema", tf_rpc_get_provider_schema, true),
    M("GetMetadata", tf_rpc_get_metadata, true),
    M("ValidateProviderConfig", h_validate_provider_config, true),
    M("ConfigureProvider", h_configure_provider, false),
    M("ValidateResourceConfig", h_validate_resource_config, true),
    M("ValidateDataResourceConfig", h_validate_data_resource_config, true),
    M("UpgradeResourceState", h_upgrade_resource_state, true),
    M("ReadResource", h_read_resource, false),
    M("PlanResourceChange", h_plan_resource_change, false),
    M("ApplyResourceChange", h_apply_resource_change, false),
    M("ImportResourceState", h_import_resource_state, false),
    M("ReadDataSource", h_read_data_source, false),
    M("GetFunctions", tf_rpc_get_functions, true),
    M("CallFunction", tf_rpc_call_function, true),
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
