/* test_http_endpoints.c — every endpoint of the client against the simulator: KMS list (one page,
 * filter, walking 150 entries), KMS info by id and slug, on-chain detail, app pubkey (signature
 * checked against the KMS k256_pubkey), next app ids, CVM info with id normalisation, compose file,
 * and PATCH envs through both outcomes including the whole two-phase flow and 466/467/468. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void start(void)
{
    sim_start(NULL);
}
TestSuite(http_endpoints, .init = start, .fini = sim_stop, .timeout = 60);

Test(http_endpoints, kms_list_one_page_and_filter)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(pk_kms_list_fetch(c, PK_UNSET, 1, 2, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 2);
    cr_assert_eq(l.total, 3);
    cr_assert_eq(l.pages, 2);
    cr_assert_str_eq(l.items[0].id, "kms_phala01");
    cr_assert_not(l.items[0].has_chain_id);
    cr_assert_not_null(l.items[0].k256_pubkey);
    pk_kms_list_free(&l);
    cr_assert_eq(pk_kms_list_fetch(c, PK_TRUE, 0, 0, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 1);
    cr_assert_str_eq(l.items[0].id, "kms_base01");
    cr_assert_eq(l.items[0].chain_id, 8453);
    pk_kms_list_free(&l);
    cr_assert_eq(pk_kms_list_fetch(c, PK_FALSE, 0, 0, &l, &e), 0);
    cr_assert_eq(l.n_items, 2);
    pk_kms_list_free(&l);
    pk_client_free(c);
}

Test(http_endpoints, kms_list_walks_every_page_in_order)
{
    sim_stop();
    sim_start(sim_write_big_seed(150));
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(pk_kms_list_fetch_all(c, PK_UNSET, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 150);
    cr_assert_eq(l.total, 150);
    for (size_t i = 0; i < l.n_items; i++) {
        char want[32];
        snprintf(want, sizeof want, "kms_%03zu", i);
        cr_assert_str_eq(l.items[i].id, want);
    }
    pk_kms_list_free(&l);
    cr_assert_eq(sim_stat("GET /kms"), 2, "two pages of 100");
    cr_assert_eq(pk_kms_list_fetch_all(c, PK_TRUE, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 50);
    for (size_t i = 0; i < l.n_items; i++) cr_assert_eq(l.items[i].chain_id, 8453);
    pk_kms_list_free(&l);
    pk_client_free(c);
}

Test(http_endpoints, kms_list_walk_stops_when_a_page_is_empty)
{
    /* A server whose envelope claims more pages than it has items must not loop forever. */
    pk_client *c = client_new(KEY, 0, 0, NULL);
    sim_fault("{\"count\":1,\"status\":200,\"path_prefix\":\"/api/v1/kms\",\"body\":"
              "\"{\\\"items\\\":[{\\\"id\\\":\\\"a\\\"}],\\\"total\\\":9999,\\\"page\\\":1,"
              "\\\"page_size\\\":100,\\\"pages\\\":9999}\"}");
    sim_fault("{\"count\":1,\"status\":200,\"path_prefix\":\"/api/v1/kms\",\"body\":"
              "\"{\\\"items\\\":[],\\\"total\\\":9999,\\\"page\\\":2,\\\"page_size\\\":100,"
              "\\\"pages\\\":9999}\"}");
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(pk_kms_list_fetch_all(c, PK_UNSET, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 1);
    pk_kms_list_free(&l);
    pk_client_free(c);
}

Test(http_endpoints, kms_info_by_id_and_by_slug)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_kms_info k;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms_base01", &k, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(k.slug, "kms-base-prod1");
    cr_assert(k.has_chain_id);
    cr_assert_eq(k.chain_id, 8453);
    cr_assert_str_eq(k.kms_contract_address, "0x2f83172a49584c017f2b256f0fb2dca14126ba9c");
    pk_kms_info_free(&k);
    cr_assert_eq(pk_kms_info_fetch(c, "phala-prod1", &k, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(k.id, "kms_phala01");
    cr_assert_not(k.has_chain_id);
    cr_assert_null(k.kms_contract_address);
    pk_kms_info_free(&k);
    pk_client_free(c);
}

Test(http_endpoints, kms_onchain_detail)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_kms_onchain o;
    pk_error e = {0};
    cr_assert_eq(pk_kms_onchain_fetch(c, "base", &o, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(o.chain_name, "base");
    cr_assert_eq(o.chain_id, 8453);
    cr_assert_eq(o.n_contracts, 1);
    cr_assert_eq(o.contracts[0].n_devices, 3);
    cr_assert_eq(o.contracts[0].devices[0].on_chain_allowed, PK_TRUE);
    cr_assert_eq(o.contracts[0].devices[2].on_chain_allowed, PK_UNSET);
    cr_assert_null(o.contracts[0].devices[2].node_name);
    cr_assert_eq(o.contracts[0].n_os_images, 2);
    cr_assert_null(o.contracts[0].os_images[1].os_image_hash);
    pk_kms_onchain_free(&o);
    pk_client_free(c);
}

Test(http_endpoints, app_pubkey_signed_by_the_kms)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_kms_info k;
    pk_app_pubkey p;
    pk_error e = {0};
    cr_assert_eq(pk_kms_info_fetch(c, "kms-base-prod1", &k, &e), 0);
    cr_assert_eq(pk_app_pubkey_fetch(c, "kms-base-prod1", "0x" BASE_APP, &p, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(strlen(p.public_key), 64);
    cr_assert_eq(strlen(p.signature), 130);
    char err[256];
    cr_assert_eq(pk_verify_pubkey_sig(p.public_key, p.signature, BASE_APP, NULL, 0, k.k256_pubkey,
                                      NULL, err, sizeof err),
                 0, "%s", err);
    pk_app_pubkey_free(&p);
    pk_kms_info_free(&k);
    pk_client_free(c);
}

Test(http_endpoints, next_app_ids)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_app_ids a;
    pk_error e = {0};
    cr_assert_eq(pk_app_ids_reserve(c, 3, &a, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(a.n_items, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert(pk_app_id_valid(a.items[i].app_id), "%s", a.items[i].app_id);
        if (i) cr_assert_gt(a.items[i].nonce, a.items[i - 1].nonce);
    }
    pk_app_ids_free(&a);
    pk_client_free(c);
}

Test(http_endpoints, cvm_info_by_id_and_by_bare_app_id)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(v.name, "demo-app");
    cr_assert_str_eq(v.kms_type, "phala");
    cr_assert(v.has_kms_info);
    cr_assert_not(v.kms_info.has_chain_id);
    cr_assert_not_null(pk_cvm_env_pubkey(&v));
    cr_assert_eq(strlen(pk_cvm_env_pubkey(&v)), 64);
    pk_cvm_free(&v);
    /* 40 hex → app_<hex> on the wire (the simulator resolves it like the API). */
    cr_assert_eq(pk_cvm_fetch(c, BASE_APP, &v, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(v.id, BASE_CVM);
    cr_assert_eq(v.kms_info.chain_id, 8453);
    cr_assert_str_eq(v.kms_info.dstack_app_address, "0x" BASE_APP);
    pk_cvm_free(&v);
    pk_client_free(c);
}

Test(http_endpoints, compose_file)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_compose_file f;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_compose_file_fetch(c, PHALA_CVM, &f, &e), 0, "%s", pk_error_message(&e));
    cr_assert(f.has_allowed_envs);
    cr_assert_eq(f.n_allowed_envs, 2);
    cr_assert_str_eq(f.allowed_envs[0], "API_KEY");
    cr_assert_str_eq(f.allowed_envs[1], "DATABASE_URL");
    cr_assert_str_eq(f.name, "demo-app");
    cr_assert_not_null(strstr(f.docker_compose_file, "nginx:stable"));
    pk_compose_file_free(&f);
    pk_client_free(c);
}

static char *encrypt_for(const char *pubkey, const char *const *keys, const char *const *vals,
                         size_t n)
{
    pk_env_var vars[8];
    for (size_t i = 0; i < n; i++)
        vars[i] = (pk_env_var){(char *)keys[i], (char *)vals[i], strlen(vals[i])};
    char *hex = NULL, err[256];
    cr_assert_eq(pk_encrypt_env(vars, n, pubkey, &hex, err, sizeof err), 0, "%s", err);
    return hex;
}

Test(http_endpoints, update_envs_phala_kms_in_progress)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0);
    const char *keys[] = {"API_KEY", "DATABASE_URL"}, *vals[] = {"s3cret", "postgres://db"};
    char *hex = encrypt_for(pk_cvm_env_pubkey(&v), keys, vals, 2);
    pk_envs_update_result r;
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, hex, keys, 2, NULL, NULL, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    cr_assert_not_null(r.in_progress.correlation_id);
    cr_assert_not(r.in_progress.allowed_envs_changed);
    cr_assert_not_null(r.request_id);
    pk_envs_update_result_free(&r);
    cJSON *j = NULL;
    cr_assert_eq(sim_admin("GET", "/_sim/envs/" PHALA_CVM, NULL, &j), 200);
    char *txt = cJSON_PrintUnformatted(j);
    cr_assert_not_null(strstr(txt, "\"value\":\"postgres://db\""), "%s", txt);
    free(txt);
    cJSON_Delete(j);
    free(hex);
    pk_cvm_free(&v);
    pk_client_free(c);
}

Test(http_endpoints, update_envs_onchain_two_phase_flow)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_app_pubkey p;
    pk_error e = {0};
    cr_assert_eq(pk_app_pubkey_fetch(c, "kms-base-prod1", BASE_APP, &p, &e), 0);
    const char *keys[] = {"API_KEY", "NEW_KEY"}, *vals[] = {"a", "b"};
    char *hex = encrypt_for(p.public_key, keys, vals, 2);

    /* phase 1: the key set changes on an on-chain KMS → 465 as a result */
    pk_envs_update_result r;
    cr_assert_eq(pk_cvm_envs_update(c, BASE_CVM, hex, keys, 2, NULL, NULL, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_PRECONDITION_REQUIRED);
    cr_assert_eq(strlen(r.precondition.compose_hash), 64);
    cr_assert_str_eq(r.precondition.app_id, BASE_APP);
    cr_assert_not_null(r.precondition.device_id);
    cr_assert(r.precondition.has_kms_info);
    cr_assert_eq(r.precondition.kms_info.chain_id, 8453);
    cr_assert_not_null(r.request_id);
    char hash[80];
    snprintf(hash, sizeof hash, "%s", r.precondition.compose_hash);
    pk_envs_update_result_free(&r);

    /* 466: a compose hash the server never handed out */
    const char *bogus = "0000000000000000000000000000000000000000000000000000000000000000";
    cr_assert_eq(pk_cvm_envs_update(c, BASE_CVM, hex, keys, 2, bogus,
                                    "0x"
                                    "11",
                                    &r, &e),
                 -1);
    cr_assert_eq(e.kind, PK_ERR_HASH_EXPIRED, "%s", pk_error_message(&e));
    cr_assert_eq(e.http_status, 466);

    /* 467: a transaction that registers nothing */
    cr_assert_eq(pk_cvm_envs_update(c, BASE_CVM, hex, keys, 2, hash, "0xdeadbeef", &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_TX_VERIFY_FAILED, "%s", pk_error_message(&e));
    assert_no_key(&e);

    /* 468: registered, but the contract does not allow it */
    char body[256];
    cJSON *j = NULL;
    snprintf(body, sizeof body, "{\"app_id\":\"%s\",\"compose_hash\":\"%s\",\"allowed\":false}",
             BASE_APP, hash);
    cr_assert_eq(sim_admin("POST", "/_sim/chain/register", body, &j), 200);
    char tx[80];
    snprintf(tx, sizeof tx, "%s",
             cJSON_GetObjectItemCaseSensitive(j, "transaction_hash")->valuestring);
    cJSON_Delete(j);
    cr_assert_eq(pk_cvm_envs_update(c, BASE_CVM, hex, keys, 2, hash, tx, &r, &e), -1);
    cr_assert_eq(e.kind, PK_ERR_HASH_NOT_ALLOWED, "%s", pk_error_message(&e));

    /* phase 2 with a real registration → in progress */
    snprintf(body, sizeof body, "{\"app_id\":\"%s\",\"compose_hash\":\"%s\"}", BASE_APP, hash);
    cr_assert_eq(sim_admin("POST", "/_sim/chain/register", body, &j), 200);
    snprintf(tx, sizeof tx, "%s",
             cJSON_GetObjectItemCaseSensitive(j, "transaction_hash")->valuestring);
    cJSON_Delete(j);
    cr_assert_eq(pk_cvm_envs_update(c, BASE_CVM, hex, keys, 2, hash, tx, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert_eq(r.status, PK_ENVS_IN_PROGRESS);
    cr_assert(r.in_progress.allowed_envs_changed);
    pk_envs_update_result_free(&r);

    pk_compose_file f;
    cr_assert_eq(pk_cvm_compose_file_fetch(c, BASE_CVM, &f, &e), 0);
    cr_assert_eq(f.n_allowed_envs, 2);
    cr_assert_str_eq(f.allowed_envs[1], "NEW_KEY");
    pk_compose_file_free(&f);
    pk_error_clear(&e);
    free(hex);
    pk_app_pubkey_free(&p);
    pk_client_free(c);
}

Test(http_endpoints, update_envs_sends_an_empty_key_array)
{
    pk_client *c = client_new(KEY, 0, 0, NULL);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pk_cvm_fetch(c, PHALA_CVM, &v, &e), 0);
    char *hex = encrypt_for(pk_cvm_env_pubkey(&v), NULL, NULL, 0);
    pk_envs_update_result r;
    cr_assert_eq(pk_cvm_envs_update(c, PHALA_CVM, hex, NULL, 0, NULL, NULL, &r, &e), 0, "%s",
                 pk_error_message(&e));
    cr_assert(r.in_progress.allowed_envs_changed);
    pk_envs_update_result_free(&r);
    cJSON *j = NULL;
    sim_admin("GET", "/_sim/envs/" PHALA_CVM, NULL, &j);
    const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(j, "allowed_envs");
    cr_assert(cJSON_IsArray(allowed));
    cr_assert_eq(cJSON_GetArraySize(allowed), 0);
    cJSON_Delete(j);
    free(hex);
    pk_cvm_free(&v);
    pk_client_free(c);
}
