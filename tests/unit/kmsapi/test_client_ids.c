/* test_client_ids.c — identifiers: CVM id normalisation exactly as JS types/cvm_id.ts and Go
 * ResolveCVMID, app id validation (40 hex, optional lowercase 0x), and path-segment escaping. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/pkx_http.h"

Test(client_ids, cvm_id_normalisation_table)
{
    struct {
        const char *in, *out;
    } cases[] = {
        {"550e8400-e29b-41d4-a716-446655440000", "550e8400e29b41d4a716446655440000"},
        {"550e8400e29b41d4a716446655440000", "550e8400e29b41d4a716446655440000"},
        {"550E8400-E29B-41D4-A716-446655440000", "550E8400E29B41D4A716446655440000"},
        {"550e8400-e29b41d4-a716446655440000",
         "550e8400e29b41d4a716446655440000"}, /* dashes optional each */
        {"550e8400-e29b-11d4-a716-446655440000",
         "550e8400-e29b-11d4-a716-446655440000"}, /* not v4 */
        {"550e8400-e29b-41d4-c716-446655440000",
         "550e8400-e29b-41d4-c716-446655440000"}, /* bad variant */
        {"0123456789abcdef0123456789abcdef01234567",
         "app_0123456789abcdef0123456789abcdef01234567"},
        {"0123456789ABCDEF0123456789ABCDEF01234567",
         "app_0123456789ABCDEF0123456789ABCDEF01234567"},
        {"0x0123456789abcdef0123456789abcdef01234567",
         "0x0123456789abcdef0123456789abcdef01234567"},
        {"app_0123456789abcdef0123456789abcdef01234567",
         "app_0123456789abcdef0123456789abcdef01234567"},
        {"cvm_abc123", "cvm_abc123"},
        {"12345", "12345"},
        {"instance_xyz", "instance_xyz"},
        {"my-app-name", "my-app-name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[128];
        cr_assert_eq(pk_cvm_id_normalize(cases[i].in, out, sizeof out), 0, "%s", cases[i].in);
        cr_assert_str_eq(out, cases[i].out, "%s", cases[i].in);
    }
}

Test(client_ids, cvm_id_normalisation_edges)
{
    char out[8];
    cr_assert_eq(pk_cvm_id_normalize("", out, sizeof out), -1);
    cr_assert_eq(pk_cvm_id_normalize(NULL, out, sizeof out), -1);
    cr_assert_eq(pk_cvm_id_normalize("cvm_too_long_for_it", out, sizeof out), -1);
    char nine[9];
    cr_assert_eq(pk_cvm_id_normalize("cvm_1234", nine, sizeof nine), 0);
    cr_assert_eq(pk_cvm_id_normalize("cvm_12345", nine, sizeof nine), -1);
    char big[40];
    cr_assert_eq(pk_cvm_id_normalize("0123456789abcdef0123456789abcdef01234567", big, sizeof big),
                 -1, "app_ prefix needs room");
}

Test(client_ids, app_id_validation)
{
    cr_assert(pk_app_id_valid("0123456789abcdef0123456789abcdef01234567"));
    cr_assert(pk_app_id_valid("0x0123456789abcdef0123456789abcdef01234567"));
    cr_assert(pk_app_id_valid("ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD"));
    cr_assert_not(pk_app_id_valid("0X0123456789abcdef0123456789abcdef01234567"));
    cr_assert_not(pk_app_id_valid("0123456789abcdef0123456789abcdef0123456"));
    cr_assert_not(pk_app_id_valid("0123456789abcdef0123456789abcdef012345678"));
    cr_assert_not(pk_app_id_valid("g123456789abcdef0123456789abcdef01234567"));
    cr_assert_not(pk_app_id_valid("0x"));
    cr_assert_not(pk_app_id_valid(""));
    cr_assert_not(pk_app_id_valid(NULL));
    cr_assert_not(pk_app_id_valid("app_0123456789abcdef0123456789abcdef0123"));
}

Test(client_ids, path_segments_are_percent_encoded)
{
    char buf[64] = "/kms/";
    cr_assert_eq(pkx_path_escape("phala-prod_1.x~", buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "/kms/phala-prod_1.x~");
    char b2[64] = "";
    cr_assert_eq(pkx_path_escape("a/b c?d#é%", b2, sizeof b2), 0);
    cr_assert_str_eq(b2, "a%2Fb%20c%3Fd%23%C3%A9%25");
    char b3[6] = "";
    cr_assert_eq(pkx_path_escape("a b", b3, sizeof b3), 0);
    cr_assert_str_eq(b3, "a%20b");
    char b4[5] = "";
    cr_assert_eq(pkx_path_escape("a b", b4, sizeof b4), -1);
}
