/* test_client_decode.c — response decoders: required fields, null/omitted optional fields, unknown
 * fields ignored, type errors that name the field path, and the exact PATCH /envs body. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/pkx_api_parse.h"

#define DEC(fn, json, out, err) fn(json, strlen(json), out, err)

Test(client_decode, kms_info_full_and_nulls)
{
    const char *j = "{\"id\":\"kms_1\",\"slug\":null,\"url\":\"https://k\",\"version\":\"v0.5.7\","
                    "\"chain_id\":null,\"kms_contract_address\":null,\"gateway_app_id\":null,"
                    "\"extra\":{\"ignored\":[1,2]}}";
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_kms_info, j, &k, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(k.id, "kms_1");
    cr_assert_null(k.slug);
    cr_assert_not(k.has_chain_id);
    cr_assert_null(k.k256_pubkey, "omitted optional field");
    pk_kms_info_free(&k);
    const char *j2 = "{\"id\":\"kms_2\",\"chain_id\":8453,\"k256_pubkey\":\"0x02ab\"}";
    cr_assert_eq(DEC(pkx_decode_kms_info, j2, &k, &e), 0);
    cr_assert(k.has_chain_id);
    cr_assert_eq(k.chain_id, 8453);
    cr_assert_str_eq(k.k256_pubkey, "0x02ab");
    pk_kms_info_free(&k);
}

Test(client_decode, kms_info_type_errors_name_the_field)
{
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"id\":\"k\",\"chain_id\":\"8453\"}", "kms_info.chain_id: expected number or null"},
        {"{\"id\":\"k\",\"chain_id\":84.5}", "kms_info.chain_id: expected number or null"},
        {"{\"id\":\"k\",\"chain_id\":1e300}", "kms_info.chain_id: expected number or null"},
        {"{\"id\":\"k\",\"slug\":5}", "kms_info.slug: expected string or null"},
        {"{\"slug\":\"x\"}", "kms_info.id: required field is missing"},
        {"{\"id\":null}", "kms_info.id: required field is missing"},
        {"{\"id\":7}", "kms_info.id: expected string"},
        {"[1]", "kms_info: expected a JSON object"},
        {"{\"id\":", "kms_info: response is not valid JSON"},
        {"", "kms_info: empty response body"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_kms_info k;
        pk_error e = {0};
        cr_assert_eq(DEC(pkx_decode_kms_info, cases[i].json, &k, &e), -1, "%s", cases[i].json);
        cr_assert_eq(e.kind, PK_ERR_DECODE);
        cr_assert_str_eq(e.message, cases[i].want);
        cr_assert(strstr(pk_error_message(&e), cases[i].want));
        cr_assert_null(k.id, "output zeroed on failure");
        pk_error_clear(&e);
    }
}

Test(client_decode, kms_list_envelope)
{
    const char *j =
        "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\",\"chain_id\":1}],\"total\":2,\"page\":1,"
        "\"page_size\":10,\"pages\":1}";
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_kms_list, j, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 2);
    cr_assert_str_eq(l.items[1].id, "b");
    cr_assert_eq(l.total, 2);
    cr_assert_eq(l.pages, 1);
    pk_kms_list_free(&l);

    const char *bad = "{\"items\":[{\"id\":\"a\"},{\"id\":\"b\",\"chain_id\":true}],\"total\":2,"
                      "\"page\":1,\"page_size\":10,\"pages\":1}";
    cr_assert_eq(DEC(pkx_decode_kms_list, bad, &l, &e), -1);
    cr_assert_str_eq(e.message, "kms_list.items[1].chain_id: expected number or null");
    const char *nopages = "{\"items\":[],\"total\":0,\"page\":1,\"page_size\":10}";
    cr_assert_eq(DEC(pkx_decode_kms_list, nopages, &l, &e), -1);
    cr_assert_str_eq(e.message, "kms_list.pages: required field is missing");
    const char *truncated = "{\"items\": [";
    cr_assert_eq(DEC(pkx_decode_kms_list, truncated, &l, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_DECODE);
    pk_error_clear(&e);
}

Test(client_decode, kms_onchain_detail)
{
    const char *j =
        "{\"chain_name\":\"base\",\"chain_id\":8453,\"contracts\":[{\"contract_address\":"
        "\"0xabc\",\"chain_id\":8453,\"chain_name\":\"base\",\"devices\":[{\"device_id\":"
        "\"d1\",\"node_name\":null,\"on_chain_allowed\":true},{\"device_id\":\"d2\","
        "\"on_chain_allowed\":null}],\"os_images\":[{\"name\":\"dstack-0.5\",\"version\":"
        "\"0.5.3\",\"os_image_hash\":null,\"on_chain_allowed\":false}]}]}";
    pk_kms_onchain o;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_kms_onchain, j, &o, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(o.chain_name, "base");
    cr_assert_eq(o.n_contracts, 1);
    cr_assert_eq(o.contracts[0].n_devices, 2);
    cr_assert_eq(o.contracts[0].devices[0].on_chain_allowed, PK_TRUE);
    cr_assert_null(o.contracts[0].devices[0].node_name);
    cr_assert_eq(o.contracts[0].devices[1].on_chain_allowed, PK_UNSET);
    cr_assert_eq(o.contracts[0].os_images[0].on_chain_allowed, PK_FALSE);
    pk_kms_onchain_free(&o);
    const char *bad =
        "{\"chain_name\":\"base\",\"chain_id\":8453,\"contracts\":[{\"contract_address\":"
        "\"0xabc\",\"chain_id\":8453,\"devices\":[{\"device_id\":\"d\",\"on_chain_allowed\":1}]}]}";
    cr_assert_eq(DEC(pkx_decode_kms_onchain, bad, &o, &e), -1);
    cr_assert_str_eq(
        e.message,
        "kms_onchain.contracts[0].devices[0].on_chain_allowed: expected boolean or null");
    pk_error_clear(&e);
}

Test(client_decode, app_pubkey_and_app_ids)
{
    pk_app_pubkey p;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_app_pubkey, "{\"public_key\":\"ab\",\"signature\":\"cd\"}", &p, &e),
                 0);
    cr_assert_str_eq(p.public_key, "ab");
    cr_assert_str_eq(p.signature, "cd");
    pk_app_pubkey_free(&p);
    cr_assert_eq(DEC(pkx_decode_app_pubkey, "{\"public_key\":\"ab\"}", &p, &e), -1);
    cr_assert_str_eq(e.message, "app_pubkey.signature: required field is missing");

    pk_app_ids a;
    cr_assert_eq(DEC(pkx_decode_app_ids,
                     "{\"app_ids\":[{\"app_id\":\"x\",\"nonce\":0},{\"app_id\":"
                     "\"y\",\"nonce\":7}]}",
                     &a, &e),
                 0);
    cr_assert_eq(a.n_items, 2);
    cr_assert_eq(a.items[1].nonce, 7);
    pk_app_ids_free(&a);
    cr_assert_eq(DEC(pkx_decode_app_ids, "{\"app_ids\":[{\"app_id\":\"x\",\"nonce\":-1}]}", &a, &e),
                 -1);
    cr_assert(strstr(e.message, "next_app_ids.app_ids[0].nonce"));
    cr_assert_eq(DEC(pkx_decode_app_ids, "{\"app_ids\":[3]}", &a, &e), -1);
    cr_assert_str_eq(e.message, "next_app_ids.app_ids[0]: expected object");
    pk_error_clear(&e);
}

Test(client_decode, cvm_info_and_env_pubkey_choice)
{
    const char *j = "{\"id\":\"cvm_1\",\"name\":\"demo\",\"app_id\":\"ab\",\"status\":\"running\","
                    "\"in_progress\":false,\"kms_type\":\"phala\",\"encrypted_env_pubkey\":\"top\","
                    "\"kms_info\":{\"chain_id\":null,\"encrypted_env_pubkey\":\"nested\"},"
                    "\"os\":{\"name\":\"x\"}}";
    pk_cvm c;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_cvm, j, &c, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(c.id, "cvm_1");
    cr_assert(c.has_kms_info);
    cr_assert_not(c.kms_info.has_chain_id);
    cr_assert_str_eq(pk_cvm_env_pubkey(&c), "nested");
    pk_cvm_free(&c);
    cr_assert_eq(
        DEC(pkx_decode_cvm, "{\"id\":42,\"name\":\"n\",\"encrypted_env_pubkey\":\"top\"}", &c, &e),
        0);
    cr_assert_str_eq(c.id, "42", "integer ids of older API versions are kept as text");
    cr_assert_str_eq(pk_cvm_env_pubkey(&c), "top");
    pk_cvm_free(&c);
    cr_assert_eq(DEC(pkx_decode_cvm,
                     "{\"id\":\"c\",\"name\":\"n\",\"kms_info\":{\"chain_id\":\"1\"}}", &c, &e),
                 -1);
    cr_assert_str_eq(e.message, "cvm.kms_info.chain_id: expected number or null");
    cr_assert_eq(DEC(pkx_decode_cvm, "{\"id\":\"c\"}", &c, &e), -1);
    cr_assert_str_eq(e.message, "cvm.name: required field is missing");
    pk_error_clear(&e);
}

Test(client_decode, compose_file)
{
    const char *j = "{\"docker_compose_file\":\"services: {}\",\"allowed_envs\":[\"A\",\"B\"],"
                    "\"manifest_version\":2,\"name\":\"demo\"}";
    pk_compose_file f;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_compose_file, j, &f, &e), 0, "%s", pk_error_message(&e));
    cr_assert(f.has_allowed_envs);
    cr_assert_eq(f.n_allowed_envs, 2);
    cr_assert_str_eq(f.allowed_envs[1], "B");
    cr_assert(strstr(f.json, "\"manifest_version\":2"));
    pk_compose_file_free(&f);
    cr_assert_eq(DEC(pkx_decode_compose_file, "{\"docker_compose_file\":\"x\"}", &f, &e), 0);
    cr_assert_not(f.has_allowed_envs);
    pk_compose_file_free(&f);
    cr_assert_eq(DEC(pkx_decode_compose_file,
                     "{\"docker_compose_file\":\"x\",\"allowed_envs\":[\"A\",1]}", &f, &e),
                 -1);
    cr_assert_str_eq(e.message, "compose_file.allowed_envs[1]: expected string");
    pk_error_clear(&e);
}

Test(client_decode, envs_in_progress)
{
    const char *j = "{\"status\":\"in_progress\",\"message\":\"Environment update initiated\","
                    "\"correlation_id\":\"c-1\",\"allowed_envs_changed\":true}";
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_envs_in_progress, j, &r, &e), 0);
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    cr_assert_str_eq(r.in_progress.correlation_id, "c-1");
    cr_assert(r.in_progress.allowed_envs_changed);
    pk_envs_update_result_free(&r);
    cr_assert_eq(DEC(pkx_decode_envs_in_progress, "{}", &r, &e), 0, "Go/Python tolerate {}");
    cr_assert_not(r.in_progress.allowed_envs_changed);
    pk_envs_update_result_free(&r);
    cr_assert_eq(DEC(pkx_decode_envs_in_progress, "{\"allowed_envs_changed\":\"yes\"}", &r, &e),
                 -1);
    cr_assert_str_eq(e.message, "update_envs.allowed_envs_changed: expected boolean or null");
    pk_error_clear(&e);
}

Test(client_decode, envs_update_body)
{
    const char *keys[] = {"API_KEY", "DB\"URL"};
    char *b = pkx_encode_envs_update("abcd", keys, 2, NULL, NULL);
    cr_assert_str_eq(b, "{\"encrypted_env\":\"abcd\",\"env_keys\":[\"API_KEY\",\"DB\\\"URL\"]}");
    free(b);
    b = pkx_encode_envs_update("abcd", NULL, 0, NULL, "");
    cr_assert_str_eq(b, "{\"encrypted_env\":\"abcd\",\"env_keys\":[]}",
                     "empty array, never omitted");
    free(b);
    b = pkx_encode_envs_update("ab", keys, 1, "0xhash", "0xtx");
    cr_assert_str_eq(b, "{\"encrypted_env\":\"ab\",\"env_keys\":[\"API_KEY\"],\"compose_hash\":"
                        "\"0xhash\",\"transaction_hash\":\"0xtx\"}");
    free(b);
}

Test(client_decode, fuzz_entry_survives_odd_inputs)
{
    const char *inputs[] = {
        "",
        "{",
        "null",
        "[]",
        "{\"detail\":[1,{\"loc\":{}}]}",
        "{\"details\":[{\"field\":\"kms_info\",\"value\":[]}],\"compose_hash\":1e400}",
        "{\"items\":[{\"id\":\"a\"},null],\"total\":1,\"page\":1,\"page_size\":1,\"pages\":1}",
        "{\"contracts\":[{\"devices\":[null,{}]}],\"chain_name\":\"x\",\"chain_id\":1}"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        cr_assert_eq(pkx_fuzz_api_json((const uint8_t *)inputs[i], strlen(inputs[i])), 0);
}

/* The unified PATCH's 465 (research/phala-api-2026-06.md §4.1): commit token, commit URLs and
 * onchain_status from details[]; a token of the wrong type is an error that never quotes it. */
Test(client_decode, precondition_with_commit_token_and_onchain_status)
{
    const char *j =
        "{\"error_code\":\"ERR-01-005\",\"message\":\"Compose hash registration required\","
        "\"details\":[{\"field\":\"compose_hash\",\"value\":\"0xabc123\"},"
        "{\"field\":\"app_id\",\"value\":\"0xdef456\"},{\"field\":\"device_id\",\"value\":"
        "\"0x789abc\"},{\"field\":\"kms_info\",\"value\":{\"id\":\"1\",\"slug\":\"ethereum\","
        "\"url\":\"https://kms.example.com\",\"version\":\"1.0.0\",\"chain_id\":8453}},"
        "{\"field\":\"commit_token\",\"value\":\"tok-secret-1\"},"
        "{\"field\":\"commit_url\",\"value\":\"https://x/commit?token=tok-secret-1\"},"
        "{\"field\":\"api_commit_url\",\"value\":\"/api/v1/cvms/c/commit-update\"},"
        "{\"field\":\"onchain_status\",\"value\":{\"compose_hash_allowed\":false,"
        "\"device_id_allowed\":true,\"is_allowed\":false}}]}";
    pk_envs_update_result r;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_envs_465(j, strlen(j), "rid", &r, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_PRECONDITION_REQUIRED);
    cr_assert_str_eq(r.precondition.commit_token, "tok-secret-1");
    cr_assert_str_eq(r.precondition.api_commit_url, "/api/v1/cvms/c/commit-update");
    cr_assert(r.precondition.has_onchain_status);
    cr_assert_eq(r.precondition.onchain_status.compose_hash_allowed, PK_FALSE);
    cr_assert_eq(r.precondition.onchain_status.device_id_allowed, PK_TRUE);
    cr_assert_eq(r.precondition.onchain_status.is_allowed, PK_FALSE);
    pk_envs_update_result_free(&r);

    /* the older shapes carry none of it */
    const char *flat = "{\"compose_hash\":\"h\",\"app_id\":\"a\"}";
    cr_assert_eq(pkx_decode_envs_465(flat, strlen(flat), NULL, &r, &e), 0);
    cr_assert_null(r.precondition.commit_token);
    cr_assert_not(r.precondition.has_onchain_status);
    pk_envs_update_result_free(&r);

    const char *bad_token = "{\"compose_hash\":\"h\",\"app_id\":\"a\",\"commit_token\":{\"t\":"
                            "\"tok-secret-2\"}}";
    cr_assert_eq(pkx_decode_envs_465(bad_token, strlen(bad_token), NULL, &r, &e), -1);
    cr_assert_str_eq(e.message, "update_envs.commit_token: expected string");
    cr_assert_null(strstr(pk_error_message(&e), "tok-secret-2"));
    const char *bad_status = "{\"compose_hash\":\"h\",\"app_id\":\"a\",\"onchain_status\":{"
                             "\"is_allowed\":\"yes\"}}";
    cr_assert_eq(pkx_decode_envs_465(bad_status, strlen(bad_status), NULL, &r, &e), -1);
    cr_assert_str_eq(e.message, "update_envs.onchain_status.is_allowed: expected boolean or null");
    pk_error_clear(&e);
}

Test(client_decode, is_allowed_answer)
{
    const char *j = "{\"cvm_id\":\"cvm_1\",\"app_contract_address\":\"0xab\",\"compose_hash\":"
                    "\"h\",\"device_id\":\"d\",\"compose_hash_allowed\":true,\"allow_any_device\":"
                    "false,\"device_id_allowed\":null,\"is_allowed\":false,\"error\":null}";
    pk_is_allowed a;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_is_allowed, j, &a, &e), 0, "%s", pk_error_message(&e));
    cr_assert(a.compose_hash_allowed);
    cr_assert_not(a.allow_any_device);
    cr_assert_eq(a.device_id_allowed, PK_UNSET);
    cr_assert_not(a.is_allowed);
    cr_assert_null(a.error);
    pk_is_allowed_free(&a);
    cr_assert_eq(DEC(pkx_decode_is_allowed, "{\"compose_hash_allowed\":true}", &a, &e), -1);
    cr_assert_str_eq(e.message, "is_allowed.is_allowed: required field is missing");
    pk_error_clear(&e);
}

Test(client_decode, cvm_device_id_from_node_info)
{
    const char *j = "{\"id\":\"c\",\"name\":\"n\",\"node_info\":{\"device_id\":\"0xdev\"}}";
    pk_cvm c;
    pk_error e = {0};
    cr_assert_eq(DEC(pkx_decode_cvm, j, &c, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(c.device_id, "0xdev");
    pk_cvm_free(&c);
    cr_assert_eq(DEC(pkx_decode_cvm,
                     "{\"id\":\"c\",\"name\":\"n\",\"node_info\":{\"device_id\":1}}", &c, &e),
                 -1);
    cr_assert_str_eq(e.message, "cvm.node_info.device_id: expected string or null");
    pk_error_clear(&e);
}
