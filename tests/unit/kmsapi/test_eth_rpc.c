/* Offline checks of the JSON-RPC side of libphalakms's on-chain code: strict hex quantities, revert
 * reason decoding, canned JSON-RPC answers and error objects through the decoder, uint256 text, and
 * the RPC url rules of pk_eth_new. */
#include "crypto_test_util.h"
#include "eth/eth_priv.h"

Test(eth_hex, quantities)
{
    uint64_t v;
    cr_expect_eq(pkx_eth_quantity("0x0", &v), 0);
    cr_expect_eq(v, 0);
    cr_expect_eq(pkx_eth_quantity("0x2105", &v), 0);
    cr_expect_eq(v, 8453);
    cr_expect_eq(pkx_eth_quantity("0X00ff", &v), 0, "leading zeros are tolerated on input");
    cr_expect_eq(v, 255);
    cr_expect_eq(pkx_eth_quantity("0xffffffffffffffff", &v), 0);
    cr_expect_eq(v, UINT64_MAX);
    cr_expect_eq(pkx_eth_quantity("0x10000000000000000", &v), -1, "overflow");
    cr_expect_eq(pkx_eth_quantity("0x", &v), -1);
    cr_expect_eq(pkx_eth_quantity("12", &v), -1);
    cr_expect_eq(pkx_eth_quantity("0x1g", &v), -1);
    cr_expect_eq(pkx_eth_quantity(NULL, &v), -1);
    cr_expect_eq(pkx_eth_quantity("0x 1", &v), -1);

    uint8_t u[32];
    char dec[80];
    cr_expect_eq(pkx_eth_quantity256("0x3635c9adc5dea00000", u), 0); /* 1000 ETH */
    pkx_u256_dec(u, dec);
    cr_expect_str_eq(dec, "1000000000000000000000");
    cr_expect_eq(pkx_u256_cmp_u64(u, UINT64_MAX), 1);
    cr_expect_eq(
        pkx_eth_quantity256("0x"
                            "1"
                            "0000000000000000000000000000000000000000000000000000000000000000",
                            u),
        -1);
    cr_expect_eq(pkx_eth_quantity256(
                     "0x000000000000000000000000000000000000000000000000000000000000000000001", u),
                 0);
    pkx_u256_dec(u, dec);
    cr_expect_str_eq(dec, "1");
    cr_expect_eq(pkx_eth_quantity256("0xz", u), -1);

    uint8_t *d;
    size_t n;
    cr_expect_eq(pkx_eth_data("0x", &d, &n), 0);
    cr_expect_not_null(d);
    cr_expect_eq(n, 0);
    free(d);
    cr_expect_eq(pkx_eth_data("0x0102", &d, &n), 0);
    cr_expect_eq(n, 2);
    free(d);
    cr_expect_eq(pkx_eth_data("0x012", &d, &n), -1, "odd digit count");
    cr_expect_eq(pkx_eth_data("0102", &d, &n), -1, "no prefix");
}

Test(eth_u256, text)
{
    uint8_t u[32];
    char s[100];
    pkx_u256_from_u64(100000000000000ULL, u);
    pkx_u256_eth(u, s);
    cr_expect_str_eq(s, "0.0001 ETH");
    pkx_u256_from_u64(PK_ETH_MIN_BALANCE_WEI, u);
    pkx_u256_eth(u, s);
    cr_expect_str_eq(s, "0.001 ETH");
    pkx_u256_from_u64(0, u);
    pkx_u256_eth(u, s);
    cr_expect_str_eq(s, "0 ETH");
    pkx_u256_dec(u, s);
    cr_expect_str_eq(s, "0");
    pkx_u256_from_u64(UINT64_MAX, u);
    pkx_u256_dec(u, s);
    cr_expect_str_eq(s, "18446744073709551615");
    pkx_u256_eth(u, s);
    cr_expect_str_eq(s, "18.446744073709551615 ETH");
    memset(u, 0xff, 32);
    pkx_u256_dec(u, s);
    cr_expect_str_eq(
        s, "115792089237316195423570985008687907853269984665640564039457584007913129639935");
    cr_expect_eq(pkx_u256_cmp_u64(u, 5), 1);
    pkx_u256_from_u64(5, u);
    cr_expect_eq(pkx_u256_cmp_u64(u, 5), 0);
    cr_expect_eq(pkx_u256_cmp_u64(u, 6), -1);
}

/* ABI-encodes Error(string). */
static size_t error_string(const char *msg, uint8_t *out)
{
    size_t n = strlen(msg), padded = (n + 31) / 32 * 32;
    memset(out, 0, 4 + 64 + padded);
    memcpy(out, "\x08\xc3\x79\xa0", 4);
    out[4 + 31] = 0x20;
    out[4 + 32 + 30] = (uint8_t)(n >> 8);
    out[4 + 32 + 31] = (uint8_t)n;
    memcpy(out + 4 + 64, msg, n);
    return 4 + 64 + padded;
}

Test(eth_revert, reasons)
{
    uint8_t buf[512];
    size_t n = error_string("Ownable: caller is not the owner", buf);
    char *r = pkx_eth_revert_reason(buf, n);
    cr_assert_not_null(r);
    cr_expect_str_eq(r, "Ownable: caller is not the owner");
    free(r);
    n = error_string("", buf);
    r = pkx_eth_revert_reason(buf, n);
    cr_assert_not_null(r);
    cr_expect_str_eq(r, "");
    free(r);
    /* Control bytes never reach a message verbatim. */
    n = error_string("a\nb\x01", buf);
    r = pkx_eth_revert_reason(buf, n);
    cr_expect_str_eq(r, "a?b?");
    free(r);
    /* A length that points past the data is rejected, not read. */
    n = error_string("hello", buf);
    buf[4 + 32 + 31] = 200;
    cr_expect_null(pkx_eth_revert_reason(buf, n));
    cr_expect_null(pkx_eth_revert_reason(buf, 3));
    cr_expect_null(pkx_eth_revert_reason(buf, 40));
    /* Panic(uint256) 0x11 = arithmetic overflow */
    uint8_t panic[36] = {0x4e, 0x48, 0x7b, 0x71};
    panic[35] = 0x11;
    r = pkx_eth_revert_reason(panic, sizeof panic);
    cr_assert_not_null(r);
    cr_expect(strstr(r, "0x11") != NULL);
    free(r);
    /* OpenZeppelin 5 OwnableUnauthorizedAccount(address) */
    uint8_t oz[36] = {0x11, 0x8c, 0xda, 0xa7};
    memset(oz + 16, 0xab, 20);
    r = pkx_eth_revert_reason(oz, sizeof oz);
    cr_assert_not_null(r);
    cr_expect(strstr(r, "0xabababababababababababababababababababab") != NULL, "%s", r);
    free(r);
    uint8_t unknown[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cr_expect_null(pkx_eth_revert_reason(unknown, sizeof unknown));
}

static int decode(const char *body, pk_error *err, cJSON **root, const cJSON **res)
{
    return pkx_eth_rpc_result(body, strlen(body), "eth_sendRawTransaction", root, res, err);
}

Test(eth_rpc, results)
{
    pk_error err = {0};
    cJSON *root;
    const cJSON *res;
    cr_assert_eq(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x2105\"}", &err, &root, &res),
                 0);
    cr_expect_str_eq(res->valuestring, "0x2105");
    cJSON_Delete(root);
    cr_assert_eq(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", &err, &root, &res), 0);
    cr_expect(cJSON_IsNull(res));
    cJSON_Delete(root);
    cr_expect_eq(decode("<html>bad gateway</html>", &err, &root, &res), -1);
    cr_expect_eq(err.kind, PK_ERR_DECODE);
    cr_expect_eq(decode("{\"jsonrpc\":\"2.0\",\"id\":1}", &err, &root, &res), -1);
    cr_expect_eq(err.kind, PK_ERR_DECODE);
    cr_expect_eq(decode("", &err, &root, &res), -1);
    pk_error_clear(&err);
}

static void expect_rpc_error(const char *body, const char *needle1, const char *needle2)
{
    pk_error err = {0};
    cJSON *root;
    const cJSON *res;
    cr_assert_eq(decode(body, &err, &root, &res), -1);
    cr_expect_eq(err.kind, PK_ERR_RPC, "%s", body);
    const char *m = pk_error_message(&err);
    cr_expect(strstr(m, needle1) != NULL, "'%s' lacks '%s'", m, needle1);
    if (needle2) cr_expect(strstr(m, needle2) != NULL, "'%s' lacks '%s'", m, needle2);
    cr_expect(strstr(m, "eth_sendRawTransaction") != NULL, "names the method: %s", m);
    pk_error_clear(&err);
}

Test(eth_rpc, error_objects)
{
    expect_rpc_error(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"nonce too low\"}}",
        "nonce too low", "run apply again");
    expect_rpc_error(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"insufficient funds "
        "for gas * price + value: address 0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1 have 0 want "
        "1\"}}",
        "insufficient funds", "send it some ETH");
    expect_rpc_error(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"replacement "
        "transaction underpriced\"}}",
        "underpriced", "pending");
    expect_rpc_error(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"the method "
        "eth_foo does not exist\"}}",
        "-32601", "does not exist");
    expect_rpc_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"boom\"}", "rejected", NULL);

    /* geth: code 3 with the revert data as a hex string */
    uint8_t buf[256];
    size_t n = error_string("Ownable: caller is not the owner", buf);
    char hex[600], body[900];
    pkx_eth_hex0x(buf, n, hex);
    snprintf(
        body, sizeof body,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":\"execution reverted\","
        "\"data\":\"%s\"}}",
        hex);
    expect_rpc_error(body, "execution reverted: Ownable: caller is not the owner", "code 3");
    /* ganache: data is an object carrying the revert bytes in "result" */
    snprintf(
        body, sizeof body,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"VM Exception while "
        "processing transaction: revert\",\"data\":{\"hash\":null,\"result\":\"%s\"}}}",
        hex);
    expect_rpc_error(body, "execution reverted: Ownable: caller is not the owner", "VM Exception");
    /* undecodable revert data keeps the node's own words */
    expect_rpc_error(
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":\"execution reverted\","
        "\"data\":\"0xdeadbeef\"}}",
        "execution reverted", "code 3");
}

Test(eth_client, url_rules)
{
    pk_eth *e = NULL;
    pk_error err = {0};
    pk_eth_config cfg = {.rpc_url = "http://10.0.0.1:8545"};
    cr_expect_eq(pk_eth_new(&cfg, &e, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_CONFIG);
    cr_expect(strstr(pk_error_message(&err), "https://") != NULL, "%s", pk_error_message(&err));
    cfg.rpc_url = "ftp://x";
    cr_expect_eq(pk_eth_new(&cfg, &e, &err), -1);
    cfg.rpc_url = "https://user:pw@example.org/";
    cr_expect_eq(pk_eth_new(&cfg, &e, &err), -1);
    cfg.rpc_url = "";
    cr_expect_eq(pk_eth_new(&cfg, &e, &err), -1);
    cr_expect_eq(pk_eth_new(NULL, &e, &err), -1);
    const char *ok[] = {"http://127.0.0.1:8545", "http://localhost:8545/", "http://[::1]:8545",
                        "https://mainnet.base.org", "https://eth-mainnet.example/v2/SECRETKEY"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cfg.rpc_url = ok[i];
        cr_expect_eq(pk_eth_new(&cfg, &e, &err), 0, "%s: %s", ok[i], pk_error_message(&err));
        pk_eth_free(e);
    }
    pk_error_clear(&err);
}

Test(eth_register, input_validation_never_echoes_the_key)
{
    pk_eth *e = NULL;
    pk_error err = {0};
    pk_eth_config cfg = {.rpc_url = "http://127.0.0.1:1"};
    cr_assert_eq(pk_eth_new(&cfg, &e, &err), 0);
    const char *bad_key =
        "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1"; /* 63 */
    pk_register_req req = {.private_key_hex = bad_key,
                           .app_contract = "0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1",
                           .compose_hash =
                               "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"};
    pk_register_result out;
    cr_expect_eq(pk_register_compose_hash(e, &req, &out, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    cr_expect(strstr(pk_error_message(&err), "4f3edf98") == NULL);
    cr_expect(strstr(pk_error_message(&err), "private key") != NULL);
    req.private_key_hex = "0x0000000000000000000000000000000000000000000000000000000000000000";
    cr_expect_eq(pk_register_compose_hash(e, &req, &out, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    req.private_key_hex = "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d";
    req.app_contract = "0x1234";
    cr_expect_eq(pk_register_compose_hash(e, &req, &out, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    cr_expect(strstr(pk_error_message(&err), "app contract") != NULL);
    req.app_contract = "90f8bf6a479f320ead074411a4b0e7944ea8c9c1";
    req.compose_hash = "abc";
    cr_expect_eq(pk_register_compose_hash(e, &req, &out, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    cr_expect(strstr(pk_error_message(&err), "compose hash") != NULL);
    cr_expect(strstr(pk_error_message(&err), req.private_key_hex) == NULL);
    pk_error_clear(&err);
    pk_eth_free(e);
}
