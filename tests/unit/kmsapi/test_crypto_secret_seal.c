/* pk_secret_seal / pk_secret_open: what a sealed commit token in private state allows and refuses. */
#include "crypto_test_util.h"

/* A sealed secret opens with the same material and purpose only, and never shows in the text. */
Test(secret_seal, round_trip_and_refusals)
{
    char *sealed = NULL, *open = NULL;
    const char *token = "one-time-commit-token-0123456789";
    cr_assert_eq(pk_secret_seal(token, "phak_key", "commit-token", &sealed), 0);
    cr_assert_null(strstr(sealed, "one-time"));
    cr_assert_eq(pk_secret_open(sealed, "phak_key", "commit-token", &open), 0);
    cr_assert_str_eq(open, token);
    free(open);
    cr_assert_eq(pk_secret_open(sealed, "phak_other", "commit-token", &open), -1);
    cr_assert_eq(pk_secret_open(sealed, "phak_key", "other-purpose", &open), -1);
    sealed[strlen(sealed) - 1] ^= 1; /* one flipped bit */
    cr_assert_eq(pk_secret_open(sealed, "phak_key", "commit-token", &open), -1);
    cr_assert_null(open);
    cr_assert_eq(pk_secret_open("zz", "phak_key", "commit-token", &open), -1);
    cr_assert_eq(pk_secret_seal(token, "", "commit-token", &sealed), -1, "no key material");
    free(sealed);
}
