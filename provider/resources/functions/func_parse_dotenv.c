/* func_parse_dotenv.c — provider::phala::parse_dotenv(text): dotenv text as a map, parsed by the
 * same code as phala_encrypted_env's env_file (the JS dotenv rules the SDKs follow). */
#include "phala_common.h"

static const tf_type map_of_string = {.kind = TF_MAP, .elem = &tf_type_string};

static const tf_func_param params[] = {
    {.name = "text",
     .type = &tf_type_string,
     .description = "dotenv text, for example `file(\"prod.env\")`."},
};

static void call_parse_dotenv(tf_fctx *f, const tf_value *args, tf_value *result)
{
    pk_env_list vars = {0};
    char err[256];
    if (pk_parse_dotenv(args[0].u.str.ptr, args[0].u.str.len, &vars, err, sizeof err) != 0) {
        tf_func_error(f, 0, "The text is not dotenv that env_file would accept: %s", err);
        pk_env_list_free(&vars);
        return;
    }
    tf_arena *a = tf_func_arena(f);
    tf_value m = tf_collection(a, &map_of_string, vars.count);
    for (size_t i = 0; i < vars.count; i++) {
        m.u.coll.keys[i] = tf_arena_strdup(a, vars.items[i].key);
        m.u.coll.items[i] = tf_string_n(a, vars.items[i].value, vars.items[i].value_len);
    }
    pk_env_list_free(&vars); /* wipes the values */
    *result = m;
}

const tf_function_def phala_func_parse_dotenv = {
    .name = "parse_dotenv",
    .summary = "dotenv text as a map, as env_file reads it",
    .description =
        "Parses dotenv text with the rules `phala_encrypted_env`'s `env_file` uses (those of the "
        "JavaScript `dotenv` package the Phala SDKs follow: `KEY=value` lines, `#` comments, "
        "quotes, `export` prefixes, multi-line double-quoted values). A key that appears twice "
        "keeps its last value. Keys are not checked here: `phala_encrypted_env` rejects names the "
        "CVM would refuse.",
    .params = params,
    .n_params = 1,
    .ret = &map_of_string,
    .call = call_parse_dotenv,
};
