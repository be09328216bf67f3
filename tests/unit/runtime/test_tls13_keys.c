/* test_tls13_keys.c — the TLS 1.3 engine's key schedule against RFC 8448 §3 "Simple 1-RTT
 * Handshake" (whose suite is TLS_AES_128_GCM_SHA256: the same SHA-256 schedule as ours, with
 * 16-byte keys): ECDHE, transcript, early/handshake/master secrets, traffic secrets, keys, IVs,
 * Finished keys and the server's verify_data. Vectors typed from the RFC's trace. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "tls13_int.h"

/* Hex with spaces, as the RFC prints it, into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            cr_assert(n < cap, "vector too long");
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    cr_assert(hi < 0, "odd hex digit count");
    return n;
}

static void expect_hex(const uint8_t *got, size_t len, const char *want, const char *what)
{
    uint8_t w[256];
    size_t n = unhex(want, w, sizeof w);
    cr_assert_eq(n, len, "%s: vector has %zu bytes, value %zu", what, n, len);
    cr_assert(memcmp(got, w, n) == 0, "%s differs from RFC 8448", what);
}

/* A traffic secret's AES-128 key (RFC 8448's suite: only the label matters here) and the IV the
 * record layer takes from it, against the RFC's values; the sequence number starts at 0. */
static void expect_traffic_keys(const uint8_t secret[32], const char *key_hex, const char *iv_hex,
                                const char *what)
{
    uint8_t key[16];
    char label[64];
    tls13_dir d;
    cr_assert_eq(tls13_expand_label(key, sizeof key, secret, "key", NULL, 0), 0);
    snprintf(label, sizeof label, "%s key", what);
    expect_hex(key, 16, key_hex, label);
    tls13_dir_set(&d, secret);
    snprintf(label, sizeof label, "%s iv", what);
    expect_hex(d.iv, 12, iv_hex, label);
    cr_assert_eq(d.seq, 0);
}

/* RFC 8448 §3: the client's and server's x25519 keys, the messages and the values derived. */
#define CLIENT_PUB                                                                                 \
    "99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a "   \
    "af 2c"
#define SERVER_PRIV                                                                                \
    "b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 01 91 ec 8d 05 83 08 ce a2 16 "   \
    "a2 1e"
#define ECDHE                                                                                      \
    "8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 "   \
    "49 2d"
static const char CLIENT_HELLO[] =
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2"
    "ef 62 83 02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73"
    "65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02"
    "01 03 01 04 00 23 00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43"
    "5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00"
    "20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06"
    "02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";
static const char SERVER_HELLO[] =
    "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da"
    "c1 55 77 2e d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe"
    "66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";
#define HELLO_HASH                                                                                 \
    "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 "   \
    "ca d8"
#define HS_SECRET                                                                                  \
    "1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f "   \
    "be ac"
#define C_HS_TRAFFIC                                                                               \
    "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 "   \
    "5a 21"
#define S_HS_TRAFFIC                                                                               \
    "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 "   \
    "ad 38"
#define MASTER                                                                                     \
    "18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 "   \
    "29 19"
/* Transcript-Hash(ClientHello..server Finished), the context of the application secrets */
#define SERVER_FIN_HASH                                                                            \
    "96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 "   \
    "df 13"
#define C_AP_TRAFFIC                                                                               \
    "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 "   \
    "04 a5"
#define S_AP_TRAFFIC                                                                               \
    "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 "   \
    "16 43"

static void hs_secret(uint8_t hs[32])
{
    uint8_t ecdhe[32];
    tls13_handshake_secret(hs, ecdhe, unhex(ECDHE, ecdhe, sizeof ecdhe));
}

Test(tls13_keys, x25519_shared_secret_matches_rfc8448)
{
    uint8_t priv[32], pub[32], shared[32];
    unhex(SERVER_PRIV, priv, sizeof priv);
    unhex(CLIENT_PUB, pub, sizeof pub);
    cr_assert_eq(crypto_scalarmult_curve25519(shared, priv, pub), 0);
    expect_hex(shared, 32, ECDHE, "ECDHE shared secret");
}

Test(tls13_keys, hello_transcript_and_handshake_secrets)
{
    uint8_t msg[256], hash[32], hs[32], out[32];
    crypto_hash_sha256_state th;
    crypto_hash_sha256_init(&th);
    crypto_hash_sha256_update(&th, msg, unhex(CLIENT_HELLO, msg, sizeof msg));
    crypto_hash_sha256_update(&th, msg, unhex(SERVER_HELLO, msg, sizeof msg));
    crypto_hash_sha256_final(&th, hash);
    expect_hex(hash, 32, HELLO_HASH, "Transcript-Hash(ClientHello, ServerHello)");

    hs_secret(hs);
    expect_hex(hs, 32, HS_SECRET, "handshake secret");
    tls13_derive_secret(out, hs, "c hs traffic", hash);
    expect_hex(out, 32, C_HS_TRAFFIC, "client_handshake_traffic_secret");
    tls13_derive_secret(out, hs, "s hs traffic", hash);
    expect_hex(out, 32, S_HS_TRAFFIC, "server_handshake_traffic_secret");
}

Test(tls13_keys, early_secret_and_its_derived_salt)
{
    /* the two constants of every PSK-less handshake, which tls13_handshake_secret computes */
    uint8_t zero[32] = {0}, early[32], empty[32], salt[32];
    tls13_hkdf_extract(early, zero, 32, zero, 32);
    expect_hex(early, 32,
               "33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e "
               "10 f1 70 f9 2a",
               "early secret");
    crypto_hash_sha256(empty, NULL, 0);
    tls13_derive_secret(salt, early, "derived", empty);
    expect_hex(salt, 32,
               "6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 "
               "57 6c 36 11 ba",
               "derived (early)");
}

Test(tls13_keys, handshake_traffic_keys_and_ivs)
{
    uint8_t secret[32];
    unhex(S_HS_TRAFFIC, secret, sizeof secret);
    expect_traffic_keys(secret, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
                        "5d 31 3e b2 67 12 76 ee 13 00 0b 30", "server hs");

    unhex(C_HS_TRAFFIC, secret, sizeof secret);
    expect_traffic_keys(secret, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
                        "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f", "client hs");
}

Test(tls13_keys, finished_keys_and_server_verify_data)
{
    uint8_t secret[32], out[32], hash[32];
    unhex(S_HS_TRAFFIC, secret, sizeof secret);
    cr_assert_eq(tls13_expand_label(out, 32, secret, "finished", NULL, 0), 0);
    expect_hex(out, 32,
               "00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 "
               "d8 cd c1 9f c8",
               "server finished_key");
    /* Transcript-Hash(ClientHello..CertificateVerify) of the trace, and the server Finished's
     * verify_data in its Finished message */
    unhex("ed b7 72 5f a7 a3 47 3b 03 1e c8 ef 65 a2 48 54 93 90 01 38 a2 b9 12 91 40 7d 79 51 a0 "
          "61 10 ed",
          hash, sizeof hash);
    tls13_finished(out, secret, hash);
    expect_hex(out, 32,
               "9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 "
               "54 b7 8f 07 18",
               "server verify_data");

    unhex(C_HS_TRAFFIC, secret, sizeof secret);
    cr_assert_eq(tls13_expand_label(out, 32, secret, "finished", NULL, 0), 0);
    expect_hex(out, 32,
               "b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d 6b f8 3f 84 82 1d 1f 87 fd c7 d3 c7 5b "
               "5a 7b 42 d9 c4",
               "client finished_key");
}

Test(tls13_keys, master_and_application_secrets)
{
    uint8_t hs[32], ms[32], hash[32], secret[32];
    hs_secret(hs);
    tls13_master_secret(ms, hs);
    expect_hex(ms, 32, MASTER, "master secret");
    unhex(SERVER_FIN_HASH, hash, sizeof hash);
    tls13_derive_secret(secret, ms, "c ap traffic", hash);
    expect_hex(secret, 32, C_AP_TRAFFIC, "client_application_traffic_secret_0");
    expect_traffic_keys(secret, "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
                        "5b 78 92 3d ee 08 57 90 33 e5 23 d9", "client ap");

    tls13_derive_secret(secret, ms, "s ap traffic", hash);
    expect_hex(secret, 32, S_AP_TRAFFIC, "server_application_traffic_secret_0");
    expect_traffic_keys(secret, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
                        "cf 78 2b 88 dd 83 54 9a ad f1 e9 84", "server ap");
}

Test(tls13_keys, key_update_derives_from_traffic_upd)
{
    /* §7.2: secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", 32); no vector in the
     * RFCs, so the definition is checked against the primitive it names */
    uint8_t secret[32], next[32], key[32];
    tls13_dir d;
    unhex(S_AP_TRAFFIC, secret, sizeof secret);
    tls13_dir_set(&d, secret);
    d.seq = 7;
    tls13_dir_update(&d);
    cr_assert_eq(tls13_expand_label(next, 32, secret, "traffic upd", NULL, 0), 0);
    cr_assert(memcmp(d.secret, next, 32) == 0);
    cr_assert_eq(tls13_expand_label(key, 32, next, "key", NULL, 0), 0);
    cr_assert(memcmp(d.key, key, 32) == 0);
    cr_assert_eq(d.seq, 0, "a new key starts at sequence number 0");
}

Test(tls13_keys, expand_label_refuses_oversized_outputs)
{
    uint8_t secret[32] = {1}, out[64];
    cr_assert_eq(tls13_expand_label(out, 64, secret, "key", NULL, 0), 0, "two HKDF blocks");
    cr_assert_eq(tls13_expand_label(out, 255 * 32 + 1, secret, "key", NULL, 0), -1);
}
