/* test_client_errors.c — the error value: every API error body shape (verbatim fixtures under
 * tests/data/errors/), the kinds of 3xx/465–468, request-id precedence, and the human lines a
 * person acts on. Also the 465 precondition decoder over the same fixtures. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"
#include "api/pkx_client.h"
#include "api/pkx_http.h"
#include "common/pkx_error.h"

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/errors/%s", TEST_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "fixture %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void from_fixture(pk_error *err, int status, const char *name, const char *hdr_rid)
{
    size_t len;
    char *body = slurp(name, &len);
    pkx_error_from_response(err, status, body, len, hdr_rid, "GET", "/kms");
    free(body);
}

Test(client_errors, fastapi_detail_string_gives_message_and_401_hint)
{
    pk_error e = {0};
    from_fixture(&e, 401, "detail_string_401.json", "rid-hdr");
    cr_assert_eq(e.kind, PK_ERR_HTTP);
    cr_assert_eq(e.http_status, 401);
    cr_assert_str_eq(e.message, "Invalid API key");
    cr_assert_str_eq(e.request_id, "rid-hdr", "header X-Request-ID used when the body has none");
    cr_assert(strstr(pk_error_message(&e), "the API key was rejected (HTTP 401)"));
    cr_assert(strstr(pk_error_message(&e), "PHALA_CLOUD_API_KEY"));
    cr_assert(strstr(pk_error_message(&e), "[request_id: rid-hdr]"));
    pk_error_clear(&e);
    cr_assert_eq(e.kind, PK_ERR_NONE);
    cr_assert_null(e.message);
}

Test(client_errors, fastapi_validation_list_joins_loc_with_dots)
{
    pk_error e = {0};
    from_fixture(&e, 422, "detail_list_422.json", NULL);
    cr_assert_eq(e.n_fields, 2);
    cr_assert_str_eq(e.fields[0].loc, "body.env_keys.0");
    cr_assert_str_eq(e.fields[0].msg, "string does not match regex");
    cr_assert_str_eq(e.fields[1].loc, "query.page_size");
    cr_assert_str_eq(e.error_code, "VALIDATION", "FastAPI `code` taken as error_code");
    const char *h = pk_error_message(&e);
    cr_assert(strstr(h, "HTTP 422"), "%s", h);
    cr_assert(strstr(h, "body.env_keys.0: string does not match regex"), "%s", h);
    cr_assert(strstr(h, "query.page_size"), "%s", h);
    pk_error_clear(&e);
}

Test(client_errors, structured_top_level_body)
{
    pk_error e = {0};
    from_fixture(&e, 404, "structured_404.json", "rid-hdr-ignored");
    cr_assert_str_eq(e.error_code, "ERR-03-001");
    cr_assert_str_eq(e.message, "CVM not found");
    cr_assert_str_eq(e.request_id, "rid-404-1", "body request_id wins over the header");
    /* the call names what was not found (the id or slug is in its path) */
    cr_assert_str_eq(e.call, "GET /kms");
    cr_assert(strstr(pk_error_message(&e), "not found (HTTP 404): GET /kms: CVM not found"));
    cr_assert(strstr(pk_error_message(&e), "ERR-03-001"));
    pk_error_clear(&e);
}

Test(client_errors, a_hostile_request_id_is_cut)
{
    pk_error e = {0};
    char rid[4096];
    memset(rid, 'r', sizeof rid - 1);
    rid[sizeof rid - 1] = 0;
    pkx_error_from_response(&e, 500, "", 0, rid, "GET", "/kms");
    cr_assert_eq(strlen(e.request_id), 128);
    cr_assert(strstr(e.request_id, "...") != NULL);
    pk_error_clear(&e);
}

Test(client_errors, structured_465_verbatim_fixture_is_precondition_kind)
{
    pk_error e = {0};
    from_fixture(&e, 465, "structured_465.json", NULL);
    cr_assert_eq(e.kind, PK_ERR_PRECONDITION);
    cr_assert_str_eq(e.error_code, "ERR-01-005");
    cr_assert_str_eq(e.message, "Compose hash registration required on-chain");
    cr_assert_str_eq(e.request_id, "rid-body-123");
    cr_assert_eq(e.n_fields, 0, "details with null message are not field errors");
    pk_error_clear(&e);
}

Test(client_errors, detail_wrapped_structured_body)
{
    pk_error e = {0};
    from_fixture(&e, 465, "detail_wrapped_465.json", "rid-hdr");
    cr_assert_str_eq(e.error_code, "ERR-01-005");
    cr_assert_str_eq(e.message, "Compose hash registration required on-chain");
    cr_assert_str_eq(e.request_id, "rid-wrapped-7");
    pk_error_clear(&e);
}

Test(client_errors, legacy_flat_body_message)
{
    pk_error e = {0};
    from_fixture(&e, 465, "legacy_flat_465.json", NULL);
    cr_assert_str_eq(e.message, "need hash");
    cr_assert_null(e.error_code);
    pk_error_clear(&e);
}

Test(client_errors, detail_object_without_message_is_serialised)
{
    pk_error e = {0};
    from_fixture(&e, 400, "detail_object_other.json", NULL);
    cr_assert(strstr(e.message, "quota"), "%s", e.message);
    pk_error_clear(&e);
}

Test(client_errors, non_json_body_keeps_first_line)
{
    pk_error e = {0};
    from_fixture(&e, 502, "html_502.txt", NULL);
    cr_assert_str_eq(e.message, "<html><head><title>502 Bad Gateway</title></head>");
    cr_assert(strstr(pk_error_message(&e), "the Phala Cloud API failed (HTTP 502)"));
    cr_assert(strstr(pk_error_message(&e), "retry later"));
    pk_error_clear(&e);
}

/* Production once answered a hung KMS lookup with an empty message: the error then says which call
 * failed and that the server gave no reason, never a bare reason phrase that reads like a cause. */
Test(client_errors, answer_without_a_reason_names_the_call)
{
    pk_error e = {0};
    const char *pk = "/kms/ethereum/pubkey/0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f";
    pkx_error_from_response(&e, 500, NULL, 0, NULL, "GET", pk);
    cr_assert_str_eq(
        e.message, "GET /kms/ethereum/pubkey/0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f: the server "
                   "gave no reason (HTTP 500 Internal Server Error, empty body)");
    cr_assert(strstr(pk_error_message(&e), "the Phala Cloud API failed (HTTP 500): GET /kms/"),
              "%s", pk_error_message(&e));
    pkx_error_from_response(&e, 599, " \r\n", 3, NULL, "GET", "/kms");
    cr_assert_str_eq(e.message, "GET /kms: the server gave no reason (HTTP 599, empty body)");
    struct {
        const char *body;
    } silent[] = {{"{}"},
                  {"{\"detail\":\"\"}"},
                  {"{\"message\":\"\",\"detail\":null}"},
                  {"{\"detail\":\"  \"}"}};
    for (size_t i = 0; i < sizeof silent / sizeof silent[0]; i++) {
        pkx_error_from_response(&e, 502, silent[i].body, strlen(silent[i].body), NULL, "PATCH",
                                "/cvms/x/envs");
        cr_assert_str_eq(e.message,
                         "PATCH /cvms/x/envs: the server gave no reason (HTTP 502 Bad Gateway, no "
                         "message in the body)",
                         "%s", silent[i].body);
    }
    pkx_error_from_response(&e, 404, "", 0, NULL, NULL, NULL);
    cr_assert_str_eq(e.message, "the request: the server gave no reason (HTTP 404 Not Found, empty "
                                "body)");
    pk_error_clear(&e);
}

Test(client_errors, status_kinds)
{
    struct {
        int status;
        pk_error_kind kind;
    } cases[] = {
        {301, PK_ERR_REDIRECT},         {302, PK_ERR_REDIRECT},     {400, PK_ERR_HTTP},
        {465, PK_ERR_PRECONDITION},     {466, PK_ERR_HASH_EXPIRED}, {467, PK_ERR_TX_VERIFY_FAILED},
        {468, PK_ERR_HASH_NOT_ALLOWED}, {500, PK_ERR_HTTP}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_error e = {0};
        pkx_error_from_response(&e, cases[i].status, "{}", 2, NULL, NULL, NULL);
        cr_assert_eq(e.kind, cases[i].kind, "status %d", cases[i].status);
        pk_error_clear(&e);
    }
}

Test(client_errors, human_lines_for_each_class)
{
    struct {
        int status;
        const char *body;
        const char *want;
    } cases[] = {
        {403, "{\"detail\":\"Forbidden workspace\"}", "check the key's workspace and permissions"},
        {409, "{\"detail\":\"busy\"}", "another operation is in progress (HTTP 409)"},
        {409, "{\"error_code\":\"ERR-01-004\",\"message\":\"dup\"}",
         "the API refused the request (HTTP 409): dup"},
        {429, "{}", "rate limited by the API (HTTP 429)"},
        {500, "{\"message\":\"boom\"}", "the Phala Cloud API failed (HTTP 500): boom"},
        {302, "", "redirect (HTTP 302), which is refused"},
        {466, "{\"message\":\"expired\"}", "start the update over"},
        {467, "{\"message\":\"bad tx\"}", "check transaction_hash"},
        {468, "{\"message\":\"nope\"}", "addComposeHash"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_error e = {0};
        pkx_error_from_response(&e, cases[i].status, cases[i].body, strlen(cases[i].body), NULL,
                                NULL, NULL);
        cr_assert(strstr(pk_error_message(&e), cases[i].want), "status %d: %s", cases[i].status,
                  pk_error_message(&e));
        pk_error_clear(&e);
    }
}

Test(client_errors, transport_kinds_have_actionable_lines)
{
    pk_error e = {0};
    pkx_error_set(&e, PK_ERR_NETWORK, "Couldn't connect to server");
    pkx_error_humanize(&e, "api.example", PKX_CRED_API_KEY);
    cr_assert(strstr(pk_error_message(&e), "could not reach api.example: Couldn't connect"));
    cr_assert(strstr(pk_error_message(&e), "PHALA_CLOUD_API_PREFIX"));
    pkx_error_set(&e, PK_ERR_TIMEOUT, "no complete answer within 30000 ms");
    cr_assert(strstr(pk_error_message(&e), "did not answer in time"));
    pkx_error_set(&e, PK_ERR_TLS, "SSL certificate problem");
    cr_assert(strstr(pk_error_message(&e), "TLS verification failed"));
    pkx_error_set(&e, PK_ERR_CANCELLED, "x");
    cr_assert_str_eq(pk_error_message(&e), "the request was cancelled");
    pk_error_clear(&e);
    cr_assert_str_eq(pk_error_message(&e), "no error");
    cr_assert_str_eq(pk_error_message(NULL), "no error");
}

Test(client_errors, redact_removes_every_occurrence)
{
    char *s = pkx_redact(strdup("key=phak_SECRET and again phak_SECRET."), "phak_SECRET", 11);
    cr_assert_str_eq(s, "key=[REDACTED] and again [REDACTED].");
    free(s);
    s = pkx_redact(strdup("nothing here"), "phak_SECRET", 11);
    cr_assert_str_eq(s, "nothing here");
    free(s);
    cr_assert_null(pkx_redact(NULL, "k", 1));
    /* a wiped credential (zeros, its length kept) redacts nothing and reads nothing past the end */
    static const char wiped[11] = {0};
    s = pkx_redact(strdup("short"), wiped, sizeof wiped);
    cr_assert_str_eq(s, "short");
    free(s);
}

Test(client_errors, seal_scrubs_key_echoed_by_server)
{
    pk_client c = {.api_key = "phak_echoed_key_123", .api_key_len = 19, .host = "h"};
    const char *body =
        "{\"detail\":[{\"loc\":[\"header\",\"phak_echoed_key_123\"],"
        "\"msg\":\"bad key phak_echoed_key_123\"}],"
        "\"message\":\"Invalid key phak_echoed_key_123\",\"request_id\":\"phak_echoed_key_123\"}";
    pk_error e = {0};
    pkx_error_from_response(&e, 422, body, strlen(body), NULL, NULL, NULL);
    pkx_error_seal(&e, &c);
    cr_assert_null(strstr(pk_error_message(&e), "phak_echoed_key_123"), "%s", pk_error_message(&e));
    cr_assert_null(strstr(e.message, "phak_echoed_key_123"));
    cr_assert_null(strstr(e.request_id, "phak_echoed_key_123"));
    cr_assert_null(strstr(e.fields[0].loc, "phak_echoed_key_123"));
    cr_assert_null(strstr(e.fields[0].msg, "phak_echoed_key_123"));
    pk_error_clear(&e);
}

Test(client_errors, seal_scrubs_an_oidc_token_echoed_by_server)
{
    const char *tok = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvIn0.c2ln";
    pk_client c = {.bearer = (char *)tok, .bearer_len = strlen(tok), .cred = PKX_CRED_OIDC};
    char body[256];
    snprintf(body, sizeof body, "{\"detail\":\"token %s is expired\",\"request_id\":\"%s\"}", tok,
             tok);
    pk_error e = {0};
    pkx_error_from_response(&e, 401, body, strlen(body), NULL, NULL, NULL);
    pkx_error_seal(&e, &c);
    cr_assert_null(strstr(pk_error_message(&e), tok), "%s", pk_error_message(&e));
    cr_assert_null(strstr(e.message, tok));
    cr_assert_null(strstr(e.request_id, tok));
    pk_error_clear(&e);
}

/* A 401/403 names the credential the request carried, and what to check for that one. */
Test(client_errors, auth_failures_name_the_credential_used)
{
    struct {
        pkx_cred cred;
        int status;
        const char *want, *not_want;
    } cases[] = {
        {PKX_CRED_API_KEY, 401,
         "the API key was rejected (HTTP 401) — check api_key / "
         "PHALA_CLOUD_API_KEY",
         "OIDC"},
        {PKX_CRED_API_KEY, 403, "the API key is not allowed to do this (HTTP 403): nope", "OIDC"},
        {PKX_CRED_API_KEY_WITH_OIDC, 401,
         "(an OIDC token is configured too, but the API key takes precedence)", NULL},
        {PKX_CRED_OIDC, 401,
         "the OIDC token was rejected (HTTP 401): nope — check oidc_token / "
         "PHALA_OIDC_TOKEN",
         "API key"},
        {PKX_CRED_OIDC, 403, "set workspace / PHALA_CLOUD_WORKSPACE", "API key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_client c = {.host = "h", .cred = cases[i].cred};
        pk_error e = {0};
        pkx_error_from_response(&e, cases[i].status, "{\"detail\":\"nope\"}", 17, NULL, NULL, NULL);
        pkx_error_seal(&e, &c);
        cr_assert(strstr(pk_error_message(&e), cases[i].want), "case %zu: %s", i,
                  pk_error_message(&e));
        if (cases[i].not_want)
            cr_assert_null(strstr(pk_error_message(&e), cases[i].not_want), "case %zu: %s", i,
                           pk_error_message(&e));
        pk_error_clear(&e);
    }
}

/* ---- 465 → precondition result ---- */

Test(client_errors, precondition_from_structured_details)
{
    size_t len;
    char *body = slurp("structured_465.json", &len);
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_envs_465(body, len, "rid-hdr", &r, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_PRECONDITION_REQUIRED);
    cr_assert_str_eq(r.precondition.compose_hash, "0xhash123");
    cr_assert_str_eq(r.precondition.app_id, "0xapp456");
    cr_assert_str_eq(r.precondition.device_id, "0xdevice789");
    cr_assert(r.precondition.has_kms_info);
    cr_assert_str_eq(r.precondition.kms_info.id, "kms_test");
    cr_assert_str_eq(r.precondition.kms_info.slug, "kms-base-prod9");
    cr_assert(r.precondition.kms_info.has_chain_id);
    cr_assert_eq(r.precondition.kms_info.chain_id, 8453);
    cr_assert_str_eq(r.precondition.kms_info.kms_contract_address, "0xkms123");
    cr_assert_str_eq(r.message, "Compose hash registration required on-chain");
    cr_assert_str_eq(r.request_id, "rid-body-123");
    pk_envs_update_result_free(&r);
    free(body);
}

Test(client_errors, precondition_from_legacy_flat_body)
{
    size_t len;
    char *body = slurp("legacy_flat_465.json", &len);
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_envs_465(body, len, "rid-hdr", &r, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(r.precondition.compose_hash, "legacy_hash");
    cr_assert_str_eq(r.precondition.app_id, "legacy_app");
    cr_assert_str_eq(r.precondition.device_id, "legacy_device");
    cr_assert_str_eq(r.precondition.kms_info.id, "legacy_kms");
    cr_assert_not(r.precondition.kms_info.has_chain_id);
    cr_assert_str_eq(r.message, "need hash");
    cr_assert_str_eq(r.request_id, "rid-hdr");
    pk_envs_update_result_free(&r);
    free(body);
}

Test(client_errors, precondition_from_detail_wrapped_body)
{
    size_t len;
    char *body = slurp("detail_wrapped_465.json", &len);
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_envs_465(body, len, NULL, &r, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(r.precondition.compose_hash, "wrappedhash");
    cr_assert_str_eq(r.precondition.app_id, "wrappedapp");
    cr_assert_null(r.precondition.device_id);
    cr_assert_str_eq(r.precondition.kms_info.id, "kms_w");
    cr_assert_str_eq(r.request_id, "rid-wrapped-7");
    pk_envs_update_result_free(&r);
    free(body);
}

Test(client_errors, details_win_over_flat_keys)
{
    const char *body = "{\"compose_hash\":\"flat\",\"app_id\":\"flatapp\",\"details\":[{\"field\":"
                       "\"compose_hash\",\"value\":\"fromdetails\"}]}";
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_envs_465(body, strlen(body), NULL, &r, &e), 0);
    cr_assert_str_eq(r.precondition.compose_hash, "fromdetails");
    cr_assert_str_eq(r.precondition.app_id, "flatapp");
    cr_assert_str_eq(r.message, "Compose hash verification required");
    pk_envs_update_result_free(&r);
}

Test(client_errors, precondition_without_compose_hash_is_an_error)
{
    const char *bodies[] = {"{\"app_id\":\"a\"}", "{\"compose_hash\":\"\",\"app_id\":\"a\"}",
                            "not json", "[]", ""};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        pk_envs_update_result r;
        pk_error e = {0};
        cr_assert_eq(pkx_decode_envs_465(bodies[i], strlen(bodies[i]), "rid", &r, &e), -1);
        cr_assert_eq(e.kind, PK_ERR_PRECONDITION, "%s", bodies[i]);
        cr_assert_eq(e.http_status, 465);
        cr_assert_str_eq(e.request_id, "rid");
        cr_assert_eq(r.status, 0, "result zeroed on failure");
        pk_error_clear(&e);
    }
}

Test(client_errors, precondition_with_bad_kms_info_names_the_field)
{
    const char *body = "{\"compose_hash\":\"h\",\"app_id\":\"a\",\"kms_info\":{\"id\":\"k\","
                       "\"chain_id\":\"8453\"}}";
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_envs_465(body, strlen(body), NULL, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_DECODE);
    cr_assert(strstr(e.message, "update_envs.kms_info.chain_id: expected number or null"), "%s",
              e.message);
    pk_error_clear(&e);
}

/* Which failed writes may have been applied: the request went out and no definite answer came. */
Test(client_errors, outcome_unknown_only_without_a_definite_answer)
{
    struct {
        pk_error_kind kind;
        int status;
        bool sent;
        bool unknown;
    } cases[] = {
        {PK_ERR_TIMEOUT, 0, true, true},         {PK_ERR_NETWORK, 0, true, true},
        {PK_ERR_CANCELLED, 0, true, true},       {PK_ERR_DECODE, 200, true, true},
        {PK_ERR_HTTP, 502, true, true},          {PK_ERR_HTTP, 503, true, true},
        {PK_ERR_HTTP, 404, true, false},         {PK_ERR_HTTP, 422, true, false},
        {PK_ERR_HASH_EXPIRED, 466, true, false}, {PK_ERR_NETWORK, 0, false, false},
        {PK_ERR_TIMEOUT, 0, false, false},       {PK_ERR_TLS, 0, true, false},
        {PK_ERR_CONFIG, 0, false, false},        {PK_ERR_NONE, 0, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_error e = {
            .kind = cases[i].kind, .http_status = cases[i].status, .request_sent = cases[i].sent};
        cr_expect_eq(pk_error_outcome_unknown(&e), cases[i].unknown, "case %zu (%s, %d, sent %d)",
                     i, pk_error_kind_name(cases[i].kind), cases[i].status, cases[i].sent);
    }
    cr_expect_not(pk_error_outcome_unknown(NULL));
}
