/* KMS public-key signatures: every vector of research/phala-api.md §4.4 (upstream legacy, project
 * legacy and v1 with a fixed clock), the freshness window edges, v = 27/28, the upstream negative
 * cases, and the signing helpers reproducing the project vectors byte for byte. */
#include "crypto_test_util.h"

static cJSON *vectors;
static void load(void)
{
    vectors = tu_read_json("crypto/pubkey_sig.json");
}
static void unload(void)
{
    cJSON_Delete(vectors);
}
TestSuite(pubkey_sig, .init = load, .fini = unload);

static const cJSON *vec(const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(vectors, "valid"))
    {
        if (strcmp(tu_str(it, "name"), name) == 0) return it;
    }
    cr_assert_fail("no vector %s", name);
    return NULL;
}

static bool has_ts(const cJSON *v, uint64_t *ts, int64_t *now)
{
    const cJSON *t = cJSON_GetObjectItem(v, "timestamp");
    if (!t) return false;
    *ts = (uint64_t)t->valuedouble;
    *now = (int64_t)cJSON_GetObjectItem(v, "now")->valuedouble;
    return true;
}

Test(pubkey_sig, every_valid_vector_recovers_its_signer)
{
    const cJSON *v;
    int n = 0;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(vectors, "valid"))
    {
        uint64_t ts = 0;
        int64_t now = 0;
        bool t = has_ts(v, &ts, &now);
        uint8_t signer[33];
        char err[256] = "", hex[67];
        cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), tu_str(v, "signature"),
                                          tu_str(v, "app_id"), t ? &ts : NULL, now,
                                          tu_str(v, "signer"), signer, err, sizeof err),
                     0, "%s: %s", tu_str(v, "name"), err);
        pk_hex_encode(signer, 33, hex, sizeof hex);
        cr_assert_str_eq(hex, tu_str(v, "signer"), "%s", tu_str(v, "name"));
        n++;
    }
    cr_assert_eq(n, 4);
}

Test(pubkey_sig, digest_matches_documented_message_and_keccak)
{
    const char *names[] = {"upstream_legacy", "project_v1", "project_legacy"};
    for (int i = 0; i < 3; i++) {
        const cJSON *v = vec(names[i]);
        uint8_t app[20], pub[32], d[32], msg[100];
        size_t mlen;
        tu_unhex(tu_str(v, "app_id"), app, 20);
        tu_unhex(tu_str(v, "public_key"), pub, 32);
        uint64_t ts = 0;
        int64_t now;
        bool t = has_ts(v, &ts, &now);
        pk_pubkey_sig_digest(app, pub, t ? &ts : NULL, d);
        char hex[65];
        pk_hex_encode(d, 32, hex, sizeof hex);
        cr_assert_str_eq(hex, tu_str(v, "keccak"), "%s", names[i]);
        const char *m = tu_str(v, "message");
        cr_assert_eq(pk_hex_decode(m, strlen(m), msg, sizeof msg, &mlen), 0);
        pk_keccak256(msg, mlen, d);
        pk_hex_encode(d, 32, hex, sizeof hex);
        cr_assert_str_eq(hex, tu_str(v, "keccak"), "%s message", names[i]);
    }
}

Test(pubkey_sig, signing_helpers_reproduce_project_vectors)
{
    const char *names[] = {"project_v1", "project_legacy"};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = vec(names[i]);
        uint8_t sk[32], d[32], sig[65], pub[33];
        char hex[131];
        tu_unhex(tu_str(v, "signer_seckey"), sk, 32);
        tu_unhex(tu_str(v, "keccak"), d, 32);
        cr_assert_eq(pk_secp256k1_sign_recoverable(sk, d, sig), 0);
        pk_hex_encode(sig, 65, hex, sizeof hex);
        cr_assert_str_eq(hex, tu_str(v, "signature"), "%s", names[i]);
        cr_assert_eq(pk_secp256k1_pubkey_compressed(sk, pub), 0);
        pk_hex_encode(pub, 33, hex, sizeof hex);
        cr_assert_str_eq(hex, tu_str(v, "signer"));
        uint8_t rec[33];
        cr_assert_eq(pk_secp256k1_recover(d, sig, rec), 0);
        cr_assert_eq(memcmp(rec, pub, 33), 0);
    }
}

static int verify_v1(const cJSON *v, int64_t now, char *err, size_t errlen)
{
    uint64_t ts = 1700000000;
    return pk_verify_pubkey_sig(tu_str(v, "public_key"), tu_str(v, "signature"),
                                tu_str(v, "app_id"), &ts, now, NULL, NULL, err, errlen);
}

Test(pubkey_sig, v1_freshness_window_edges)
{
    const cJSON *v = vec("project_v1");
    char err[256];
    const int64_t ts = 1700000000;
    cr_assert_eq(verify_v1(v, ts + 300, err, sizeof err), 0, "exactly 300 s old: %s", err);
    cr_assert_eq(verify_v1(v, ts + 301, err, sizeof err), -1, "301 s old");
    cr_assert(strstr(err, "too old"), "%s", err);
    cr_assert_eq(verify_v1(v, ts + 600, err, sizeof err), -1);
    cr_assert_eq(verify_v1(v, ts - 60, err, sizeof err), 0, "60 s ahead: %s", err);
    cr_assert_eq(verify_v1(v, ts - 61, err, sizeof err), -1, "61 s ahead");
    cr_assert(strstr(err, "future"), "%s", err);
    cr_assert_eq(verify_v1(v, ts - 120, err, sizeof err), -1);
    cr_assert_eq(verify_v1(v, -1, err, sizeof err), -1, "a negative clock is refused");
}

Test(pubkey_sig, v1_signature_checked_as_legacy_gives_another_signer)
{
    const cJSON *v = vec("project_v1");
    char err[256];
    cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), tu_str(v, "signature"),
                                      tu_str(v, "app_id"), NULL, 0, tu_str(v, "signer"), NULL, err,
                                      sizeof err),
                 -1);
    cr_assert(strstr(err, "does not match"), "%s", err);
    uint64_t wrong_ts = 1700000001;
    cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), tu_str(v, "signature"),
                                      tu_str(v, "app_id"), &wrong_ts, 1700000001,
                                      tu_str(v, "signer"), NULL, err, sizeof err),
                 -1);
}

Test(pubkey_sig, accepts_ethereum_style_v_27_28)
{
    const cJSON *v = vec("upstream_legacy");
    char sig[131];
    strcpy(sig, tu_str(v, "signature"));
    uint8_t last;
    tu_unhex(sig + 128, &last, 1);
    snprintf(sig + 128, 3, "%02x", (unsigned)(uint8_t)(last + 27));
    char err[256] = "";
    cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), sig, tu_str(v, "app_id"), NULL, 0,
                                      tu_str(v, "signer"), NULL, err, sizeof err),
                 0, "%s", err);
    snprintf(sig + 128, 3, "%02x", 2);
    cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), sig, tu_str(v, "app_id"), NULL, 0,
                                      NULL, NULL, err, sizeof err),
                 -1, "v = 2 is not accepted");
}

Test(pubkey_sig, expected_signer_compare_ignores_case_and_prefix)
{
    const cJSON *v = vec("upstream_legacy");
    const char *ok[] = {"0x0217610d74cbd39b6143842c6d8bc310d79da1d82cc9d17f8876376221eda0c38f",
                        "0217610D74CBD39B6143842C6D8BC310D79DA1D82CC9D17F8876376221EDA0C38F"};
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), tu_str(v, "signature"),
                                          tu_str(v, "app_id"), NULL, 0, ok[i], NULL, NULL, 0),
                     0);
    char err[256];
    cr_assert_eq(pk_verify_pubkey_sig(
                     tu_str(v, "public_key"), tu_str(v, "signature"), tu_str(v, "app_id"), NULL, 0,
                     "031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f", NULL,
                     err, sizeof err),
                 -1);
    cr_assert(strstr(err, "does not match"), "%s", err);
    cr_assert_eq(pk_verify_pubkey_sig(tu_str(v, "public_key"), tu_str(v, "signature"),
                                      tu_str(v, "app_id"), NULL, 0, "02abcd", NULL, err,
                                      sizeof err),
                 -1);
}

Test(pubkey_sig, upstream_negative_cases)
{
    const cJSON *v = vec("upstream_legacy");
    const char *pub = tu_str(v, "public_key"), *sig = tu_str(v, "signature");
    char err[256];
    char sig64[129];
    memcpy(sig64, sig, 128);
    sig64[128] = '\0';
    cr_assert_eq(
        pk_verify_pubkey_sig(pub, sig64, tu_str(v, "app_id"), NULL, 0, NULL, NULL, err, sizeof err),
        -1, "64-byte signature");
    char zeros[131];
    memset(zeros, '0', 130);
    zeros[130] = '\0';
    cr_assert_eq(
        pk_verify_pubkey_sig(pub, zeros, tu_str(v, "app_id"), NULL, 0, NULL, NULL, err, sizeof err),
        -1, "65 zero bytes");
    cr_assert_eq(pk_verify_pubkey_sig(pub, sig, "not-hex", NULL, 0, NULL, NULL, err, sizeof err),
                 -1, "non-hex app id");
    cr_assert_eq(pk_verify_pubkey_sig(pub, sig, "00", NULL, 0, NULL, NULL, err, sizeof err), -1,
                 "short app id");
    cr_assert_eq(pk_verify_pubkey_sig("abcd", sig, tu_str(v, "app_id"), NULL, 0, NULL, NULL, err,
                                      sizeof err),
                 -1, "short public key");
    /* A different public key recovers some other signer, never the KMS. */
    const char *other = "f33a1832c6562067ff8f844a61e51ad051f1180b66ec2551fb0251735f3ee90a";
    int rc = pk_verify_pubkey_sig(other, sig, tu_str(v, "app_id"), NULL, 0, tu_str(v, "signer"),
                                  NULL, err, sizeof err);
    cr_assert_eq(rc, -1);
}

Test(pubkey_sig, x25519_public_matches_libsodium_base_point)
{
    uint8_t sk[32], pk[32];
    memset(sk, 0x22, 32);
    cr_assert_eq(pk_x25519_public(sk, pk), 0);
    char hex[65];
    pk_hex_encode(pk, 32, hex, sizeof hex);
    cr_assert_str_eq(hex, "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20");
}

Test(pubkey_sig, secp256k1_rejects_invalid_secret_keys)
{
    uint8_t zero[32] = {0}, d[32] = {0}, sig[65], pub[33];
    cr_assert_eq(pk_secp256k1_sign_recoverable(zero, d, sig), -1);
    cr_assert_eq(pk_secp256k1_pubkey_compressed(zero, pub), -1);
    uint8_t big[32];
    memset(big, 0xff, 32); /* above the group order */
    cr_assert_eq(pk_secp256k1_pubkey_compressed(big, pub), -1);
}
