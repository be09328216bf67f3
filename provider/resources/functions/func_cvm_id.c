/* func_cvm_id.c — provider::phala::cvm_id(id): a CVM id in the form the API uses, normalised as the
 * SDKs do (a UUID with or without dashes → without; 40 hex digits, an app id → "app_<hex>"; any
 * other id as it is), the same code phala_encrypted_env's requests use. */
#include "phala_common.h"

#include <string.h>

static const tf_func_param params[] = {
    {.name = "id",
     .type = &tf_type_string,
     .description = "A CVM id in any form the API accepts: a UUID (with or without dashes), an "
                    "app id (40 hex digits), `app_…`, or the id the API shows."},
};

static void call_cvm_id(tf_fctx *f, const tf_value *args, tf_value *result)
{
    const char *id = args[0].u.str.ptr;
    if (args[0].u.str.len == 0 || strlen(id) != args[0].u.str.len || !pk_path_segment_valid(id)) {
        tf_func_error(
            f, 0,
            "\"%s\" is not a CVM id (an empty id, \".\" or \"..\" would name another API endpoint)",
            id);
        return;
    }
    size_t cap = args[0].u.str.len + 8;
    char *out = tf_arena_alloc(tf_func_arena(f), cap);
    if (pk_cvm_id_normalize(id, out, cap) != 0) {
        tf_func_error(f, 0, "\"%s\" is not a CVM id", id);
        return;
    }
    *result = tf_string(tf_func_arena(f), out);
}

const tf_function_def phala_func_cvm_id = {
    .name = "cvm_id",
    .summary = "A CVM id in the form the Phala Cloud API uses",
    .description =
        "Normalises a CVM id exactly as Phala's SDKs do before putting it in a request path: a "
        "UUID loses its dashes, an app id (40 hex digits) becomes `app_<hex>`, any other id is "
        "returned as it is. `phala_encrypted_env` normalises `cvm_id` the same way.",
    .params = params,
    .n_params = 1,
    .ret = &tf_type_string,
    .call = call_cvm_id,
};
