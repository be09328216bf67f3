/* malformed_cases.c — the table of malformed inputs (wrong types, bad object keys, bad numbers,
 * huge declared lengths, 10k-level nesting, every truncation of a valid value) and the loop that
 * checks each is rejected with a message. */
#include "malformed_cases.h"
#include "tfvalue.h"
#include "tfvalue_fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char TFV_SAMPLE_STATE_JSON[] =
    "{\n"
    "            \"name\": \"web\",\n"
    "            \"count\": 0.8,\n"
    "            \"enabled\": true,\n"
    "            \"tags\": {\"team\": \"a\\u00e9\", \"env\": \"prod\"},\n"
    "            \"ports\": [80, 443, 12345678901234567890],\n"
    "            \"extra\": {\n"
    "                \"value\": {\"k\": [1.5, \"x\"]},\n"
    "                \"type\": [\"object\", {\"k\": [\"tuple\", [\"number\", \"string\"]]}]\n"
    "            },\n"
    "            \"rules\": [\n"
    "                {\"port\": 22, \"proto\": \"tcp\", \"cidrs\": [\"10.0.0.0/8\"]},\n"
    "                {\"port\": -1, \"proto\": \"udp\", \"cidrs\": []}\n"
    "            ],\n"
    "            \"pair\": [\"p\", 9223372036854775808]\n"
    "        }";

typedef struct {
    const char *name;
    const char *type; /* type JSON, or NULL for fuzz_schema_type() */
    const char *input;
} bad_case;

/* msgpack inputs in hex */
static const bad_case MSGPACK_CASES[] = {
    {"int as string", "\"string\"", "01"},
    {"bin as string", "\"string\"", "c4 01 61"},
    {"bool as number", "\"number\"", "c3"},
    {"string as bool", "\"bool\"", "a4 74 72 75 65"},
    {"map as list", "[\"list\",\"string\"]", "80"},
    {"array as map", "[\"map\",\"string\"]", "90"},
    {"array as object", "[\"object\",{\"a\":\"string\"}]", "91 c0"},
    {"tuple too short", "[\"tuple\",[\"string\",\"number\"]]", "91 a0"},
    {"tuple too long", "[\"tuple\",[\"string\"]]", "92 a0 a0"},
    {"object missing key", "[\"object\",{\"a\":\"string\",\"b\":\"string\"}]", "81 a1 61 c0"},
    {"object extra key", "[\"object\",{\"a\":\"string\"}]", "82 a1 61 c0 a1 62 c0"},
    {"object unknown key", "[\"object\",{\"a\":\"string\",\"b\":\"string\"}]",
     "82 a1 61 c0 a1 7a c0"},
    {"object duplicate key", "[\"object\",{\"a\":\"string\",\"b\":\"string\"}]",
     "82 a1 61 c0 a1 61 c0"},
    {"object int key", "[\"object\",{\"a\":\"string\"}]", "81 01 c0"},
    {"map int key", "[\"map\",\"string\"]", "81 01 a0"},
    {"map duplicate key", "[\"map\",\"string\"]", "82 a1 61 a0 a1 61 a0"},
    {"map key with NUL", "[\"map\",\"string\"]", "81 a2 61 00 a0"},
    {"dynamic not array", "\"dynamic\"", "a1 61"},
    {"dynamic 3 elements", "\"dynamic\"", "93 c4 08 22737472696e6722 a0 a0"},
    {"dynamic bad type JSON", "\"dynamic\"", "92 c4 03 22 78 22 a0"},
    {"dynamic truncated type JSON", "\"dynamic\"", "92 c4 07 22737472696e67 a0"},
    {"dynamic type dynamic", "\"dynamic\"", "92 c4 09 2264796e616d696322 c0"},
    {"dynamic type is int", "\"dynamic\"", "92 01 a0"},
    {"dynamic value mismatch", "\"dynamic\"", "92 c4 06 22626f6f6c22 a0"},
    {"reserved byte c1", "\"string\"", "c1"},
    {"trailing bytes", "\"string\"", "a0 c0"},
    {"array32 of 2^32-1", "[\"list\",\"string\"]", "dd ff ff ff ff a0"},
    {"array16 beyond input", "[\"list\",\"string\"]", "dc ff ff a0 a0"},
    {"map32 of 2^32-1", "[\"map\",\"string\"]", "df ff ff ff ff a0 a0"},
    {"object map32 huge", "[\"object\",{\"a\":\"string\"}]", "df ff ff ff ff a1 61 c0"},
    {"str32 of 2^32-1", "\"string\"", "db ff ff ff ff 61"},
    {"str8 beyond input", "\"string\"", "d9 05 61"},
    {"bin32 huge type", "\"dynamic\"", "92 c6 ff ff ff ff 22"},
    {"ext32 huge", "\"string\"", "c9 ff ff ff ff 0c 81"},
    {"ext16 beyond input", "\"string\"", "c8 00 10 0c 81"},
    {"ext not refinement", "\"string\"", "d5 03 01 02"},
    {"NaN float64", "\"number\"", "cb 7f f8 00 00 00 00 00 01"},
    {"NaN float32", "\"number\"", "ca 7f c0 00 00"},
    {"number string letters", "\"number\"", "a3 61 62 63"},
    {"number string empty", "\"number\"", "a0"},
    {"number string double dot", "\"number\"", "a4 31 2e 2e 32"},
    {"number string hex", "\"number\"", "a4 30 78 31 66"},
    {"number string huge exponent", "\"number\"", "ac 31 65 31 30 30 30 30 30 30 30 30 30"},
    {"truncated uint64", "\"number\"", "cf 00 00"},
    {"truncated float", "\"number\"", "cb 3f"},
    {"truncated fixext", "\"string\"", "d4 00"},
    {"schema: top-level string", NULL, "a3 61 62 63"},
    {"schema: empty object", NULL, "80"},
};

/* JSON inputs */
static const bad_case JSON_CASES[] = {
    {"unterminated object", NULL, "{"},
    {"unterminated array", "[\"list\",\"string\"]", "["},
    {"missing value", NULL, "{\"name\":}"},
    {"missing colon", NULL, "{\"name\" \"x\"}"},
    {"empty member", NULL, "{,}"},
    {"trailing comma array", "[\"list\",\"number\"]", "[1,]"},
    {"trailing comma object", NULL, "{\"name\":\"x\",}"},
    {"bad literal", "\"bool\"", "tru"},
    {"bad null", "\"bool\"", "nul"},
    {"leading zero", "\"number\"", "01"},
    {"dot without digits", "\"number\"", "1."},
    {"leading dot", "\"number\"", ".5"},
    {"lone minus", "\"number\"", "-"},
    {"exponent without digits", "\"number\"", "1e"},
    {"plus sign", "\"number\"", "+1"},
    {"NaN", "\"number\"", "NaN"},
    {"Infinity", "\"number\"", "Infinity"},
    {"single quotes", "\"string\"", "'x'"},
    {"short unicode escape", "\"string\"", "\"\\u00\""},
    {"raw control character", "\"string\"", "\"a\tb\""},
    {"invalid UTF-8", "\"string\"", "\"\xc3\x28\""},
    {"overlong UTF-8", "\"string\"", "\"\xe0\x80\xaf\""},
    {"UTF-8 surrogate", "\"string\"", "\"\xed\xb0\x80\""},
    {"truncated UTF-8", "\"string\"", "\"\xf0\x9f\x98\""},
    {"number as bool", "\"bool\"", "1"},
    {"array as string", "\"string\"", "[]"},
    {"object as list", "[\"list\",\"string\"]", "{}"},
    {"array as map", "[\"map\",\"string\"]", "[]"},
    {"unknown attribute", NULL, "{\"nope\": 1}"},
    {"duplicate attribute", NULL, "{\"name\": \"a\", \"name\": \"b\"}"},
    {"NUL in key", NULL, "{\"na\\u0000me\": \"a\"}"},
    {"wrong nested type", NULL, "{\"rules\": [{\"port\": \"x\"}]}"},
    {"number with too many digits", "\"number\"", "1e5000"},
    {"exponent out of range", "\"number\"", "1e99999999999"},
    {"number string invalid", "\"number\"", "\"1x\""},
    {"dynamic without type", NULL, "{\"extra\": {\"value\": 1}}"},
    {"dynamic with bad type", NULL, "{\"extra\": {\"value\": 1, \"type\": \"strin\"}}"},
    {"trailing garbage", NULL, "{} {}"},
    {"whitespace only", "\"string\"", " \n "},
};

typedef struct {
    tfv_case_report report;
    int failures;
    size_t ran;
} runner;

static void check(runner *r, const char *name, int rc, const char *err)
{
    r->ran++;
    if (rc == -1 && err[0]) return;
    r->failures++;
    r->report(name, rc == 0 ? "accepted" : "rejected without a message");
}

static const tf_type *case_type(tf_arena *a, const char *json)
{
    if (!json) return fuzz_schema_type(a);
    const tf_type *t = tf_type_from_json(a, json, strlen(json), NULL, 0);
    if (!t) abort(); /* a broken table is a bug in the test */
    return t;
}

static uint8_t *unhex(const char *hex, size_t *len)
{
    uint8_t *out = malloc(strlen(hex) / 2 + 1);
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1];) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        out[n++] = (uint8_t)v;
        p += 2;
    }
    *len = n;
    return out;
}

static void run_msgpack(runner *r, const char *name, const tf_type *t, const uint8_t *in,
                        size_t len, tf_arena *a)
{
    tf_value v;
    char err[256] = "";
    check(r, name, tf_msgpack_decode(a, t, in, len, &v, err, sizeof err), err);
}

static void run_json(runner *r, const char *name, const tf_type *t, const char *in, size_t len,
                     tf_arena *a)
{
    tf_value v;
    char err[256] = "";
    check(r, name, tf_json_decode(a, t, in, len, false, &v, err, sizeof err), err);
}

static void table_cases(runner *r, tf_arena *a)
{
    for (size_t i = 0; i < sizeof MSGPACK_CASES / sizeof *MSGPACK_CASES; i++) {
        size_t n;
        uint8_t *in = unhex(MSGPACK_CASES[i].input, &n);
        run_msgpack(r, MSGPACK_CASES[i].name, case_type(a, MSGPACK_CASES[i].type), in, n, a);
        free(in);
    }
    for (size_t i = 0; i < sizeof JSON_CASES / sizeof *JSON_CASES; i++) {
        const bad_case *c = &JSON_CASES[i];
        run_json(r, c->name, case_type(a, c->type), c->input, strlen(c->input), a);
    }
}

/* list(list(...(string))) nested `levels` deep. */
static const tf_type *deep_list_type(tf_arena *a, int levels)
{
    const tf_type *t = &tf_type_string;
    for (int i = 0; i < levels; i++) t = tf_type_collection(a, TF_LIST, t);
    return t;
}

static void nesting_cases(runner *r, tf_arena *a)
{
    enum { DEPTH = 10000 };
    tf_buf b = {0};
    for (int i = 0; i < DEPTH; i++) tf_buf_putc(&b, 0x91);
    tf_buf_putc(&b, 0xa0);
    run_msgpack(r, "msgpack 10k nested arrays", deep_list_type(a, 100), b.data, b.len, a);
    run_msgpack(r, "msgpack 10k nested arrays, shallow type", deep_list_type(a, 3), b.data, b.len,
                a);
    tf_buf_free(&b);
    /* dynamic inside dynamic: each level is [bin ["list","dynamic"], [ ... ]] */
    static const char lt[] = "[\"list\",\"dynamic\"]";
    for (int i = 0; i < DEPTH; i++) {
        tf_buf_putc(&b, 0x92);
        tf_buf_putc(&b, 0xc4);
        tf_buf_putc(&b, (uint8_t)(sizeof lt - 1));
        tf_buf_puts(&b, lt);
        tf_buf_putc(&b, 0x91);
    }
    tf_buf_putc(&b, 0xc0);
    run_msgpack(r, "msgpack 10k nested dynamic", &tf_type_dynamic, b.data, b.len, a);
    tf_buf_free(&b);
    for (int i = 0; i < DEPTH; i++) tf_buf_putc(&b, '[');
    for (int i = 0; i < DEPTH; i++) tf_buf_putc(&b, ']');
    run_json(r, "JSON 10k nested arrays", deep_list_type(a, 100), (const char *)b.data, b.len, a);
    tf_buf_free(&b);
    for (int i = 0; i < DEPTH; i++) tf_buf_puts(&b, "{\"a\":");
    tf_buf_puts(&b, "1");
    for (int i = 0; i < DEPTH; i++) tf_buf_putc(&b, '}');
    run_json(r, "JSON 10k nested objects", &tf_type_dynamic, (const char *)b.data, b.len, a);
    tf_buf_free(&b);
    /* just past the value depth limit, inside the JSON parser's limit */
    for (int i = 0; i < 70; i++) tf_buf_putc(&b, '[');
    for (int i = 0; i < 70; i++) tf_buf_putc(&b, ']');
    run_json(r, "JSON 70 nested arrays", deep_list_type(a, 100), (const char *)b.data, b.len, a);
    tf_buf_free(&b);
}

/* Every strict prefix of a valid complex value is an error (the top-level object is open). */
static void truncation_cases(runner *r, tf_arena *a)
{
    const tf_type *t = fuzz_schema_type(a);
    const char *doc = TFV_SAMPLE_STATE_JSON;
    size_t len = strlen(doc);
    tf_value v;
    char err[256] = "", name[96];
    if (tf_json_decode(a, t, doc, len, false, &v, err, sizeof err) < 0) {
        r->failures++;
        r->report("sample state", err);
        return;
    }
    tf_buf b = {0};
    tf_msgpack_encode(&v, &b);
    for (size_t n = 1; n < b.len; n++) {
        snprintf(name, sizeof name, "msgpack prefix %zu/%zu", n, b.len);
        uint8_t *copy = malloc(n); /* exact-size copy so a read past the end is caught */
        memcpy(copy, b.data, n);
        run_msgpack(r, name, t, copy, n, a);
        free(copy);
    }
    tf_buf_free(&b);
    for (size_t n = 1; n < len; n++) {
        snprintf(name, sizeof name, "JSON prefix %zu/%zu", n, len);
        char *copy = malloc(n);
        memcpy(copy, doc, n);
        run_json(r, name, t, copy, n, a);
        free(copy);
    }
}

int tfv_run_malformed_cases(tfv_case_report report, size_t *ran)
{
    runner r = {report, 0, 0};
    tf_arena *a = tf_arena_new();
    table_cases(&r, a);
    nesting_cases(&r, a);
    truncation_cases(&r, a);
    tf_arena_free(a);
    if (ran) *ran = r.ran;
    return r.failures;
}
