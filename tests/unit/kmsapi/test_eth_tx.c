/* Offline Ethereum pieces of libphalakms: RLP against the examples of the Ethereum RLP spec, the
 * DstackApp selectors and event topic, address derivation and EIP-55, call data, and transaction
 * signing against vectors viem produced (tests/data/eth/tx_vectors.json). */
#include "crypto_test_util.h"
#include "eth/eth_priv.h"

#include <ctype.h>

static void expect_hex(const uint8_t *b, size_t n, const char *want)
{
    char *got = malloc(2 * n + 1);
    pk_hex_encode(b, n, got, 2 * n + 1);
    cr_expect_str_eq(got, want);
    free(got);
}

static void rlp_str_case(const char *s, size_t n, const char *want)
{
    pkx_rlp b = {0};
    cr_assert_eq(pkx_rlp_bytes(&b, (const uint8_t *)s, n), 0);
    expect_hex(b.p, b.len, want);
    pkx_rlp_free(&b);
}

Test(eth_rlp, strings_from_the_spec)
{
    rlp_str_case("dog", 3, "83646f67");
    rlp_str_case("", 0, "80");
    rlp_str_case("\x00", 1, "00");
    rlp_str_case("\x0f", 1, "0f");
    rlp_str_case("\x7f", 1, "7f");
    rlp_str_case("\x80", 1, "8180");
    const char *lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    cr_assert_eq(strlen(lorem), 56);
    char want[200] = "b838";
    pk_hex_encode((const uint8_t *)lorem, 56, want + 4, sizeof want - 4);
    rlp_str_case(lorem, 56, want);
    /* 55 bytes is still the short form. */
    char s55[55];
    memset(s55, 'a', 55);
    pkx_rlp b = {0};
    pkx_rlp_bytes(&b, (const uint8_t *)s55, 55);
    cr_expect_eq(b.len, 56);
    cr_expect_eq(b.p[0], 0xb7);
    pkx_rlp_free(&b);
    /* 1024 bytes: two length bytes. */
    uint8_t big[1024] = {0};
    pkx_rlp_bytes(&b, big, sizeof big);
    cr_expect_eq(b.len, 1027);
    expect_hex(b.p, 3, "b90400");
    pkx_rlp_free(&b);
}

Test(eth_rlp, integers_from_the_spec)
{
    struct {
        uint64_t v;
        const char *want;
    } cases[] = {{0, "80"},
                 {15, "0f"},
                 {127, "7f"},
                 {128, "8180"},
                 {1024, "820400"},
                 {0xffffff, "83ffffff"},
                 {UINT64_MAX, "88ffffffffffffffff"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pkx_rlp b = {0};
        pkx_rlp_uint(&b, cases[i].v);
        expect_hex(b.p, b.len, cases[i].want);
        pkx_rlp_free(&b);
    }
    uint8_t u[32] = {0};
    pkx_rlp b = {0};
    pkx_rlp_u256(&b, u);
    expect_hex(b.p, b.len, "80");
    pkx_rlp_free(&b);
    memset(u, 0xff, 32);
    pkx_rlp_u256(&b, u);
    cr_expect_eq(b.len, 33);
    cr_expect_eq(b.p[0], 0xa0);
    pkx_rlp_free(&b);
}

Test(eth_rlp, lists_from_the_spec)
{
    pkx_rlp b = {0};
    size_t l = pkx_rlp_list_begin(&b);
    pkx_rlp_bytes(&b, (const uint8_t *)"cat", 3);
    pkx_rlp_bytes(&b, (const uint8_t *)"dog", 3);
    pkx_rlp_list_end(&b, l);
    expect_hex(b.p, b.len, "c88363617483646f67");
    pkx_rlp_free(&b);

    l = pkx_rlp_list_begin(&b);
    pkx_rlp_list_end(&b, l);
    expect_hex(b.p, b.len, "c0");
    pkx_rlp_free(&b);

    /* The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ]. */
    size_t outer = pkx_rlp_list_begin(&b);
    size_t a = pkx_rlp_list_begin(&b);
    pkx_rlp_list_end(&b, a); /* [] */
    size_t c = pkx_rlp_list_begin(&b);
    size_t d = pkx_rlp_list_begin(&b);
    pkx_rlp_list_end(&b, d);
    pkx_rlp_list_end(&b, c); /* [[]] */
    size_t e = pkx_rlp_list_begin(&b);
    size_t f = pkx_rlp_list_begin(&b);
    pkx_rlp_list_end(&b, f);
    size_t g = pkx_rlp_list_begin(&b);
    size_t h = pkx_rlp_list_begin(&b);
    pkx_rlp_list_end(&b, h);
    pkx_rlp_list_end(&b, g);
    pkx_rlp_list_end(&b, e);
    pkx_rlp_list_end(&b, outer);
    expect_hex(b.p, b.len, "c7c0c1c0c3c0c1c0");
    pkx_rlp_free(&b);

    /* A list whose payload is > 55 bytes takes the long header: 20 x "dog" = 80 bytes. */
    l = pkx_rlp_list_begin(&b);
    for (int i = 0; i < 20; i++) pkx_rlp_bytes(&b, (const uint8_t *)"dog", 3);
    pkx_rlp_list_end(&b, l);
    cr_expect_eq(b.len, 82);
    expect_hex(b.p, 3, "f85083");
    pkx_rlp_free(&b);
}

Test(eth_abi, selectors_and_topic)
{
    struct {
        const char *sig;
        uint32_t sel;
    } s[] = {{"addComposeHash(bytes32)", PK_ETH_SEL_ADD_COMPOSE_HASH},
             {"allowedComposeHashes(bytes32)", PK_ETH_SEL_ALLOWED_COMPOSE_HASH},
             {"owner()", PK_ETH_SEL_OWNER}};
    for (size_t i = 0; i < 3; i++) {
        uint8_t d[32];
        pk_keccak256(s[i].sig, strlen(s[i].sig), d);
        uint32_t got =
            ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
        cr_expect_eq(got, s[i].sel, "%s", s[i].sig);
    }
    uint8_t d[32];
    char hex[67];
    pk_keccak256("ComposeHashAdded(bytes32)", strlen("ComposeHashAdded(bytes32)"), d);
    pkx_eth_hex0x(d, 32, hex);
    cr_expect_str_eq(hex, PK_ETH_TOPIC_COMPOSE_HASH_ADDED);
}

Test(eth_abi, calldata)
{
    uint8_t cd[36];
    const char *h = "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6";
    cr_assert_eq(pk_eth_calldata_add_compose_hash(h, cd), 0);
    expect_hex(cd, 36, "dfc772234b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6");
    cr_assert_eq(pk_eth_calldata_add_compose_hash(
                     "0x4B188AC5129265D1660F016F5477EA3D29C7A46B594DC66C709FFA16ECD2AED6", cd),
                 0);
    expect_hex(cd, 4, "dfc77223");
    cr_assert_eq(pk_eth_calldata_allowed_compose_hash(h, cd), 0);
    expect_hex(cd, 4, "2f6622e5");
    uint8_t o[4];
    pk_eth_calldata_owner(o);
    expect_hex(o, 4, "8da5cb5b");
    cr_expect_eq(pk_eth_calldata_add_compose_hash("4b18", cd), -1);
    cr_expect_eq(pk_eth_calldata_add_compose_hash(NULL, cd), -1);
    cr_expect_eq(pk_eth_calldata_add_compose_hash(
                     "zz188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6", cd),
                 -1);
}

Test(eth_address, derivation)
{
    struct {
        const char *sk, *addr;
    } v[] = {
        /* ganache's deterministic accounts */
        {"4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d",
         "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1"},
        {"6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1",
         "0xffcf8fdee72ac11b5c542428b35eef5769c409f0"},
        /* the secret key 1: the generator point's address */
        {"0000000000000000000000000000000000000000000000000000000000000001",
         "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t sk[32];
        char a[PK_ETH_ADDRESS_STRLEN];
        tu_unhex(v[i].sk, sk, 32);
        cr_assert_eq(pk_eth_address(sk, a), 0);
        cr_expect_str_eq(a, v[i].addr);
    }
    uint8_t zero[32] = {0};
    char a[PK_ETH_ADDRESS_STRLEN];
    cr_expect_eq(pk_eth_address(zero, a), -1, "0 is not a secret key");
}

Test(eth_address, eip55_vectors)
{
    const char *v[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char lower[43], out[43];
        for (int k = 0; k < 43; k++) lower[k] = (char)tolower((unsigned char)v[i][k]);
        cr_assert_eq(pk_eth_address_checksum(lower + 2, out), 0);
        cr_expect_str_eq(out, v[i]);
    }
    char out[43];
    cr_expect_eq(pk_eth_address_checksum("0x1234", out), -1);
    uint8_t a[20];
    cr_expect_eq(pk_eth_address_parse("0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1", a), 0);
    cr_expect_eq(pk_eth_address_parse("90f8bf6a479f320ead074411a4b0e7944ea8c9c1", a), 0);
    cr_expect_eq(pk_eth_address_parse("0x90f8bf6a479f320ead074411a4b0e7944ea8c9c", a), -1);
}

/* Decimal string to big-endian bytes (the vectors carry uint256 values as decimal text). */
static void dec256(const char *s, uint8_t out[32])
{
    memset(out, 0, 32);
    for (; *s; s++) {
        unsigned carry = (unsigned)(*s - '0');
        for (int i = 31; i >= 0; i--) {
            unsigned cur = out[i] * 10u + carry;
            out[i] = (uint8_t)cur;
            carry = cur >> 8;
        }
    }
}

static uint64_t dec64(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v)) return (uint64_t)v->valuedouble;
    return v ? strtoull(v->valuestring, NULL, 10) : 0;
}

Test(eth_tx, viem_vectors)
{
    cJSON *doc = tu_read_json("eth/tx_vectors.json");
    const cJSON *it;
    int n = 0, legacy = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "vectors"))
    {
        pk_eth_tx tx = {0};
        uint8_t sk[32], hash[32], *raw = NULL, *data = NULL;
        size_t raw_len = 0, data_len = 0;
        tx.type = strcmp(tu_str(it, "type"), "legacy") == 0 ? PK_ETH_TX_LEGACY : PK_ETH_TX_EIP1559;
        legacy += tx.type == PK_ETH_TX_LEGACY;
        tx.chain_id = dec64(it, "chainId");
        tx.nonce = dec64(it, "nonce");
        tx.gas_limit = dec64(it, "gas");
        tx.gas_price = dec64(it, "gasPrice");
        tx.max_fee_per_gas = dec64(it, "maxFeePerGas");
        tx.max_priority_fee_per_gas = dec64(it, "maxPriorityFeePerGas");
        dec256(tu_str(it, "value"), tx.value);
        cr_assert_eq(pk_eth_address_parse(tu_str(it, "to"), tx.to), 0);
        cr_assert_eq(pkx_eth_data(tu_str(it, "data"), &data, &data_len), 0);
        tx.data = data;
        tx.data_len = data_len;
        tu_unhex(tu_str(it, "private_key"), sk, 32);
        cr_assert_eq(pk_eth_sign_tx(&tx, sk, &raw, &raw_len, hash), 0);
        char *got = malloc(2 * raw_len + 3), h[67];
        pkx_eth_hex0x(raw, raw_len, got);
        pkx_eth_hex0x(hash, 32, h);
        cr_expect_str_eq(got, tu_str(it, "raw"), "vector %d", n);
        cr_expect_str_eq(h, tu_str(it, "hash"), "vector %d", n);
        free(got);
        free(raw);
        free(data);
        n++;
    }
    cr_expect_geq(n, 14);
    cr_expect_geq(legacy, 7);
    cJSON_Delete(doc);
}

Test(eth_tx, type_prefix_and_bad_input)
{
    uint8_t sk[32], *raw = NULL, h[32];
    size_t len;
    tu_unhex("4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d", sk, 32);
    pk_eth_tx tx = {.type = PK_ETH_TX_EIP1559,
                    .chain_id = 8453,
                    .gas_limit = 50000,
                    .max_fee_per_gas = 2,
                    .max_priority_fee_per_gas = 1};
    cr_assert_eq(pk_eth_sign_tx(&tx, sk, &raw, &len, h), 0);
    cr_expect_eq(raw[0], 0x02);
    free(raw);
    tx.type = (pk_eth_tx_type)7;
    cr_expect_eq(pk_eth_sign_tx(&tx, sk, &raw, &len, h), -1);
    cr_expect_null(raw);
    uint8_t zero[32] = {0};
    tx.type = PK_ETH_TX_LEGACY;
    cr_expect_eq(pk_eth_sign_tx(&tx, zero, &raw, &len, h), -1);
}
