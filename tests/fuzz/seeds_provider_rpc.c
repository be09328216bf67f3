/* seeds_provider_rpc.c — writes the seed corpus of fuzz_provider_rpc into a directory: for every
 * resource and data source of the real provider, well-formed requests of each method (configs,
 * states and raw JSON states made from the schema itself, private state, import ids), each file
 * being the method's index byte followed by the packed request. Run at build time, so the seeds
 * follow the schemas. Usage: seeds_provider_rpc DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phala_provider.h"
#include "provider_rpc_fuzz.h"
#include "tfplugin6.pb-c.h"
#include "tfrules.h"

static const char *g_dir;
static const rpc_method *g_methods[32];
static size_t g_n;
static int g_count;

static int method_index(const char *name)
{
    for (size_t i = 0; i < g_n; i++)
        if (strstr(g_methods[i]->path, name)) return (int)i;
    fprintf(stderr, "seeds: no method %s\n", name);
    exit(1);
}

static void emit(const char *method, const char *tag, const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n + 1);
    buf[0] = (uint8_t)method_index(method);
    protobuf_c_message_pack(m, buf + 1);
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%s-%d", g_dir, method, tag, g_count++);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n + 1, f) != n + 1 || fclose(f) != 0) {
        fprintf(stderr, "seeds: cannot write %s\n", path);
        exit(1);
    }
    free(buf);
}

/* A plausible string for an attribute, by name: the ids the provider parses, else "x". */
static const char *sample_string(const char *name)
{
    static const struct {
        const char *name, *value;
    } table[] = {
        {"cvm_id", "cvm_phala01"},
        {"kms_id", "kms_phala01"},
        {"kms", "kms-base-prod1"},
        {"chain", "base"},
        {"app_id", "0x1f2e3d4c5b6a79880f1e2d3c4b5a69788f9e0d1c"},
        {"public_key", "0x6a4a7d8b9c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809102"},
        {"transaction_hash", "0x5c7e0e3b1f0f4b7a9d2c8e6a4b3f1d0c9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"},
        {"env_file", "A=1\nB=\"two\"\n# comment\n"},
        {"compose_hash", "0x0b7e4f5a6c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) return table[i].value;
    return "x";
}

static tf_value sample(tf_arena *a, const tf_type *t, const char *name)
{
    switch (t->kind) {
    case TF_STRING:
        return tf_string(a, sample_string(name));
    case TF_NUMBER:
        return tf_int(1);
    case TF_BOOL:
        return tf_bool(true);
    case TF_LIST:
    case TF_SET: {
        tf_value v = tf_collection(a, t, 1);
        v.u.coll.items[0] = sample(a, t->elem, name);
        return v;
    }
    case TF_MAP: {
        tf_value v = tf_collection(a, t, 1);
        v.u.coll.keys[0] = "API_KEY";
        v.u.coll.items[0] = sample(a, t->elem, name);
        return v;
    }
    case TF_OBJECT:
    case TF_TUPLE: {
        tf_value v = tf_collection(a, t, t->n);
        for (size_t i = 0; i < t->n; i++)
            v.u.coll.items[i] = sample(a, t->elems[i], t->kind == TF_OBJECT ? t->names[i] : name);
        return v;
    }
    default:
        return tf_null(t);
    }
}

/* The block as a config (config: no computed-only attributes) or as a state (no write-only). */
static tf_value sample_block(tf_arena *a, const tf_block_def *b, bool config)
{
    const tf_type *t = tf_block_type(b);
    tf_value v = tf_collection(a, t, t->n);
    for (size_t i = 0; i < t->n; i++) v.u.coll.items[i] = tf_null(t->elems[i]);
    for (size_t i = 0; i < b->n_attrs; i++) {
        const tf_attr_def *d = &b->attrs[i];
        bool computed_only = (d->flags & TF_COMPUTED) && !(d->flags & (TF_OPTIONAL | TF_REQUIRED));
        bool write_only = d->flags & TF_WRITE_ONLY;
        if ((config && computed_only) || (!config && write_only)) continue;
        tf_value *slot = tf_attr(&v, d->name);
        *slot = sample(a, slot->type, d->name);
    }
    for (size_t i = 0; i < b->n_blocks; i++) {
        tf_value *slot = tf_attr(&v, b->blocks[i].name);
        if (b->blocks[i].nesting == TF_NEST_SINGLE || b->blocks[i].nesting == TF_NEST_GROUP) {
            *slot = sample_block(a, b->blocks[i].block, config);
        } else {
            tf_value list = tf_collection(a, slot->type, 1);
            list.u.coll.items[0] = sample_block(a, b->blocks[i].block, config);
            *slot = list;
        }
    }
    return v;
}

static Tfplugin6__DynamicValue *dv(tf_arena *a, const tf_value *v)
{
    Tfplugin6__DynamicValue *d = tf_arena_alloc(a, sizeof *d);
    tfplugin6__dynamic_value__init(d);
    tf_buf b = {0};
    tf_msgpack_encode(v, &b);
    d->msgpack.data = tf_arena_alloc(a, b.len + 1);
    memcpy(d->msgpack.data, b.data, b.len);
    d->msgpack.len = b.len;
    tf_buf_free(&b);
    return d;
}

static Tfplugin6__DynamicValue *dv_json(tf_arena *a, const tf_value *v)
{
    Tfplugin6__DynamicValue *d = tf_arena_alloc(a, sizeof *d);
    tfplugin6__dynamic_value__init(d);
    tf_buf b = {0};
    tf_json_encode(v, &b);
    d->json.data = tf_arena_alloc(a, b.len + 1);
    memcpy(d->json.data, b.data, b.len);
    d->json.len = b.len;
    tf_buf_free(&b);
    return d;
}

static const char PRIVATE[] =
    "{\"key\":\"0x6a4a7d8b9c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e"
    "7f809102\",\"pinned\":false,\"tx\":\"0x5c7e\",\"tx_for\":\"0x0b7e\"}";

static void resource_seeds(tf_arena *a, const tf_resource_def *r)
{
    tf_value cfg = sample_block(a, &r->schema, true), st = sample_block(a, &r->schema, false);
    const tf_type *t = tf_block_type(&r->schema);
    tf_value none = tf_null(t);
    char *name = (char *)r->type_name;

    Tfplugin6__ValidateResourceConfig__Request vr =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__REQUEST__INIT;
    vr.type_name = name;
    vr.config = dv(a, &cfg);
    emit("ValidateResourceConfig", name, &vr.base);
    vr.config = dv_json(a, &cfg);
    emit("ValidateResourceConfig", name, &vr.base);

    Tfplugin6__PlanResourceChange__Request pr = TFPLUGIN6__PLAN_RESOURCE_CHANGE__REQUEST__INIT;
    pr.type_name = name;
    pr.prior_state = dv(a, &none);
    pr.config = dv(a, &cfg);
    pr.proposed_new_state = dv(a, &cfg);
    emit("PlanResourceChange", name, &pr.base);
    pr.prior_state = dv(a, &st);
    pr.prior_private.data = (uint8_t *)PRIVATE;
    pr.prior_private.len = sizeof PRIVATE - 1;
    emit("PlanResourceChange", name, &pr.base);

    Tfplugin6__ApplyResourceChange__Request ar = TFPLUGIN6__APPLY_RESOURCE_CHANGE__REQUEST__INIT;
    ar.type_name = name;
    ar.prior_state = dv(a, &st);
    ar.planned_state = dv(a, &none); /* destroy */
    ar.config = dv(a, &none);
    emit("ApplyResourceChange", name, &ar.base);

    Tfplugin6__ReadResource__Request rr = TFPLUGIN6__READ_RESOURCE__REQUEST__INIT;
    rr.type_name = name;
    rr.current_state = dv(a, &st);
    rr.private_.data = (uint8_t *)PRIVATE;
    rr.private_.len = sizeof PRIVATE - 1;
    emit("ReadResource", name, &rr.base);

    Tfplugin6__UpgradeResourceState__Request ur = TFPLUGIN6__UPGRADE_RESOURCE_STATE__REQUEST__INIT;
    Tfplugin6__RawState raw = TFPLUGIN6__RAW_STATE__INIT;
    tf_buf js = {0};
    tf_json_encode(&st, &js);
    raw.json.data = js.data;
    raw.json.len = js.len;
    ur.type_name = name;
    ur.version = r->version;
    ur.raw_state = &raw;
    emit("UpgradeResourceState", name, &ur.base);
    static const char old[] = "{\"removed_attribute\":\"x\",\"id\":\"cvm_phala01\"}";
    raw.json.data = (uint8_t *)old;
    raw.json.len = sizeof old - 1;
    emit("UpgradeResourceState", name, &ur.base);
    tf_buf_free(&js);

    static const char *ids[] = {"cvm_phala01",
                                "0x1f2e3d4c5b6a79880f1e2d3c4b5a69788f9e0d1c",
                                "1f2e3d4c5b6a79880f1e2d3c4b5a69788f9e0d1c",
                                "6f1d0c3e-2b4a-4c8d-9e7f-0a1b2c3d4e5f",
                                "app_1f2e3d4c",
                                "..",
                                "a/b"};
    Tfplugin6__ImportResourceState__Request ir = TFPLUGIN6__IMPORT_RESOURCE_STATE__REQUEST__INIT;
    ir.type_name = name;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        ir.id = (char *)ids[i];
        emit("ImportResourceState", name, &ir.base);
    }
}

static void data_source_seeds(tf_arena *a, const tf_datasource_def *d)
{
    tf_value cfg = sample_block(a, &d->schema, true);
    char *name = (char *)d->type_name;
    Tfplugin6__ValidateDataResourceConfig__Request vr =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__REQUEST__INIT;
    vr.type_name = name;
    vr.config = dv(a, &cfg);
    emit("ValidateDataResourceConfig", name, &vr.base);
    Tfplugin6__ReadDataSource__Request rr = TFPLUGIN6__READ_DATA_SOURCE__REQUEST__INIT;
    rr.type_name = name;
    rr.config = dv(a, &cfg);
    emit("ReadDataSource", name, &rr.base);
    rr.config = dv_json(a, &cfg);
    emit("ReadDataSource", name, &rr.base);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seeds_provider_rpc DIR\n");
        return 2;
    }
    g_dir = argv[1];
    tf_rpc_init(&phala_provider);
    g_n = fuzz_rpc_methods(g_methods, 32);
    tf_arena *a = tf_arena_new();
    for (size_t i = 0; i < phala_provider.n_resources; i++)
        resource_seeds(a, phala_provider.resources[i]);
    for (size_t i = 0; i < phala_provider.n_data_sources; i++)
        data_source_seeds(a, phala_provider.data_sources[i]);
    tf_value pc = sample_block(a, &phala_provider.schema, true);
    Tfplugin6__ValidateProviderConfig__Request vp =
        TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__REQUEST__INIT;
    vp.config = dv(a, &pc);
    emit("ValidateProviderConfig", "provider", &vp.base);
    Tfplugin6__GetProviderSchema__Request gs = TFPLUGIN6__GET_PROVIDER_SCHEMA__REQUEST__INIT;
    emit("GetProviderSchema", "provider", &gs.base);
    tf_arena_free(a);
    printf("%d seeds in %s\n", g_count, g_dir);
    return 0;
}
