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
