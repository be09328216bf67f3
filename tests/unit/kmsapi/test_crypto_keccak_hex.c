/* Keccak-256 against Ethereum vectors (tests/data/crypto/keccak.json, incl. the block-boundary
 * lengths around the 136-byte rate) and the hex codec's exact-length rules. */
#include "crypto_test_util.h"

Test(keccak, empty_input_matches_ethereum)
{
    uint8_t d[32];
    char hex[65];
    pk_keccak256("", 0, d);
    pk_hex_encode(d, 32, hex, sizeof hex);
    cr_assert_str_eq(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    pk_keccak256(NULL, 0, d);
    pk_hex_encode(d, 32, hex, sizeof hex);
    cr_assert_str_eq(hex, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

Test(keccak, vectors_from_data_file)
{
    cJSON *v = tu_read_json("crypto/keccak.json");
    const cJSON *it;
    int n = 0;
    cJSON_ArrayForEach(it, v)
    {
        const char *ascii = tu_str(it, "input_ascii"), *hexin = tu_str(it, "input_hex");
        uint8_t buf[2048], d[32];
        size_t len = 0;
        if (ascii) {
            len = strlen(ascii);
            memcpy(buf, ascii, len);
        } else {
            cr_assert_eq(pk_hex_decode(hexin, strlen(hexin), buf, sizeof buf, &len), 0);
        }
        char got[65];
        pk_keccak256(buf, len, d);
        pk_hex_encode(d, 32, got, sizeof got);
        cr_expect_str_eq(got, tu_str(it, "keccak256"), "len %zu", len);
        /* The streaming API must agree whatever the chunking. */
        pk_keccak256_ctx ctx;
        pk_keccak256_init(&ctx);
        for (size_t off = 0; off < len; off += 7)
            pk_keccak256_update(&ctx, buf + off, len - off < 7 ? len - off : 7);
        pk_keccak256_final(&ctx, d);
        pk_hex_encode(d, 32, got, sizeof got);
        cr_expect_str_eq(got, tu_str(it, "keccak256"), "streaming, len %zu", len);
        n++;
    }
    cr_assert_geq(n, 10);
    cJSON_Delete(v);
}

Test(keccak, add_compose_hash_selector)
{
    uint8_t d[32];
    const char *sig = "addComposeHash(bytes32)";
    pk_keccak256(sig, strlen(sig), d);
    cr_assert_eq(d[0], 0xdf);
    cr_assert_eq(d[1], 0xc7);
    cr_assert_eq(d[2], 0x72);
    cr_assert_eq(d[3], 0x23);
}

Test(hex, encode_is_lowercase_without_prefix)
{
    const uint8_t in[] = {0x00, 0xab, 0xCD, 0xff};
    char out[9];
    cr_assert_eq(pk_hex_encode(in, 4, out, sizeof out), 0);
    cr_assert_str_eq(out, "00abcdff");
    cr_assert_eq(pk_hex_encode(in, 4, out, 8), -1, "no room for the NUL");
}

Test(hex, decode_exact_accepts_prefix_and_case)
{
    uint8_t out[2];
    cr_assert_eq(pk_hex_decode_exact("0xABcd", out, 2), 0);
    cr_assert_eq(out[0], 0xab);
    cr_assert_eq(out[1], 0xcd);
    cr_assert_eq(pk_hex_decode_exact("0XabCD", out, 2), 0);
    cr_assert_eq(pk_hex_decode_exact("abcd", out, 2), 0);
}

Test(hex, decode_exact_rejects_wrong_length_and_bad_digits)
{
    uint8_t out[4];
    cr_assert_eq(pk_hex_decode_exact("abc", out, 2), -1, "odd");
    cr_assert_eq(pk_hex_decode_exact("ab", out, 2), -1, "short");
    cr_assert_eq(pk_hex_decode_exact("abcdef", out, 2), -1, "long");
    cr_assert_eq(pk_hex_decode_exact("abzz", out, 2), -1, "non-hex");
    cr_assert_eq(pk_hex_decode_exact("0x", out, 1), -1, "prefix only");
    cr_assert_eq(pk_hex_decode_exact(" abc", out, 2), -1, "space");
    cr_assert_eq(pk_hex_decode_exact("x0ab", out, 2), -1);
    cr_assert_eq(pk_hex_decode_exact(NULL, out, 2), -1);
    cr_assert_eq(pk_hex_decode_exact("", out, 0), 0, "zero bytes is exact");
}

Test(hex, decode_variable_length_respects_capacity)
{
    uint8_t out[3];
    size_t n = 99;
    cr_assert_eq(pk_hex_decode("0x010203", 8, out, 3, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(pk_hex_decode("01020304", 8, out, 3, &n), -1);
    cr_assert_eq(pk_hex_decode("0102", 3, out, 3, &n), -1, "odd length prefix of the text");
}
