/* Dotenv parsing: every JS dotenv fixture under tests/data/dotenv (NAME.env -> NAME.expected.json,
 * order included) plus the v16 regex quirks pinned one by one. */
#include "crypto_test_util.h"

#include <dirent.h>

static void expect_pairs(const pk_env_list *got, const cJSON *want, const char *what)
{
    cr_assert_eq(got->count, (size_t)cJSON_GetArraySize(want), "%s: count", what);
    size_t i = 0;
    const cJSON *pair;
    cJSON_ArrayForEach(pair, want)
    {
        const char *k = cJSON_GetArrayItem(pair, 0)->valuestring;
        const char *v = cJSON_GetArrayItem(pair, 1)->valuestring;
        cr_expect_str_eq(got->items[i].key, k, "%s: key %zu", what, i);
        cr_expect_str_eq(got->items[i].value, v, "%s: value of %s", what, k);
        cr_expect_eq(got->items[i].value_len, strlen(v), "%s: length of %s", what, k);
        i++;
    }
}

Test(dotenv, every_fixture_matches_js_dotenv)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/dotenv", TEST_DATA_DIR);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".env") != 0) continue;
        char rel[512], exp[512];
        snprintf(rel, sizeof rel, "dotenv/%s", e->d_name);
        snprintf(exp, sizeof exp, "dotenv/%.*s.expected.json", (int)(l - 4), e->d_name);
        size_t len;
        char *text = tu_read_file(rel, &len);
        cJSON *want = tu_read_json(exp);
        pk_env_list got = {0};
        char err[256] = "";
        cr_assert_eq(pk_parse_dotenv(text, len, &got, err, sizeof err), 0, "%s", err);
        expect_pairs(&got, want, e->d_name);
        pk_env_list_free(&got);
        cJSON_Delete(want);
        free(text);
        n++;
    }
    closedir(d);
    cr_assert_geq(n, 6, "fixtures found: %d", n);
}

/* Parses text and checks the result against alternating key/value strings. */
static void check(const char *text, size_t npairs, const char *const *kv)
{
    pk_env_list got = {0};
    cr_assert_eq(pk_parse_dotenv(text, strlen(text), &got, NULL, 0), 0);
    cr_assert_eq(got.count, npairs, "input <%s>: got %zu pairs", text, got.count);
    for (size_t i = 0; i < npairs; i++) {
        cr_expect_str_eq(got.items[i].key, kv[2 * i], "input <%s>", text);
        cr_expect_str_eq(got.items[i].value, kv[2 * i + 1], "input <%s> key %s", text, kv[2 * i]);
    }
    pk_env_list_free(&got);
}
#define CHECK(text, ...)                                                                           \
    do {                                                                                           \
        const char *const kv_[] = {__VA_ARGS__};                                                   \
        check(text, sizeof kv_ / sizeof *kv_ / 2, kv_);                                            \
    } while (0)
#define CHECK_NONE(text) check(text, 0, NULL)

Test(dotenv, duplicates_keep_first_position_and_last_value)
{
    CHECK("A=1\nB=2\nA=3\n", "A", "3", "B", "2");
}

Test(dotenv, export_prefix_and_colon_separator)
{
    CHECK("export A=1\nexport   B = 2\nC: 3\nD:4\nexport=5\n", "A", "1", "B", "2", "C", "3",
          "export", "5");
}

Test(dotenv, keys_may_contain_dots_and_dashes)
{
    CHECK("a.b-c=1\n", "a.b-c", "1");
}

Test(dotenv, lines_without_separator_are_ignored)
{
    CHECK_NONE("just text\n# comment\n\n   \n");
    CHECK("garbage line\nA=1\n", "A", "1");
}

Test(dotenv, empty_value_swallows_a_quoted_next_line)
{
    /* \s* before the quote alternatives crosses the newline: JS dotenv gives A="x" here. */
    CHECK("A=\n'x'\nB=2", "A", "x", "B", "2");
}

Test(dotenv, unterminated_quote_is_kept_literally)
{
    CHECK("A='abc\nB=2\n", "A", "'abc", "B", "2");
}

Test(dotenv, escaped_quote_handling_follows_the_regex)
{
    CHECK("A='it\\'s'\n", "A", "it\\'s");
    CHECK("A=\"say \\\"hi\\\"\"\n", "A", "say \\\"hi\\\"");
    /* no unescaped closing quote on the line: the regex backs off to the escaped one */
    CHECK("A='abc\\' # c\n", "A", "abc\\");
}

Test(dotenv, double_quoted_expands_only_n_and_r)
{
    CHECK("A=\"a\\nb\\rc\\td\"\n", "A", "a\nb\rc\\td");
    CHECK("A=\"a\\\\nb\"\n", "A", "a\\\nb");
}

Test(dotenv, unquoted_value_starting_with_quote_expands_newlines)
{
    /* maybeQuote is the first character even when no closing quote is stripped */
    CHECK("A=\"abc\\n\n", "A", "\"abc\n");
}

Test(dotenv, closing_quote_must_end_the_line)
{
    CHECK("A='x' y\n", "A", "'x' y");
    CHECK("A='x'   # comment\n", "A", "x");
}

Test(dotenv, whitespace_around_key_and_separator)
{
    CHECK("   A   =   b c   \n", "A", "b c");
    CHECK("A\n=1\n", "A", "1");
}

Test(dotenv, unicode_whitespace_is_trimmed_like_js)
{
    CHECK("A=\xc2\xa0value\xe3\x80\x80\n", "A", "value");
    CHECK("\xef\xbb\xbf"
          "A=1\n",
          "A", "1");
}

Test(dotenv, line_separator_u2028_ends_a_comment)
{
    CHECK("A=1 #c\xe2\x80\xa8"
          "B=2\n",
          "A", "1", "B", "2");
}

Test(dotenv, empty_input)
{
    pk_env_list got = {0};
    cr_assert_eq(pk_parse_dotenv("", 0, &got, NULL, 0), 0);
    cr_assert_eq(got.count, 0);
    cr_assert_eq(pk_parse_dotenv(NULL, 0, &got, NULL, 0), 0);
}

Test(dotenv, embedded_nul_is_a_value_byte)
{
    const char text[] = "A=x\0y\nB=2";
    pk_env_list got = {0};
    cr_assert_eq(pk_parse_dotenv(text, sizeof text - 1, &got, NULL, 0), 0);
    cr_assert_eq(got.count, 2);
    cr_assert_eq(got.items[0].value_len, 3);
    cr_assert_eq(memcmp(got.items[0].value, "x\0y", 3), 0);
    pk_env_list_free(&got);
}
