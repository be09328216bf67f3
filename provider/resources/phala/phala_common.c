/* phala_common.c — see phala_common.h. */
#include "phala_common.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const tf_type phala_list_of_string = {.kind = TF_LIST, .elem = &tf_type_string};

pk_client *phala_client(tf_ctx *c)
{
    phala_config *pc = c->provider_data;
    if (!pc || !pc->client) {
        tf_error(
            c, NULL, "Provider not configured",
            "The phala provider has no usable configuration (see the provider block's errors).");
        return NULL;
    }
    if (tf_cancelled()) {
        tf_error_cancelled(c);
        return NULL;
    }
    return pc->client;
}

void phala_check_path_id(tf_ctx *c, const tf_value *config, const char *attr, const char *what)
{
    const tf_value *v = tf_attr(config, attr);
    if (!tf_is_known(v) || v->type->kind != TF_STRING) return;
    if (v->u.str.len == 0)
        tf_error(c, attr, "Invalid id", "%s must not be empty (it is a %s).", attr, what);
    else if (strlen(v->u.str.ptr) != v->u.str.len || !pk_path_segment_valid(v->u.str.ptr))
        tf_error(c, attr, "Invalid id",
                 "\"%s\" is not a %s: \".\" and \"..\" would name another API endpoint.",
                 v->u.str.ptr, what);
}

bool phala_import_id_ok(tf_ctx *c, const char *id, const char *what)
{
    if (id && pk_path_segment_valid(id)) return true;
    tf_error(c, NULL, "Invalid import id",
             "\"%s\" is not a %s: it must not be empty, \".\" or \"..\".", id ? id : "", what);
    return false;
}

void phala_api_error(tf_ctx *c, const char *attr, const char *summary, const pk_error *err)
{
    if (err->kind == PK_ERR_CANCELLED) {
        tf_error_cancelled(c);
        return;
    }
    /* Only answers about the value itself (not found, rejected input) belong to the attribute;
     * auth, network and server failures concern the whole provider configuration. */
    bool about_value = err->kind == PK_ERR_INVALID_ARG || err->http_status == 404 ||
                       err->http_status == 422 || err->http_status == 400;
    /* pk_error_message is written for a person and carries the request id; never the API key. */
    tf_error(c, about_value ? attr : NULL, summary, "%s", pk_error_message(err));
}

tf_value phala_str_or_null(tf_arena *a, const char *s)
{
    return s ? tf_string(a, s) : tf_null(&tf_type_string);
}

tf_value phala_int_or_null(bool has, int64_t v)
{
    return has ? tf_int(v) : tf_null(&tf_type_number);
}

tf_value phala_tristate(pk_tristate t)
{
    return t == PK_UNSET ? tf_null(&tf_type_bool) : tf_bool(t == PK_TRUE);
}

const char *phala_strip0x(const char *s)
{
    return s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? s + 2 : s;
}

bool phala_is_hex(const char *s, size_t digits, bool require_0x)
{
    if (require_0x) {
        if (strncmp(s, "0x", 2) != 0) return false;
        s += 2;
    } else {
        s = phala_strip0x(s);
    }
    if (strlen(s) != digits) return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s)) return false;
    return true;
}

bool phala_hex_norm(const char *s, size_t digits, char *out)
{
    if (!s || !phala_is_hex(s, digits, false)) return false;
    const char *h = phala_strip0x(s);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < digits; i++) out[2 + i] = (char)tolower((unsigned char)h[i]);
    out[2 + digits] = '\0';
    return true;
}

bool phala_hex_same(const char *a, const char *b)
{
    return a && b && strcasecmp(phala_strip0x(a), phala_strip0x(b)) == 0;
}

bool phala_is_k256_pubkey(const char *s)
{
    const char *h = phala_strip0x(s);
    return phala_is_hex(s, 66, false) && (strncmp(h, "02", 2) == 0 || strncmp(h, "03", 2) == 0);
}
