/* Compose hash: research/phala-api.md §6.2 vectors (A, B, test-outputs inputs) and JS-generated
 * quirk vectors (array-index keys first, number printing, duplicates, UTF-16 key order, escapes,
 * normalisation) from tests/data/crypto/compose_hash.json, plus input errors. */
#include "crypto_test_util.h"

#include <sodium.h>

Test(compose_hash, every_vector_matches_dstack_sdk)
{
    cJSON *d = tu_read_json("crypto/compose_hash.json");
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "vectors"))
    {
        const char *in = tu_str(v, "input");
        bool norm = cJSON_IsTrue(cJSON_GetObjectItem(v, "normalize"));
        char out[65], err[256] = "";
        cr_assert_eq(pk_compose_hash(in, strlen(in), norm, out, err, sizeof err), 0, "%s: %s",
                     tu_str(v, "name"), err);
        cr_expect_str_eq(out, tu_str(v, "hash"), "%s", tu_str(v, "name"));
        n++;
    }
    cr_assert_geq(n, 14);
    cJSON_Delete(d);
}

Test(compose_hash, key_order_and_whitespace_do_not_matter)
{
    const char *a = "{\"runner\":\"docker-compose\",\"allowed_envs\":[\"API_KEY\"],"
                    "\"docker_compose_file\":\"services:\\n  app:\\n    image: nginx:latest\\n\"}";
    const char *b = "  {\n \"docker_compose_file\" : \"services:\\n  app:\\n    image: "
                    "nginx:latest\\n\",\n\t\"allowed_envs\": [ \"API_KEY\" ], \"runner\": "
                    "\"docker-compose\" }\n";
    char ha[65], hb[65];
    cr_assert_eq(pk_compose_hash(a, strlen(a), false, ha, NULL, 0), 0);
    cr_assert_eq(pk_compose_hash(b, strlen(b), false, hb, NULL, 0), 0);
    cr_assert_str_eq(ha, "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6");
    cr_assert_str_eq(hb, ha);
}

Test(compose_hash, normalize_changes_only_what_dstack_drops)
{
    const char *with = "{\"runner\":\"docker-compose\",\"docker_compose_file\":\"x\","
                       "\"bash_script\":\"y\",\"pre_launch_script\":\"\"}";
    const char *without = "{\"runner\":\"docker-compose\",\"docker_compose_file\":\"x\"}";
    char h1[65], h2[65], h3[65];
    pk_compose_hash(with, strlen(with), true, h1, NULL, 0);
    pk_compose_hash(without, strlen(without), false, h2, NULL, 0);
    pk_compose_hash(with, strlen(with), false, h3, NULL, 0);
    cr_assert_str_eq(h1, h2);
    cr_assert_str_neq(h1, h3);
    const char *nerd = "{\"runner\":\"nerdctl-compose\",\"bash_script\":\"y\"}";
    const char *nerd_clean = "{\"runner\":\"nerdctl-compose\"}";
    pk_compose_hash(nerd, strlen(nerd), true, h1, NULL, 0);
    pk_compose_hash(nerd_clean, strlen(nerd_clean), false, h2, NULL, 0);
    cr_assert_str_eq(h1, h2, "newest dstack also strips bash_script for nerdctl-compose");
}

Test(compose_hash, rejects_non_objects_and_bad_json)
{
    const char *bad[] = {"[]",
                         "\"x\"",
                         "1",
                         "{",
                         "{\"a\":1} x",
                         "",
                         "{\"a\":\"\x01\"}",
                         "{\"a\":\"\\u12\"}",
                         "{\"a\":\"\\ud800\\u\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[65], err[256] = "";
        cr_assert_eq(pk_compose_hash(bad[i], strlen(bad[i]), false, out, err, sizeof err), -1, "%s",
                     bad[i]);
        cr_assert_gt(strlen(err), 0);
    }
    char out[65];
    const char invalid_utf8[] = "{\"a\":\"\xff\"}";
    cr_assert_eq(pk_compose_hash(invalid_utf8, strlen(invalid_utf8), false, out, NULL, 0), -1);
    /* A raw NUL inside a string (JSON.parse refuses raw control characters) must not cut it. */
    const char raw_nul[] = "{\"a\":\"x\0y\"}";
    char err[256] = "";
    cr_assert_eq(pk_compose_hash(raw_nul, sizeof raw_nul - 1, false, out, err, sizeof err), -1);
    cr_assert(strstr(err, "control character") != NULL, "%s", err);
}

/* The hash of input in form equals SHA-256 of the canonical text JS's JSON.stringify writes. */
static void expect_canonical(const char *input, pk_compose_form form, const char *canonical)
{
    char got[65], want[65], err[256] = "";
    cr_assert_eq(pk_compose_hash_form(input, strlen(input), form, false, got, err, sizeof err), 0,
                 "%s: %s", input, err);
    uint8_t d[32];
    crypto_hash_sha256(d, (const unsigned char *)canonical, strlen(canonical));
    pk_hex_encode(d, sizeof d, want, sizeof want);
    cr_expect_str_eq(got, want, "%s should hash as %s", input, canonical);
}

/* JSON.parse keeps U+0000 and lone surrogates; JSON.stringify writes them as \u0000 and \udXXX
 * (lowercase); a surrogate pair is one character, written as UTF-8. Keys sort by UTF-16 units. */
Test(compose_hash, nul_and_lone_surrogates_as_js_writes_them)
{
    expect_canonical("{\"a\":\"\\u0000x\"}", PK_COMPOSE_COMPACT, "{\"a\":\"\\u0000x\"}");
    expect_canonical("{\"a\":\"\\u0000\\u0000\"}", PK_COMPOSE_COMPACT,
                     "{\"a\":\"\\u0000\\u0000\"}");
    expect_canonical("{\"b\":\"\\uD800\", \"a\":\"\\udfff\\ud800x\"}", PK_COMPOSE_COMPACT,
                     "{\"a\":\"\\udfff\\ud800x\",\"b\":\"\\ud800\"}");
    expect_canonical("{\"a\":\"\\ud800\\ud800\\udc00\"}", PK_COMPOSE_COMPACT,
                     "{\"a\":\"\\ud800\xf0\x90\x80\x80\"}");
    expect_canonical("{\"k\":\"\\ud83d\\ude00\\u0001\\\\u0000\"}", PK_COMPOSE_COMPACT,
                     "{\"k\":\"\xf0\x9f\x98\x80\\u0001\\\\u0000\"}");
    expect_canonical("{\"\\udc00\":1,\"\\ud83d\\ude00\":2,\"\\uffff\":3,\"\\u0000\":4,\"\":5,"
                     "\"\\ud800\":6,\"a\":7}",
                     PK_COMPOSE_COMPACT,
                     "{\"\":5,\"\\u0000\":4,\"a\":7,\"\\ud800\":6,\"\xf0\x9f\x98\x80\":2,"
                     "\"\\udc00\":1,\"\xef\xbf\xbf\":3}");
    expect_canonical("{\"k\\u0000\":1,\"k\":2,\"k\\u0000\":3}", PK_COMPOSE_COMPACT,
                     "{\"k\":2,\"k\\u0000\":3}");
    expect_canonical("{\"b\":[\"\\udbff\"],\"a\":\"\\u0000\"}", PK_COMPOSE_INDENT4,
                     "{\n    \"a\":\"\\u0000\",\n    \"b\":[\n        \"\\udbff\"\n    ]\n}");
    /* not the hash of the string cut at the NUL */
    char cut[65], whole[65];
    cr_assert_eq(pk_compose_hash("{\"a\":\"\"}", 8, false, cut, NULL, 0), 0);
    cr_assert_eq(pk_compose_hash("{\"a\":\"\\u0000x\"}", 15, false, whole, NULL, 0), 0);
    cr_assert_str_neq(cut, whole);
}

Test(compose_hash, nul_and_lone_surrogates_survive_normalize_and_edits)
{
    /* "bash\u0000" is not "bash": nothing is dropped; a NUL string is truthy */
    const char *odd = "{\"runner\":\"bash\\u0000\",\"docker_compose_file\":\"x\","
                      "\"pre_launch_script\":\"\\u0000\"}";
    char h1[65], h2[65];
    cr_assert_eq(pk_compose_hash(odd, strlen(odd), true, h1, NULL, 0), 0);
    cr_assert_eq(pk_compose_hash(odd, strlen(odd), false, h2, NULL, 0), 0);
    cr_assert_str_eq(h1, h2);
    /* allowed_envs replaced: the rest keeps its escapes (the edited text is JSON again) */
    const char *in = "{\"x\":\"\\u0000\\ud800\",\"allowed_envs\":[]}";
    const char *keys[] = {"A"};
    char *out = NULL, err[128] = "";
    cr_assert_eq(pk_compose_with_allowed_envs(in, strlen(in), keys, 1, &out, err, sizeof err), 0,
                 "%s", err);
    cr_expect(strstr(out, "\"x\":\"\\u0000\\ud800\"") != NULL, "%s", out);
    expect_canonical(out, PK_COMPOSE_COMPACT,
                     "{\"allowed_envs\":[\"A\"],\"x\":\"\\u0000\\ud800\"}");
    free(out);
}

Test(compose_hash, empty_object_hashes_to_sha256_of_braces)
{
    char out[65];
    cr_assert_eq(pk_compose_hash("{}", 2, false, out, NULL, 0), 0);
    cr_assert_str_eq(out, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

/* Form b (indented, "key":value): research/phala-api.md §6.2's (b) values for A and B, Python's
 * separators form for C (whose "FOO": inside a string the JS regex variant would rewrite). */
Test(compose_hash, indent4_vectors_match_python_form)
{
    cJSON *d = tu_read_json("crypto/compose_hash.json");
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(d, "indent4_vectors"))
    {
        const char *in = tu_str(v, "input");
        char out[65], err[256] = "";
        cr_assert_eq(
            pk_compose_hash_form(in, strlen(in), PK_COMPOSE_INDENT4, false, out, err, sizeof err),
            0, "%s: %s", tu_str(v, "name"), err);
        cr_expect_str_eq(out, tu_str(v, "hash"), "%s", tu_str(v, "name"));
        n++;
    }
    cr_assert_geq(n, 5);
    cJSON_Delete(d);
}

Test(compose_hash, forms_differ_and_compact_is_the_default)
{
    const char *a = "{\"runner\":\"docker-compose\",\"allowed_envs\":[\"API_KEY\"],"
                    "\"docker_compose_file\":\"services:\\n  app:\\n    image: nginx:latest\\n\"}";
    char c[65], i4[65], dflt[65];
    cr_assert_eq(pk_compose_hash_form(a, strlen(a), PK_COMPOSE_COMPACT, false, c, NULL, 0), 0);
    cr_assert_eq(pk_compose_hash_form(a, strlen(a), PK_COMPOSE_INDENT4, false, i4, NULL, 0), 0);
    cr_assert_eq(pk_compose_hash(a, strlen(a), false, dflt, NULL, 0), 0);
    cr_assert_str_eq(c, dflt);
    cr_assert_str_neq(c, i4);
    char err[128] = "";
    cr_assert_eq(pk_compose_hash_form(a, strlen(a), (pk_compose_form)7, false, c, err, sizeof err),
                 -1);
    cr_assert(strstr(err, "form") != NULL, "%s", err);
}

Test(compose_hash, allowed_envs_replaced_everywhere_else_unchanged)
{
    /* A with API_KEY only, duplicated allowed_envs: the edit keeps everything but the key list. */
    const char *in = "{\"allowed_envs\":[\"OLD\"],\"runner\":\"docker-compose\","
                     "\"docker_compose_file\":\"services:\\n  app:\\n    image: nginx:latest\\n\","
                     "\"allowed_envs\":[\"OLDER\"]}";
    const char *keys[] = {"API_KEY"};
    char *out = NULL, h[65], err[128] = "";
    cr_assert_eq(pk_compose_with_allowed_envs(in, strlen(in), keys, 1, &out, err, sizeof err), 0,
                 "%s", err);
    cr_assert_eq(pk_compose_hash(out, strlen(out), false, h, NULL, 0), 0);
    cr_expect_str_eq(h, "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6");
    free(out);
    cr_assert_eq(pk_compose_with_allowed_envs(in, strlen(in), NULL, 0, &out, NULL, 0), 0);
    cr_expect(strstr(out, "\"allowed_envs\":[]") != NULL, "%s", out);
    free(out);
    cr_assert_eq(pk_compose_with_allowed_envs("[]", 2, keys, 1, &out, err, sizeof err), -1);
    cr_assert_null(out);
}

typedef struct digests {
    char names[8][32];
    char hex[8][65];
    int n;
} digests;

static void collect(const char *name, const char hex[65], void *user)
{
    digests *d = user;
    if (d->n >= 8) return;
    snprintf(d->names[d->n], sizeof d->names[0], "%s", name);
    memcpy(d->hex[d->n], hex, 65);
    d->n++;
}

Test(compose_hash, field_digests_name_what_differs)
{
    const char *a = "{\"runner\":\"docker-compose\",\"docker_compose_file\":\"x\",\"k\":{\"b\":1,"
                    "\"a\":2},\"k\":{\"a\":2,\"b\":1}}";
    const char *b = "{\"docker_compose_file\":\"y\",\"runner\":\"docker-compose\",\"k\":{\"a\":2,"
                    "\"b\":1}}";
    digests da = {0}, db = {0};
    cr_assert_eq(pk_compose_field_digests(a, strlen(a), collect, &da, NULL, 0), 0);
    cr_assert_eq(pk_compose_field_digests(b, strlen(b), collect, &db, NULL, 0), 0);
    cr_assert_eq(da.n, 3, "duplicates reported once");
    cr_assert_eq(db.n, 3);
    cr_expect_str_eq(da.names[0], "runner");
    cr_expect_str_eq(da.hex[0], db.hex[1], "same runner");
    cr_expect_str_neq(da.hex[1], db.hex[0], "docker_compose_file differs");
    cr_expect_str_eq(da.hex[2], db.hex[2], "key order inside a field does not matter");
    /* a name with a NUL or a lone surrogate is shown as its JSON escape (valid UTF-8 text) */
    const char *odd = "{\"k\\u0000\":1,\"\\ud800\":2}";
    digests dn = {0};
    cr_assert_eq(pk_compose_field_digests(odd, strlen(odd), collect, &dn, NULL, 0), 0);
    cr_assert_eq(dn.n, 2);
    cr_expect_str_eq(dn.names[0], "k\\u0000");
    cr_expect_str_eq(dn.names[1], "\\ud800");
}
