/* func_compose_hash.c — provider::phala::compose_hash(app_compose, env_keys...) and
 * compose_hash_indent4(…): the compose hash of an app-compose in one of the canonical forms of
 * research/phala-api.md §6.2 (compact: dstack's getComposeHash; indent4: the app-compose.json
 * Phala Cloud writes), optionally with allowed_envs replaced by a key list first, sorted as
 * phala_encrypted_env sends env_keys. The same kmsapi code the resource proves a hash with before
 * it signs (envverify.c). */
#include "phala_common.h"

#include <stdlib.h>
#include <string.h>

static const tf_func_param params[] = {
    {.name = "app_compose",
     .type = &tf_type_string,
     .description = "The app-compose as JSON text (an object), e.g. `jsonencode({ … })`, "
                    "`file(\"app-compose.json\")` or the compose file the API serves."},
};

static const tf_func_param env_keys_param = {
    .name = "env_keys",
    .type = &phala_list_of_string,
    .description = "Optional: the env keys that replace `allowed_envs` before hashing, as one "
                   "list (`[\"API_KEY\", \"DATABASE_URL\"]`; `[]` empties it), sorted first as "
                   "`phala_encrypted_env` sends them. Each must be a variable name the resource "
                   "accepts (letters, digits and `_`, not starting with a digit), given once. "
                   "Without it the compose is hashed as it is.",
};

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The key list of the optional argument (args[1] is the list of variadic arguments), checked as
 * phala_encrypted_env checks env keys and sorted as it sends them. -1 after an error. */
static int env_keys_of(tf_fctx *f, const char *fn, const tf_value *var, const char ***out,
                       size_t *n)
{
    if (var->u.coll.n > 1) {
        tf_func_error(f, 2,
                      "give env_keys once, as one list: %s(app_compose, [\"API_KEY\", "
                      "\"DATABASE_URL\"])",
                      fn);
        return -1;
    }
    const tf_value *list = &var->u.coll.items[0];
    *n = list->u.coll.n;
    if (*n > PK_ENV_MAX_VARS) {
        tf_func_error(f, 1, "env_keys has %zu keys; a CVM takes at most %u variables", *n,
                      (unsigned)PK_ENV_MAX_VARS);
        return -1;
    }
    const char **keys = tf_arena_alloc(tf_func_arena(f), (*n ? *n : 1) * sizeof *keys);
    for (size_t i = 0; i < *n; i++) {
        const tf_value *k = &list->u.coll.items[i];
        if (tf_is_null(k)) {
            tf_func_error(f, 1, "env_keys[%zu] is null; every element must be a variable name", i);
            return -1;
        }
        if (strlen(k->u.str.ptr) != k->u.str.len || !pk_env_key_valid(k->u.str.ptr)) {
            tf_func_error(f, 1,
                          "env_keys[%zu] (\"%s\") is not a valid variable name: use letters, "
                          "digits and _, not starting with a digit, at most %u bytes "
                          "(phala_encrypted_env and the CVM refuse other names)",
                          i, k->u.str.ptr, (unsigned)PK_ENV_MAX_KEY_BYTES);
            return -1;
        }
        keys[i] = k->u.str.ptr;
    }
    if (*n) qsort(keys, *n, sizeof *keys, by_str);
    for (size_t i = 1; i < *n; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0) {
            tf_func_error(f, 1,
                          "\"%s\" appears more than once in env_keys; allowed_envs names each "
                          "key once",
                          keys[i]);
            return -1;
        }
    *out = keys;
    return 0;
}

static const char compose_hint[] = "pass the JSON text of the app-compose object, e.g. "
                                   "jsonencode({ … }) or file(\"app-compose.json\")";

static void compose_hash_in(const char *fn, pk_compose_form form, tf_fctx *f, const tf_value *args,
                            tf_value *result)
{
    const char *json = args[0].u.str.ptr;
    size_t len = args[0].u.str.len;
    char err[256] = "", *edited = NULL;
    if (args[1].u.coll.n > 0) {
        const char **keys = NULL;
        size_t n = 0;
        if (env_keys_of(f, fn, &args[1], &keys, &n) != 0) return;
        if (pk_compose_with_allowed_envs(json, len, keys, n, &edited, err, sizeof err) != 0) {
            tf_func_error(f, 0, "%s; %s", err, compose_hint);
            return;
        }
        json = edited;
        len = strlen(edited);
    }
    char hex[PK_SHA256_HEX_LEN + 1];
    int rc = pk_compose_hash_form(json, len, form, false, hex, err, sizeof err);
    free(edited);
    if (rc != 0) {
        tf_func_error(f, 0, "%s; %s", err, compose_hint);
        return;
    }
    *result = tf_string(tf_func_arena(f), hex);
}

static void call_compact(tf_fctx *f, const tf_value *args, tf_value *result)
{
    compose_hash_in("compose_hash", PK_COMPOSE_COMPACT, f, args, result);
}

static void call_indent4(tf_fctx *f, const tf_value *args, tf_value *result)
{
    compose_hash_in("compose_hash_indent4", PK_COMPOSE_INDENT4, f, args, result);
}

const tf_function_def phala_func_compose_hash = {
    .name = "compose_hash",
    .summary = "The compose hash of an app-compose, as dstack computes it",
    .description =
        "The SHA-256 compose hash of an app-compose, as 64 lowercase hex digits without `0x`, "
        "as the SDKs' `getComposeHash` and the API give compose hashes: it compares directly "
        "with `phala_encrypted_env`'s `compose_hash` (`addComposeHash` takes it as `0x<hash>`). "
        "The compose is hashed in dstack's canonical "
        "compact form, that of `getComposeHash` in Phala's SDKs: keys sorted recursively (in "
        "JavaScript order), no whitespace, JavaScript number printing, no HTML or non-ASCII "
        "escaping, and no normalisation (no field is dropped). With `env_keys`, `allowed_envs` "
        "is first replaced by those keys, sorted by byte order: the compose hash a change of env "
        "keys in `phala_encrypted_env` asks the app contract to allow, so whoever approves a "
        "registration (a multisig owner) can compute it from the compose they approved.\n\n"
        "Phala Cloud may instead hash the `app-compose.json` it writes, indented by four spaces: "
        "`compose_hash_indent4` takes the same arguments and hashes that form "
        "(`phala_encrypted_env` accepts either when it proves a hash before signing). To tell "
        "which one your CVM uses, hash its current compose both ways and compare with the API's "
        "`compose_hash`. The hash the CVM measures is `sha256()` of the exact `app-compose.json` "
        "text (the attestation's `tcb_info.app_compose`).",
    .params = params,
    .n_params = 1,
    .variadic = &env_keys_param,
    .ret = &tf_type_string,
    .call = call_compact,
};

const tf_function_def phala_func_compose_hash_indent4 = {
    .name = "compose_hash_indent4",
    .summary = "The compose hash of an app-compose in the indented form of app-compose.json",
    .description =
        "Like `compose_hash` (same arguments, 64 lowercase hex digits without `0x`, `env_keys` "
        "sorted into `allowed_envs` first), but in the indented form of the `app-compose.json` "
        "Phala Cloud writes: keys sorted recursively, one member or element per line indented by "
        "four spaces, `\"key\":value` with no space after the colon, `,` at line ends, no "
        "trailing newline — Python's `json.dumps(c, indent=4, separators=(\",\", \":\"), "
        "ensure_ascii=False)` with sorted keys. (The `dumpAppCompose` of `@phala/cloud` removes "
        "`\": ` inside string values too; the two differ only for such values.)",
    .params = params,
    .n_params = 1,
    .variadic = &env_keys_param,
    .ret = &tf_type_string,
    .call = call_indent4,
};
