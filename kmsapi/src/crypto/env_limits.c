/* What the dstack guest accepts in a decrypted env (dstack-util parse_env_file.rs): key syntax and
 * length, number of variables, value size and total size. Checked before encrypting so that a bad
 * env is a clear error naming the variable instead of a CVM that fails to boot. */
#include "crypto/crypto_priv.h"

#include <string.h>

bool pk_env_key_valid(const char *key)
{
    if (!key) return false;
    char c = key[0];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')) return false;
    size_t i = 1;
    for (; key[i]; i++) {
        c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
        if (i >= PK_ENV_MAX_KEY_BYTES) return false;
    }
    return true;
}

static int fail_at(size_t i, size_t *bad_index)
{
    if (bad_index) *bad_index = i;
    return -1;
}

int pk_env_check(const pk_env_var *vars, size_t count, size_t *bad_index, char *err, size_t errlen)
{
    size_t total = 0;
    if (count && !vars) return pkx_seterr(err, errlen, "env list is NULL");
    for (size_t i = 0; i < count; i++) {
        const pk_env_var *v = &vars[i];
        const char *key = v->key ? v->key : "";
        if (!pk_env_key_valid(key)) {
            /* Key names are not secret, but an invalid one may be binary: print it only if it is
             * short printable ASCII. */
            bool printable = strlen(key) <= 64;
            for (const char *p = key; printable && *p; p++)
                printable = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f;
            if (printable)
                pkx_seterr(err, errlen,
                           "env[%zu] key \"%s\" is invalid: keys must match "
                           "^[A-Za-z_][A-Za-z0-9_]*$ and be at most %d bytes",
                           i, key, PK_ENV_MAX_KEY_BYTES);
            else
                pkx_seterr(err, errlen,
                           "env[%zu] key is invalid: keys must match ^[A-Za-z_][A-Za-z0-9_]*$ "
                           "and be at most %d bytes",
                           i, PK_ENV_MAX_KEY_BYTES);
            return fail_at(i, bad_index);
        }
        if (i >= PK_ENV_MAX_VARS) {
            pkx_seterr(err, errlen, "env[%zu] \"%s\": too many variables (at most %d)", i, key,
                       PK_ENV_MAX_VARS);
            return fail_at(i, bad_index);
        }
        if (!v->value && v->value_len) {
            pkx_seterr(err, errlen, "env[%zu] \"%s\": value is NULL", i, key);
            return fail_at(i, bad_index);
        }
        if (v->value_len > PK_ENV_MAX_VALUE_BYTES) {
            pkx_seterr(err, errlen, "env[%zu] \"%s\": value is %zu bytes, at most %u allowed", i,
                       key, v->value_len, PK_ENV_MAX_VALUE_BYTES);
            return fail_at(i, bad_index);
        }
        if (v->value_len && memchr(v->value, '\0', v->value_len)) {
            /* A process environment cannot carry NUL; the guest would truncate or fail. */
            pkx_seterr(err, errlen, "env[%zu] \"%s\": value contains a NUL byte", i, key);
            return fail_at(i, bad_index);
        }
        if (v->value_len && !pkx_utf8_valid(v->value, v->value_len)) {
            pkx_seterr(err, errlen, "env[%zu] \"%s\": value is not valid UTF-8", i, key);
            return fail_at(i, bad_index);
        }
        total += strlen(key) + v->value_len;
        if (total > PK_ENV_MAX_TOTAL_BYTES) {
            pkx_seterr(err, errlen,
                       "env[%zu] \"%s\": keys and values together exceed %u bytes at this variable",
                       i, key, PK_ENV_MAX_TOTAL_BYTES);
            return fail_at(i, bad_index);
        }
    }
    return 0;
}
