/* Compose hash: research/phala-api.md §6.2 vectors (A, B, test-outputs inputs) and JS-generated
 * quirk vectors (array-index keys first, number printing, duplicates, UTF-16 key order, escapes,
 * normalisation) from tests/data/crypto/compose_hash.json, plus input errors. */
#include "crypto_test_util.h"

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
    const char *bad[] = {"[]", "\"x\"", "1", "{", "{\"a\":1} x", "", "{\"a\":\"\\ud800\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[65], err[256] = "";
        cr_assert_eq(pk_compose_hash(bad[i], strlen(bad[i]), false, out, err, sizeof err), -1, "%s",
                     bad[i]);
        cr_assert_gt(strlen(err), 0);
    }
    char out[65];
    const char invalid_utf8[] = "{\"a\":\"\xff\"}";
    cr_assert_eq(pk_compose_hash(invalid_utf8, strlen(invalid_utf8), false, out, NULL, 0), -1);
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
}
