/* test_numbers.c — numbers keep the exact form they arrived in (tfplugin.md §3.4): msgpack
 * lexemes round-trip byte-identically, JSON numbers take the form Terraform's encoder would use,
 * and equality is by mathematical value. */
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

TestSuite(numbers, .init = setup, .fini = teardown);

static tf_value num(const char *hex)
{
    return tfv_roundtrip(A, &tf_type_number, hex);
}

static tf_number text(const char *s)
{
    tf_number n = {.form = TF_NUM_TEXT, .text = s};
    return n;
}

static tf_number flt(double f)
{
    tf_number n = {.form = TF_NUM_FLOAT, .f = f};
    return n;
}

Test(numbers, awkward_fraction_string_round_trips)
{
    tf_value v = num("a3 30 2e 38");
    cr_expect(v.u.num.form == TF_NUM_TEXT);
    cr_expect_str_eq(v.u.num.text, "0.8");
}

Test(numbers, two_to_the_63_round_trips_as_string_and_as_uint64)
{
    tf_value v = num("b3 39 32 32 33 33 37 32 30 33 36 38 35 34 37 37 35 38 30 38");
    cr_expect(v.u.num.form == TF_NUM_TEXT);
    cr_expect_str_eq(v.u.num.text, "9223372036854775808");
    v = num("cf 80 00 00 00 00 00 00 00");
    cr_expect(v.u.num.form == TF_NUM_UINT && v.u.num.u == (uint64_t)1 << 63);
}

Test(numbers, max_uint64_round_trips_in_both_forms)
{
    tf_value v = num("b4 3138343436373434303733373039353531363135");
    cr_expect_str_eq(v.u.num.text, "18446744073709551615");
    v = num("cf ff ff ff ff ff ff ff ff");
    cr_expect(v.u.num.form == TF_NUM_UINT && v.u.num.u == UINT64_MAX);
}

Test(numbers, hundred_digit_integer_string_round_trips)
{
    char hex[400] = "d9 64 ";
    for (int i = 0; i < 100; i++) strcat(hex, "39");
    tf_value v = num(hex);
    cr_expect(v.u.num.form == TF_NUM_TEXT && strlen(v.u.num.text) == 100);
}

Test(numbers, floats_round_trip)
{
    tf_value v = num("cb bf e0 00 00 00 00 00 00");
    cr_expect(v.u.num.form == TF_NUM_FLOAT && v.u.num.f == -0.5);
    v = num("cb 3f f8 00 00 00 00 00 00");
    cr_expect(v.u.num.f == 1.5);
}

Test(numbers, float32_is_accepted_and_widened)
{
    size_t n;
    uint8_t *in = tfv_unhex("ca 3f c0 00 00", &n);
    tf_value v;
    char err[128];
    cr_assert_eq(tf_msgpack_decode(A, &tf_type_number, in, n, &v, err, sizeof err), 0);
    cr_expect(v.u.num.form == TF_NUM_FLOAT && v.u.num.f == 1.5);
    tfv_expect_encoding(&v, "cb 3f f8 00 00 00 00 00 00");
    free(in);
}

Test(numbers, integers_of_every_width_round_trip_in_go_compact_form)
{
    static const struct {
        const char *hex;
        int64_t value;
    } cases[] = {
        {"00", 0},
        {"7f", 127},
        {"cc 80", 128},
        {"cc ff", 255},
        {"cd 01 00", 256},
        {"cd ff ff", 65535},
        {"ce 00 01 00 00", 65536},
        {"ce ff ff ff ff", 4294967295},
        {"cf 00 00 00 01 00 00 00 00", 4294967296},
        {"ff", -1},
        {"e0", -32},
        {"d0 df", -33},
        {"d0 80", -128},
        {"d1 ff 7f", -129},
        {"d1 80 00", -32768},
        {"d2 ff ff 7f ff", -32769},
        {"d2 80 00 00 00", INT32_MIN},
        {"d3 ff ff ff ff 7f ff ff ff", (int64_t)INT32_MIN - 1},
        {"d3 80 00 00 00 00 00 00 00", INT64_MIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tf_value v = num(cases[i].hex);
        cr_expect(v.u.num.form == TF_NUM_INT && v.u.num.i == cases[i].value, "%s", cases[i].hex);
        tf_value c = tf_int(cases[i].value);
        tfv_expect_encoding(&c, cases[i].hex);
    }
}

Test(numbers, positive_values_in_signed_encodings_are_accepted)
{
    size_t n;
    uint8_t *in = tfv_unhex("d1 00 c8", &n);
    tf_value v;
    cr_assert_eq(tf_msgpack_decode(A, &tf_type_number, in, n, &v, NULL, 0), 0);
    cr_expect(v.u.num.i == 200);
    tfv_expect_encoding(&v, "cc c8"); /* Terraform itself would have sent this form */
    free(in);
}

Test(numbers, invalid_number_strings_are_rejected)
{
    const char *bad[] = {"a0",
                         "a3 61 62 63",
                         "a5 31 2e 32 2e 33",
                         "a2 31 65",
                         "a3 2d 2d 31",
                         "a4 30 78 31 30",
                         "a3 49 6e 66",
                         "a3 4e 61 4e",
                         "a2 20 31",
                         "ae 31 65 39 39 39 39 39 39 39 39 39 39 39 39",
                         "a1 2e",
                         "a2 31 00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        tfv_expect_msgpack_error(A, &tf_type_number, bad[i], "invalid number");
}

Test(numbers, lenient_number_strings_are_kept_verbatim)
{
    const char *ok[] = {"a2 2b 35", "a2 2e 35", "a2 35 2e", "a4 31 45 2b 33", "a3 30 30 37"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) num(ok[i]);
}

Test(numbers, nan_is_rejected)
{
    tfv_expect_msgpack_error(A, &tf_type_number, "cb 7f f8 00 00 00 00 00 00", "NaN");
}

Test(numbers, equality_is_by_value)
{
    tf_value one = tf_int(1);
    tf_number u = {.form = TF_NUM_UINT, .u = 1};
    tf_number t1 = text("1.0"), t2 = text("1e0"), t3 = text("+1"), f1 = flt(1.0);
    cr_expect(tf_number_equal(&one.u.num, &u));
    cr_expect(tf_number_equal(&one.u.num, &t1));
    cr_expect(tf_number_equal(&t2, &t3));
    cr_expect(tf_number_equal(&f1, &t1));
    tf_number a = text("0.8"), b = text("0.80"), c = text("8e-1"), d = flt(0.8);
    cr_expect(tf_number_equal(&a, &b));
    cr_expect(tf_number_equal(&a, &c));
    cr_expect(!tf_number_equal(&a, &d), "0.8 differs from the double nearest to it");
    tf_number big_u = {.form = TF_NUM_UINT, .u = (uint64_t)1 << 63};
    tf_number big_t = text("9223372036854775808"), big_f = flt(9223372036854775808.0);
    cr_expect(tf_number_equal(&big_u, &big_t));
    cr_expect(tf_number_equal(&big_u, &big_f));
    tf_number z1 = text("-0"), z2 = flt(-0.0), z3 = text("0.000e5");
    tf_value zero = tf_int(0);
    cr_expect(tf_number_equal(&z1, &zero.u.num));
    cr_expect(tf_number_equal(&z2, &z3));
    tf_number m1 = text("-1"), p1 = text("1");
    cr_expect(!tf_number_equal(&m1, &p1));
    tf_number inf = flt(1.0 / 0.0), inf2 = flt(1.0 / 0.0), ninf = flt(-1.0 / 0.0);
    cr_expect(tf_number_equal(&inf, &inf2));
    cr_expect(!tf_number_equal(&inf, &ninf));
    cr_expect(!tf_number_equal(&inf, &one.u.num));
    tf_number hund1 = text("1234567890123456789012345678901234567890.5"),
              hund2 = text("1234567890123456789012345678901234567890.50"),
              hund3 = text("1234567890123456789012345678901234567890.6");
    cr_expect(tf_number_equal(&hund1, &hund2));
    cr_expect(!tf_number_equal(&hund1, &hund3));
}

Test(numbers, to_int64_only_for_exact_integers)
{
    int64_t out = 0;
    tf_value i = tf_int(-7);
    cr_expect(tf_number_to_int64(&i.u.num, &out) && out == -7);
    tf_number f3 = flt(3.0), f35 = flt(3.5), t42 = text("42"), t100 = text("1e2"),
              tbig = text("9223372036854775808"), tmin = text("-9223372036854775808"),
              tfrac = text("0.8"), ubig = {.form = TF_NUM_UINT, .u = UINT64_MAX},
              usmall = {.form = TF_NUM_UINT, .u = 5};
    cr_expect(tf_number_to_int64(&f3, &out) && out == 3);
    cr_expect(!tf_number_to_int64(&f35, &out));
    cr_expect(tf_number_to_int64(&t42, &out) && out == 42);
    cr_expect(tf_number_to_int64(&t100, &out) && out == 100);
    cr_expect(!tf_number_to_int64(&tbig, &out));
    cr_expect(tf_number_to_int64(&tmin, &out) && out == INT64_MIN);
    cr_expect(!tf_number_to_int64(&tfrac, &out));
    cr_expect(!tf_number_to_int64(&ubig, &out));
    cr_expect(tf_number_to_int64(&usmall, &out) && out == 5);
}

/* The msgpack Terraform would send for the JSON number lexeme. */
static void expect_json_number(const char *lexeme, tf_num_form form, const char *hex)
{
    tf_value v = tfv_json(A, &tf_type_number, lexeme, false);
    cr_expect(v.u.num.form == form, "%s: form %d, want %d", lexeme, v.u.num.form, form);
    tfv_expect_encoding(&v, hex);
}

Test(numbers, json_numbers_take_the_form_terraform_would_encode)
{
    expect_json_number("0.8", TF_NUM_TEXT, "a3 30 2e 38");
    expect_json_number("1.5", TF_NUM_FLOAT, "cb 3f f8 00 00 00 00 00 00");
    expect_json_number("-0.5", TF_NUM_FLOAT, "cb bf e0 00 00 00 00 00 00");
    expect_json_number("1e3", TF_NUM_INT, "cd 03 e8");
    expect_json_number("1000", TF_NUM_INT, "cd 03 e8");
    expect_json_number("0.1e1", TF_NUM_INT, "01");
    expect_json_number("-0", TF_NUM_INT, "00");
    expect_json_number("-9223372036854775808", TF_NUM_INT, "d3 80 00 00 00 00 00 00 00");
    expect_json_number("9223372036854775807", TF_NUM_INT, "cf 7f ff ff ff ff ff ff ff");
    /* 2^63 is a float64 exactly, so cty sends it as one */
    expect_json_number("9223372036854775808", TF_NUM_FLOAT, "cb 43 e0 00 00 00 00 00 00");
    expect_json_number("12345678901234567890", TF_NUM_TEXT,
                       "b4 3132333435363738393031323334353637383930");
    expect_json_number("18446744073709551615", TF_NUM_TEXT,
                       "b4 3138343436373434303733373039353531363135");
    expect_json_number("0.80", TF_NUM_TEXT, "a3 30 2e 38");
    expect_json_number("1E-1", TF_NUM_TEXT, "a3 30 2e 31");
    expect_json_number("2.50", TF_NUM_FLOAT, "cb 40 04 00 00 00 00 00 00");
    expect_json_number("0.0009765625", TF_NUM_FLOAT, "cb 3f 50 00 00 00 00 00 00");
}

Test(numbers, huge_json_exponents_expand_or_fail_cleanly)
{
    tf_value v = tfv_json(A, &tf_type_number, "1e400", false);
    cr_expect(v.u.num.form == TF_NUM_TEXT && strlen(v.u.num.text) == 401);
    char err[128] = "";
    cr_expect_eq(tf_json_decode(A, &tf_type_number, "1e5000", 6, false, &v, err, sizeof err), -1);
    cr_expect(strstr(err, "too many digits") != NULL, "%s", err);
    cr_expect_eq(
        tf_json_decode(A, &tf_type_number, "1e999999999999", 14, false, &v, err, sizeof err), -1);
}

Test(numbers, json_output_uses_plain_decimal)
{
    static const struct {
        const char *in, *out;
    } cases[] = {{"0.8", "0.8"},
                 {"1.5", "1.5"},
                 {"1e3", "1000"},
                 {"-2.5e-3", "-0.0025"},
                 {"12345678901234567890", "12345678901234567890"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tf_value v = tfv_json(A, &tf_type_number, cases[i].in, false);
        tf_buf b = {0};
        tf_json_encode(&v, &b);
        tf_buf_putc(&b, 0);
        cr_expect_str_eq((const char *)b.data, cases[i].out);
        tf_buf_free(&b);
    }
    tf_value u = tf_int(0);
    u.u.num.form = TF_NUM_UINT;
    u.u.num.u = UINT64_MAX;
    tf_buf b = {0};
    tf_json_encode(&u, &b);
    tf_buf_putc(&b, 0);
    cr_expect_str_eq((const char *)b.data, "18446744073709551615");
    tf_buf_free(&b);
}
