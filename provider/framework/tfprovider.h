/* tfprovider.h — what a provider, resource or data source file declares: a schema table and
 * callbacks over typed values (tfvalue.h). The framework owns every Terraform rule — plan algorithm,
 * requires_replace, null-on-delete, "no unknowns after apply", write-only nulling, number lexemes —
 * and checks its own replies before they leave, so a resource cannot break them by accident.
 * Nothing here mentions protobuf, gRPC or msgpack. */
#ifndef TFPROVIDER_H
#define TFPROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "tfvalue.h"

/* ---- schema --------------------------------------------------------------------------------- */

enum {
    TF_REQUIRED = 1 << 0,
    TF_OPTIONAL = 1 << 1,
    TF_COMPUTED = 1 << 2,
    TF_SENSITIVE = 1 << 3,
    TF_WRITE_ONLY = 1 << 4,            /* config only; always null in plan and state (TF >= 1.11) */
    TF_FORCE_NEW = 1 << 5,             /* a change plans a replacement */
    TF_USE_STATE_FOR_UNKNOWN = 1 << 6, /* computed: keep the prior value instead of unknown */
};

typedef enum {
    TF_NEST_SINGLE = 1,
    TF_NEST_LIST,
    TF_NEST_SET,
    TF_NEST_MAP,
    TF_NEST_GROUP
} tf_nesting;

typedef struct tf_block_def tf_block_def;

typedef struct {
    const char *name;
    const tf_type *type;        /* a plain attribute's type, or NULL for a nested attribute */
    const tf_block_def *nested; /* protocol-6 nested attribute: object of these attributes */
    tf_nesting nesting;         /* nested attribute: SINGLE, LIST, SET or MAP */
    unsigned flags;
    const char *description;           /* markdown; becomes the docs */
    const char *deprecation;           /* non-NULL: deprecated, with this message */
    const char *const *conflicts_with; /* NULL-terminated sibling names, or NULL */
} tf_attr_def;

typedef struct {
    const char *name;
    tf_nesting nesting;
    const tf_block_def *block;
    int min_items, max_items;
} tf_nested_block_def;

struct tf_block_def {
    const tf_attr_def *attrs;
    size_t n_attrs;
    const tf_nested_block_def *blocks;
    size_t n_blocks;
    const char *description;
    const char *deprecation;
};

#define TF_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The object type Terraform implies for a block (attributes + nested blocks). Cached. */
const tf_type *tf_block_type(const tf_block_def *b);
/* Checks Terraform's InternalValidate rules for a schema (names, flag combinations, nesting
 * limits, write-only placement). Returns 0, or -1 with the first violation in err. */
int tf_block_check(const tf_block_def *b, bool managed, char *err, size_t errlen);

/* ---- diagnostics ---------------------------------------------------------------------------- */

typedef enum { TF_STEP_ATTR, TF_STEP_KEY, TF_STEP_INDEX } tf_step_kind;
typedef struct {
    tf_step_kind kind;
    const char *name; /* ATTR: attribute name; KEY: map key */
    int64_t index;    /* INDEX */
} tf_step;
typedef struct {
    const tf_step *steps;
    size_t n;
} tf_path;

typedef enum { TF_ERROR = 1, TF_WARNING = 2 } tf_severity;
typedef struct tf_diag {
    tf_severity severity;
    const char *summary, *detail;
    tf_path path;
    struct tf_diag *next;
} tf_diag;
typedef struct {
    tf_arena *arena;
    tf_diag *head, *tail;
    int errors;
} tf_diags;

void tf_diag_add(tf_diags *d, tf_severity sev, const tf_path *path, const char *summary,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Path helpers (arena-allocated): attribute, then optional key/index steps. */
tf_path tf_path_attr(tf_arena *a, const char *name);
tf_path tf_path_with_key(tf_arena *a, tf_path base, const char *key);
tf_path tf_path_with_index(tf_arena *a, tf_path base, int64_t index);
tf_path tf_path_with_attr(tf_arena *a, tf_path base, const char *name);
/* ".a.b[\"k\"][0]" for messages. */
const char *tf_path_string(tf_arena *a, tf_path p);

/* ---- callbacks ------------------------------------------------------------------------------ */

typedef struct tf_ctx {
    tf_arena *arena; /* freed when the RPC ends */
    tf_diags diags;
    void *provider_data; /* what configure returned (NULL before ConfigureProvider) */
    const char *type_name;
    bool write_only_allowed;   /* the client announced write_only_attributes_allowed */
    bool keep_state_on_error;  /* apply: store new_state even though errors were reported */
    const uint8_t *private_in; /* private bytes stored with the resource */
    size_t private_in_len;
    const uint8_t *private_out; /* set to replace them (arena memory) */
    size_t private_out_len;
    tf_path *replace; /* requires_replace paths collected during plan (framework-owned) */
    size_t n_replace, cap_replace;
} tf_ctx;

/* Convenience: an error or warning on a top-level attribute (attr may be NULL for the block). */
void tf_error(tf_ctx *c, const char *attr, const char *summary, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tf_warning(tf_ctx *c, const char *attr, const char *summary, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline bool tf_has_errors(const tf_ctx *c)
{
    return c->diags.errors > 0;
}
/* true when Terraform asked the provider to stop (Ctrl-C): give up with tf_error_cancelled(). */
bool tf_cancelled(void);
void tf_error_cancelled(tf_ctx *c);
/* Sleeps; returns false early when a stop is requested. */
bool tf_sleep_ms_cancellable(int64_t ms);

/* Typed getters for object attributes (NULL/false when null or unknown). */
const char *tf_get_string(const tf_value *obj, const char *name);
bool tf_get_bool(const tf_value *obj, const char *name, bool dflt);
bool tf_get_int(const tf_value *obj, const char *name, int64_t *out);
/* Setter: replaces an attribute of a known object value. */
void tf_set(tf_value *obj, const char *name, tf_value v);

typedef struct tf_resource_def {
    const char *type_name;
    int64_t version;
    tf_block_def schema;
    /* All optional except create and read. config/prior/planned are never modified. validate runs
     * on the server's I/O thread: it checks the configuration and never waits (no API calls). */
    void (*validate)(tf_ctx *, const tf_value *config);
    /* After the generic plan: adjust planned (mark values unknown, keep prior for equivalents)
     * and add requires-replace paths with tf_plan_requires_replace(). prior is NULL on create. */
    void (*modify_plan)(tf_ctx *, const tf_value *prior, const tf_value *config, tf_value *planned);
    /* new_state starts as a copy of planned: fill its unknowns. */
    void (*create)(tf_ctx *, const tf_value *config, const tf_value *planned, tf_value *new_state);
    void (*update)(tf_ctx *, const tf_value *prior, const tf_value *config, const tf_value *planned,
                   tf_value *new_state);
    void (*delete_)(tf_ctx *, const tf_value *prior);
    /* new_state starts as a copy of state: set it to tf_null() when the object is gone. */
    void (*read)(tf_ctx *, const tf_value *state, tf_value *new_state);
    /* Optional; default: an object with every attribute null but `id` = import id. */
    void (*import)(tf_ctx *, const char *id, tf_value *state);
} tf_resource_def;

typedef struct tf_datasource_def {
    const char *type_name;
    tf_block_def schema;
    void (*validate)(tf_ctx *, const tf_value *config);
    /* state starts as a copy of config: fill the computed attributes. */
    void (*read)(tf_ctx *, const tf_value *config, tf_value *state);
} tf_datasource_def;

/* ---- provider functions (Terraform >= 1.8, OpenTofu >= 1.7) ---------------------------------- */

typedef struct {
    const char *name;
    const tf_type *type;
    const char *description; /* markdown */
    bool allow_null;         /* else Terraform refuses a null argument itself */
} tf_func_param;

/* A call in progress: its arena (freed when the RPC ends) and its error. */
typedef struct tf_fctx tf_fctx;
tf_arena *tf_func_arena(tf_fctx *f);
/* The call fails with this text; arg is the index of the argument at fault, or -1. The first
 * error wins. Text is written for a person: what is wrong with the argument and what it should be. */
void tf_func_error(tf_fctx *f, int arg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

typedef struct tf_function_def {
    const char *name; /* called as provider::<provider>::<name> */
    const char *summary;
    const char *description; /* markdown; becomes docs/functions/<name>.md */
    const tf_func_param *params;
    size_t n_params;
    /* Optional final parameter taking zero or more arguments of its type; they arrive as one list
     * value in args[n_params] (an empty list when there are none). Terraform sends each one as its
     * own argument: an error about the k-th of them names argument n_params + k. */
    const tf_func_param *variadic;
    const tf_type *ret;
    /* Pure: the same arguments give the same result. Arguments are known (unknown values make
     * Terraform skip the call) and non-null unless allow_null. result starts null of type ret. */
    void (*call)(tf_fctx *f, const tf_value *args, tf_value *result);
} tf_function_def;

typedef struct tf_provider_def {
    const char *name; /* "phala": resource types must start with "phala_" */
    const char *version;
    const char *source_address; /* "local.dev/phala/phala", for the reattach line */
    tf_block_def schema;
    void (*validate)(tf_ctx *, const tf_value *config);
    /* Returns the data every later callback gets as ctx->provider_data. May be called several
     * times in one process (reattach mode, aliases); the previous data stays valid. */
    void *(*configure)(tf_ctx *, const tf_value *config);
    tf_resource_def *const *resources;
    size_t n_resources;
    tf_datasource_def *const *data_sources;
    size_t n_data_sources;
    const tf_function_def *const *functions;
    size_t n_functions;
    /* Optional: wipes what configure kept (credentials, keys); called when Terraform shuts the
     * process down, just before it exits. */
    void (*release)(void);
} tf_provider_def;

/* Adds a requires-replace path from modify_plan. */
void tf_plan_requires_replace(tf_ctx *c, tf_path path);

/* The provider's main(): --version, --debug (reattach), cookie and protocol checks, then serves. */
int tf_serve(const tf_provider_def *def, int argc, char **argv);

#endif
