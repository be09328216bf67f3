/* libphalakms crypto: everything Phala's SDKs do on the client side, byte-compatible with them —
 * env-var encryption (X25519 + AES-256-GCM), dotenv parsing (JS dotenv v16 rules), the KMS public-key
 * signature check (keccak256 + secp256k1 recovery), the dstack compose hash, and env key/size rules.
 *
 * Conventions: functions return 0 on success and -1 on failure unless stated otherwise. `err`/`errlen`
 * (either may be NULL/0) receive a message for a person; it never contains key material or env
 * values (env key NAMES may appear). Hex input accepts an optional "0x"/"0X" prefix and either case;
 * hex output is lowercase without prefix. Secrets held internally are wiped before return. */
#ifndef PHALAKMS_CRYPTO_H
#define PHALAKMS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PK_KECCAK256_BYTES        32
#define PK_X25519_KEY_BYTES       32
#define PK_SECP256K1_SECKEY_BYTES 32
#define PK_SECP256K1_PUBKEY_BYTES 33 /* compressed */
#define PK_SECP256K1_SIG_BYTES    65 /* r(32) || s(32) || recovery id (0/1) */
#define PK_APP_ID_BYTES           20
#define PK_SHA256_HEX_LEN         64

/* Limits the dstack guest enforces when it reads the decrypted env (violations abort the CVM boot). */
#define PK_ENV_MAX_VARS        1024
#define PK_ENV_MAX_KEY_BYTES   255
#define PK_ENV_MAX_VALUE_BYTES (128u * 1024u)
#define PK_ENV_MAX_TOTAL_BYTES (1024u * 1024u) /* sum of key + value bytes */

/* Default freshness window of a timestamped (v1) public-key signature. */
#define PK_PUBKEY_SIG_MAX_AGE_S  300
#define PK_PUBKEY_SIG_MAX_SKEW_S 60

/* ---- env variables ---------------------------------------------------------------------------- */

/* One variable. `key` is NUL-terminated; `value` holds `value_len` bytes of UTF-8 and is also
 * NUL-terminated when it belongs to a pk_env_list. */
typedef struct pk_env_var {
    char *key;
    char *value;
    size_t value_len;
} pk_env_var;

/* An ordered list that owns its strings. Zero-initialised ({0}) is a valid empty list. */
typedef struct pk_env_list {
    pk_env_var *items;
    size_t count;
    size_t cap;
} pk_env_list;

/* Sets key to value: replaces the value in place when the key exists (the key keeps its first
 * position, like a JS object), else appends. */
int pk_env_list_set(pk_env_list *list, const char *key, const char *value, size_t value_len);
/* Wipes every value and frees the list; leaves it empty and reusable. */
void pk_env_list_free(pk_env_list *list);

/* True iff key matches ^[A-Za-z_][A-Za-z0-9_]*$ and is at most PK_ENV_MAX_KEY_BYTES long. */
bool pk_env_key_valid(const char *key);

/* Checks what the guest will check: every key valid, no value containing NUL or invalid UTF-8, at
 * most PK_ENV_MAX_VARS variables, values <= PK_ENV_MAX_VALUE_BYTES, keys + values <=
 * PK_ENV_MAX_TOTAL_BYTES. On failure *bad_index (may be NULL) is the index of the first offending
 * variable and the message names it by index and key. */
int pk_env_check(const pk_env_var *vars, size_t count, size_t *bad_index, char *err, size_t errlen);

/* ---- env encryption ----------------------------------------------------------------------------- */

/* Encrypts vars for the holder of the X25519 key `public_key_hex` (exactly 32 bytes) exactly as
 * @phala/dstack-sdk encryptEnvVars does: plaintext {"env":[{"key":..,"value":..},..]} (compact JS
 * JSON, in the given order), fresh ephemeral X25519 key, shared secret used directly as the
 * AES-256-GCM key, random 12-byte IV, no AAD. Runs pk_env_check first. *out_hex receives a malloc'd
 * lowercase hex string of eph_pk(32) || iv(12) || ciphertext || tag(16); free() it. */
int pk_encrypt_env(const pk_env_var *vars, size_t count, const char *public_key_hex, char **out_hex,
                   char *err, size_t errlen);

/* Decrypts an encrypted_env hex blob with the recipient's X25519 secret key and parses the JSON back
 * into `out` (appended in order; `out` may already hold items). Accepts any JSON formatting of the
 * {"env":[...]} document (JS, Python and Go SDKs differ); rejects values containing NUL. */
int pk_decrypt_env(const char *hex, const uint8_t recipient_sk[PK_X25519_KEY_BYTES],
                   pk_env_list *out, char *err, size_t errlen);

/* ---- dotenv ------------------------------------------------------------------------------------- */

/* Parses dotenv text with the rules of JS dotenv v16 (the parser Phala's CLI and SDK use): optional
 * `export`, `KEY=value` or `KEY: value`, '...', "..." (with \n and \r expanded) and `...` quotes that
 * may span lines, inline # comments, CR/CRLF line endings. Keys are returned as dotenv accepts them
 * ([A-Za-z0-9_.-]+); validate them with pk_env_key_valid. Duplicates: the last value wins at the
 * key's first position. Results are appended to `out`. Fails only on allocation failure. */
int pk_parse_dotenv(const char *text, size_t len, pk_env_list *out, char *err, size_t errlen);

/* ---- KMS public-key signature ------------------------------------------------------------------- */

/* keccak256("dstack-env-encrypt-pubkey" ":" app_id(20) [timestamp u64 big-endian] public_key(32)),
 * the digest a dstack KMS signs. timestamp NULL = legacy form (what the cloud API relays). */
void pk_pubkey_sig_digest(const uint8_t app_id[PK_APP_ID_BYTES],
                          const uint8_t public_key[PK_X25519_KEY_BYTES], const uint64_t *timestamp,
                          uint8_t digest[PK_KECCAK256_BYTES]);

/* Recovers the signer of a KMS env-encryption public key. Inputs are hex: public key 32 bytes,
 * signature 65 bytes (recovery id 0/1, or 27/28), app id 20 bytes. timestamp NULL = legacy
 * signature; otherwise the v1 form, rejected when now - ts > 300 s or ts - now > 60 s (`now` is unix
 * seconds, injected so tests can use a fixed clock). When expected_signer_hex is not NULL the
 * recovered key must equal it (compressed 33-byte hex, case-insensitive, optional 0x). signer_out
 * (may be NULL) receives the compressed recovered key. */
int pk_verify_pubkey_sig(const char *public_key_hex, const char *signature_hex,
                         const char *app_id_hex, const uint64_t *timestamp, int64_t now,
                         const char *expected_signer_hex,
                         uint8_t signer_out[PK_SECP256K1_PUBKEY_BYTES], char *err, size_t errlen);

/* ---- sealing a secret for storage elsewhere ----------------------------------------------------- */

/* Encrypts a short secret (e.g. a one-time commit token) so that it can be kept outside the process
 * (Terraform's private state) without being readable there: XChaCha20-Poly1305 under a key derived
 * with BLAKE2b from key_material (e.g. the API key, which never leaves the machine) and a purpose
 * label. *out_hex: malloc'd lowercase hex of nonce || ciphertext. pk_secret_open reverses it into a
 * malloc'd string (wipe and free it); -1 when key_material or purpose differ or the text was
 * altered. */
int pk_secret_seal(const char *secret, const char *key_material, const char *purpose,
                   char **out_hex);
int pk_secret_open(const char *sealed_hex, const char *key_material, const char *purpose,
                   char **out_secret);

/* ---- primitives --------------------------------------------------------------------------------- */

/* Ethereum Keccak-256 (original Keccak padding 0x01, not NIST SHA3-256). */
void pk_keccak256(const void *data, size_t len, uint8_t out[PK_KECCAK256_BYTES]);

typedef struct pk_keccak256_ctx {
    uint64_t state[25];
    uint8_t buf[136];
    size_t buf_len;
} pk_keccak256_ctx;
void pk_keccak256_init(pk_keccak256_ctx *ctx);
void pk_keccak256_update(pk_keccak256_ctx *ctx, const void *data, size_t len);
void pk_keccak256_final(pk_keccak256_ctx *ctx, uint8_t out[PK_KECCAK256_BYTES]);

/* Writes 2*len lowercase hex digits plus NUL to out; -1 if outlen < 2*len + 1. */
int pk_hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen);
/* Decodes exactly n bytes: the hex text (optional 0x) must have exactly 2n digits. */
int pk_hex_decode_exact(const char *hex, uint8_t *out, size_t n);
/* Decodes hexlen characters (optional 0x, even digit count) into out (capacity cap); *n = bytes. */
int pk_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t cap, size_t *n);

/* ECDSA over secp256k1 with RFC 6979 nonces and low-s: sig = r || s || recovery id (0/1). */
int pk_secp256k1_sign_recoverable(const uint8_t seckey[PK_SECP256K1_SECKEY_BYTES],
                                  const uint8_t digest[32], uint8_t sig[PK_SECP256K1_SIG_BYTES]);
/* Public key of seckey, compressed (33 bytes). -1 for an invalid secret key. */
int pk_secp256k1_pubkey_compressed(const uint8_t seckey[PK_SECP256K1_SECKEY_BYTES],
                                   uint8_t out[PK_SECP256K1_PUBKEY_BYTES]);
/* Recovers the compressed public key from a 65-byte signature (recovery id 0..3 or 27..30). */
int pk_secp256k1_recover(const uint8_t digest[32], const uint8_t sig[PK_SECP256K1_SIG_BYTES],
                         uint8_t out[PK_SECP256K1_PUBKEY_BYTES]);
/* X25519 public key (base-point multiplication; the secret is clamped as RFC 7748 says). */
int pk_x25519_public(const uint8_t seckey[PK_X25519_KEY_BYTES], uint8_t out[PK_X25519_KEY_BYTES]);

/* ---- compose hash ------------------------------------------------------------------------------- */

/* The canonical forms of research/phala-api.md §6.2 (keys sorted recursively in JS order, JS number
 * printing, no HTML or non-ASCII escaping): COMPACT = dstack's getComposeHash (JSON.stringify with no
 * whitespace, form a); INDENT4 = 4-space indentation with "key":value and "," at line ends (form b,
 * Python's json.dumps(indent=4, separators=(",", ":")), the app-compose.json the cloud writes). */
typedef enum pk_compose_form { PK_COMPOSE_COMPACT = 0, PK_COMPOSE_INDENT4 = 1 } pk_compose_form;
#define PK_COMPOSE_FORMS 2
const char *pk_compose_form_name(pk_compose_form form); /* for messages */

/* SHA-256 of an app-compose JSON object in `form`, 64 lowercase hex + NUL in out_hex. normalize
 * first drops docker_compose_file when runner is "bash", bash_script when runner is "docker-compose"
 * or "nerdctl-compose", and a falsy pre_launch_script (dstack's preprocessAppCompose). */
int pk_compose_hash_form(const char *json, size_t len, pk_compose_form form, bool normalize,
                         char out_hex[PK_SHA256_HEX_LEN + 1], char *err, size_t errlen);
/* The COMPACT form: dstack SDK's getComposeHash. */
int pk_compose_hash(const char *json, size_t len, bool normalize,
                    char out_hex[PK_SHA256_HEX_LEN + 1], char *err, size_t errlen);

/* The compose with allowed_envs replaced by keys[0..n) (in that order; every duplicate member
 * removed), as compact JSON text in *out_json (malloc'd; free()). */
int pk_compose_with_allowed_envs(const char *json, size_t len, const char *const *keys, size_t n,
                                 char **out_json, char *err, size_t errlen);

/* Calls fn once per top-level member of an app-compose (the last of duplicates, in input order) with
 * the SHA-256 of its value in the COMPACT form: comparing two composes' digests names the fields
 * that differ without keeping either compose. */
typedef void (*pk_compose_field_fn)(const char *name, const char digest_hex[PK_SHA256_HEX_LEN + 1],
                                    void *user);
int pk_compose_field_digests(const char *json, size_t len, pk_compose_field_fn fn, void *user,
                             char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
