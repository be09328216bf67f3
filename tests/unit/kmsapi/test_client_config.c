/* test_client_config.c — client configuration: explicit > environment > default, trailing '/'
 * trimmed, https everywhere but loopback, argument checks that fire before any request, and the API
 * key never showing up in an error line (the only network used is a refused loopback port). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_client.h"

#define KEY "phak_unit_secret_5f1e"

static pk_client *make(const char *key, const char *prefix)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = key;
    cfg.api_prefix = prefix;
    cfg.max_retries = 0;
    pk_client *c = NULL;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), 0, "%s", pk_error_message(&e));
    return c;
}

Test(client_config, defaults_without_environment)
{
    unsetenv("PHALA_CLOUD_API_KEY");
    unsetenv("PHALA_CLOUD_API_PREFIX");
    unsetenv("PHALA_OIDC_TOKEN");
    unsetenv("PHALA_CLOUD_WORKSPACE");
    pk_client *c = make(NULL, NULL);
    cr_assert_str_eq(pk_client_api_prefix(c), PK_DEFAULT_API_PREFIX);
    cr_assert_str_eq(c->host, "cloud-api.phala.com");
    cr_assert_null(c->api_key);
    cr_assert_null(c->bearer);
    cr_assert_null(c->workspace);
    /* The SDKs' current defaults: version 2026-06-23, 60 s per attempt (above the server's 30 s
     * KMS RPC timeout, so a slow KMS answer is not cut off by the client first). */
    cr_assert_str_eq(c->api_version, "2026-06-23");
    cr_assert_eq(c->timeout_ms, 60000);
    cr_assert_eq(c->max_retries, 0);
    cr_assert(strncmp(c->user_agent, "terraform-provider-phala/", 25) == 0);
    cr_assert(strstr(c->user_agent, " libphalakms"));
    pk_client_free(c);
}

Test(client_config, environment_fills_what_is_not_explicit)
{
    setenv("PHALA_CLOUD_API_KEY", "phak_from_env", 1);
    setenv("PHALA_CLOUD_API_PREFIX", "https://env.example/api/v1///", 1);
    pk_client *c = make(NULL, NULL);
    cr_assert_str_eq(c->api_key, "phak_from_env");
    cr_assert_str_eq(pk_client_api_prefix(c), "https://env.example/api/v1");
    pk_client_free(c);
}

Test(client_config, explicit_wins_over_environment)
{
    setenv("PHALA_CLOUD_API_KEY", "phak_from_env", 1);
    setenv("PHALA_CLOUD_API_PREFIX", "https://env.example/api/v1", 1);
    pk_client *c = make("phak_explicit", "https://explicit.example/api/v1/");
    cr_assert_str_eq(c->api_key, "phak_explicit");
    cr_assert_str_eq(pk_client_api_prefix(c), "https://explicit.example/api/v1");
    pk_client_free(c);
}

Test(client_config, oidc_token_and_workspace_from_config_or_environment)
{
    unsetenv("PHALA_CLOUD_API_KEY");
    setenv("PHALA_OIDC_TOKEN", "eyJ.env.token", 1);
    setenv("PHALA_CLOUD_WORKSPACE", "  ws-env\t", 1);
    pk_client *c = make(NULL, NULL);
    cr_assert_null(c->api_key);
    cr_assert_str_eq(c->bearer, "eyJ.env.token");
    cr_assert_eq(c->cred, PKX_CRED_OIDC);
    cr_assert_str_eq(c->workspace, "ws-env", "trimmed, as the JS SDK does");
    pk_client_free(c);

    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = "phak_k";
    cfg.bearer_token = "eyJ.explicit";
    cfg.workspace = "ws-explicit";
    cfg.max_retries = 0;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(c->bearer, "eyJ.explicit");
    cr_assert_str_eq(c->workspace, "ws-explicit");
    cr_assert_eq(c->cred, PKX_CRED_API_KEY_WITH_OIDC, "the API key wins when both are set");
    pk_client_free(c);

    setenv("PHALA_CLOUD_WORKSPACE", " \t ", 1);
    c = make("phak_k", NULL);
    cr_assert_null(c->workspace, "a blank workspace is not sent");
    cr_assert_eq(c->cred, PKX_CRED_API_KEY_WITH_OIDC);
    pk_client_free(c);
    unsetenv("PHALA_OIDC_TOKEN");
    unsetenv("PHALA_CLOUD_WORKSPACE");
}

Test(client_config, header_injection_in_token_or_workspace_is_refused)
{
    const char *bad_token = "eyJ.a\r\nX-Evil: 1";
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.bearer_token = bad_token;
    pk_client *c = NULL;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_CONFIG);
    cr_assert_null(strstr(pk_error_message(&e), "eyJ.a"), "never echoes the token");
    pk_error_clear(&e);
    pk_config_init(&cfg);
    cfg.workspace = "ws\nX-Evil: 1";
    cr_assert_eq(pk_client_new(&cfg, &c, &e), -1);
    cr_assert(strstr(pk_error_message(&e), "workspace contains control characters"));
    pk_error_clear(&e);
}

Test(client_config, defaults_when_config_is_null)
{
    unsetenv("PHALA_CLOUD_API_PREFIX");
    pk_client *c = NULL;
    cr_assert_eq(pk_client_new(NULL, &c, NULL), 0);
    cr_assert_eq(c->max_retries, PK_DEFAULT_MAX_RETRIES);
    cr_assert_eq(c->deadline_ms, PK_DEFAULT_DEADLINE_MS);
    pk_client_free(c);
}

Test(client_config, plain_http_only_to_loopback)
{
    const char *ok[] = {"http://127.0.0.1:8080/api/v1",   "http://127.1.2.3/api",
                        "http://localhost:9/x",           "http://LOCALHOST",
                        "http://[::1]:8080/api/v1",       "https://example.com",
                        "HTTPS://Example.com:8443/api/v1"};
    const char *bad[] = {"http://example.com/api/v1",
                         "http://10.0.0.1/api",
                         "http://128.0.0.1",
                         "http://localhost.evil.com/",
                         "http://[::2]/",
                         "ftp://127.0.0.1/",
                         "127.0.0.1:8080",
                         "https://",
                         "https://user:pw@example.com/",
                         "https://exa mple.com",
                         "http://[::1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        pk_config cfg;
        pk_config_init(&cfg);
        cfg.api_prefix = ok[i];
        pk_client *c = NULL;
        pk_error e = {0};
        cr_assert_eq(pk_client_new(&cfg, &c, &e), 0, "%s: %s", ok[i], pk_error_message(&e));
        pk_client_free(c);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pk_config cfg;
        pk_config_init(&cfg);
        cfg.api_prefix = bad[i];
        pk_client *c = NULL;
        pk_error e = {0};
        cr_assert_eq(pk_client_new(&cfg, &c, &e), -1, "%s accepted", bad[i]);
        cr_assert_eq(e.kind, PK_ERR_CONFIG, "%s", bad[i]);
        cr_assert_null(c);
        pk_error_clear(&e);
    }
}

Test(client_config, non_loopback_http_message_says_why)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_prefix = "http://api.example/api/v1";
    pk_client *c;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), -1);
    cr_assert(strstr(pk_error_message(&e), "only allowed to a loopback host"), "%s",
              pk_error_message(&e));
    pk_error_clear(&e);
}

Test(client_config, key_with_controls_rejected_without_echo)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = "phak_abc\r\nX-Evil: 1";
    pk_client *c;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_CONFIG);
    cr_assert_null(strstr(pk_error_message(&e), "phak_abc"));
    pk_error_clear(&e);
}

Test(client_config, missing_key_is_reported_by_the_first_request)
{
    unsetenv("PHALA_CLOUD_API_KEY");
    pk_client *c = make(NULL, "http://127.0.0.1:1/api/v1");
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_x", &k, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_CONFIG);
    cr_assert(strstr(pk_error_message(&e), "PHALA_CLOUD_API_KEY"), "%s", pk_error_message(&e));
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(client_config, arguments_checked_before_any_request)
{
    pk_client *c = make(KEY, "http://127.0.0.1:1/api/v1");
    pk_error e = {0};
    pk_app_pubkey pk;
    cr_assert_eq(pk_app_pubkey_fetch(c, "kms-base", "0xnothex", &pk, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    cr_assert(strstr(e.message, "app_id"));
    pk_kms_list l;
    cr_assert_eq(pk_kms_list_fetch(c, PK_UNSET, 1, 101, &l, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    cr_assert(strstr(e.message, "page_size"));
    cr_assert_eq(pk_kms_list_fetch(c, PK_UNSET, -1, 10, &l, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    pk_app_ids ids;
    cr_assert_eq(pk_app_ids_reserve(c, 0, &ids, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    cr_assert_eq(pk_app_ids_reserve(c, 21, &ids, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    pk_envs_update_result r;
    const char *keys[] = {"A"};
    cr_assert_eq(pk_cvm_envs_update(c, "cvm_1", "zz", keys, 1, NULL, NULL, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    cr_assert_eq(pk_cvm_envs_update(c, "cvm_1", "abcd", keys, 1, "hash", NULL, &r, &e), -1);
    cr_assert(strstr(e.message, "together"));
    cr_assert_eq(pk_kms_info_fetch(c, "", (pk_kms_info[1]){0}, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_INVALID_ARG);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(client_config, network_error_never_contains_the_key)
{
    pk_client *c = make(KEY, "http://127.0.0.1:1/api/v1");
    pk_error e = {0};
    pk_cvm cvm;
    cr_assert_eq(pk_cvm_fetch(c, KEY, &cvm, &e), -1, "even when the id echoes the key");
    cr_assert_eq(e.kind, PK_ERR_NETWORK, "%s", pk_error_message(&e));
    cr_assert_null(strstr(pk_error_message(&e), KEY), "%s", pk_error_message(&e));
    cr_assert_null(strstr(e.message, KEY));
    cr_assert(strstr(pk_error_message(&e), "could not reach 127.0.0.1"), "%s",
              pk_error_message(&e));
    pk_error_clear(&e);
    pk_client_free(c);
}

static char g_log[4096];
static void capture(void *user, const char *line)
{
    (void)user;
    strncat(g_log, line, sizeof g_log - strlen(g_log) - 2);
    strcat(g_log, "\n");
}

Test(client_config, log_lines_never_contain_the_key)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = KEY;
    cfg.api_prefix = "http://127.0.0.1:1/api/v1";
    cfg.max_retries = 1;
    cfg.log_fn = capture;
    pk_client *c;
    cr_assert_eq(pk_client_new(&cfg, &c, NULL), 0);
    pk_kms_info k;
    pk_error e = {0};
    g_log[0] = '\0';
    cr_assert_eq(pk_kms_info_fetch(c, KEY, &k, &e), -1);
    cr_assert_eq(e.attempts, 2, "GET network failures are retried once (max_retries=1)");
    cr_assert(strstr(g_log, "GET /kms/"), "%s", g_log);
    cr_assert(strstr(g_log, "attempt 2"), "%s", g_log);
    cr_assert_null(strstr(g_log, KEY), "%s", g_log);
    pk_error_clear(&e);
    pk_client_free(c);
}

Test(client_config, cancelled_token_stops_before_sending)
{
    pk_cancel *tok;
    pk_cancel_new(&tok);
    pk_cancel_trigger(tok);
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = KEY;
    cfg.api_prefix = "http://127.0.0.1:1/api/v1";
    cfg.cancel = tok;
    pk_client *c;
    cr_assert_eq(pk_client_new(&cfg, &c, NULL), 0);
    pk_cvm cvm;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, "cvm_1", &cvm, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_CANCELLED);
    pk_error_clear(&e);
    pk_client_free(c);
    pk_cancel_free(tok);
}

Test(client_config, a_long_timeout_is_honoured_not_cut_by_the_default_deadline)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = "phak_x";
    cfg.timeout_ms = 300000;
    pk_client *c = NULL;
    pk_error err = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &err), 0);
    cr_assert_eq(c->deadline_ms, 300000, "one attempt may take the whole timeout");
    pk_client_free(c);
    cfg.timeout_ms = 10000;
    cr_assert_eq(pk_client_new(&cfg, &c, &err), 0);
    cr_assert_eq(c->deadline_ms, PK_DEFAULT_DEADLINE_MS);
    pk_client_free(c);
}
