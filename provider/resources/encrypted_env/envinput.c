/* envinput.c — see envinput.h. */
#include "envinput.h"

#include <stdlib.h>
#include <string.h>

static int by_key(const void *a, const void *b)
{
    return strcmp(((const pk_env_var *)a)->key, ((const pk_env_var *)b)->key);
}

/* Where a key was configured, for diagnostics: env["K"], env_wo["K"], else env_file. */
static tf_path key_path(tf_ctx *c, const tf_value *config, const char *key)
{
    const char *maps[] = {"env", "env_wo"};
    for (int i = 0; i < 2; i++) {
        tf_value *m = tf_attr(config, maps[i]);
        if (tf_is_known(m) && tf_map_get(m, key))
            return tf_path_with_key(c->arena, tf_path_attr(c->arena, maps[i]), key);
    }
    return tf_path_attr(c->arena, "env_file");
}

static int add_map(tf_ctx *c, const char *attr, const tf_value *m, env_input *out)
{
    for (size_t i = 0; i < m->u.coll.n; i++) {
        const tf_value *v = &m->u.coll.items[i];
        const char *val = tf_is_known(v) ? v->u.str.ptr : "";
        size_t len = tf_is_known(v) ? v->u.str.len : 0;
        if (!tf_is_known(v)) out->values_known = false;
        if (tf_is_null(v)) {
            tf_path p = tf_path_with_key(c->arena, tf_path_attr(c->arena, attr), m->u.coll.keys[i]);
            tf_diag_add(&c->diags, TF_ERROR, &p, "Invalid environment variable",
                        "The value of %s is null; use an empty string for an empty value.",
                        m->u.coll.keys[i]);
            return -1;
        }
        if (pk_env_list_set(&out->vars, m->u.coll.keys[i], val, len) != 0) abort();
    }
    return 0;
}

int env_input_build(tf_ctx *c, const tf_value *config, env_input *out)
{
    memset(out, 0, sizeof *out);
    out->keys_known = out->values_known = true;
    const tf_value *file = tf_attr(config, "env_file"), *env = tf_attr(config, "env"),
                   *wo = tf_attr(config, "env_wo");
    if (tf_is_unknown(file) || tf_is_unknown(env) || tf_is_unknown(wo)) {
        out->keys_known = out->values_known = false;
        return 0;
    }
    if (tf_is_known(file)) {
        char err[256];
        if (pk_parse_dotenv(file->u.str.ptr, file->u.str.len, &out->vars, err, sizeof err) != 0) {
            tf_error(c, "env_file", "Invalid env_file", "%s", err);
            return -1;
        }
    }
    /* env and env_wo exclude each other (schema conflicts); either overrides env_file. */
    if (tf_is_known(env) && add_map(c, "env", env, out) != 0) return -1;
    if (tf_is_known(wo) && add_map(c, "env_wo", wo, out) != 0) return -1;
    if (out->vars.count) qsort(out->vars.items, out->vars.count, sizeof *out->vars.items, by_key);

    int rc = 0;
    for (size_t i = 0; i < out->vars.count; i++) {
        const char *k = out->vars.items[i].key;
        if (!pk_env_key_valid(k)) {
            tf_path p = key_path(c, config, k);
            tf_diag_add(&c->diags, TF_ERROR, &p, "Invalid environment variable name",
                        "\"%s\" is not a valid variable name: use letters, digits and _ and do not "
                        "start with a digit (at most 255 bytes). The CVM refuses other names.",
                        k);
            rc = -1;
        }
    }
    if (rc == 0 && out->values_known) {
        size_t bad = 0;
        char err[256];
        if (pk_env_check(out->vars.items, out->vars.count, &bad, err, sizeof err) != 0) {
            tf_path p = bad < out->vars.count ? key_path(c, config, out->vars.items[bad].key)
                                              : tf_path_attr(c->arena, "env");
            tf_diag_add(&c->diags, TF_ERROR, &p, "Environment too large", "%s", err);
            rc = -1;
        }
    }
    return rc;
}

void env_input_free(env_input *in)
{
    pk_env_list_free(&in->vars);
}

tf_value env_input_keys(tf_ctx *c, const env_input *in)
{
    if (!in->keys_known) return tf_unknown(&phala_list_of_string);
    tf_value v = tf_collection(c->arena, &phala_list_of_string, in->vars.count);
    for (size_t i = 0; i < in->vars.count; i++)
        v.u.coll.items[i] = tf_string(c->arena, in->vars.items[i].key);
    return v;
}
