/* Env encryption: the byte-exact vector of research/phala-api.md §5.2 on both AES-GCM paths
 * (libsodium AES-NI and OpenSSL), round trips with random keys and awkward values, decryption of
 * other SDKs' JSON forms, and every rejection (bad keys, bad blobs, tampering). */
#include "crypto_test_util.h"
#include "crypto/crypto_priv.h"

#include <sodium.h>

static void restore_gcm(void)
{
    pkx_gcm_force_portable(false);
}

TestSuite(encrypt_env, .fini = restore_gcm);

static void check_vector(bool portable)
{
    pkx_gcm_force_portable(portable);
    cr_assert_eq(pkx_gcm_uses_portable(), portable || !crypto_aead_aes256gcm_is_available());
    cJSON *v = tu_read_json("crypto/encrypt_env.json");
    uint8_t eph_sk[32], iv[12];
    tu_unhex(tu_str(v, "eph_sk"), eph_sk, 32);
    tu_unhex(tu_str(v, "iv"), iv, 12);
    pk_env_var vars[] = {{"FOO", "bar", 3}, {"SECRET", "123", 3}};
    char *hex = NULL, err[256] = "";
    cr_assert_eq(
        pkx_encrypt_env_det(vars, 2, tu_str(v, "remote_pk"), eph_sk, iv, &hex, err, sizeof err), 0,
        "%s", err);
    cr_assert_str_eq(hex, tu_str(v, "encrypted_env"));
    free(hex);
    cJSON_Delete(v);
}

Test(encrypt_env, matches_js_vector_with_aesni_path)
{
    check_vector(false);
}
Test(encrypt_env, matches_js_vector_with_openssl_path)
{
    check_vector(true);
}

Test(encrypt_env, vector_keys_derive_as_documented)
{
    cJSON *v = tu_read_json("crypto/encrypt_env.json");
    uint8_t sk[32], pk[32];
    char hex[65];
    tu_unhex(tu_str(v, "remote_sk"), sk, 32);
    cr_assert_eq(pk_x25519_public(sk, pk), 0);
    pk_hex_encode(pk, 32, hex, sizeof hex);
    cr_assert_str_eq(hex, tu_str(v, "remote_pk"));
    tu_unhex(tu_str(v, "eph_sk"), sk, 32);
    pk_x25519_public(sk, pk);
    pk_hex_encode(pk, 32, hex, sizeof hex);
    cr_assert_str_eq(hex, tu_str(v, "eph_pk"));
    cJSON_Delete(v);
}

static void check_decrypt_vector(bool portable)
{
    pkx_gcm_force_portable(portable);
    cJSON *v = tu_read_json("crypto/encrypt_env.json");
    uint8_t sk[32];
    tu_unhex(tu_str(v, "remote_sk"), sk, 32);
    pk_env_list out = {0};
    char err[256] = "";
    cr_assert_eq(pk_decrypt_env(tu_str(v, "encrypted_env"), sk, &out, err, sizeof err), 0, "%s",
                 err);
    cr_assert_eq(out.count, 2);
    cr_assert_str_eq(out.items[0].key, "FOO");
    cr_assert_str_eq(out.items[0].value, "bar");
    cr_assert_str_eq(out.items[1].key, "SECRET");
    cr_assert_str_eq(out.items[1].value, "123");
    pk_env_list_free(&out);
    cJSON_Delete(v);
}

Test(decrypt_env, reads_js_vector_with_aesni_path)
{
    check_decrypt_vector(false);
}
Test(decrypt_env, reads_js_vector_with_openssl_path)
{
    check_decrypt_vector(true);
}

/* Random valid UTF-8 with control characters, quotes, backslashes and 2-4 byte sequences. */
static size_t random_value(char *out, size_t max)
{
    static const char *pieces[] = {"a",
                                   "Z",
                                   "\"",
                                   "\\",
                                   "\n",
                                   "\r",
                                   "\t",
                                   "\x01",
                                   "\x1f",
                                   "\x7f",
                                   "/",
                                   "<>&",
                                   "\xc3\xa9",
                                   "\xe4\xbd\xa0",
                                   "\xf0\x9f\x98\x80",
                                   "\xe2\x80\xa8",
                                   " ",
                                   "="};
    size_t n = 0, want = randombytes_uniform((uint32_t)max / 4);
    while (n < want) {
        const char *p = pieces[randombytes_uniform(sizeof pieces / sizeof *pieces)];
        size_t l = strlen(p);
        if (n + l > max) break;
        memcpy(out + n, p, l);
        n += l;
    }
    return n;
}

static void round_trip(bool enc_portable, bool dec_portable)
{
    for (int iter = 0; iter < 20; iter++) {
        uint8_t sk[32], pk[32];
        char pkhex[67] = "0x";
        randombytes_buf(sk, sizeof sk);
        pk_x25519_public(sk, pk);
        pk_hex_encode(pk, 32, pkhex + (iter % 2 ? 2 : 0), 65); /* with and without 0x */
        size_t count = randombytes_uniform(40);
        pk_env_var vars[40];
        char keys[40][16], vals[40][512];
        for (size_t i = 0; i < count; i++) {
            snprintf(keys[i], sizeof keys[i], "K_%zu", i);
            vars[i] = (pk_env_var){keys[i], vals[i], random_value(vals[i], sizeof vals[i])};
        }
        char *hex = NULL, err[256] = "";
        pkx_gcm_force_portable(enc_portable);
        cr_assert_eq(pk_encrypt_env(vars, count, pkhex, &hex, err, sizeof err), 0, "%s", err);
        pk_env_list out = {0};
        pkx_gcm_force_portable(dec_portable);
        cr_assert_eq(pk_decrypt_env(hex, sk, &out, err, sizeof err), 0, "%s", err);
        cr_assert_eq(out.count, count);
        for (size_t i = 0; i < count; i++) {
            cr_assert_str_eq(out.items[i].key, keys[i]);
            cr_assert_eq(out.items[i].value_len, vars[i].value_len);
            cr_assert_eq(memcmp(out.items[i].value, vals[i], vars[i].value_len), 0);
        }
        pk_env_list_free(&out);
        free(hex);
    }
}

Test(encrypt_env, round_trips_random_values_aesni_to_aesni)
{
    round_trip(false, false);
}
Test(encrypt_env, round_trips_random_values_openssl_to_aesni)
{
    round_trip(true, false);
}
Test(encrypt_env, round_trips_random_values_aesni_to_openssl)
{
    round_trip(false, true);
}
Test(encrypt_env, round_trips_random_values_openssl_to_openssl)
{
    round_trip(true, true);
}

Test(encrypt_env, output_is_header_plus_json_plus_tag)
{
    uint8_t sk[32], pk[32];
    char pkhex[65];
    randombytes_buf(sk, 32);
    pk_x25519_public(sk, pk);
    pk_hex_encode(pk, 32, pkhex, sizeof pkhex);
    char *a = NULL, *b = NULL;
    cr_assert_eq(pk_encrypt_env(NULL, 0, pkhex, &a, NULL, 0), 0, "empty env is allowed");
    cr_assert_eq(strlen(a), 2 * (60 + strlen("{\"env\":[]}")));
    cr_assert_eq(pk_encrypt_env(NULL, 0, pkhex, &b, NULL, 0), 0);
    cr_assert_str_neq(a, b);
    for (const char *p = a; *p; p++)
        cr_assert((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
    free(a);
    free(b);
}

/* Every call draws its own ephemeral X25519 key and its own IV: each is checked on its own (whole
 * ciphertexts would differ by the IV alone, hiding a constant ephemeral key, and the other way
 * round). The header is eph_pk (32 bytes) || iv (12 bytes), as hex. */
Test(encrypt_env, no_two_calls_share_the_ephemeral_key_or_the_iv)
{
    enum { N = 24 };
    uint8_t sk[32], pk[32];
    char pkhex[65];
    randombytes_buf(sk, 32);
    pk_x25519_public(sk, pk);
    pk_hex_encode(pk, 32, pkhex, sizeof pkhex);
    char eph[N][65], iv[N][25];
    pk_env_var v = {"K", "the same value", 14};
    for (int i = 0; i < N; i++) {
        char *hex = NULL, err[256] = "";
        cr_assert_eq(pk_encrypt_env(&v, 1, pkhex, &hex, err, sizeof err), 0, "%s", err);
        memcpy(eph[i], hex, 64);
        eph[i][64] = '\0';
        memcpy(iv[i], hex + 64, 24);
        iv[i][24] = '\0';
        free(hex);
        cr_assert_str_neq(eph[i], pkhex, "the ephemeral key is not the recipient's");
        for (int j = 0; j < i; j++) {
            cr_assert_str_neq(eph[i], eph[j], "calls %d and %d share the ephemeral key", j, i);
            cr_assert_str_neq(iv[i], iv[j], "calls %d and %d share the IV", j, i);
        }
    }
}

Test(encrypt_env, rejects_public_keys_that_are_not_32_bytes)
{
    pk_env_var v = {"A", "b", 1};
    const char *bad[] = {"abcd", "", "0x",
                         /* 31 and 33 bytes */
                         "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f",
                         "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f2000",
                         "zzaa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20",
                         "D1sl2Ka2jHVR2vKr3DOsaBl91pLG7VcYLw8CgWlOkgk="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *hex = (char *)"untouched", err[256] = "";
        cr_assert_eq(pk_encrypt_env(&v, 1, bad[i], &hex, err, sizeof err), -1, "%s", bad[i]);
        cr_assert_null(hex);
        cr_assert(strstr(err, "32 bytes"), "%s", err);
    }
    cr_assert_eq(pk_encrypt_env(&v, 1, NULL, &(char *){NULL}, NULL, 0), -1);
}

Test(encrypt_env, rejects_low_order_public_keys)
{
    pk_env_var v = {"A", "b", 1};
    const char *bad[] = {"0000000000000000000000000000000000000000000000000000000000000000",
                         "0100000000000000000000000000000000000000000000000000000000000000",
                         "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"};
    for (size_t i = 0; i < 3; i++) {
        char *hex = NULL, err[256] = "";
        cr_assert_eq(pk_encrypt_env(&v, 1, bad[i], &hex, err, sizeof err), -1, "%s", bad[i]);
        cr_assert(strstr(err, "low-order"), "%s", err);
    }
}

Test(encrypt_env, rejects_invalid_env_naming_the_key)
{
    uint8_t pk[32] = {9};
    char pkhex[65], err[256] = "";
    pk_hex_encode(pk, 32, pkhex, sizeof pkhex);
    pk_env_var bad_key[] = {{"GOOD", "x", 1}, {"1BAD", "y", 1}};
    char *hex = NULL;
    cr_assert_eq(pk_encrypt_env(bad_key, 2, pkhex, &hex, err, sizeof err), -1);
    cr_assert(strstr(err, "env[1]") && strstr(err, "1BAD"), "%s", err);
    pk_env_var nul[] = {{"SECRET", "hunter2\0x", 9}};
    cr_assert_eq(pk_encrypt_env(nul, 1, pkhex, &hex, err, sizeof err), -1);
    cr_assert(strstr(err, "SECRET") && strstr(err, "NUL"), "%s", err);
    cr_assert_null(strstr(err, "hunter2"), "never echoes the value: %s", err);
}

/* Encrypts an arbitrary plaintext the way every SDK does, to feed pk_decrypt_env other JSON forms. */
static char *encrypt_raw(const uint8_t recipient_pk[32], const char *pt)
{
    uint8_t eph[32], eph_pk[32], shared[32], iv[12];
    randombytes_buf(eph, 32);
    randombytes_buf(iv, 12);
    crypto_scalarmult_base(eph_pk, eph);
    cr_assert_eq(crypto_scalarmult(shared, eph, recipient_pk), 0);
    size_t len = strlen(pt), blob_len = 44 + len + 16;
    uint8_t *blob = malloc(blob_len);
    memcpy(blob, eph_pk, 32);
    memcpy(blob + 32, iv, 12);
    cr_assert_eq(pkx_aes256gcm_encrypt(shared, iv, (const uint8_t *)pt, len, blob + 44), 0);
    char *hex = malloc(blob_len * 2 + 1);
    pk_hex_encode(blob, blob_len, hex, blob_len * 2 + 1);
    free(blob);
    return hex;
}

Test(decrypt_env, accepts_python_and_go_json_forms)
{
    uint8_t sk[32], pk[32];
    randombytes_buf(sk, 32);
    pk_x25519_public(sk, pk);
    /* Python json.dumps (spaces, ensure_ascii incl. a surrogate pair), Go (HTML escapes), and a
     * reordered object. */
    const char *forms[] = {
        "{\"env\": [{\"key\": \"A\", \"value\": \"Hello \\u4e16\\u754c \\ud83d\\ude00\"}]}",
        "{\"env\":[{\"key\":\"A\",\"value\":\"Hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80\"}]}",
        "{\"env\":[{\"value\":\"Hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80\",\"key\":\"A\"}]}",
    };
    for (size_t i = 0; i < 3; i++) {
        char *hex = encrypt_raw(pk, forms[i]), err[256] = "";
        pk_env_list out = {0};
        cr_assert_eq(pk_decrypt_env(hex, sk, &out, err, sizeof err), 0, "%s", err);
        cr_assert_eq(out.count, 1);
        cr_assert_str_eq(out.items[0].value, "Hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80");
        pk_env_list_free(&out);
        free(hex);
    }
    char *hex = encrypt_raw(pk, "{\"env\":[{\"key\":\"A\",\"value\":\"\\u003c\\u0026\"}]}");
    pk_env_list out = {0};
    cr_assert_eq(pk_decrypt_env(hex, sk, &out, NULL, 0), 0);
    cr_assert_str_eq(out.items[0].value, "<&");
    pk_env_list_free(&out);
    free(hex);
}

Test(decrypt_env, rejects_bad_documents)
{
    uint8_t sk[32], pk[32];
    randombytes_buf(sk, 32);
    pk_x25519_public(sk, pk);
    const char *docs[] = {"not json",
                          "{\"env\":{}}",
                          "{\"env\":[{\"key\":\"A\"}]}",
                          "{\"env\":[{\"key\":\"A\",\"value\":1}]}",
                          "[]",
                          "{\"env\":[{\"key\":\"A\",\"value\":\"x\\u0000y\"}]}"};
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        char *hex = encrypt_raw(pk, docs[i]), err[256] = "";
        pk_env_list out = {0};
        cr_assert_eq(pk_decrypt_env(hex, sk, &out, err, sizeof err), -1, "%s", docs[i]);
        cr_assert_gt(strlen(err), 0);
        pk_env_list_free(&out);
        free(hex);
    }
    /* An escaped backslash followed by u0000 is an ordinary string. */
    char *hex = encrypt_raw(pk, "{\"env\":[{\"key\":\"A\",\"value\":\"\\\\u0000\"}]}");
    pk_env_list out = {0};
    cr_assert_eq(pk_decrypt_env(hex, sk, &out, NULL, 0), 0);
    cr_assert_str_eq(out.items[0].value, "\\u0000");
    pk_env_list_free(&out);
    free(hex);
}

static void check_tamper(bool portable)
{
    pkx_gcm_force_portable(portable);
    cJSON *v = tu_read_json("crypto/encrypt_env.json");
    uint8_t sk[32];
    tu_unhex(tu_str(v, "remote_sk"), sk, 32);
    const char *good = tu_str(v, "encrypted_env");
    size_t len = strlen(good);
    char *bad = strdup(good);
    pk_env_list out = {0};
    char err[256];
    for (size_t pos = 0; pos < len; pos += 13) {
        memcpy(bad, good, len);
        bad[pos] = bad[pos] == '0' ? '1' : '0';
        cr_assert_eq(pk_decrypt_env(bad, sk, &out, err, sizeof err), -1, "flip at %zu", pos);
        cr_assert_eq(out.count, 0);
    }
    free(bad);
    sk[1] ^= 1; /* not sk[0]: X25519 clamps its low bits away */
    cr_assert_eq(pk_decrypt_env(good, sk, &out, err, sizeof err), -1, "wrong key");
    cr_assert(strstr(err, "decryption failed"), "%s", err);
    cJSON_Delete(v);
}

Test(decrypt_env, detects_tampering_aesni)
{
    check_tamper(false);
}
Test(decrypt_env, detects_tampering_openssl)
{
    check_tamper(true);
}

Test(decrypt_env, rejects_short_or_non_hex_blobs)
{
    uint8_t sk[32] = {1};
    pk_env_list out = {0};
    char err[256];
    char shortblob[2 * 59 + 1];
    memset(shortblob, 'a', sizeof shortblob - 1);
    shortblob[sizeof shortblob - 1] = '\0';
    cr_assert_eq(pk_decrypt_env(shortblob, sk, &out, err, sizeof err), -1);
    cr_assert(strstr(err, "too short"), "%s", err);
    cr_assert_eq(pk_decrypt_env("xyz", sk, &out, err, sizeof err), -1);
    cr_assert_eq(pk_decrypt_env("", sk, &out, err, sizeof err), -1);
}
