/* test_phala_provider.c — the provider block: validation names the attribute at fault, and
 * ConfigureProvider resolves explicit values first, then environment variables, then defaults. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "phala_provider.h"
#include "tfrules.h"

static tf_arena *A;
static void setup(void)
{
    A = tf_arena_new();
    unsetenv("PHALA_CLOUD_API_KEY");
    unsetenv("PHALA_CLOUD_API_PREFIX");
    unsetenv("PHALA_ONCHAIN_RPC_URL");
    unsetenv("PHALA_ONCHAIN_PRIVATE_KEY");
    unsetenv("PHALA_OIDC_TOKEN");
    unsetenv("PHALA_CLOUD_WORKSPACE");
}
static void teardown(void)
{
    tf_arena_free(A);
}
TestSuite(phala_provider, .init = setup, .fini = teardown);

static tf_ctx ctx(void)
{
    tf_ctx c;
    memset(&c, 0, sizeof c);
    c.arena = A;
    c.diags.arena = A;
    return c;
}

static tf_value cfg(const char *json)
{
    tf_value v;
    char err[256];
    cr_assert_eq(tf_json_decode(A, tf_block_type(&phala_provider.schema), json, strlen(json), false,
                                &v, err, sizeof err),
                 0, "%s", err);
    return v;
}

static const char *paths(tf_ctx *c)
{
    tf_buf b = {0};
    for (tf_diag *d = c->diags.head; d; d = d->next) {
        tf_buf_puts(&b, tf_path_string(A, d->path));
        tf_buf_putc(&b, ';');
    }
    const char *s = tf_arena_strndup(A, (const char *)b.data, b.len);
    tf_buf_free(&b);
    return s;
}

Test(phala_provider, invalid_values_are_reported_on_their_attribute)
{
    tf_ctx c = ctx();
    tf_value v = cfg("{\"api_prefix\":\"ftp://x\",\"timeout_seconds\":0,\"max_retries\":99,"
                     "\"onchain\":[{\"confirmations\":-1,\"rpc_url\":\"nope\"}]}");
    phala_provider.validate(&c, &v);
    cr_assert_eq(c.diags.errors, 5);
    cr_assert_str_eq(
        paths(&c),
        "api_prefix;timeout_seconds;max_retries;onchain[0].confirmations;onchain[0].rpc_url;");
}

Test(phala_provider, plain_http_to_a_remote_host_is_refused_at_validate)
{
    tf_ctx c = ctx();
    tf_value v = cfg("{\"api_prefix\":\"http://cloud-api.phala.com/api/v1\","
                     "\"onchain\":[{\"rpc_url\":\"http://mainnet.base.org\"}]}");
    phala_provider.validate(&c, &v);
    cr_assert_eq(c.diags.errors, 2);
    cr_assert_str_eq(paths(&c), "api_prefix;onchain[0].rpc_url;");
    cr_assert(strstr(c.diags.head->detail, "loopback") != NULL, "%s", c.diags.head->detail);
    tf_ctx d = ctx();
    tf_value w = cfg("{\"api_prefix\":\"https://user:pw@cloud-api.phala.com/api/v1\"}");
    phala_provider.validate(&d, &w);
    cr_assert_eq(d.diags.errors, 1);
    cr_assert(strstr(d.diags.head->detail, "pw") == NULL, "the URL is never echoed");
}

Test(phala_provider, valid_and_unknown_values_pass)
{
    tf_ctx c = ctx();
    tf_value v = cfg(
        "{\"api_prefix\":\"http://127.0.0.1:8080/api/v1\",\"timeout_seconds\":10,\"onchain\":[]}");
    tf_set(&v, "api_key", tf_unknown(&tf_type_string));
    phala_provider.validate(&c, &v);
    cr_assert_eq(c.diags.errors, 0);
}

Test(phala_provider, explicit_values_beat_environment_variables_which_beat_defaults)
{
    setenv("PHALA_CLOUD_API_KEY", "phak_env", 1);
    setenv("PHALA_CLOUD_API_PREFIX", "https://env.example/api/v1", 1);
    setenv("PHALA_ONCHAIN_PRIVATE_KEY",
           "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d", 1);
    setenv("PHALA_ONCHAIN_RPC_URL", "http://127.0.0.1:8545", 1);
    tf_ctx c = ctx();
    tf_value v = cfg("{\"api_key\":\"phak_explicit\",\"onchain\":[]}");
    phala_config *pc = phala_config_resolve(&c, &v);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert_str_eq(pc->api_key, "phak_explicit");
    cr_assert_str_eq(pc->api_prefix, "https://env.example/api/v1");
    cr_assert_str_eq(pc->api_version, PHALA_DEFAULT_API_VERSION);
    cr_assert_eq(pc->timeout_seconds, 60, "the SDKs' 60 s default");
    cr_assert_str_eq(pc->onchain.private_key,
                     "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d");
    cr_assert_str_eq(pc->onchain.rpc_url, "http://127.0.0.1:8545");
    cr_assert_eq(pc->onchain.confirmations, 1);
    cr_assert_eq(pc->onchain.receipt_timeout_seconds, 120);

    unsetenv("PHALA_CLOUD_API_PREFIX");
    tf_value empty = tf_null(tf_block_type(&phala_provider.schema));
    pc = phala_config_resolve(&c, &empty);
    cr_assert_str_eq(pc->api_key, "phak_env");
    cr_assert_str_eq(pc->api_prefix, PHALA_DEFAULT_API_PREFIX);
}

Test(phala_provider, an_identical_configuration_is_reused_not_copied)
{
    setenv("PHALA_CLOUD_API_KEY", "phak_same", 1);
    tf_ctx c = ctx();
    tf_value v = cfg("{\"api_prefix\":\"http://127.0.0.1:1/api/v1\"}");
    phala_config *a = phala_provider.configure(&c, &v);
    phala_config *b = phala_provider.configure(&c, &v);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert_not_null(a->client);
    cr_assert_eq(a, b, "one client, one copy of the key, for repeated runs");
    cr_assert_null(a->api_key, "the client holds the key");
    setenv("PHALA_CLOUD_API_KEY", "phak_other", 1);
    phala_config *d = phala_provider.configure(&c, &v);
    cr_assert_neq(d, a, "another environment is another configuration");
    unsetenv("PHALA_CLOUD_API_KEY");
}

Test(phala_provider, a_missing_api_key_is_one_diagnostic_on_api_key_at_configure_time)
{
    tf_ctx c = ctx();
    tf_value empty = tf_null(tf_block_type(&phala_provider.schema));
    phala_config *pc = phala_provider.configure(&c, &empty);
    cr_assert_eq(c.diags.errors, 1, "reported once, not by every data source");
    cr_assert_str_eq(paths(&c), "api_key;");
    cr_assert_null(pc->api_key);
    cr_assert_null(pc->client);
}

Test(phala_provider, an_oidc_token_alone_configures_a_client)
{
    const char *tok = "eyJhbGciOiJSUzI1NiJ9.eyJyZXBvIjoiYWNtZSJ9.c2ln";
    setenv("PHALA_OIDC_TOKEN", tok, 1);
    setenv("PHALA_CLOUD_WORKSPACE", "acme-ci", 1);
    tf_ctx c = ctx();
    tf_value empty = tf_null(tf_block_type(&phala_provider.schema));
    phala_config *pc = phala_config_resolve(&c, &empty);
    cr_assert_null(pc->api_key);
    cr_assert_str_eq(pc->oidc_token, tok);
    cr_assert_str_eq(pc->workspace, "acme-ci");
    pc = phala_provider.configure(&c, &empty);
    cr_assert_eq(c.diags.errors, 0, "no API key needed with an OIDC token");
    cr_assert_not_null(pc->client);
    cr_assert_null(pc->oidc_token, "the client holds the only copy");

    tf_value v = cfg("{\"oidc_token\":\"eyJ.explicit\",\"workspace\":\"acme-prod\"}");
    pc = phala_config_resolve(&c, &v);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert_str_eq(pc->oidc_token, "eyJ.explicit", "the attribute beats PHALA_OIDC_TOKEN");
    cr_assert_str_eq(pc->workspace, "acme-prod");
}

Test(phala_provider, token_workspace_and_version_are_validated_without_echoing_secrets)
{
    tf_ctx c = ctx();
    tf_value v = cfg("{\"oidc_token\":\"eyJ.secret\\nX-Evil: 1\",\"workspace\":\"a\\tb\","
                     "\"api_version\":\"2026-6-23\"}");
    phala_provider.validate(&c, &v);
    cr_assert_eq(c.diags.errors, 3);
    cr_assert_str_eq(paths(&c), "oidc_token;workspace;api_version;");
    for (tf_diag *d = c.diags.head; d; d = d->next)
        cr_assert_null(strstr(d->detail, "eyJ.secret"), "%s", d->detail);
    cr_assert(strstr(c.diags.tail->detail, "\"2026-6-23\" is not an API version"));

    tf_ctx ok = ctx();
    tf_value good = cfg("{\"api_version\":\"LATEST\",\"workspace\":\"acme-ci\"}");
    phala_provider.validate(&ok, &good);
    good = cfg("{\"api_version\":\"2026-05-22\"}");
    phala_provider.validate(&ok, &good);
    cr_assert_eq(ok.diags.errors, 0);
}

Test(phala_provider, plain_http_is_refused_for_non_loopback_hosts)
{
    tf_ctx c = ctx();
    tf_value v =
        cfg("{\"api_key\":\"phak_x\",\"api_prefix\":\"http://example.com/api/v1\",\"onchain\":[]}");
    phala_config *pc = phala_provider.configure(&c, &v);
    cr_assert_eq(c.diags.errors, 1);
    cr_assert_null(pc->client);
}

Test(phala_provider, an_onchain_key_needs_an_rpc_url_and_is_never_echoed)
{
    setenv("PHALA_CLOUD_API_KEY", "phak_x", 1);
    setenv("PHALA_ONCHAIN_PRIVATE_KEY", "0xnot-a-key-SECRETPART", 1);
    tf_ctx c = ctx();
    tf_value empty = tf_null(tf_block_type(&phala_provider.schema));
    phala_provider.configure(&c, &empty);
    cr_assert_eq(c.diags.errors, 2, "missing rpc_url and invalid key");
    for (tf_diag *d = c.diags.head; d; d = d->next)
        cr_assert_null(strstr(d->detail, "SECRETPART"), "the key is never echoed");
    unsetenv("PHALA_CLOUD_API_KEY");
}

Test(phala_provider, an_invalid_onchain_key_in_config_is_reported_on_its_path)
{
    tf_ctx c = ctx();
    tf_value v =
        cfg("{\"onchain\":[{\"rpc_url\":\"http://127.0.0.1:8545\",\"private_key\":\"0x12\"}]}");
    phala_provider.validate(&c, &v);
    cr_assert_eq(c.diags.errors, 1);
    cr_assert_str_eq(paths(&c), "onchain[0].private_key;");
}
