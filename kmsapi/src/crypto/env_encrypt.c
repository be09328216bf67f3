/* Env encryption and decryption, byte-compatible with @phala/dstack-sdk encryptEnvVars: X25519 with
 * a fresh ephemeral key, the raw shared secret as the AES-256-GCM key (no KDF — that is what the SDKs
 * and the guest do), random 12-byte IV, output hex(eph_pk || iv || ciphertext || tag). */
#include "crypto/crypto_priv.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#define HEADER_BYTES (PK_X25519_KEY_BYTES + PKX_GCM_IV_BYTES)

/* {"env":[{"key":"K","value":"V"},...]} exactly as JS JSON.stringify writes it. Sized first so
 * that it is written once, straight into the output blob where it is then encrypted in place: no
 * plaintext copy is left behind and a 1 MiB env costs no reallocations. */
static size_t plaintext_len(const pk_env_var *vars, size_t count)
{
    size_t n = sizeof "{\"env\":[]}" - 1;
    for (size_t i = 0; i < count; i++)
        n += (i ? 1 : 0) + sizeof "{\"key\":,\"value\":}" - 1 +
             pkx_json_quoted_len(vars[i].key, strlen(vars[i].key)) +
             pkx_json_quoted_len(vars[i].value ? vars[i].value : "", vars[i].value_len);
    return n;
}

static char *put(char *o, const char *lit, size_t n)
{
    memcpy(o, lit, n);
    return o + n;
}
#define PUT(o, lit) put(o, lit, sizeof lit - 1)

static char *write_plaintext(char *o, const pk_env_var *vars, size_t count)
{
    o = PUT(o, "{\"env\":[");
    for (size_t i = 0; i < count; i++) {
        if (i) *o++ = ',';
        o = PUT(o, "{\"key\":");
        o = pkx_json_quote_to(o, vars[i].key, strlen(vars[i].key));
        o = PUT(o, ",\"value\":");
        o = pkx_json_quote_to(o, vars[i].value ? vars[i].value : "", vars[i].value_len);
        *o++ = '}';
    }
    return PUT(o, "]}");
}

int pkx_encrypt_env_det(const pk_env_var *vars, size_t count, const char *public_key_hex,
                        const uint8_t eph_sk[32], const uint8_t iv[PKX_GCM_IV_BYTES],
                        char **out_hex, char *err, size_t errlen)
{
    uint8_t remote[PK_X25519_KEY_BYTES], eph_pk[PK_X25519_KEY_BYTES], shared[32];
    uint8_t *blob = NULL;
    size_t blob_len = 0, pt_len = 0;
    int rc = -1;

    if (!out_hex) return pkx_seterr(err, errlen, "out_hex is NULL");
    *out_hex = NULL;
    if (pkx_crypto_init() != 0) return pkx_seterr(err, errlen, "libsodium failed to initialise");
    if (pk_env_check(vars, count, NULL, err, errlen) != 0) return -1;
    if (!public_key_hex || pk_hex_decode_exact(public_key_hex, remote, sizeof remote) != 0)
        return pkx_seterr(err, errlen,
                          "encryption public key must be 32 bytes of hex (64 digits, optional 0x)");
    if (crypto_scalarmult_base(eph_pk, eph_sk) != 0 ||
        crypto_scalarmult(shared, eph_sk, remote) != 0) {
        /* libsodium refuses an all-zero shared secret: the public key is a low-order point. */
        pkx_seterr(err, errlen, "encryption public key is invalid (low-order X25519 point)");
        goto out;
    }
    pt_len = plaintext_len(vars, count);
    blob_len = HEADER_BYTES + pt_len + PKX_GCM_TAG_BYTES;
    blob = malloc(blob_len);
    *out_hex = malloc(blob_len * 2 + 1);
    if (!blob || !*out_hex) {
        pkx_seterr(err, errlen, "out of memory");
        goto out;
    }
    memcpy(blob, eph_pk, sizeof eph_pk);
    memcpy(blob + PK_X25519_KEY_BYTES, iv, PKX_GCM_IV_BYTES);
    uint8_t *pt = blob + HEADER_BYTES;
    write_plaintext((char *)pt, vars, count);
    if (pkx_aes256gcm_encrypt(shared, iv, pt, pt_len, pt) != 0) {
        sodium_memzero(pt, pt_len);
        pkx_seterr(err, errlen, "AES-256-GCM encryption failed");
        goto out;
    }
    pk_hex_encode(blob, blob_len, *out_hex, blob_len * 2 + 1);
    rc = 0;
out:
    sodium_memzero(shared, sizeof shared);
    free(blob); /* holds only ciphertext (or was wiped) */
    if (rc != 0 && *out_hex) {
        free(*out_hex);
        *out_hex = NULL;
    }
    return rc;
}

int pk_encrypt_env(const pk_env_var *vars, size_t count, const char *public_key_hex, char **out_hex,
                   char *err, size_t errlen)
{
    uint8_t eph_sk[32], iv[PKX_GCM_IV_BYTES];
    if (pkx_crypto_init() != 0) return pkx_seterr(err, errlen, "libsodium failed to initialise");
    randombytes_buf(eph_sk, sizeof eph_sk);
    randombytes_buf(iv, sizeof iv);
    int rc = pkx_encrypt_env_det(vars, count, public_key_hex, eph_sk, iv, out_hex, err, errlen);
    sodium_memzero(eph_sk, sizeof eph_sk);
    return rc;
}

/* Walks {"env":[{"key":..,"value":..},...]} into out. */
static int parse_plaintext(const char *json, size_t len, pk_env_list *out, char *err, size_t errlen)
{
    int rc = -1;
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (!doc) return pkx_seterr(err, errlen, "decrypted env is not valid JSON");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(doc, "env");
    if (!cJSON_IsArray(env)) {
        pkx_seterr(err, errlen, "decrypted env JSON has no \"env\" array");
        goto out;
    }
    size_t i = 0;
    for (const cJSON *it = env->child; it; it = it->next, i++) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (!cJSON_IsString(k) || !cJSON_IsString(v)) {
            pkx_seterr(err, errlen, "decrypted env[%zu] lacks a string \"key\" or \"value\"", i);
            goto out;
        }
        if (pk_env_list_set(out, k->valuestring, v->valuestring, strlen(v->valuestring)) != 0) {
            pkx_seterr(err, errlen, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    /* cJSON copied the values: wipe its strings before freeing the tree. */
    if (cJSON_IsArray(env))
        for (cJSON *it = env->child; it; it = it->next) {
            cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
            if (cJSON_IsString(v)) sodium_memzero(v->valuestring, strlen(v->valuestring));
        }
    cJSON_Delete(doc);
    return rc;
}

/* cJSON keeps strings NUL-terminated, so a \u0000 escape would silently cut a value short: refuse
 * it instead (an env value cannot hold NUL anyway). */
static bool has_nul_escape(const char *s, size_t len)
{
    for (size_t i = 0; i + 5 < len; i++) {
        if (s[i] != '\\') continue;
        if (s[i + 1] == 'u' && s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '0' &&
            s[i + 5] == '0')
            return true;
        i++; /* skip the escaped character so that "\\u0000" is not mistaken for an escape */
    }
    return false;
}

int pk_decrypt_env(const char *hex, const uint8_t recipient_sk[PK_X25519_KEY_BYTES],
                   pk_env_list *out, char *err, size_t errlen)
{
    uint8_t shared[32];
    uint8_t *blob = NULL, *pt = NULL;
    size_t blob_len = 0, pt_len = 0;
    int rc = -1;

    if (!hex || !recipient_sk || !out) return pkx_seterr(err, errlen, "NULL argument");
    if (pkx_crypto_init() != 0) return pkx_seterr(err, errlen, "libsodium failed to initialise");
    size_t hexlen = strlen(hex);
    blob = malloc(hexlen / 2 + 1);
    if (!blob) return pkx_seterr(err, errlen, "out of memory");
    if (pk_hex_decode(hex, hexlen, blob, hexlen / 2 + 1, &blob_len) != 0) {
        pkx_seterr(err, errlen, "encrypted env is not valid hex");
        goto out;
    }
    if (blob_len < HEADER_BYTES + PKX_GCM_TAG_BYTES) {
        pkx_seterr(err, errlen, "encrypted env is too short (%zu bytes, at least %d needed)",
                   blob_len, HEADER_BYTES + PKX_GCM_TAG_BYTES);
        goto out;
    }
    if (crypto_scalarmult(shared, recipient_sk, blob) != 0) {
        pkx_seterr(err, errlen, "encrypted env carries an invalid ephemeral public key");
        goto out;
    }
    pt_len = blob_len - HEADER_BYTES - PKX_GCM_TAG_BYTES;
    pt = malloc(pt_len + 1);
    if (!pt) {
        pkx_seterr(err, errlen, "out of memory");
        goto out;
    }
    if (pkx_aes256gcm_decrypt(shared, blob + PK_X25519_KEY_BYTES, blob + HEADER_BYTES,
                              blob_len - HEADER_BYTES, pt) != 0) {
        pkx_seterr(err, errlen, "decryption failed: wrong key or corrupted data");
        goto out;
    }
    pt[pt_len] = '\0';
    if (has_nul_escape((const char *)pt, pt_len) || memchr(pt, '\0', pt_len)) {
        pkx_seterr(err, errlen, "decrypted env contains a NUL character, which is not supported");
        goto out;
    }
    rc = parse_plaintext((const char *)pt, pt_len, out, err, errlen);
out:
    sodium_memzero(shared, sizeof shared);
    if (pt) {
        sodium_memzero(pt, pt_len + 1);
        free(pt);
    }
    free(blob);
    return rc;
}
