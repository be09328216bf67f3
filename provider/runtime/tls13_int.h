/* tls13_int.h — the TLS 1.3 engine's private pieces, shared by its files and its unit tests:
 * the SHA-256 key schedule (RFC 8446 §7.1), the ClientHello parser (§4.1.2) and the P-256 key
 * share. Nothing here is API for the rest of the provider (that is tls13.h). */
#ifndef TLS13_INT_H
#define TLS13_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS13_HASH_LEN 32 /* SHA-256, the suite's hash */
#define TLS13_KEY_LEN  32 /* ChaCha20-Poly1305 */
#define TLS13_IV_LEN   12
#define TLS13_TAG_LEN  16

/* ---- key schedule (tls13_keys.c) ---- */

/* HKDF-Extract(salt, ikm) = HMAC-SHA256(salt, ikm). */
void tls13_hkdf_extract(uint8_t prk[TLS13_HASH_LEN], const uint8_t *salt, size_t salt_len,
                        const uint8_t *ikm, size_t ikm_len);
/* HKDF-Expand-Label(secret, "tls13 " label, context, out_len). 0, or -1 if out_len or the label
 * is too long for the HkdfLabel structure (out_len <= 255 * 32, label <= 249 bytes). */
int tls13_expand_label(uint8_t *out, size_t out_len, const uint8_t secret[TLS13_HASH_LEN],
                       const char *label, const uint8_t *context, size_t context_len);
/* Derive-Secret(secret, label, messages) given Transcript-Hash(messages). */
void tls13_derive_secret(uint8_t out[TLS13_HASH_LEN], const uint8_t secret[TLS13_HASH_LEN],
                         const char *label, const uint8_t transcript[TLS13_HASH_LEN]);
/* Handshake Secret from the (EC)DHE shared secret, without PSK: Extract(Derive-Secret(
 * Extract(0, 0), "derived", ""), ecdhe). */
void tls13_handshake_secret(uint8_t hs[TLS13_HASH_LEN], const uint8_t *ecdhe, size_t ecdhe_len);
/* Master Secret = Extract(Derive-Secret(hs, "derived", ""), 0). */
void tls13_master_secret(uint8_t ms[TLS13_HASH_LEN], const uint8_t hs[TLS13_HASH_LEN]);

/* One direction of record protection: its traffic secret (kept for KeyUpdate), key, IV and
 * sequence number (§5.3). */
typedef struct {
    uint8_t secret[TLS13_HASH_LEN];
    uint8_t key[TLS13_KEY_LEN];
    uint8_t iv[TLS13_IV_LEN];
    uint64_t seq;
} tls13_dir;

/* Keys and IV from a traffic secret ("key", "iv"); sequence number 0. */
void tls13_dir_set(tls13_dir *d, const uint8_t secret[TLS13_HASH_LEN]);
/* KeyUpdate (§7.2): secret_N+1 = Expand-Label(secret_N, "traffic upd", "", 32), new key/IV. */
void tls13_dir_update(tls13_dir *d);
/* verify_data = HMAC(Expand-Label(base_key, "finished", "", 32), transcript) (§4.4.4). */
void tls13_finished(uint8_t out[TLS13_HASH_LEN], const uint8_t base_key[TLS13_HASH_LEN],
                    const uint8_t transcript[TLS13_HASH_LEN]);

/* ---- ClientHello (tls13_hello.c) ---- */

#define TLS13_GROUP_X25519    0x001d
#define TLS13_GROUP_SECP256R1 0x0017
#define TLS13_P256_POINT_LEN  65 /* uncompressed: 0x04 || X || Y */

enum {
    TLS13_HELLO_OK = 0,
    TLS13_HELLO_DECLINE = 1, /* valid enough, but outside the profile: OpenSSL's to answer */
    TLS13_HELLO_BAD = -1,    /* malformed: fail with the alert in tls13_hello.alert */
};

typedef struct {
    uint8_t session_id[32]; /* legacy_session_id, echoed in the ServerHello */
    size_t session_id_len;
    uint16_t group;       /* the key share we use: x25519 preferred, else secp256r1 */
    const uint8_t *share; /* the client's key_exchange for group (points into the message) */
    size_t share_len;
    bool alpn_h2;    /* ALPN offered (and contains "h2"): answer "h2" */
    uint8_t alert;   /* for TLS13_HELLO_BAD: the alert description to send */
    const char *why; /* static text: why it was declined or refused */
} tls13_hello;

/* Parses a whole ClientHello handshake message (type, 24-bit length, body) of len bytes.
 * Returns TLS13_HELLO_*; on OK, h describes what to answer. */
int tls13_hello_parse(const uint8_t *msg, size_t len, tls13_hello *h);

/* ---- P-256 key share through OpenSSL (tls13_p256.c) ---- */

/* A fresh P-256 key: its uncompressed public point in pub, the shared secret (the X coordinate,
 * 32 bytes) with the peer's uncompressed point in shared. The peer's point is validated (on the
 * curve, not infinity). 0 or -1. */
int tls13_p256_exchange(const uint8_t peer[TLS13_P256_POINT_LEN], uint8_t pub[TLS13_P256_POINT_LEN],
                        uint8_t shared[32]);

#endif
