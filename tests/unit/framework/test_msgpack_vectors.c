/* test_msgpack_vectors.c — the byte vectors of tfplugin.md §3.5 (terraform-plugin-go's
 * TestValueFromMsgPack) both ways, plus plain and refined unknowns (§3.3). */
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

TestSuite(msgpack_vectors, .init = setup, .fini = teardown);

Test(msgpack_vectors, strings_decode_and_reencode_identically)
{
    tf_value v = tfv_roundtrip(A, &tf_type_string, "a5 68 65 6c 6c 6f");
    cr_assert_eq(v.u.str.len, 5);
    cr_assert_str_eq(v.u.str.ptr, "hello");
    v = tfv_roundtrip(A, &tf_type_string, "a0");
    cr_assert(tf_is_known(&v) && v.u.str.len == 0);
}

Test(msgpack_vectors, null_of_every_type_is_c0)
{
    const char *types[] = {"\"string\"",
                           "\"number\"",
                           "\"bool\"",
                           "\"dynamic\"",
                           "[\"list\",\"string\"]",
                           "[\"object\",{\"a\":\"number\"}]"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        tf_value v = tfv_roundtrip(A, tfv_type(A, types[i]), "c0");
        cr_expect(tf_is_null(&v), "%s", types[i]);
    }
}

Test(msgpack_vectors, unknown_of_every_type_is_d40000)
{
    const char *types[] = {"\"string\"",  "\"number\"",           "\"bool\"",
                           "\"dynamic\"", "[\"set\",\"string\"]", "[\"map\",\"bool\"]"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        tf_value v = tfv_roundtrip(A, tfv_type(A, types[i]), "d4 00 00");
        cr_expect(tf_is_unknown(&v), "%s", types[i]);
    }
}

Test(msgpack_vectors, bools)
{
    cr_expect(tfv_roundtrip(A, &tf_type_bool, "c3").u.b == true);
    cr_expect(tfv_roundtrip(A, &tf_type_bool, "c2").u.b == false);
}

Test(msgpack_vectors, numbers_from_the_vector_table)
{
    tf_value v = tfv_roundtrip(A, &tf_type_number, "01");
    cr_expect(v.u.num.form == TF_NUM_INT && v.u.num.i == 1);
    v = tfv_roundtrip(A, &tf_type_number, "cf 7f ff ff ff ff ff ff ff");
    cr_expect(v.u.num.form == TF_NUM_INT && v.u.num.i == INT64_MAX);
    v = tfv_roundtrip(A, &tf_type_number, "d3 80 00 00 00 00 00 00 00");
    cr_expect(v.u.num.form == TF_NUM_INT && v.u.num.i == INT64_MIN);
    v = tfv_roundtrip(A, &tf_type_number,
                      "b4 31 38 34 34 36 37 34 34 30 37 33 37 30 39 35 35 31 36 31 35");
    cr_expect(v.u.num.form == TF_NUM_TEXT);
    cr_expect_str_eq(v.u.num.text, "18446744073709551615");
    v = tfv_roundtrip(A, &tf_type_number, "cb 3f f8 00 00 00 00 00 00");
    cr_expect(v.u.num.form == TF_NUM_FLOAT && v.u.num.f == 1.5);
    v = tfv_roundtrip(A, &tf_type_number, "cb 7f f0 00 00 00 00 00 00");
    cr_expect(v.u.num.form == TF_NUM_FLOAT && v.u.num.f > 1e308);
    v = tfv_roundtrip(A, &tf_type_number, "cb ff f0 00 00 00 00 00 00");
    cr_expect(v.u.num.form == TF_NUM_FLOAT && v.u.num.f < -1e308);
}

Test(msgpack_vectors, dynamic_values_carry_their_type)
{
    tf_value v = tfv_roundtrip(A, &tf_type_dynamic, "92 c4 06 22 62 6f 6f 6c 22 c3");
    cr_expect(v.dynamic && v.type->kind == TF_BOOL && v.u.b);
    v = tfv_roundtrip(A, &tf_type_dynamic,
                      "92 c4 11 5b226c697374222c22737472696e67225d 91 a5 68656c6c6f");
    cr_expect(v.dynamic && v.type->kind == TF_LIST && v.type->elem->kind == TF_STRING);
    cr_expect(v.u.coll.n == 1 && strcmp(v.u.coll.items[0].u.str.ptr, "hello") == 0);
    v = tfv_roundtrip(A, &tf_type_dynamic,
                      "92 c4 10 5b226d6170222c22737472696e67225d 81 a5 68656c6c6f a5 68656c6c6f");
    cr_expect(v.type->kind == TF_MAP);
    cr_expect_not_null(tf_map_get(&v, "hello"));
}

Test(msgpack_vectors, object_with_dynamic_attribute)
{
    const tf_type *t = tfv_type(A, "[\"object\",{\"greeting\":\"dynamic\"}]");
    tf_value v =
        tfv_roundtrip(A, t, "81 a8 6772656574696e67 92 c4 08 22737472696e6722 a5 68656c6c6f");
    tf_value *g = tf_attr(&v, "greeting");
    cr_assert_not_null(g);
    cr_expect(g->dynamic && g->type->kind == TF_STRING);
}

Test(msgpack_vectors, list_of_dynamic)
{
    const tf_type *t = tfv_type(A, "[\"list\",\"dynamic\"]");
    tf_value v = tfv_roundtrip(A, t, "91 92 c4 08 22737472696e6722 a5 68656c6c6f");
    cr_expect(v.u.coll.n == 1 && v.u.coll.items[0].dynamic);
}

Test(msgpack_vectors, objects_of_nulls_and_unknowns_and_empties)
{
    const tf_type *t = tfv_type(A, "[\"object\",{\"a\":\"string\",\"b\":\"number\"}]");
    tf_value v = tfv_roundtrip(A, t, "82 a1 61 c0 a1 62 c0");
    cr_expect(tf_is_null(tf_attr(&v, "a")) && tf_is_null(tf_attr(&v, "b")));
    v = tfv_roundtrip(A, t, "82 a1 61 d4 00 00 a1 62 d4 00 00");
    cr_expect(tf_is_unknown(tf_attr(&v, "a")) && tf_is_unknown(tf_attr(&v, "b")));
    v = tfv_roundtrip(A, tfv_type(A, "[\"list\",\"string\"]"), "90");
    cr_expect(tf_is_known(&v) && v.u.coll.n == 0);
    v = tfv_roundtrip(A, tfv_type(A, "[\"object\",{}]"), "80");
    cr_expect(tf_is_known(&v) && v.type->n == 0);
}

Test(msgpack_vectors, constructed_values_encode_to_the_vectors)
{
    tfv_expect_encoding(&(tf_value){0}, "c0");
    tf_value v = tf_string(A, "hello");
    tfv_expect_encoding(&v, "a5 68 65 6c 6c 6f");
    v = tf_string(A, "");
    tfv_expect_encoding(&v, "a0");
    v = tf_null(&tf_type_string);
    tfv_expect_encoding(&v, "c0");
    v = tf_unknown(&tf_type_number);
    tfv_expect_encoding(&v, "d4 00 00");
    v = tf_bool(true);
    tfv_expect_encoding(&v, "c3");
    v = tf_bool(false);
    tfv_expect_encoding(&v, "c2");
    v = tf_int(1);
    tfv_expect_encoding(&v, "01");
    v = tf_int(INT64_MAX);
    tfv_expect_encoding(&v, "cf 7f ff ff ff ff ff ff ff");
    v = tf_int(INT64_MIN);
    tfv_expect_encoding(&v, "d3 80 00 00 00 00 00 00 00");
    v = tf_int(0);
    v.u.num.form = TF_NUM_TEXT;
    v.u.num.text = "18446744073709551615";
    tfv_expect_encoding(&v, "b4 3138343436373434303733373039353531363135");
    v = tf_int(0);
    v.u.num.form = TF_NUM_FLOAT;
    v.u.num.f = 1.5;
    tfv_expect_encoding(&v, "cb 3f f8 00 00 00 00 00 00");
}

Test(msgpack_vectors, constructed_dynamic_and_objects_encode_to_the_vectors)
{
    tf_value v = tf_bool(true);
    v.dynamic = true;
    tfv_expect_encoding(&v, "92 c4 06 22 62 6f 6f 6c 22 c3");

    const tf_type *lt = tf_type_collection(A, TF_LIST, &tf_type_string);
    v = tf_collection(A, lt, 1);
    v.u.coll.items[0] = tf_string(A, "hello");
    v.dynamic = true;
    tfv_expect_encoding(&v, "92 c4 11 5b226c697374222c22737472696e67225d 91 a5 68656c6c6f");

    const tf_type *mt = tf_type_collection(A, TF_MAP, &tf_type_string);
    v = tf_collection(A, mt, 1);
    v.u.coll.keys[0] = "hello";
    v.u.coll.items[0] = tf_string(A, "hello");
    v.dynamic = true;
    tfv_expect_encoding(&v, "92 c4 10 5b226d6170222c22737472696e67225d 81 a5 68656c6c6f a5 "
                            "68656c6c6f");

    const char *names[] = {"greeting"};
    const tf_type *types[] = {&tf_type_dynamic};
    v = tf_collection(A, tf_type_object(A, 1, names, types), 0);
    *tf_attr(&v, "greeting") = tf_string(A, "hello");
    tf_attr(&v, "greeting")->dynamic = true;
    tfv_expect_encoding(&v, "81 a8 6772656574696e67 92 c4 08 22737472696e6722 a5 68656c6c6f");

    const char *ab[] = {"b", "a"}; /* declared out of order: emitted sorted */
    const tf_type *nn[] = {&tf_type_string, &tf_type_string};
    const tf_type *ot = tf_type_object(A, 2, ab, nn);
    v = tf_collection(A, ot, 0);
    tfv_expect_encoding(&v, "82 a1 61 c0 a1 62 c0");
    v.u.coll.items[0] = tf_unknown(&tf_type_string);
    v.u.coll.items[1] = tf_unknown(&tf_type_string);
    tfv_expect_encoding(&v, "82 a1 61 d4 00 00 a1 62 d4 00 00");
    v = tf_collection(A, lt, 0);
    tfv_expect_encoding(&v, "90");
    v = tf_collection(A, tf_type_object(A, 0, NULL, NULL), 0);
    tfv_expect_encoding(&v, "80");
}

Test(msgpack_vectors, refined_unknowns_keep_their_payload)
{
    tf_value v = tfv_roundtrip(A, &tf_type_string, "c7 03 0c 81 01 c2");
    cr_expect(tf_is_unknown(&v) && v.u.refine.len == 3);
    v = tfv_roundtrip(A, &tf_type_string, "c7 09 0c 82 01 c2 02 a4 66 6f 6f 2d");
    cr_expect(tf_is_unknown(&v) && v.u.refine.len == 9);
    /* fixext sizes are used where the payload length allows, as Go does */
    v = tfv_roundtrip(A, &tf_type_number, "d5 0c 80 00");
    cr_expect(tf_is_unknown(&v) && v.u.refine.len == 2);
}

Test(msgpack_vectors, short_extensions_of_any_type_are_plain_unknowns)
{
    const char *inputs[] = {"c7 00 00", "d4 05 00", "c7 01 0c 80", "d4 0c 01"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        size_t n;
        uint8_t *in = tfv_unhex(inputs[i], &n);
        tf_value v;
        char err[128];
        cr_assert_eq(tf_msgpack_decode(A, &tf_type_string, in, n, &v, err, sizeof err), 0, "%s",
                     inputs[i]);
        cr_expect(tf_is_unknown(&v) && v.u.refine.len == 0);
        tfv_expect_encoding(&v, "d4 00 00");
        free(in);
    }
}

Test(msgpack_vectors, long_extensions_must_be_refinements_of_bounded_size)
{
    tfv_expect_msgpack_error(A, &tf_type_string, "c7 03 05 81 01 c2", "extension type 5");
    tf_buf b = {0};
    uint8_t head[] = {0xc8, 0x04, 0x01, 0x0c}; /* ext16, 1025 bytes, type 12 */
    tf_buf_put(&b, head, sizeof head);
    for (int i = 0; i < 1025; i++) tf_buf_putc(&b, 0xc0);
    tf_value v;
    char err[128] = "";
    cr_expect_eq(tf_msgpack_decode(A, &tf_type_string, b.data, b.len, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "refinements") != NULL, "%s", err);
    b.data[2] = 0x00; /* exactly 1024 bytes: accepted */
    cr_expect_eq(tf_msgpack_decode(A, &tf_type_string, b.data, b.len - 1, &v, err, sizeof err), 0,
                 "%s", err);
    tf_buf_free(&b);
}

Test(msgpack_vectors, empty_input_is_null)
{
    tf_value v = tf_bool(true);
    cr_assert_eq(tf_msgpack_decode(A, &tf_type_string, (const uint8_t *)"", 0, &v, NULL, 0), 0);
    cr_expect(tf_is_null(&v));
}

Test(msgpack_vectors, typed_null_in_a_dynamic_slot_keeps_its_type)
{
    /* cty writes a null string declared dynamic as ["string", nil] */
    tf_value v = tfv_roundtrip(A, &tf_type_dynamic, "92 c4 08 22737472696e6722 c0");
    cr_expect(tf_is_null(&v) && v.dynamic && v.type->kind == TF_STRING);
    v = tfv_roundtrip(A, &tf_type_dynamic, "92 c4 08 22737472696e6722 d4 00 00");
    cr_expect(tf_is_unknown(&v) && v.type->kind == TF_STRING);
}

Test(msgpack_vectors, maps_are_stored_and_emitted_sorted)
{
    const tf_type *t = tfv_type(A, "[\"map\",\"number\"]");
    size_t n;
    uint8_t *in = tfv_unhex("83 a1 63 03 a1 61 01 a1 62 02", &n);
    tf_value v;
    char err[128];
    cr_assert_eq(tf_msgpack_decode(A, t, in, n, &v, err, sizeof err), 0, "%s", err);
    cr_expect_str_eq(v.u.coll.keys[0], "a");
    cr_expect_str_eq(v.u.coll.keys[2], "c");
    cr_expect_eq(tf_map_get(&v, "b")->u.num.i, 2);
    tfv_expect_encoding(&v, "83 a1 61 01 a1 62 02 a1 63 03");
    free(in);
}

Test(msgpack_vectors, long_strings_and_collections_use_go_length_forms)
{
    char s[300];
    memset(s, 'x', sizeof s);
    tf_value v = tf_string_n(A, s, 32);
    tf_buf b = {0};
    tf_msgpack_encode(&v, &b);
    cr_expect(b.data[0] == 0xd9 && b.data[1] == 32);
    tf_buf_free(&b);
    v = tf_string_n(A, s, 300);
    tf_msgpack_encode(&v, &b);
    cr_expect(b.data[0] == 0xda && b.data[1] == 0x01 && b.data[2] == 0x2c);
    tf_buf_free(&b);
    v = tf_collection(A, tf_type_collection(A, TF_LIST, &tf_type_bool), 16);
    tf_msgpack_encode(&v, &b);
    cr_expect(b.data[0] == 0xdc && b.data[1] == 0 && b.data[2] == 16 && b.len == 19);
    tf_buf_free(&b);
}

Test(msgpack_vectors, values_in_dynamic_slots_are_wrapped_even_without_the_flag)
{
    const tf_type *t = tfv_type(A, "[\"object\",{\"greeting\":\"dynamic\"}]");
    tf_value v = tf_collection(A, t, 0);
    *tf_attr(&v, "greeting") = tf_string(A, "hello"); /* dynamic flag not set by the caller */
    tfv_expect_encoding(&v, "81 a8 6772656574696e67 92 c4 08 22737472696e6722 a5 68656c6c6f");
    tf_buf b = {0};
    tf_json_encode(&v, &b);
    tf_buf_putc(&b, 0);
    cr_expect_str_eq((const char *)b.data,
                     "{\"greeting\":{\"value\":\"hello\",\"type\":\"string\"}}");
    tf_buf_free(&b);
    *tf_attr(&v, "greeting") = tf_null(&tf_type_dynamic);
    tfv_expect_encoding(&v, "81 a8 6772656574696e67 c0");
}

Test(msgpack_vectors, hand_built_maps_are_emitted_sorted)
{
    tf_value m = tf_collection(A, tf_type_collection(A, TF_MAP, &tf_type_number), 2);
    m.u.coll.keys[0] = "b";
    m.u.coll.items[0] = tf_int(2);
    m.u.coll.keys[1] = "a";
    m.u.coll.items[1] = tf_int(1);
    tfv_expect_encoding(&m, "82 a1 61 01 a1 62 02");
    tf_buf b = {0};
    tf_json_encode(&m, &b);
    tf_buf_putc(&b, 0);
    cr_expect_str_eq((const char *)b.data, "{\"a\":1,\"b\":2}");
    tf_buf_free(&b);
}
