/* test_client_contracts.c — decoders of the contract-centric KMS API (research/phala-api-2026-06.md
 * §2–§3, §2.7) fed the SDKs' own fixtures byte for byte (tests/data/api/README.md says where each
 * comes from): contract lists, one contract, a contract's nodes, the on-chain detail's new anchors
 * and a CVM's kms_contract_id; then what they must refuse, each refusal naming the field. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/pkx_api_parse.h"

static char *fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/api/%s", TEST_DATA_DIR, name);
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

static void assert_phala_contract(const pk_kms_contract *k)
{
    cr_assert_str_eq(k->id, "kc_abc");
    cr_assert_str_eq(k->slug, "phala");
    cr_assert_str_eq(k->label, "Phala KMS");
    cr_assert_str_eq(k->contract_address, "phala", "the off-chain KMS's sentinel address");
    cr_assert_eq(k->chain_id, 0);
    cr_assert_str_eq(k->k256_pubkey, "0x0334c7");
    cr_assert_str_eq(k->ca_pubkey, "0xca00");
    cr_assert_eq(k->node_count, 16);
}

Test(client_contracts, go_sdk_contract_list_fixture)
{
    size_t len;
    char *body = fixture("go_list_kms_contracts.json", &len);
    cr_assert(memchr(body, '\t', len),
              "the Go fixture keeps its tabs: bytes as the SDK sends them");
    pk_kms_contract_list l;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_kms_contract_list(body, len, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 1);
    assert_phala_contract(&l.items[0]);
    cr_assert_eq(l.total, 1);
    cr_assert_eq(l.page, 1);
    cr_assert_eq(l.page_size, 20);
    cr_assert_eq(l.pages, 1);
    pk_kms_contract_list_free(&l);
    cr_assert_null(l.items);
    free(body);
}

Test(client_contracts, js_sdk_contract_list_fixture)
{
    size_t len;
    char *body = fixture("js_list_kms_contracts.json", &len);
    pk_kms_contract_list l;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_kms_contract_list(body, len, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 1);
    assert_phala_contract(&l.items[0]);
    pk_kms_contract_list_free(&l);
    free(body);
}

Test(client_contracts, js_sdk_one_contract_fixture)
{
    size_t len;
    char *body = fixture("js_get_kms_contract_base.json", &len);
    pk_kms_contract k;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_kms_contract(body, len, &k, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(k.id, "kc_abc");
    cr_assert_str_eq(k.slug, "base");
    cr_assert_str_eq(k.label, "Base KMS");
    cr_assert_str_eq(k.contract_address, "0x2f83172A49584C017F2B256F0FB2Dca14126Ba9C",
                     "kept verbatim, checksum case included");
    cr_assert_eq(k.chain_id, 8453);
    cr_assert_str_eq(k.k256_pubkey, "0x02a335");
    cr_assert_str_eq(k.ca_pubkey, "0xca01");
    cr_assert_eq(k.node_count, 11);
    pk_kms_contract_free(&k);
    free(body);
}

static void check_nodes_fixture(const char *name)
{
    size_t len;
    char *body = fixture(name, &len);
    pk_kms_node_list l;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_kms_node_list(body, len, &l, &e), 0, "%s: %s", name,
                 pk_error_message(&e));
    cr_assert_eq(l.total, 1);
    cr_assert_eq(l.n_items, 1);
    cr_assert_str_eq(l.items[0].id, "kms_1");
    cr_assert_str_eq(l.items[0].slug, "phala-prod3");
    cr_assert_str_eq(l.items[0].url, "https://kms.dstack-pha-prod3.phala.network");
    cr_assert_str_eq(l.items[0].version, "0.5.7");
    cr_assert_str_eq(l.items[0].kms_type, "phala");
    pk_kms_node_list_free(&l);
    free(body);
}

Test(client_contracts, sdk_contract_nodes_fixtures)
{
    check_nodes_fixture("go_list_kms_contract_nodes.json");
    check_nodes_fixture("js_list_kms_contract_nodes.json");
}

Test(client_contracts, go_sdk_legacy_node_list_still_decodes)
{
    size_t len;
    char *body = fixture("go_kms_list_legacy_empty.json", &len);
    pk_kms_list l;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_kms_list(body, len, &l, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(l.n_items, 0);
    cr_assert_eq(l.page_size, 20);
    cr_assert_eq(l.pages, 0);
    pk_kms_list_free(&l);
    free(body);
    /* …and a contract list is not mistaken for it: contracts have no url, nodes no node_count. */
    body = fixture("js_list_kms_contracts.json", &len);
    cr_assert_eq(pkx_decode_kms_list(body, len, &l, &e), 0, "the node decoder ignores extras");
    cr_assert_null(l.items[0].url);
    pk_kms_list_free(&l);
    free(body);
}

Test(client_contracts, onchain_detail_new_anchors)
{
    size_t len;
    char *body = fixture("onchain_with_anchors.json", &len);
    pk_kms_onchain o;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_kms_onchain(body, len, &o, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(o.n_contracts, 2);
    cr_assert_str_eq(o.contracts[0].k256_pubkey, "0x02a335");
    cr_assert_str_eq(o.contracts[0].ca_pubkey, "0xca01");
    cr_assert_str_eq(o.contracts[0].gateway_contract_address,
                     "0x18a3ab8bd0e5a7b0ff4c3c8e2c4f9a2b8d7c6e5f");
    cr_assert_null(o.contracts[1].k256_pubkey, "null");
    cr_assert_null(o.contracts[1].ca_pubkey, "omitted (an older API)");
    cr_assert_null(o.contracts[1].gateway_contract_address);
    pk_kms_onchain_free(&o);
    free(body);

    body = fixture("py_kms_onchain_empty.json", &len);
    cr_assert_eq(pkx_decode_kms_onchain(body, len, &o, &e), 0, "%s", pk_error_message(&e));
    cr_assert_eq(o.chain_id, 8453);
    cr_assert_eq(o.n_contracts, 0);
    pk_kms_onchain_free(&o);
    free(body);
}

Test(client_contracts, cvm_kms_contract_id_string_or_integer)
{
    size_t len;
    char *body = fixture("cvm_with_contract_id.json", &len);
    pk_cvm v;
    pk_error e = {0};
    cr_assert_eq(pkx_decode_cvm(body, len, &v, &e), 0, "%s", pk_error_message(&e));
    cr_assert_str_eq(v.kms_contract_id, "kc_base");
    pk_cvm_free(&v);
    free(body);
    const char *as_int = "{\"id\":\"c\",\"name\":\"n\",\"kms_contract_id\":42}";
    cr_assert_eq(pkx_decode_cvm(as_int, strlen(as_int), &v, &e), 0);
    cr_assert_str_eq(v.kms_contract_id, "42");
    pk_cvm_free(&v);
    const char *absent = "{\"id\":\"c\",\"name\":\"n\"}";
    cr_assert_eq(pkx_decode_cvm(absent, strlen(absent), &v, &e), 0);
    cr_assert_null(v.kms_contract_id, "older API versions do not send it");
    pk_cvm_free(&v);
    const char *bad = "{\"id\":\"c\",\"name\":\"n\",\"kms_contract_id\":[1]}";
    cr_assert_eq(pkx_decode_cvm(bad, strlen(bad), &v, &e), -1);
    cr_assert_str_eq(e.message, "cvm.kms_contract_id: expected string or integer or null");
    pk_error_clear(&e);
}

/* Input, not truth: each malformed body is refused with the path of the field at fault. */
Test(client_contracts, malformed_contract_bodies_name_the_field)
{
    struct {
        const char *json, *want;
    } one[] = {
        {"{\"slug\":\"x\",\"contract_address\":\"phala\",\"chain_id\":0,\"node_count\":1}",
         "kms_contract.id: required field is missing"},
        {"{\"id\":\"kc\",\"chain_id\":0,\"node_count\":1}",
         "kms_contract.contract_address: required field is missing"},
        {"{\"id\":\"kc\",\"contract_address\":\"phala\",\"chain_id\":null,\"node_count\":1}",
         "kms_contract.chain_id: required field is missing"},
        {"{\"id\":\"kc\",\"contract_address\":\"phala\",\"chain_id\":\"8453\",\"node_count\":1}",
         "kms_contract.chain_id: expected number"},
        {"{\"id\":\"kc\",\"contract_address\":\"phala\",\"chain_id\":1,\"node_count\":1.5}",
         "kms_contract.node_count: expected number"},
        {"{\"id\":\"kc\",\"contract_address\":\"phala\",\"chain_id\":1}",
         "kms_contract.node_count: required field is missing"},
        {"{\"id\":\"kc\",\"contract_address\":\"phala\",\"chain_id\":1,\"node_count\":1,"
         "\"k256_pubkey\":7}",
         "kms_contract.k256_pubkey: expected string or null"},
        {"[]", "kms_contract: expected a JSON object"},
        {"", "kms_contract: empty response body"},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        pk_kms_contract k;
        pk_error e = {0};
        cr_assert_eq(pkx_decode_kms_contract(one[i].json, strlen(one[i].json), &k, &e), -1, "%s",
                     one[i].json);
        cr_assert_str_eq(e.message, one[i].want);
        cr_assert_null(k.id, "output zeroed on failure");
        pk_error_clear(&e);
    }
    struct {
        const char *json, *want;
    } list[] = {
        {"{\"items\":[{\"id\":\"a\",\"contract_address\":\"phala\",\"chain_id\":0,\"node_count\":1}"
         ","
         "{\"id\":\"b\"}],\"total\":2,\"page\":1,\"page_size\":20,\"pages\":1}",
         "kms_contracts.items[1].contract_address: required field is missing"},
        {"{\"items\":[7],\"total\":1,\"page\":1,\"page_size\":20,\"pages\":1}",
         "kms_contracts.items[0]: expected object"},
        {"{\"items\":[],\"total\":0,\"page\":1,\"page_size\":20}",
         "kms_contracts.pages: required field is missing"},
        {"{\"items\":{},\"total\":0,\"page\":1,\"page_size\":20,\"pages\":0}",
         "kms_contracts.items: expected array"},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        pk_kms_contract_list l;
        pk_error e = {0};
        cr_assert_eq(pkx_decode_kms_contract_list(list[i].json, strlen(list[i].json), &l, &e), -1,
                     "%s", list[i].json);
        cr_assert_str_eq(e.message, list[i].want);
        cr_assert_null(l.items);
        pk_error_clear(&e);
    }
    struct {
        const char *json, *want;
    } nodes[] = {
        {"{\"items\":[{\"id\":\"kms_1\",\"url\":\"u\",\"version\":\"v\"}],\"total\":1}",
         "kms_nodes.items[0].kms_type: required field is missing"},
        {"{\"items\":[{\"id\":\"kms_1\",\"url\":5,\"version\":\"v\",\"kms_type\":\"phala\"}],"
         "\"total\":1}",
         "kms_nodes.items[0].url: expected string"},
        {"{\"items\":[]}", "kms_nodes.total: required field is missing"},
        {"{\"items\":[null],\"total\":1}", "kms_nodes.items[0]: expected object"},
    };
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        pk_kms_node_list l;
        pk_error e = {0};
        cr_assert_eq(pkx_decode_kms_node_list(nodes[i].json, strlen(nodes[i].json), &l, &e), -1,
                     "%s", nodes[i].json);
        cr_assert_str_eq(e.message, nodes[i].want);
        cr_assert_null(l.items);
        pk_error_clear(&e);
    }
}
