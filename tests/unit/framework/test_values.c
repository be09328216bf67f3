/* test_values.c — value constructors, lookups, deep copy, Terraform equality, wholly-known, and
 * the arena/buffer primitives underneath. */
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

TestSuite(values, .init = setup, .fini = teardown);

Test(values, arena_allocations_are_zeroed_aligned_and_survive_growth)
{
    char *ptrs[2000];
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)(i % 97) * 13 + (i % 500 == 0 ? 100000 : 1);
        ptrs[i] = tf_arena_alloc(A, n);
        cr_assert_eq((uintptr_t)ptrs[i] % 16, 0);
        for (size_t j = 0; j < n; j++) cr_assert_eq(ptrs[i][j], 0);
        memset(ptrs[i], i & 0xff, n);
    }
    for (int i = 0; i < 2000; i++) cr_assert_eq((unsigned char)ptrs[i][0], (unsigned)(i & 0xff));
    char *s = tf_arena_printf(A, "%s-%d", "x", 42);
    cr_expect_str_eq(s, "x-42");
    cr_expect_str_eq(tf_arena_strndup(A, "abcdef", 3), "abc");
    cr_expect_str_eq(tf_arena_strdup(A, ""), "");
}

Test(values, buffer_grows_and_resets)
{
    tf_buf b = {0};
    for (int i = 0; i < 10000; i++) tf_buf_putc(&b, (uint8_t)i);
    tf_buf_puts(&b, "end");
    cr_expect_eq(b.len, 10003);
    cr_expect_eq(b.data[9999], (uint8_t)9999);
    tf_buf_free(&b);
    cr_expect(b.data == NULL && b.len == 0 && b.cap == 0);
    tf_buf_free(&b);
}

Test(values, constructors_set_type_and_presence)
{
    tf_value s = tf_string_n(A, "a\0b", 3);
    cr_expect(s.type == &tf_type_string && tf_is_known(&s) && s.u.str.len == 3);
    cr_expect_eq(s.u.str.ptr[3], '\0');
    tf_value n = tf_null(&tf_type_dynamic), u = tf_unknown(&tf_type_bool);
    cr_expect(tf_is_null(&n) && n.dynamic && !tf_is_unknown(&n));
    cr_expect(tf_is_unknown(&u) && !u.dynamic && !tf_is_null(&u) && !tf_is_known(&u));
    cr_expect(tf_is_null(NULL) && !tf_is_known(NULL) && !tf_is_unknown(NULL));
    tf_value i = tf_int(-3);
    cr_expect(i.type == &tf_type_number && i.u.num.form == TF_NUM_INT && i.u.num.f == -3.0);
}

Test(values, collections_objects_and_lookups)
{
    const char *names[] = {"name", "tags"};
    const tf_type *tags = tf_type_collection(A, TF_MAP, &tf_type_string);
    const tf_type *types[] = {&tf_type_string, tags};
    const tf_type *t = tf_type_object(A, 2, names, types);
    tf_value o = tf_collection(A, t, 99);
    cr_expect_eq(o.u.coll.n, 2, "objects always hold every attribute");
    cr_expect(tf_is_null(tf_attr(&o, "name")) && tf_attr(&o, "name") != NULL);
    cr_expect_null(tf_attr(&o, "nope"));
    tf_value m = tf_collection(A, tags, 2);
    m.u.coll.keys[0] = "k1";
    m.u.coll.items[0] = tf_string(A, "v1");
    m.u.coll.keys[1] = "k2";
    m.u.coll.items[1] = tf_string(A, "v2");
    *tf_attr(&o, "tags") = m;
    cr_expect_str_eq(tf_map_get(tf_attr(&o, "tags"), "k2")->u.str.ptr, "v2");
    cr_expect_null(tf_map_get(tf_attr(&o, "tags"), "k3"));
    cr_expect_null(tf_map_get(&o, "k1"));
    tf_value nul = tf_null(t);
    cr_expect_null(tf_attr(&nul, "name"));
}

Test(values, equality_rules)
{
    tf_value a = tf_string(A, "x"), b = tf_string(A, "x"), c = tf_string(A, "y");
    cr_expect(tf_value_equal(&a, &b) && !tf_value_equal(&a, &c));
    tf_value n = tf_null(&tf_type_string), u = tf_unknown(&tf_type_string);
    cr_expect(!tf_value_equal(&n, &u) && !tf_value_equal(&n, &a) && !tf_value_equal(&u, &a));
    tf_value u2 = tf_unknown(&tf_type_string);
    u2.u.refine.bytes = (const uint8_t *)"\x81\x01\xc2";
    u2.u.refine.len = 3;
    cr_expect(tf_value_equal(&u, &u2), "two unknowns compare equal");
    tf_value one = tf_int(1), onef = tf_int(0);
    onef.u.num.form = TF_NUM_FLOAT;
    onef.u.num.f = 1.0;
    cr_expect(tf_value_equal(&one, &onef));
    cr_expect(!tf_value_equal(&one, &a));
}

Test(values, sets_compare_without_order_lists_with_order)
{
    const tf_type *st = tfv_type(A, "[\"set\",\"number\"]"),
                  *lt = tfv_type(A, "[\"list\",\"number\"]");
    tf_value s1 = tfv_json(A, st, "[1, 2, 3]", false), s2 = tfv_json(A, st, "[3, 1, 2.0]", false);
    tf_value s3 = tfv_json(A, st, "[1, 1, 2]", false), s4 = tfv_json(A, st, "[1, 2, 2]", false);
    cr_expect(tf_value_equal(&s1, &s2));
    cr_expect(!tf_value_equal(&s3, &s4));
    tf_value l1 = tfv_json(A, lt, "[1, 2]", false), l2 = tfv_json(A, lt, "[2, 1]", false);
    cr_expect(!tf_value_equal(&l1, &l2));
    const tf_type *mt = tfv_type(A, "[\"map\",\"number\"]");
    tf_value m1 = tfv_json(A, mt, "{\"a\":1,\"b\":2}", false);
    tf_value m2 = tfv_json(A, mt, "{\"b\":2,\"a\":1}", false);
    tf_value m3 = tfv_json(A, mt, "{\"a\":1,\"c\":2}", false);
    cr_expect(tf_value_equal(&m1, &m2) && !tf_value_equal(&m1, &m3));
}

Test(values, dynamic_values_compare_their_types)
{
    tf_value a =
        tfv_json(A, &tf_type_dynamic, "{\"value\":[\"x\"],\"type\":[\"list\",\"string\"]}", false);
    tf_value b =
        tfv_json(A, &tf_type_dynamic, "{\"value\":[\"x\"],\"type\":[\"set\",\"string\"]}", false);
    tf_value c =
        tfv_json(A, &tf_type_dynamic, "{\"value\":[\"x\"],\"type\":[\"list\",\"string\"]}", false);
    cr_expect(!tf_value_equal(&a, &b));
    cr_expect(tf_value_equal(&a, &c));
}

Test(values, deep_copy_outlives_the_source_arena)
{
    tf_arena *src = tf_arena_new();
    const char *ty = "[\"object\",{\"s\":\"string\",\"n\":\"number\",\"m\":[\"map\",\"string\"],"
                     "\"d\":\"dynamic\",\"l\":[\"list\",[\"object\",{\"x\":\"bool\"}]]}]";
    const tf_type *t = tfv_type(A, ty); /* the schema type outlives both */
    const char *doc =
        "{\"s\":\"str\",\"n\":0.8,\"m\":{\"k\":\"v\"},"
        "\"d\":{\"value\":{\"q\":[1]},\"type\":[\"object\",{\"q\":[\"list\",\"number\"]}]},"
        "\"l\":[{\"x\":true}]}";
    tf_value v = tfv_json(src, t, doc, false);
    tf_value copy = tf_value_copy(A, &v);
    tf_value again = tfv_json(A, t, doc, false);
    tf_arena_free(src);
    cr_expect(tf_value_equal(&copy, &again));
    cr_expect_str_eq(tf_attr(&copy, "n")->u.num.text, "0.8");
    cr_expect_str_eq(tf_map_get(tf_attr(&copy, "m"), "k")->u.str.ptr, "v");
    tf_buf b = {0};
    tf_msgpack_encode(&copy, &b);
    tf_buf_free(&b);
    tf_value uk = tf_unknown(&tf_type_string);
    uk.u.refine.bytes = (const uint8_t *)"\x81\x01\xc2";
    uk.u.refine.len = 3;
    tf_value ukc = tf_value_copy(A, &uk);
    cr_expect(ukc.u.refine.bytes != uk.u.refine.bytes && ukc.u.refine.len == 3);
    tfv_expect_encoding(&ukc, "c7 03 0c 81 01 c2");
}

Test(values, wholly_known)
{
    const tf_type *t = tfv_type(A, "[\"object\",{\"a\":[\"list\",\"string\"],\"b\":\"string\"}]");
    tf_value v = tfv_json(A, t, "{\"a\":[\"x\",null],\"b\":null}", false);
    cr_expect(tf_value_wholly_known(&v));
    v.u.coll.items[0].u.coll.items[1] = tf_unknown(&tf_type_string);
    cr_expect(!tf_value_wholly_known(&v));
    tf_value u = tf_unknown(t), n = tf_null(t);
    cr_expect(!tf_value_wholly_known(&u) && tf_value_wholly_known(&n));
}
