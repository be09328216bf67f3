/* tfconform.c — tfprobe's protocol conformance checks: requests shaped as each Terraform / OpenTofu
 * version sends them (no client capabilities before 1.11, fields of protocol 6.11 and later that our
 * .proto lacks, the newer RPCs, GetFunctions after ConfigureProvider), and the answers those clients
 * accept. Messages are written and read with pbwire, not with the provider's generated code. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pbwire.h"
#include "tfprobe.h"

/* ---- one provider process -------------------------------------------------------------------- */

typedef struct {
    plugin p;
    grpc_channel *ch;
    client_cert cert;
    char *cert_env;
} session;

static int session_open(session *s, const char *bin)
{
    memset(s, 0, sizeof *s);
    if (client_cert_generate(&s->cert)) return -1;
    s->cert_env = env_with("PLUGIN_CLIENT_CERT", s->cert.cert_pem);
    const char *env[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=5,6", s->cert_env, NULL};
    if (plugin_start(&s->p, bin, env) != 0) return -1;
    s->ch = connect_to(&s->p, &s->cert);
    return s->ch ? 0 : -1;
}

static void session_close(session *s)
{
    if (s->ch) {
        call(s->ch, "/plugin.GRPCController/Shutdown", "", 0, NULL, NULL);
        grpc_channel_destroy(s->ch);
    }
    if (plugin_wait(&s->p, 5000) < 0)
        plugin_kill(&s->p);
    else
        close(s->p.stderr_fd);
    client_cert_free(&s->cert);
    free(s->cert_env);
}

/* /tfplugin6.Provider/NAME with req; the reply replaces *reply. */
static grpc_status_code rpc(session *s, const char *name, const pbuf *req, pbuf *reply)
{
    char method[128];
    snprintf(method, sizeof method, "/tfplugin6.Provider/%s", name);
    unsigned char *all = NULL;
    size_t n = 0;
    grpc_status_code st = call_full(s->ch, method, req ? req->p : NULL, req ? req->n : 0, &all, &n);
    pb_free(reply);
    if (all) pb_raw(reply, all, n);
    free(all);
    return st;
}

static pbslice slice(const pbuf *b)
{
    return (pbslice){b->p, b->n};
}

/* ---- reading schemas and diagnostics --------------------------------------------------------- */

/* The value of the map entry with key `key` in the map field `field` of msg. */
static int map_get(pbslice msg, int field, const char *key, pbslice *value)
{
    int f, w;
    uint64_t v;
    pbslice sub, k;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1)
        if (f == field && w == 2 && pb_get(sub, 1, &k) && pb_eq_str(k, key))
            return pb_get(sub, 2, value);
    return 0;
}

/* Every field number present in msg, as a bit set (numbers 1-63). */
static uint64_t fields_present(pbslice msg)
{
    uint64_t set = 0;
    int f, w;
    uint64_t v;
    pbslice sub;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1)
        if (f > 0 && f < 64) set |= 1ull << f;
    return set;
}

static int only_fields(uint64_t present, const int *allowed)
{
    uint64_t ok = 0;
    for (const int *a = allowed; *a; a++) ok |= 1ull << *a;
    return (present & ~ok) == 0;
}

/* Error diagnostics in the repeated field `field`; summary and attr take the first one's summary and
 * first path step (attribute name), when asked. */
static int count_errors(pbslice msg, int field, char *summary, size_t sn, char *attr, size_t an)
{
    int f, w, n = 0;
    uint64_t v;
    pbslice d;
    if (summary) summary[0] = 0;
    if (attr) attr[0] = 0;
    while (pb_next(&msg, &f, &w, &v, &d) == 1) {
        if (f != field || w != 2 || pb_get_varint(d, 1) != 1) continue;
        if (n++ == 0) {
            pbslice s, path, step, name;
            if (summary && pb_get(d, 2, &s)) snprintf(summary, sn, "%.*s", (int)s.n, s.p);
            if (attr && pb_get(d, 4, &path) && pb_get(path, 1, &step) && pb_get(step, 1, &name))
                snprintf(attr, an, "%.*s", (int)name.n, name.p);
        }
    }
    return n;
}

typedef struct {
    const char *name;
    const pbuf *value; /* msgpack */
} mp_set;

/* A msgpack object of the Schema.Block blk as Terraform sends a configuration: every attribute
 * (null unless in sets) and every nested block (none: empty list/set/map, null single). */
static void block_object(pbuf *out, pbslice blk, const mp_set *sets)
{
    uint32_t n = 0;
    int f, w;
    uint64_t v;
    pbslice sub, s = blk;
    while (pb_next(&s, &f, &w, &v, &sub) == 1) n += (f == 2 || f == 3) && w == 2;
    mp_map(out, n);
    s = blk;
    while (pb_next(&s, &f, &w, &v, &sub) == 1) {
        pbslice name;
        if ((f != 2 && f != 3) || w != 2 || !pb_get(sub, 1, &name)) continue;
        char key[128];
        snprintf(key, sizeof key, "%.*s", (int)name.n, name.p);
        mp_str(out, key);
        const pbuf *val = NULL;
        for (const mp_set *e = sets; e && e->name; e++)
            if (f == 2 && strcmp(e->name, key) == 0) val = e->value;
        if (val) {
            pb_raw(out, val->p, val->n);
        } else if (f == 2) {
            mp_nil(out);
        } else {
            pbslice inner = {0};
            pb_get(sub, 2, &inner);
            switch (pb_get_varint(sub, 3)) {
            case 2: /* LIST */
            case 3: /* SET */
                mp_array(out, 0);
                break;
            case 4: /* MAP */
                mp_map(out, 0);
                break;
            case 5: /* GROUP: never null */
                block_object(out, inner, NULL);
                break;
            default: /* SINGLE */
                mp_nil(out);
            }
        }
    }
}

/* DynamicValue{msgpack} as a field of a request. */
static void dynamic_field(pbuf *req, int field, const pbuf *msgpack)
{
    pbuf dv = {0};
    pb_bytes_field(&dv, 1, msgpack->p, msgpack->n);
    pb_msg_field(req, field, &dv);
    pb_free(&dv);
}

/* ---- the features a Terraform version must support ------------------------------------------- */

static void print_block_write_only(pbslice blk, const char *prefix)
{
    int f, w;
    uint64_t v;
    pbslice sub;
    while (pb_next(&blk, &f, &w, &v, &sub) == 1) {
        pbslice name, inner;
        if (w != 2 || !pb_get(sub, 1, &name)) continue;
        if (f == 2 && pb_get_varint(sub, 11))
            printf("write-only %s.%.*s\n", prefix, (int)name.n, name.p);
        if (f == 3 && pb_get(sub, 2, &inner)) {
            char p2[256];
            snprintf(p2, sizeof p2, "%s.%.*s", prefix, (int)name.n, name.p);
            print_block_write_only(inner, p2);
        }
    }
}

int print_features(const char *bin)
{
    session s;
    pbuf reply = {0};
    if (session_open(&s, bin)) {
        fprintf(stderr, "tfprobe: %s did not start: %s\n", bin, s.p.line);
        return 1;
    }
    if (rpc(&s, "GetProviderSchema", NULL, &reply) != GRPC_STATUS_OK) {
        fprintf(stderr, "tfprobe: GetProviderSchema failed\n");
        session_close(&s);
        return 1;
    }
    /* map fields of GetProviderSchema.Response that each declare a kind of feature */
    static const struct {
        int field;
        const char *kind;
    } kinds[] = {{7, "function"},
                 {8, "ephemeral-resource"},
                 {9, "list-resource"},
                 {10, "state-store"},
                 {11, "action"}};
    pbslice msg = slice(&reply);
    int f, w;
    uint64_t v;
    pbslice sub, key, schema, blk;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1) {
        if (w != 2 || !pb_get(sub, 1, &key)) continue;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (kinds[i].field == f) printf("%s %.*s\n", kinds[i].kind, (int)key.n, key.p);
        if (f == 2 && pb_get(sub, 2, &schema) && pb_get(schema, 2, &blk)) {
            char prefix[128];
            snprintf(prefix, sizeof prefix, "%.*s", (int)key.n, key.p);
            print_block_write_only(blk, prefix);
        }
    }
    pbslice caps;
    if (pb_get(slice(&reply), 6, &caps)) {
        if (pb_get_varint(caps, 3)) printf("capability move_resource_state\n");
        if (pb_get_varint(caps, 4)) printf("capability generate_resource_config\n");
    }
    pb_free(&reply);
    session_close(&s);
    return 0;
}

/* ---- the checks ------------------------------------------------------------------------------ */

/* ValidateResourceConfig of phala_encrypted_env with attr (env_wo or env) set; caps: the encoded
 * ClientCapabilities, NULL for none (Terraform before 1.11 sends none or deferral_allowed only);
 * extra: raw bytes appended to the request (fields of later protocols). */
static grpc_status_code validate_env(session *s, pbslice blk, const char *attr, const pbuf *caps,
                                     const pbuf *extra, pbuf *reply)
{
    pbuf env = {0}, cvm = {0}, cfg = {0}, req = {0};
    mp_map(&env, 1);
    mp_str(&env, "API_TOKEN");
    mp_str(&env, "conformance-value");
    mp_str(&cvm, "cvm_0123456789abcdef");
    mp_set sets[] = {{"cvm_id", &cvm}, {attr, &env}, {NULL, NULL}};
    block_object(&cfg, blk, sets);
    pb_str_field(&req, 1, "phala_encrypted_env");
    dynamic_field(&req, 2, &cfg);
    if (caps) pb_msg_field(&req, 3, caps);
    if (extra) pb_raw(&req, extra->p, extra->n);
    grpc_status_code st = rpc(s, "ValidateResourceConfig", &req, reply);
    pb_free(&env);
    pb_free(&cvm);
    pb_free(&cfg);
    pb_free(&req);
    return st;
}

static void check_write_only(session *s, pbslice env_blk)
{
    char summary[256], attr[64];
    pbuf reply = {0}, caps = {0}, caps_defer = {0}, caps611 = {0}, extra = {0};
    pb_varint_field(&caps, 2, 1);       /* write_only_attributes_allowed (Terraform 1.11+) */
    pb_varint_field(&caps_defer, 1, 1); /* deferral_allowed only (1.9-1.10 with experiments) */
    /* Protocol 6.11-era clients: write_only_attributes_allowed plus the later capabilities
     * store_planned_private (3) and computed_blocks_allowed (4), and a field no version has yet. */
    pb_varint_field(&caps611, 1, 1);
    pb_varint_field(&caps611, 2, 1);
    pb_varint_field(&caps611, 3, 1);
    pb_varint_field(&caps611, 4, 1);
    pb_varint_field(&caps611, 29, 1);
    /* A request field beyond 6.11's (ValidateResourceConfig.Request has 1-3). */
    pb_str_field(&extra, 14, "a field from a later protocol");

    grpc_status_code st = validate_env(s, env_blk, "env_wo", NULL, NULL, &reply);
    int n = count_errors(slice(&reply), 1, summary, sizeof summary, attr, sizeof attr);
    CHECK(st == GRPC_STATUS_OK && n == 1 &&
              strcmp(summary, "Write-only attribute not supported") == 0 &&
              strcmp(attr, "env_wo") == 0,
          "Terraform 1.0-1.10 (no client capabilities): env_wo refused with an error on env_wo "
          "(%d errors, first [%s] at [%s])",
          n, summary, attr);
    st = validate_env(s, env_blk, "env_wo", &caps_defer, NULL, &reply);
    n = count_errors(slice(&reply), 1, summary, sizeof summary, attr, sizeof attr);
    CHECK(st == GRPC_STATUS_OK && n == 1 && strcmp(attr, "env_wo") == 0,
          "capabilities without write_only_attributes_allowed: env_wo refused (%d errors)", n);
    st = validate_env(s, env_blk, "env_wo", NULL, &extra, &reply);
    n = count_errors(slice(&reply), 1, summary, sizeof summary, attr, sizeof attr);
    CHECK(st == GRPC_STATUS_OK && n == 1 && strcmp(attr, "env_wo") == 0,
          "an unknown request field does not change the refusal (%d errors)", n);
    st = validate_env(s, env_blk, "env_wo", &caps, NULL, &reply);
    n = count_errors(slice(&reply), 1, summary, sizeof summary, NULL, 0);
    CHECK(st == GRPC_STATUS_OK && n == 0,
          "Terraform 1.11+ (write_only_attributes_allowed): env_wo accepted (%d errors [%s])", n,
          summary);
    st = validate_env(s, env_blk, "env_wo", &caps611, &extra, &reply);
    n = count_errors(slice(&reply), 1, summary, sizeof summary, NULL, 0);
    CHECK(st == GRPC_STATUS_OK && n == 0,
          "6.11-shaped capabilities and request fields our .proto lacks are ignored: env_wo "
          "accepted (%d errors [%s])",
          n, summary);
    st = validate_env(s, env_blk, "env", NULL, NULL, &reply);
    n = count_errors(slice(&reply), 1, summary, sizeof summary, NULL, 0);
    CHECK(st == GRPC_STATUS_OK && n == 0,
          "Terraform 1.0-1.10 with env (not write-only): accepted (%d errors [%s])", n, summary);
    pb_free(&reply);
    pb_free(&caps);
    pb_free(&caps_defer);
    pb_free(&caps611);
    pb_free(&extra);
}

/* The newer RPCs: a client calls them only when the schema declares what they serve (or, for the
 * identity schemas, Terraform 1.12+ always, treating UNIMPLEMENTED as "no identities"). */
static void check_newer_rpcs(session *s)
{
    static const char *const names[] = {"GetResourceIdentitySchemas",
                                        "UpgradeResourceIdentity",
                                        "GenerateResourceConfig",
                                        "MoveResourceState",
                                        "ValidateEphemeralResourceConfig",
                                        "OpenEphemeralResource",
                                        "RenewEphemeralResource",
                                        "CloseEphemeralResource",
                                        "ListResource",
                                        "ValidateListResourceConfig",
                                        "ValidateActionConfig",
                                        "PlanAction",
                                        "InvokeAction",
                                        "ValidateStateStoreConfig",
                                        "ConfigureStateStore",
                                        "ReadStateBytes",
                                        "WriteStateBytes",
                                        "LockState",
                                        "UnlockState",
                                        "GetStates",
                                        "DeleteState"};
    pbuf reply = {0};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        grpc_status_code st = rpc(s, names[i], NULL, &reply);
        CHECK(st == GRPC_STATUS_UNIMPLEMENTED, "%s answers UNIMPLEMENTED (status %d)", names[i],
              st);
    }
    pb_free(&reply);
}

static void check_schema_shape(session *s, const pbuf *schema)
{
    /* Response fields 1-4, 6, 7 only: no provider_meta (5), and none of the schema maps (8-11)
     * that make a newer client call ephemeral, list, state-store or action RPCs. */
    static const int resp_fields[] = {1, 2, 3, 4, 6, 7, 0};
    uint64_t present = fields_present(slice(schema));
    CHECK(
        only_fields(present, resp_fields) && (present & (1ull << 1)),
        "GetProviderSchema answers fields %#llx: provider schema, no provider_meta, no ephemeral, "
        "list, state-store or action schemas",
        (unsigned long long)present);
    char summary[256];
    int n = count_errors(slice(schema), 4, summary, sizeof summary, NULL, 0);
    CHECK(n == 0, "GetProviderSchema without errors (%d, [%s])", n, summary);
    pbslice caps = {0};
    pb_get(slice(schema), 6, &caps);
    static const int cap_fields[] = {1, 2, 0};
    CHECK(pb_get_varint(caps, 1) == 1 && pb_get_varint(caps, 2) == 1 &&
              only_fields(fields_present(caps), cap_fields),
          "server capabilities: plan_destroy and get_provider_schema_optional only (no "
          "move_resource_state, no generate_resource_config)");
    /* The same request with fields a later protocol may add: same answer. */
    pbuf req = {0}, reply = {0};
    pb_str_field(&req, 1, "future");
    pb_varint_field(&req, 7, 1);
    grpc_status_code st = rpc(s, "GetProviderSchema", &req, &reply);
    CHECK(st == GRPC_STATUS_OK && reply.n == schema->n && memcmp(reply.p, schema->p, reply.n) == 0,
          "GetProviderSchema with unknown request fields: the same schema");
    st = rpc(s, "GetMetadata", NULL, &reply);
    static const int meta_fields[] = {1, 2, 3, 4, 5, 0};
    CHECK(st == GRPC_STATUS_OK && only_fields(fields_present(slice(&reply)), meta_fields),
          "GetMetadata answers (no ephemeral, list, state-store or action metadata)");
    pb_free(&req);
    pb_free(&reply);
}

/* ConfigureProvider as Terraform 1.0 sends it (no capabilities) or as a 6.11 client does, then
 * GetFunctions (OpenTofu calls it on a configured provider when a function is not in the schema it
 * has) and a CallFunction. */
static void check_configured_functions(session *s, pbslice prov_blk, const pbuf *schema,
                                       const pbuf *caps, const char *who)
{
    pbuf key = {0}, prefix = {0}, cfg = {0}, req = {0}, reply = {0};
    mp_str(&key, "phak_conformance");
    mp_str(&prefix, "http://127.0.0.1:9/api/v1");
    mp_set sets[] = {{"api_key", &key}, {"api_prefix", &prefix}, {NULL, NULL}};
    block_object(&cfg, prov_blk, sets);
    pb_str_field(&req, 1, caps ? "1.15.0" : "1.0.0");
    dynamic_field(&req, 2, &cfg);
    if (caps) pb_msg_field(&req, 3, caps);
    char summary[256];
    grpc_status_code st = rpc(s, "ConfigureProvider", &req, &reply);
    int n = count_errors(slice(&reply), 1, summary, sizeof summary, NULL, 0);
    CHECK(st == GRPC_STATUS_OK && n == 0, "%s: ConfigureProvider accepted (%d errors [%s])", who, n,
          summary);

    st = rpc(s, "GetFunctions", NULL, &reply);
    pbslice msg = slice(&reply), sub, name, fn, want, schema_msg = slice(schema);
    int f, w, count = 0, same = 1, in_schema = 0;
    uint64_t v;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1) {
        if (f != 1 || w != 2 || !pb_get(sub, 1, &name) || !pb_get(sub, 2, &fn)) continue;
        count++;
        char nm[128];
        snprintf(nm, sizeof nm, "%.*s", (int)name.n, name.p);
        if (!map_get(schema_msg, 7, nm, &want) || want.n != fn.n || memcmp(want.p, fn.p, fn.n))
            same = 0;
    }
    msg = schema_msg;
    while (pb_next(&msg, &f, &w, &v, &sub) == 1) in_schema += f == 7;
    CHECK(st == GRPC_STATUS_OK && count > 0 && count == in_schema && same &&
              count_errors(slice(&reply), 2, NULL, 0, NULL, 0) == 0,
          "%s: GetFunctions after ConfigureProvider lists the schema's %d functions, each "
          "identical (%d listed)",
          who, in_schema, count);

    /* parse_dotenv("A=1") → {"A": "1"}: msgpack 81 a1 41 a1 31 */
    pbuf arg = {0}, dv = {0};
    mp_str(&arg, "A=1");
    pb_free(&req);
    pb_str_field(&req, 1, "parse_dotenv");
    pb_bytes_field(&dv, 1, arg.p, arg.n);
    pb_msg_field(&req, 2, &dv);
    st = rpc(s, "CallFunction", &req, &reply);
    pbslice result = {0}, mpk = {0}, err = {0};
    pb_get(slice(&reply), 1, &result);
    pb_get(result, 1, &mpk);
    static const uint8_t want_map[] = {0x81, 0xa1, 'A', 0xa1, '1'};
    CHECK(st == GRPC_STATUS_OK && !pb_get(slice(&reply), 2, &err) && mpk.n == sizeof want_map &&
              memcmp(mpk.p, want_map, sizeof want_map) == 0,
          "%s: CallFunction parse_dotenv(\"A=1\") after GetFunctions returns {A = \"1\"}", who);
    pb_free(&arg);
    pb_free(&dv);
    pb_free(&key);
    pb_free(&prefix);
    pb_free(&cfg);
    pb_free(&req);
    pb_free(&reply);
}

/* A destroy plan of phala_encrypted_env (no network needed) as Terraform 1.0 sends it and as a
 * 6.11-era client does: client capabilities with later fields, prior_identity (8) and a field no
 * version has yet. Both answers must be byte-identical: a null plan, no errors. */
static void check_plan_fields(session *s, pbslice env_blk, const pbuf *caps611)
{
    pbuf id = {0}, prior = {0}, nil = {0}, req = {0}, reply = {0}, reply611 = {0};
    mp_str(&id, "cvm_0123456789abcdef");
    mp_set sets[] = {{"id", &id}, {"cvm_id", &id}, {NULL, NULL}};
    block_object(&prior, env_blk, sets);
    mp_nil(&nil);
    pb_str_field(&req, 1, "phala_encrypted_env");
    dynamic_field(&req, 2, &prior);
    dynamic_field(&req, 3, &nil);
    dynamic_field(&req, 4, &nil);
    pb_bytes_field(&req, 5, "prior-private", 13);
    grpc_status_code st = rpc(s, "PlanResourceChange", &req, &reply);
    pbslice planned = {0}, mpk = {0};
    pb_get(slice(&reply), 1, &planned);
    pb_get(planned, 1, &mpk);
    CHECK(st == GRPC_STATUS_OK && mpk.n == 1 && mpk.p[0] == 0xc0 &&
              count_errors(slice(&reply), 4, NULL, 0, NULL, 0) == 0,
          "Terraform 1.0 destroy plan (no capabilities): a null planned state, no errors");

    pbuf identity = {0};
    dynamic_field(&identity, 1, &prior);
    pb_msg_field(&req, 7, caps611);
    pb_msg_field(&req, 8, &identity);
    pb_bytes_field(&req, 19, "planned-private-of-a-later-protocol", 35);
    st = rpc(s, "PlanResourceChange", &req, &reply611);
    CHECK(st == GRPC_STATUS_OK && reply611.n == reply.n &&
              memcmp(reply611.p, reply.p, reply.n) == 0,
          "6.11-shaped destroy plan (capabilities 3/4, prior_identity, unknown bytes field): the "
          "same answer");
    pb_free(&identity);
    pb_free(&id);
    pb_free(&prior);
    pb_free(&nil);
    pb_free(&req);
    pb_free(&reply);
    pb_free(&reply611);
}

int conform_all(const char *bin)
{
    session s;
    pbuf schema = {0};
    if (session_open(&s, bin)) {
        CHECK(0, "provider starts: %s", s.p.line);
        return 1;
    }
    grpc_status_code st = rpc(&s, "GetProviderSchema", NULL, &schema);
    pbslice env_schema = {0}, env_blk = {0}, prov = {0}, prov_blk = {0};
    CHECK(st == GRPC_STATUS_OK && map_get(slice(&schema), 2, "phala_encrypted_env", &env_schema) &&
              pb_get(env_schema, 2, &env_blk) && pb_get(slice(&schema), 1, &prov) &&
              pb_get(prov, 2, &prov_blk),
          "GetProviderSchema has the provider and phala_encrypted_env");
    if (g_failures) {
        session_close(&s);
        pb_free(&schema);
        return 1;
    }
    check_schema_shape(&s, &schema);
    check_write_only(&s, env_blk);
    check_newer_rpcs(&s);

    pbuf caps611 = {0};
    pb_varint_field(&caps611, 2, 1);
    pb_varint_field(&caps611, 3, 1);
    pb_varint_field(&caps611, 4, 1);
    check_plan_fields(&s, env_blk, &caps611);
    check_configured_functions(&s, prov_blk, &schema, NULL, "Terraform 1.0");
    session_close(&s);

    /* A fresh process configured by a 6.11-era client (OpenTofu / Terraform 1.15). */
    session t;
    if (session_open(&t, bin) == 0) {
        check_configured_functions(&t, prov_blk, &schema, &caps611, "6.11 client");
        session_close(&t);
    } else {
        CHECK(0, "second provider process starts");
    }
    pb_free(&caps611);
    pb_free(&schema);
    printf("%d failed\n", g_failures);
    return g_failures ? 1 : 0;
}
