/* tfvalue.h — the cty-like value model shared by the codecs and the framework.
 *
 * Types describe what Terraform's schema says (string, number, bool, list, set, map, object, tuple,
 * dynamic). Values are null, unknown (refinements kept opaque) or known. Numbers keep the exact form
 * they arrived in (int64, uint64, float64 or decimal text) and are re-emitted unchanged, because
 * Terraform compares numbers at 512-bit precision: "0.8" re-encoded as a double is a perpetual diff.
 *
 * Every value of a request lives in a tf_arena freed in one go when the RPC ends.
 * All functions that can fail return 0 on success and -1 on failure with a message in err.
 */
#ifndef TFVALUE_H
#define TFVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- arena ---------------------------------------------------------------------------------- */

typedef struct tf_arena tf_arena;
tf_arena *tf_arena_new(void);
/* Frees every allocation of the arena, wiping it first (values may hold secrets). */
void tf_arena_free(tf_arena *a);
/* Zeroed memory; aborts the process only on out-of-memory. Zeroed as handed out: a chunk's pages
 * are touched only as far as it is used (on a VM a fresh page costs ~5 us when first touched). */
void *tf_arena_alloc(tf_arena *a, size_t n);
char *tf_arena_strndup(tf_arena *a, const char *s, size_t n);
char *tf_arena_strdup(tf_arena *a, const char *s);
char *tf_arena_printf(tf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees a heap block whose written bytes the caller has wiped itself. The provider binary wipes
 * every block it frees (runtime/wipefree.c), all of it, which touches the pages of a large block
 * that were never written; this skips that second wipe (in other binaries it is free()). */
void tf_free_wiped(void *p);

/* ---- growable byte buffer (heap) ------------------------------------------------------------ */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} tf_buf;
void tf_buf_put(tf_buf *b, const void *p, size_t n);
/* Appends n bytes (zero: the buffer grows in wiped, zeroed blocks) and returns where they start. */
uint8_t *tf_buf_extend(tf_buf *b, size_t n);
void tf_buf_putc(tf_buf *b, uint8_t c);
void tf_buf_puts(tf_buf *b, const char *s);
/* Moves the contents to a fresh zeroed block of cap (>= len) bytes, wiping the old block; false
 * when there is no memory (the buffer is unchanged). */
bool tf_buf_move_to(tf_buf *b, size_t cap);
/* Wipes then frees. */
void tf_buf_free(tf_buf *b);

/* ---- text bound for Terraform (utf8.c) ------------------------------------------------------ */

/* The length of the valid UTF-8 sequence at s, or 0. */
size_t tf_utf8_seq_len(const unsigned char *s, size_t avail);
bool tf_utf8_valid(const char *s, size_t len);
/* s as valid UTF-8 of at most max bytes (+ "…" when cut, at a character boundary): invalid bytes
 * become U+FFFD, control characters other than newline and tab become visible "\xNN". */
const char *tf_text_clean(tf_arena *a, const char *s, size_t max);

/* ---- types ---------------------------------------------------------------------------------- */

typedef enum {
    TF_STRING,
    TF_NUMBER,
    TF_BOOL,
    TF_LIST,
    TF_SET,
    TF_MAP,
    TF_OBJECT,
    TF_TUPLE,
    TF_DYNAMIC,
} tf_kind;

typedef struct tf_type tf_type;
struct tf_type {
    tf_kind kind;
    const tf_type *elem;         /* LIST, SET, MAP */
    size_t n;                    /* OBJECT attributes / TUPLE elements */
    const char *const *names;    /* OBJECT attribute names, in any order (unique) */
    const tf_type *const *elems; /* OBJECT attribute types / TUPLE element types */
};

extern const tf_type tf_type_string, tf_type_number, tf_type_bool, tf_type_dynamic;

/* Types built at run time live in the arena (or in a never-freed arena for schemas). */
const tf_type *tf_type_collection(tf_arena *a, tf_kind kind, const tf_type *elem);
const tf_type *tf_type_object(tf_arena *a, size_t n, const char *const *names,
                              const tf_type *const *types);
const tf_type *tf_type_tuple(tf_arena *a, size_t n, const tf_type *const *types);
/* Index of an object attribute, or -1. */
int tf_type_attr_index(const tf_type *t, const char *name);
bool tf_type_equal(const tf_type *a, const tf_type *b);
/* cty type JSON: "string", ["list","string"], ["object",{"a":"number"}] (compact, keys sorted). */
void tf_type_json(const tf_type *t, tf_buf *out);
/* Parses cty type JSON (used for dynamic values). */
const tf_type *tf_type_from_json(tf_arena *a, const char *json, size_t len, char *err,
                                 size_t errlen);

/* ---- numbers -------------------------------------------------------------------------------- */

typedef enum { TF_NUM_INT, TF_NUM_UINT, TF_NUM_FLOAT, TF_NUM_TEXT } tf_num_form;
typedef struct {
    tf_num_form form;
    int64_t i;        /* TF_NUM_INT */
    uint64_t u;       /* TF_NUM_UINT */
    double f;         /* TF_NUM_FLOAT (also set, approximately, for every form) */
    const char *text; /* TF_NUM_TEXT: decimal text as received (NUL-terminated, arena) */
} tf_number;

/* Exact integer value of a number, if it is an integer that fits in int64. */
bool tf_number_to_int64(const tf_number *n, int64_t *out);
/* Equality of the mathematical values (exact for ints/texts, canonical decimal comparison). */
bool tf_number_equal(const tf_number *a, const tf_number *b);

/* ---- values --------------------------------------------------------------------------------- */

typedef enum { TF_NULL, TF_UNKNOWN, TF_KNOWN } tf_presence;

typedef struct tf_value tf_value;
struct tf_value {
    const tf_type *type; /* for a known dynamic value: the concrete type it carried */
    bool dynamic;        /* value was declared dynamic: re-encode as [type JSON, value] */
    tf_presence presence;
    union {
        struct {
            const char *ptr; /* NUL-terminated copy in the arena; may contain NUL bytes (len) */
            size_t len;
        } str;
        bool b;
        tf_number num;
        struct {
            tf_value *items;   /* LIST/SET/TUPLE elements; MAP values; OBJECT attrs in type order */
            const char **keys; /* MAP keys (sorted ascending by byte order) */
            size_t n;
        } coll;
        struct {
            const uint8_t *bytes; /* raw refinement payload of an ext 12 unknown (opaque) */
            size_t len;
        } refine;
    } u;
};

tf_value tf_null(const tf_type *t);
tf_value tf_unknown(const tf_type *t);
tf_value tf_string(tf_arena *a, const char *s);
tf_value tf_string_n(tf_arena *a, const char *s, size_t n);
tf_value tf_bool(bool b);
tf_value tf_int(int64_t i);
/* A new, empty known collection/object of type t with room for n items (object: t->n, all null). */
tf_value tf_collection(tf_arena *a, const tf_type *t, size_t n);

/* Object attribute by name (NULL if the value is not a known object or lacks the attribute). */
tf_value *tf_attr(const tf_value *obj, const char *name);
/* Map element by key, or NULL. */
tf_value *tf_map_get(const tf_value *map, const char *key);
/* Deep copy into arena a. */
tf_value tf_value_copy(tf_arena *a, const tf_value *v);
/* Terraform equality: same presence, same known content (numbers by value, sets order-free).
 * Two unknowns compare equal. */
bool tf_value_equal(const tf_value *a, const tf_value *b);
bool tf_value_wholly_known(const tf_value *v);
static inline bool tf_is_null(const tf_value *v)
{
    return !v || v->presence == TF_NULL;
}
static inline bool tf_is_unknown(const tf_value *v)
{
    return v && v->presence == TF_UNKNOWN;
}
static inline bool tf_is_known(const tf_value *v)
{
    return v && v->presence == TF_KNOWN;
}

/* ---- codecs --------------------------------------------------------------------------------- */

/* msgpack (DynamicValue.msgpack). Empty input decodes as null. Decoding checks the type strictly:
 * objects need exactly the type's attributes, unknown keys are errors, nesting depth is bounded.
 * err names the path where decoding failed, e.g. "at .rule[0].port: expected number". */
int tf_msgpack_decode(tf_arena *a, const tf_type *t, const uint8_t *data, size_t len, tf_value *out,
                      char *err, size_t errlen);
void tf_msgpack_encode(const tf_value *v, tf_buf *out);

/* JSON (DynamicValue.json and RawState.json), lexeme-preserving for numbers. With
 * ignore_unknown_attrs, object keys the type does not have are skipped (state written by an older
 * schema); missing attributes become null. JSON cannot carry unknowns. */
int tf_json_decode(tf_arena *a, const tf_type *t, const char *json, size_t len,
                   bool ignore_unknown_attrs, tf_value *out, char *err, size_t errlen);
/* JSON value encoding (for logs/tests; unknowns are written as null). */
void tf_json_encode(const tf_value *v, tf_buf *out);

#endif
