/* test_text.c — text bound for Terraform: UTF-8 validity (RFC 3629 edge cases) and the cleaning
 * every diagnostic goes through (invalid bytes, terminal escapes, cuts at character boundaries). */
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

TestSuite(text, .init = setup, .fini = teardown);

Test(text, utf8_validity_follows_rfc3629)
{
    cr_expect(tf_utf8_valid("plain ascii", 11));
    cr_expect(tf_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 14));
    cr_expect(!tf_utf8_valid("\xc3", 1), "truncated sequence");
    cr_expect(!tf_utf8_valid("\xc0\xaf", 2), "overlong '/'");
    cr_expect(!tf_utf8_valid("\xe0\x80\xaf", 3), "overlong 3-byte");
    cr_expect(!tf_utf8_valid("\xed\xa0\x80", 3), "UTF-16 surrogate");
    cr_expect(!tf_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF");
    cr_expect(!tf_utf8_valid("\xff", 1));
    cr_expect(!tf_utf8_valid("\x80", 1), "lone continuation byte");
}

Test(text, clean_replaces_invalid_bytes_visibly)
{
    cr_expect_str_eq(tf_text_clean(A, "a\xffz", 100), "a\xef\xbf\xbdz");
    cr_expect_str_eq(tf_text_clean(A, "\xc3", 100), "\xef\xbf\xbd");
}

Test(text, clean_shows_control_characters_instead_of_obeying_them)
{
    cr_expect_str_eq(tf_text_clean(A, "\x1b]0;owned\x07title", 100), "\\x1b]0;owned\\x07title");
    cr_expect_str_eq(tf_text_clean(A, "\x1b[2Jcls\rback", 100), "\\x1b[2Jcls\\x0dback");
    cr_expect_str_eq(tf_text_clean(A,
                                   "8-bit CSI \xc2\x9b"
                                   "2J",
                                   100),
                     "8-bit CSI \\x9b2J");
    cr_expect_str_eq(tf_text_clean(A, "del\x7f", 100), "del\\x7f");
    cr_expect_str_eq(tf_text_clean(A, "lines\nand\ttabs stay", 100), "lines\nand\ttabs stay");
    cr_expect_str_eq(tf_text_clean(A, "nbsp\xc2\xa0ok", 100), "nbsp\xc2\xa0ok");
}

Test(text, clean_cuts_at_a_character_boundary)
{
    /* 10 × "é" (2 bytes each): a cut at 7 bytes keeps 3 whole characters, then "…" */
    char s[32] = "";
    for (int i = 0; i < 10; i++) strcat(s, "\xc3\xa9");
    const char *c = tf_text_clean(A, s, 7);
    cr_expect_str_eq(c, "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    cr_expect(tf_utf8_valid(c, strlen(c)));
    cr_expect_str_eq(tf_text_clean(A, s, 100), s, "short enough: unchanged");
}
