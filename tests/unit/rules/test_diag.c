/* test_diag.c — what every diagnostic goes through before it reaches Terraform. */
#include "fixture.h"

#include "tfvalue.h"

TestSuite(diag, .init = fx_setup, .fini = fx_teardown);

Test(diag, long_details_are_kept_whole_up_to_the_limit_and_cut_on_a_character)
{
    tf_ctx c = fx_ctx();
    char detail[3001];
    for (int i = 0; i < 1500; i++) memcpy(detail + 2 * i, "\xc3\xa9", 2); /* 1500 × "é" */
    detail[3000] = 0;
    tf_error(&c, NULL, "Long", "%s", detail);
    cr_expect_eq(strlen(c.diags.head->detail), 3000, "no 2 KiB cut any more");
    tf_ctx d = fx_ctx();
    char *huge = malloc(20001);
    for (int i = 0; i < 10000; i++) memcpy(huge + 2 * i, "\xc3\xa9", 2);
    huge[20000] = 0;
    tf_error(&d, NULL, "Huge", "x%s", huge); /* odd offset: a byte cut would split "é" */
    const char *got = d.diags.head->detail;
    cr_expect(strlen(got) <= 8192 + 3);
    cr_expect(tf_utf8_valid(got, strlen(got)), "cut at a character boundary");
    cr_expect(strstr(got, "\xe2\x80\xa6") != NULL, "the cut is marked");
    free(huge);
}

Test(diag, api_text_cannot_drive_the_terminal)
{
    tf_ctx c = fx_ctx();
    tf_error(&c, "name", "API said \x1b[31mred", "detail \x1b]0;title\x07 and \xff bytes\r");
    cr_expect_str_eq(c.diags.head->summary, "API said \\x1b[31mred");
    cr_expect_str_eq(c.diags.head->detail, "detail \\x1b]0;title\\x07 and \xef\xbf\xbd bytes\\x0d");
}
