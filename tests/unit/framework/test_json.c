/* test_json.c — RawState / DynamicValue JSON decoding against a schema type: pretty-printed
 * state, removed attributes, unicode, dynamic {"value","type"} and the JSON writer. */
#include "tfv_test.h"

static tf_arena *A;
static void setup(void)
{
    A = tf_arena_new();
}
static void teardown(void)
{
    tf_arena_free(A);
}

TestSuite(json, .init = setup, .fini = teardown);

static const char *STATE_TYPE =
    "[\"object\",{\"id\":\"string\",\"ratio\":\"number\",\"big\":\"number\",\"half\":\"number\","
    "\"enabled\":\"bool\",\"tags\":[\"map\",\"string\"],\"ports\":[\"set\",\"number\"],"
    "\"extra\":\"dynamic\",\"note\":\"string\","
    "\"rule\":[\"list\",[\"object\",{\"port\":\"number\",\"cidrs\":[\"list\",\"string\"]}]]}]";

/* What terraform writes into the state file: 2-space steps, here nested to a 12-space indent. */
static const char *STATE_JSON = "{\n"
                                "  \"id\": \"app-\\u00e9\\ud83d\\ude00\",\n"
                                "  \"ratio\": 0.8,\n"
                                "  \"big\": 12345678901234567890,\n"
                                "  \"half\": 1.5,\n"
                                "  \"enabled\": true,\n"
                                "  \"tags\": {\n"
                                "    \"zeta\": \"last\",\n"
                                "    \"alpha\": \"first\"\n"
                                "  },\n"
                                "  \"ports\": [\n"
                                "    443,\n"
                                "    80\n"
                                "  ],\n"
                                "  \"extra\": {\n"
                                "    \"value\": [\"a\", \"b\"],\n"
                                "    \"type\": [\"list\", \"string\"]\n"
                                "  },\n"
                                "  \"rule\": [\n"
                                "    {\n"
                                "      \"port\": 22,\n"
                                "      \"cidrs\": [\n"
                                "        {\n"
                                "          \"unused\": 1\n"
                                "        }\n"
                                "      ]\n"
                                "    }\n"
                                "  ]\n"
                                "}\n";

Test(json, pretty_printed_state_decodes_with_every_kind)
{
    const char *doc = "{\n"
                      "            \"id\": \"app-\\u00e9\\ud83d\\ude00\",\n"
                      "            \"ratio\": 0.8,\n"
                      "            \"big\": 12345678901234567890,\n"
                      "            \"half\": 1.5,\n"
                      "            \"enabled\": true,\n"
                      "            \"tags\": {\n"
                      "                \"zeta\": \"last\",\n"
                      "                \"alpha\": \"first\"\n"
                      "            },\n"
                      "            \"ports\": [\n"
                      "                443,\n"
                      "                80\n"
                      "            ],\n"
                      "            \"extra\": {\n"
                      "                \"value\": [\"a\", \"b\"],\n"
                      "                \"type\": [\"list\", \"string\"]\n"
                      "            },\n"
                      "            \"rule\": [\n"
                      "                {\n"
                      "                    \"port\": 22,\n"
                      "                    \"cidrs\": [\"10.0.0.0/8\"]\n"
                      "                }\n"
                      "            ]\n"
                      "        }\n";
    const tf_type *t = tfv_type(A, STATE_TYPE);
    tf_value v = tfv_json(A, t, doc, false);
    cr_expect_str_eq(tf_attr(&v, "id")->u.str.ptr, "app-\xc3\xa9\xf0\x9f\x98\x80");
    tfv_expect_encoding(tf_attr(&v, "ratio"), "a3 30 2e 38");
    tfv_expect_encoding(tf_attr(&v, "big"), "b4 3132333435363738393031323334353637383930");
    tfv_expect_encoding(tf_attr(&v, "half"), "cb 3f f8 00 00 00 00 00 00");
    cr_expect(tf_attr(&v, "enabled")->u.b);
    cr_expect_str_eq(tf_attr(&v, "tags")->u.coll.keys[0], "alpha");
    cr_expect_str_eq(tf_map_get(tf_attr(&v, "tags"), "zeta")->u.str.ptr, "last");
    cr_expect_eq(tf_attr(&v, "ports")->u.coll.n, 2);
    tf_value *extra = tf_attr(&v, "extra");
    cr_expect(extra->dynamic && extra->type->kind == TF_LIST && extra->u.coll.n == 2);
    tf_value *rule = &tf_attr(&v, "rule")->u.coll.items[0];
    cr_expect_eq(tf_attr(rule, "port")->u.num.i, 22);
    cr_expect(tf_is_null(tf_attr(&v, "note")), "missing attributes are null");
    /* and the msgpack of it decodes back to the same value */
    tf_buf b = {0};
    tf_msgpack_encode(&v, &b);
    tf_value w;
    char err[256];
    cr_assert_eq(tf_msgpack_decode(A, t, b.data, b.len, &w, err, sizeof err), 0, "%s", err);
    cr_expect(tf_value_equal(&v, &w));
    tf_buf_free(&b);
}

Test(json, wrong_nested_types_name_the_path)
{
    const tf_type *t = tfv_type(A, STATE_TYPE);
    tf_value v;
    char err[256] = "";
    cr_expect_eq(tf_json_decode(A, t, STATE_JSON, strlen(STATE_JSON), false, &v, err, sizeof err),
                 -1);
    cr_expect(strstr(err, ".rule[0].cidrs[0]") != NULL, "%s", err);
}

Test(json, removed_attributes_are_ignored_only_with_the_flag)
{
    const tf_type *t =
        tfv_type(A, "[\"object\",{\"a\":\"string\",\"b\":[\"object\",{\"c\":\"bool\"}]}]");
    const char *doc = "{\n  \"a\": \"x\",\n  \"gone\": [1, {\"deep\": null}],\n"
                      "  \"b\": {\"c\": true, \"old\": 5}\n}";
    tf_value v = tfv_json(A, t, doc, true);
    cr_expect_str_eq(tf_attr(&v, "a")->u.str.ptr, "x");
    cr_expect(tf_attr(tf_attr(&v, "b"), "c")->u.b);
    char err[256] = "";
    cr_expect_eq(tf_json_decode(A, t, doc, strlen(doc), false, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "unsupported attribute \"gone\"") != NULL, "%s", err);
}

Test(json, duplicate_keys_are_rejected)
{
    const tf_type *t = tfv_type(A, "[\"object\",{\"a\":\"string\"}]");
    tf_value v;
    char err[256] = "";
    const char *doc = "{\"a\":\"x\",\"a\":\"y\"}";
    cr_expect_eq(tf_json_decode(A, t, doc, strlen(doc), false, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "duplicate") != NULL, "%s", err);
    const tf_type *m = tfv_type(A, "[\"map\",\"string\"]");
    cr_expect_eq(tf_json_decode(A, m, doc, strlen(doc), false, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "duplicate map key") != NULL, "%s", err);
}

Test(json, unicode_escapes_and_raw_utf8)
{
    tf_value v =
        tfv_json(A, &tf_type_string, "\"\\u00e9\\u4e2d\\ud83d\\ude00 \xc3\xa9\\n\\\"\\/\"", false);
    cr_expect_str_eq(v.u.str.ptr, "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 \xc3\xa9\n\"/");
    v = tfv_json(A, &tf_type_string, "\"\\ud800x\"", false); /* lone surrogate: U+FFFD, as Go */
    cr_expect_str_eq(v.u.str.ptr, "\xef\xbf\xbdx");
    v = tfv_json(A, &tf_type_string, "\"\\udc00\\ud800\"", false);
    cr_expect_str_eq(v.u.str.ptr, "\xef\xbf\xbd\xef\xbf\xbd");
    v = tfv_json(A, &tf_type_string, "\"a\\u0000b\"", false);
    cr_expect(v.u.str.len == 3 && v.u.str.ptr[1] == '\0');
}

Test(json, invalid_strings_are_rejected)
{
    const char *bad[] = {
        "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"",
        "\"a\nb\"", "\"\\x\"",  "\"\\u12\"",        "\"\\u12g4\"",  "\"abc",
        "\"\\"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tf_value v;
        char err[256] = "";
        cr_expect_eq(
            tf_json_decode(A, &tf_type_string, bad[i], strlen(bad[i]), false, &v, err, sizeof err),
            -1, "case %zu", i);
        cr_expect(err[0] != '\0');
    }
}

Test(json, dynamic_values_become_msgpack_wrappers)
{
    tf_value v = tfv_json(A, &tf_type_dynamic, "{\"type\":\"bool\",\"value\":true}", false);
    tfv_expect_encoding(&v, "92 c4 06 22 62 6f 6f 6c 22 c3");
    v = tfv_json(A, &tf_type_dynamic, "null", false);
    tfv_expect_encoding(&v, "c0");
    v = tfv_json(A, &tf_type_dynamic, "{\"value\":null,\"type\":\"string\"}", false);
    tfv_expect_encoding(&v, "92 c4 08 22737472696e6722 c0");
    tf_value w;
    char err[256] = "";
    const char *bad[] = {"{\"value\":true}",
                         "{\"type\":\"bool\"}",
                         "true",
                         "{\"value\":1,\"type\":\"bool\"}",
                         "{\"value\":1,\"type\":\"dynamic\"}",
                         "{\"value\":1,\"type\":\"number\",\"x\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(
            tf_json_decode(A, &tf_type_dynamic, bad[i], strlen(bad[i]), false, &w, err, sizeof err),
            -1, "%s", bad[i]);
}

Test(json, cty_conversions_between_primitives)
{
    tf_value v = tfv_json(A, &tf_type_string, "42.50", false);
    cr_expect_str_eq(v.u.str.ptr, "42.50");
    v = tfv_json(A, &tf_type_string, "true", false);
    cr_expect_str_eq(v.u.str.ptr, "true");
    v = tfv_json(A, &tf_type_number, "\"0.8\"", false);
    tfv_expect_encoding(&v, "a3 30 2e 38");
    v = tfv_json(A, &tf_type_bool, "\"false\"", false);
    cr_expect(tf_is_known(&v) && !v.u.b);
}

Test(json, tuples_need_their_exact_length)
{
    const tf_type *t = tfv_type(A, "[\"tuple\",[\"string\",\"number\"]]");
    tf_value v = tfv_json(A, t, "[\"a\", 1]", false);
    tfv_expect_encoding(&v, "92 a1 61 01");
    char err[256] = "";
    cr_expect_eq(tf_json_decode(A, t, "[\"a\"]", 5, false, &v, err, sizeof err), -1);
}

Test(json, empty_input_is_null_and_trailing_data_is_an_error)
{
    tf_value v = tf_bool(true);
    cr_assert_eq(tf_json_decode(A, &tf_type_string, "", 0, false, &v, NULL, 0), 0);
    cr_expect(tf_is_null(&v));
    char err[256] = "";
    cr_expect_eq(tf_json_decode(A, &tf_type_string, "\"a\" x", 5, false, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "trailing") != NULL, "%s", err);
    cr_expect_eq(tf_json_decode(A, &tf_type_string, "  ", 2, false, &v, err, sizeof err), -1);
}

Test(json, writer_sorts_keys_and_wraps_dynamic)
{
    const tf_type *t = tfv_type(A, STATE_TYPE);
    const char *doc = "{\"id\":\"q\\\"\\u0001\",\"ratio\":0.8,\"tags\":{\"b\":\"2\",\"a\":\"1\"},"
                      "\"extra\":{\"value\":5,\"type\":\"number\"},\"ports\":[1]}";
    tf_value v = tfv_json(A, t, doc, false);
    tf_buf b = {0};
    tf_json_encode(&v, &b);
    tf_buf_putc(&b, 0);
    cr_expect_str_eq((const char *)b.data,
                     "{\"big\":null,\"enabled\":null,\"extra\":{\"value\":5,\"type\":\"number\"},"
                     "\"half\":null,\"id\":\"q\\\"\\u0001\",\"note\":null,\"ports\":[1],"
                     "\"ratio\":0.8,\"rule\":null,\"tags\":{\"a\":\"1\",\"b\":\"2\"}}");
    tf_buf_free(&b);
    tf_value u = tf_unknown(&tf_type_string);
    tf_json_encode(&u, &b);
    cr_expect(b.len == 4 && memcmp(b.data, "null", 4) == 0);
    tf_buf_free(&b);
}
