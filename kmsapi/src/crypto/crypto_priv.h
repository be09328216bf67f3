/* Private helpers shared by the crypto files of libphalakms (prefix pkx_): error messages, a
 * growable byte buffer that wipes what it held, one-time library init, the AES-256-GCM switch and
 * the deterministic encryption entry point that the tests use to reproduce fixed vectors. */
#ifndef PHALAKMS_CRYPTO_PRIV_H
#define PHALAKMS_CRYPTO_PRIV_H

#include "phalakms/crypto.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define PKX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PKX_PRINTF(a, b)
#endif

/* Writes a formatted message into err (no-op when err is NULL or errlen is 0); returns -1 so that
 * callers can `return pkx_seterr(...)`. */
int pkx_seterr(char *err, size_t errlen, const char *fmt, ...) PKX_PRINTF(3, 4);

/* sodium_init() and the secp256k1 context, once per process (thread-safe). -1 if libsodium fails. */
int pkx_crypto_init(void);
/* Shared secp256k1 context (randomised at creation); NULL if it could not be created. */
struct secp256k1_context_struct;
const struct secp256k1_context_struct *pkx_secp256k1_ctx(void);

/* Growable buffer. Growing copies into a fresh allocation and wipes the old one, because buffers
 * hold plaintext env values; pkx_buf_free wipes too. */
typedef struct pkx_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* set by the first allocation failure; later appends are no-ops */
} pkx_buf;
int pkx_buf_reserve(pkx_buf *b, size_t extra);
int pkx_buf_append(pkx_buf *b, const void *data, size_t len);
int pkx_buf_putc(pkx_buf *b, char c);
void pkx_buf_free(pkx_buf *b);

/* Appends s[0..len) as a JSON string literal exactly as JS JSON.stringify writes it: quotes,
 * backslash-escapes for " and \, \b \f \n \r \t, \u00xx (lowercase) for other bytes < 0x20, every
 * other byte (UTF-8 included) unchanged. */
int pkx_json_quote(pkx_buf *b, const char *s, size_t len);
/* The same into a raw buffer: pkx_json_quoted_len gives the exact size (quotes included),
 * pkx_json_quote_to writes it and returns the end. */
size_t pkx_json_quoted_len(const char *s, size_t len);
char *pkx_json_quote_to(char *out, const char *s, size_t len);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool pkx_utf8_valid(const char *s, size_t len);

/* AES-256-GCM, 12-byte IV, no AAD, 16-byte tag appended to the ciphertext. libsodium's AES-NI code
 * when the CPU has it, else OpenSSL's EVP (portable); the choice is made per call. */
#define PKX_GCM_IV_BYTES  12
#define PKX_GCM_TAG_BYTES 16
int pkx_aes256gcm_encrypt(const uint8_t key[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                          const uint8_t *pt, size_t pt_len, uint8_t *ct_tag); /* pt == ct_tag ok */
int pkx_aes256gcm_decrypt(const uint8_t key[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                          const uint8_t *ct_tag, size_t ct_tag_len, uint8_t *pt);
/* Test hook: force the OpenSSL path even where AES-NI is available. */
void pkx_gcm_force_portable(bool on);
/* True when the next call will use the OpenSSL path. */
bool pkx_gcm_uses_portable(void);

/* pk_encrypt_env with caller-chosen ephemeral secret and IV — for test vectors only. */
int pkx_encrypt_env_det(const pk_env_var *vars, size_t count, const char *public_key_hex,
                        const uint8_t eph_sk[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                        char **out_hex, char *err, size_t errlen);

#endif
