/* Env key syntax and the guest's limits (1024 variables, 128 KiB a value, 1 MiB in total): each
 * failure names the offending variable by index and key. Also pk_env_list semantics. */
#include "crypto_test_util.h"

Test(env_key, valid_and_invalid_names)
{
    const char *good[] = {"A", "_", "a_b", "ABC123", "_9", "x"};
    const char *bad[] = {"", "1A", "A-B", "A.B", "A B", "é", "A=", "$A"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_assert(pk_env_key_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(pk_env_key_valid(bad[i]), "%s", bad[i]);
    cr_assert_not(pk_env_key_valid(NULL));
    char k[300];
    memset(k, 'K', sizeof k);
    k[255] = '\0';
    cr_assert(pk_env_key_valid(k), "255 bytes is the maximum");
    k[255] = 'K';
    k[256] = '\0';
    cr_assert_not(pk_env_key_valid(k), "256 bytes is too long");
}

Test(env_check, too_many_variables_names_the_first_extra)
{
    static pk_env_var vars[1025];
    static char keys[1025][12];
    for (int i = 0; i < 1025; i++) {
        snprintf(keys[i], sizeof keys[i], "K%d", i);
        vars[i] = (pk_env_var){keys[i], "", 0};
    }
    size_t bad = 0;
    char err[256];
    cr_assert_eq(pk_env_check(vars, 1024, &bad, err, sizeof err), 0);
    cr_assert_eq(pk_env_check(vars, 1025, &bad, err, sizeof err), -1);
    cr_assert_eq(bad, 1024);
    cr_assert(strstr(err, "env[1024]") && strstr(err, "K1024"), "%s", err);
}

Test(env_check, value_size_limit_is_128_kib)
{
    static char big[128 * 1024 + 1];
    memset(big, 'v', sizeof big);
    pk_env_var vars[] = {{"OK", big, 128 * 1024}, {"BIG", big, 128 * 1024 + 1}};
    size_t bad = 0;
    char err[256];
    cr_assert_eq(pk_env_check(vars, 1, &bad, err, sizeof err), 0);
    cr_assert_eq(pk_env_check(vars, 2, &bad, err, sizeof err), -1);
    cr_assert_eq(bad, 1);
    cr_assert(strstr(err, "BIG") && strstr(err, "131073"), "%s", err);
}

Test(env_check, total_limit_names_the_variable_that_crosses_1_mib)
{
    static char big[128 * 1024];
    memset(big, 'v', sizeof big);
    pk_env_var vars[9];
    char keys[9][8];
    for (int i = 0; i < 9; i++) {
        snprintf(keys[i], sizeof keys[i], "V%d", i);
        vars[i] = (pk_env_var){keys[i], big, sizeof big - (i < 8 ? 2 : 0)};
    }
    /* 8 x (2 + 131070) = exactly 1 MiB; the ninth crosses it */
    size_t bad = 0;
    char err[256];
    cr_assert_eq(pk_env_check(vars, 8, &bad, err, sizeof err), 0, "%s", err);
    cr_assert_eq(pk_env_check(vars, 9, &bad, err, sizeof err), -1);
    cr_assert_eq(bad, 8);
    cr_assert(strstr(err, "V8"), "%s", err);
}

Test(env_check, invalid_utf8_and_bad_keys)
{
    pk_env_var utf[] = {{"A", "ok", 2}, {"B", "\xc3\x28", 2}};
    size_t bad = 0;
    char err[256];
    cr_assert_eq(pk_env_check(utf, 2, &bad, err, sizeof err), -1);
    cr_assert_eq(bad, 1);
    cr_assert(strstr(err, "UTF-8"), "%s", err);
    const char *bad_utf8[] = {"\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xe4\xbd", "\x80"};
    for (int i = 0; i < 5; i++) {
        pk_env_var v = {"A", (char *)bad_utf8[i], strlen(bad_utf8[i])};
        cr_assert_eq(pk_env_check(&v, 1, NULL, NULL, 0), -1, "case %d", i);
    }
    pk_env_var key[] = {{"A", "", 0}, {"A-B", "", 0}};
    cr_assert_eq(pk_env_check(key, 2, &bad, err, sizeof err), -1);
    cr_assert_eq(bad, 1);
    cr_assert(strstr(err, "\"A-B\""), "%s", err);
    pk_env_var binary_key[] = {{"\x01\x02", "", 0}};
    cr_assert_eq(pk_env_check(binary_key, 1, &bad, err, sizeof err), -1);
    cr_assert_null(strchr(err, '\x01'), "unprintable key not echoed");
}

Test(env_list, set_replaces_in_place_and_appends)
{
    pk_env_list l = {0};
    cr_assert_eq(pk_env_list_set(&l, "A", "1", 1), 0);
    cr_assert_eq(pk_env_list_set(&l, "B", "2", 1), 0);
    cr_assert_eq(pk_env_list_set(&l, "A", "33", 2), 0);
    cr_assert_eq(l.count, 2);
    cr_assert_str_eq(l.items[0].key, "A");
    cr_assert_str_eq(l.items[0].value, "33");
    cr_assert_eq(l.items[0].value_len, 2);
    for (int i = 0; i < 100; i++) {
        char k[8];
        snprintf(k, sizeof k, "K%d", i);
        cr_assert_eq(pk_env_list_set(&l, k, NULL, 0), 0);
    }
    cr_assert_eq(l.count, 102);
    cr_assert_str_eq(l.items[101].value, "");
    pk_env_list_free(&l);
    cr_assert_eq(l.count, 0);
    cr_assert_null(l.items);
    pk_env_list_free(&l);
}
