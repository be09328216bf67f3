/* pkx_json.h — typed field accessors over cJSON for the response decoders (json_get.c). Each yields
 * a value (NULL/absent for optional fields the API sends as null or omits) or a DECODE error naming
 * the field path, e.g. "kms_info.chain_id: expected number or null". */
#ifndef PKX_JSON_H
#define PKX_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "phalakms/client.h"

#define PKX_REQUIRED 1 /* absent or null is a DECODE error */

/* Parses body as a JSON object; what names the response in the error ("GET /kms"). */
int pkx_json_parse_object(const char *body, size_t len, const char *what, cJSON **out,
                          pk_error *err);
int pkx_json_str(const cJSON *obj, const char *ctx, const char *key, int flags, char **out,
                 pk_error *err);
/* Accepts a string or an integer (kept as decimal text), e.g. CVM ids of older API versions. */
int pkx_json_str_or_int(const cJSON *obj, const char *ctx, const char *key, int flags, char **out,
                        pk_error *err);
/* The same for one array element (ctx names it, e.g. "x.cvm_ids[2]"). */
int pkx_json_elem_str_or_int(const cJSON *it, const char *ctx, char **out, pk_error *err);
int pkx_json_i64(const cJSON *obj, const char *ctx, const char *key, int flags, int64_t *out,
                 bool *present, pk_error *err);
int pkx_json_bool(const cJSON *obj, const char *ctx, const char *key, int flags, pk_tristate *out,
                  pk_error *err);
/* *out = the array, or NULL when absent/null and not required. */
int pkx_json_array(const cJSON *obj, const char *ctx, const char *key, int flags, const cJSON **out,
                   pk_error *err);
int pkx_json_object(const cJSON *obj, const char *ctx, const char *key, int flags,
                    const cJSON **out, pk_error *err);

#endif /* PKX_JSON_H */
