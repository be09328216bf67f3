/* internal.h — private helpers shared by the tfvalue sources (not part of the public API):
 * the JSON token tree, canonical decimal numbers, path tracking for error messages, and the
 * limits every decoder enforces. */
#ifndef TFVALUE_INTERNAL_H
#define TFVALUE_INTERNAL_H

#include "tfvalue.h"

/* Container nesting accepted by the value decoders (deep enough for any schema, small enough
 * that recursion can never exhaust the stack). */
#define TFV_MAX_DEPTH 64
/* The JSON parser allows more levels: a dynamic value adds an object level ({"value":…}). */
#define TFV_MAX_JSON_DEPTH 160
/* Refinement payloads longer than this are rejected, as cty does. */
#define TFV_MAX_REFINE 1024
/* Longest plain-decimal expansion of a JSON number we are willing to produce. */
#define TFV_MAX_NUM_TEXT 4096

/* ---- error path ------------------------------------------------------------------------- */

/* Where a decoder is, as ".a[0][\"k\"]", kept in a fixed buffer truncated on return. */
typedef struct {
    char buf[512];
    size_t len;
    bool overflow; /* path longer than buf: shown with a trailing "…" */
} tfv_path;

size_t tfv_path_push_attr(tfv_path *p, const char *name);
size_t tfv_path_push_index(tfv_path *p, size_t i);
size_t tfv_path_push_key(tfv_path *p, const char *key);
void tfv_path_pop(tfv_path *p, size_t old_len);
/* Writes "at <path>: <msg>" into err. */
void tfv_errorf(char *err, size_t errlen, const tfv_path *p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- JSON token tree -------------------------------------------------------------------- */

typedef enum { TJ_NULL, TJ_TRUE, TJ_FALSE, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ } tj_kind;

typedef struct tj_node tj_node;
struct tj_node {
    tj_kind kind;
    const char *s; /* TJ_STR: decoded UTF-8 (NUL-terminated); TJ_NUM: the lexeme */
    size_t len;
    const char *key; /* member name when this node is an object member (decoded, NUL-term.) */
    size_t keylen;
    tj_node *first, *next; /* children of ARR/OBJ, in document order */
    size_t count;
};

/* Parses one JSON document (surrounding whitespace allowed, nothing else). */
int tj_parse(tf_arena *a, const char *json, size_t len, tj_node **out, char *err, size_t errlen);
void tj_write_string(tf_buf *out, const char *s, size_t len);

/* ---- types ------------------------------------------------------------------------------ */

const tf_type *tfv_type_from_node(tf_arena *a, const tj_node *n, int depth, char *err,
                                  size_t errlen);
/* Attribute indexes of an object type sorted by name (Go's sort.Strings order); malloc'd. */
size_t *tfv_sorted_attrs(const tf_type *t);
const char *tfv_kind_name(tf_kind k);

/* ---- values ----------------------------------------------------------------------------- */

/* Declared type of item i of a container of type t (object attribute, tuple element, or the
 * element type of a list/set/map). */
const tf_type *tfv_item_type(const tf_type *t, size_t i);
/* A value is written with its type in front when it was decoded as dynamic or sits where the
 * schema says dynamic, unless it has no concrete type (then cty writes plain nil/unknown). */
bool tfv_wrap_dynamic(const tf_value *v, const tf_type *declared);
/* A map's keys in byte order with their item indexes (a NULL key reads as ""); malloc'd. */
typedef struct {
    const char *key;
    size_t idx;
} tfv_key_ref;
tfv_key_ref *tfv_sorted_map_keys(const tf_value *map);

/* ---- numbers ---------------------------------------------------------------------------- */

/* A decimal number as sign, significant digits (no leading/trailing zeros) and exponent:
 * value = (neg ? -1 : 1) * 0.<digits> * 10^exp. Zero has ndigits == 0 and neg == false. */
typedef struct {
    bool neg;
    const char *digits; /* points into scratch or arena storage */
    size_t ndigits;
    int64_t exp;
} tfv_decimal;

/* Validates decimal number text ([+-]digits[.digits][e[+-]digits]); fills d (digits are copied
 * into scratch, which needs len+1 bytes). strict_json: JSON grammar only. */
bool tfv_decimal_parse(const char *s, size_t len, bool strict_json, char *scratch, tfv_decimal *d);
/* Number from a JSON lexeme (strict) or a number-as-string (lenient), in the form Terraform's
 * msgpack encoder would use for that value. */
int tfv_number_from_json(tf_arena *a, const char *lex, size_t len, bool strict, tf_number *out,
                         char *msg, size_t msglen);
/* Number from a decimal string received in msgpack: validated, text kept verbatim. */
int tfv_number_from_text(tf_arena *a, const char *s, size_t len, tf_number *out);
/* Plain decimal (no exponent) text of a number, as cty's Text('f', -1) would print it. */
void tfv_number_text(const tf_number *n, tf_buf *out);

#endif
