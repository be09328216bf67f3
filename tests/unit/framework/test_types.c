/* test_types.c — tf_type builders, attribute lookup, structural equality and cty type JSON
 * (compact, object keys sorted) both ways. */
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

TestSuite(types, .init = setup, .fini = teardown);

static void expect_json(const tf_type *t, const char *want)
{
    tf_buf b = {0};
    tf_type_json(t, &b);
    tf_buf_putc(&b, 0);
    cr_expect_str_eq((const char *)b.data, want);
    tf_buf_free(&b);
}

Test(types, primitive_json)
{
    expect_json(&tf_type_string, "\"string\"");
    expect_json(&tf_type_number, "\"number\"");
    expect_json(&tf_type_bool, "\"bool\"");
    expect_json(&tf_type_dynamic, "\"dynamic\"");
}

Test(types, built_types_emit_compact_json_with_sorted_keys)
{
    const tf_type *ls = tf_type_collection(A, TF_LIST, &tf_type_string);
    expect_json(ls, "[\"list\",\"string\"]");
    expect_json(tf_type_collection(A, TF_SET, &tf_type_number), "[\"set\",\"number\"]");
    expect_json(tf_type_collection(A, TF_MAP, ls), "[\"map\",[\"list\",\"string\"]]");
    const char *names[] = {"zeta", "alpha", "Mid"};
    const tf_type *types[] = {&tf_type_bool, ls, &tf_type_dynamic};
    const tf_type *obj = tf_type_object(A, 3, names, types);
    expect_json(obj, "[\"object\",{\"Mid\":\"dynamic\",\"alpha\":[\"list\",\"string\"],"
                     "\"zeta\":\"bool\"}]");
    const tf_type *tt[] = {obj, &tf_type_number};
    expect_json(tf_type_tuple(A, 2, tt), "[\"tuple\",[[\"object\",{\"Mid\":\"dynamic\",\"alpha\":"
                                         "[\"list\",\"string\"],\"zeta\":\"bool\"}],\"number\"]]");
    expect_json(tf_type_object(A, 0, NULL, NULL), "[\"object\",{}]");
    expect_json(tf_type_tuple(A, 0, NULL), "[\"tuple\",[]]");
}

Test(types, json_parse_round_trips)
{
    const char *cases[] = {
        "\"string\"",
        "[\"list\",\"number\"]",
        "[\"set\",[\"map\",\"bool\"]]",
        "[\"object\",{\"a\":\"string\",\"b\":[\"list\",[\"object\",{\"c\":\"dynamic\"}]]}]",
        "[\"tuple\",[\"string\",[\"tuple\",[]],[\"object\",{}]]]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const tf_type *t = tfv_type(A, cases[i]);
        expect_json(t, cases[i]);
    }
    /* whitespace and key order in the input do not matter; output is canonical */
    const tf_type *t = tfv_type(A, " [ \"object\" , { \"b\" : \"bool\" , \"a\" : \"number\" } ] ");
    expect_json(t, "[\"object\",{\"a\":\"number\",\"b\":\"bool\"}]");
    /* optional-attribute lists of type constraints are accepted and dropped */
    t = tfv_type(A, "[\"object\",{\"a\":\"number\"},[\"a\"]]");
    expect_json(t, "[\"object\",{\"a\":\"number\"}]");
}

Test(types, invalid_type_json_is_rejected)
{
    const char *bad[] = {"",
                         "\"strin\"",
                         "[\"list\"]",
                         "[\"foo\",\"string\"]",
                         "[\"list\",\"string\",\"x\"]",
                         "[\"object\",[]]",
                         "[\"object\",{\"a\":\"string\",\"a\":\"number\"}]",
                         "[\"object\",{\"a\":\"string\"},[1]]",
                         "[\"tuple\",{}]",
                         "\"string\" x",
                         "42",
                         "{\"list\":\"string\"}",
                         "[1,\"string\"]",
                         "[\"list\\u0000x\",\"string\"]",
                         "\"string\\u0000\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        cr_expect_null(tf_type_from_json(A, bad[i], strlen(bad[i]), err, sizeof err), "%s", bad[i]);
        cr_expect(err[0] != '\0', "%s", bad[i]);
    }
}

Test(types, deeply_nested_type_json_is_an_error_not_a_crash)
{
    size_t depth = 10000;
    tf_buf b = {0};
    for (size_t i = 0; i < depth; i++) tf_buf_puts(&b, "[\"list\",");
    tf_buf_puts(&b, "\"string\"");
    for (size_t i = 0; i < depth; i++) tf_buf_putc(&b, ']');
    char err[256] = "";
    cr_expect_null(tf_type_from_json(A, (const char *)b.data, b.len, err, sizeof err));
    cr_expect(strstr(err, "deep") != NULL, "%s", err);
    tf_buf_free(&b);
}

Test(types, attr_index_and_equality)
{
    const char *n1[] = {"a", "b"}, *n2[] = {"b", "a"};
    const tf_type *t1[] = {&tf_type_string, &tf_type_number};
    const tf_type *t2[] = {&tf_type_number, &tf_type_string};
    const tf_type *o1 = tf_type_object(A, 2, n1, t1), *o2 = tf_type_object(A, 2, n2, t2);
    cr_expect_eq(tf_type_attr_index(o1, "b"), 1);
    cr_expect_eq(tf_type_attr_index(o2, "b"), 0);
    cr_expect_eq(tf_type_attr_index(o1, "c"), -1);
    cr_expect_eq(tf_type_attr_index(&tf_type_string, "a"), -1);
    cr_expect(tf_type_equal(o1, o2), "attribute order is not part of the type");
    const tf_type *t3[] = {&tf_type_string, &tf_type_string};
    cr_expect(!tf_type_equal(o1, tf_type_object(A, 2, n1, t3)));
    cr_expect(!tf_type_equal(o1, tf_type_object(A, 1, n1, t1)));
    cr_expect(tf_type_equal(tf_type_collection(A, TF_LIST, &tf_type_string),
                            tfv_type(A, "[\"list\",\"string\"]")));
    cr_expect(!tf_type_equal(tf_type_collection(A, TF_LIST, &tf_type_string),
                             tf_type_collection(A, TF_SET, &tf_type_string)));
    cr_expect(!tf_type_equal(tf_type_tuple(A, 2, t1), tf_type_tuple(A, 2, t2)));
}

Test(types, object_builder_copies_names)
{
    char name[8] = "attr";
    const char *names[] = {name};
    const tf_type *types[] = {&tf_type_bool};
    const tf_type *t = tf_type_object(A, 1, names, types);
    strcpy(name, "xxxx");
    cr_expect_eq(tf_type_attr_index(t, "attr"), 0);
}
