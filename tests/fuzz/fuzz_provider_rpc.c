/* fuzz_provider_rpc.c — libFuzzer target: every tfplugin6 request the real phala provider can get
 * from Terraform, through the same handlers the server calls: protobuf-c unpacking, msgpack and
 * JSON DynamicValues against the provider's real schemas, UpgradeResourceState of raw state,
 * private state, import ids, plan and apply rules. The first byte picks the method, the rest is
 * the request. The provider is configured once with an API on a closed loopback port and no
 * retries, so code that calls the API fails fast instead of reaching a network.
 * Seeds: generated at build time by seeds_provider_rpc.c from the provider's own schemas. */
#include <stdint.h>
#include <stdlib.h>

#include "phala_provider.h"
#include "provider_rpc_fuzz.h"
#include "tfplugin6.pb-c.h"
#include "tfrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const rpc_method *g_methods[32];
static size_t g_n;

static void configure_once(void)
{
    tf_rpc_init(&phala_provider);
    g_n = fuzz_rpc_methods(g_methods, 32);
    tf_arena *a = tf_arena_new();
    const tf_type *t = tf_block_type(&phala_provider.schema);
    char err[256];
    static const char cfg[] =
        "{\"api_key\":\"phak_fuzz\",\"api_prefix\":\"http://127.0.0.1:9/api/v1\","
        "\"max_retries\":0,\"timeout_seconds\":1}";
    tf_value v;
    if (tf_json_decode(a, t, cfg, sizeof cfg - 1, false, &v, err, sizeof err) != 0) abort();
    tf_buf mp = {0};
    tf_msgpack_encode(&v, &mp);
    Tfplugin6__DynamicValue dv = TFPLUGIN6__DYNAMIC_VALUE__INIT;
    dv.msgpack.data = mp.data;
    dv.msgpack.len = mp.len;
    Tfplugin6__ConfigureProvider__Request q = TFPLUGIN6__CONFIGURE_PROVIDER__REQUEST__INIT;
    q.config = &dv;
    size_t n = protobuf_c_message_get_packed_size(&q.base);
    uint8_t *req = malloc(n ? n : 1);
    protobuf_c_message_pack(&q.base, req);
    size_t all;
    const rpc_method *m = tf_rpc_methods(&all);
    for (size_t i = 0; i < all; i++)
        if (strstr(m[i].path, "/ConfigureProvider")) {
            tf_buf out = {0};
            m[i].handler(req, n, &out);
            tf_buf_free(&out);
        }
    free(req);
    tf_buf_free(&mp);
    tf_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_n) configure_once();
    if (size < 1) return 0;
    const rpc_method *m = g_methods[data[0] % g_n];
    tf_buf out = {0};
    m->handler(data + 1, size - 1, &out);
    tf_buf_free(&out);
    return 0;
}
