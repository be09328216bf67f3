/* schema.c — schema as data: the object type a block implies, and Terraform's own schema rules
 * (configschema InternalValidate plus the plugin framework's reserved names), so that an invalid
 * schema fails a unit test instead of a user's `terraform plan`. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tfprovider.h"

/* Implied types are built once per block and kept for the process lifetime. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static tf_arena *g_types;
static struct type_cache {
    const tf_block_def *block;
    const tf_type *type;
    struct type_cache *next;
} * g_cache;

static const tf_type *wrap(tf_arena *a, tf_nesting n, const tf_type *obj)
{
    switch (n) {
    case TF_NEST_LIST:
        return tf_type_collection(a, TF_LIST, obj);
    case TF_NEST_SET:
        return tf_type_collection(a, TF_SET, obj);
    case TF_NEST_MAP:
        return tf_type_collection(a, TF_MAP, obj);
    default:
        return obj; /* SINGLE, GROUP */
    }
}

static const tf_type *build(tf_arena *a, const tf_block_def *b)
{
    size_t n = b->n_attrs + b->n_blocks;
    const char **names = tf_arena_alloc(a, (n ? n : 1) * sizeof *names);
    const tf_type **types = tf_arena_alloc(a, (n ? n : 1) * sizeof *types);
    for (size_t i = 0; i < b->n_attrs; i++) {
        const tf_attr_def *d = &b->attrs[i];
        names[i] = d->name;
        types[i] = d->nested ? wrap(a, d->nesting, build(a, d->nested)) : d->type;
    }
    for (size_t i = 0; i < b->n_blocks; i++) {
        const tf_nested_block_def *nb = &b->blocks[i];
        names[b->n_attrs + i] = nb->name;
        types[b->n_attrs + i] = wrap(a, nb->nesting, build(a, nb->block));
    }
    return tf_type_object(a, n, names, types);
}

const tf_type *tf_block_type(const tf_block_def *b)
{
    pthread_mutex_lock(&g_mu);
    const tf_type *t = NULL;
    for (struct type_cache *c = g_cache; c; c = c->next)
        if (c->block == b) t = c->type;
    if (!t) {
        if (!g_types) g_types = tf_arena_new();
        t = build(g_types, b);
        struct type_cache *c = tf_arena_alloc(g_types, sizeof *c);
        *c = (struct type_cache){b, t, g_cache};
        g_cache = c;
    }
    pthread_mutex_unlock(&g_mu);
    return t;
}

static bool valid_name(const char *s)
{
    if (!s || !*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
    return true;
}

/* Meta-arguments of resource and data blocks: an attribute with such a name could never be set. */
static bool reserved_root_name(const char *s)
{
    static const char *r[] = {"count",    "depends_on", "for_each",    "lifecycle",
                              "provider", "connection", "provisioner", NULL};
    for (int i = 0; r[i]; i++)
        if (strcmp(s, r[i]) == 0) return true;
    return false;
}

static int fail(char *err, size_t errlen, const char *path, const char *name, const char *why)
{
    snprintf(err, errlen, "%s%s: %s", path, name, why);
    return -1;
}

static int check_block(const tf_block_def *b, bool managed, bool root, bool in_set,
                       const char *path, char *err, size_t errlen);

static int check_attr(const tf_attr_def *d, bool managed, bool root, bool in_set, const char *path,
                      char *err, size_t errlen)
{
    unsigned f = d->flags;
    bool req = f & TF_REQUIRED, opt = f & TF_OPTIONAL, comp = f & TF_COMPUTED;
    if (!valid_name(d->name))
        return fail(err, errlen, path, d->name ? d->name : "?", "invalid name (^[a-z0-9_]+$)");
    if (root && reserved_root_name(d->name))
        return fail(err, errlen, path, d->name, "name is reserved for a Terraform meta-argument");
    if (!req && !opt && !comp)
        return fail(err, errlen, path, d->name, "must be required, optional or computed");
    if (req && opt) return fail(err, errlen, path, d->name, "cannot be both required and optional");
    if (req && comp)
        return fail(err, errlen, path, d->name, "cannot be both required and computed");
    if (!d->type == !d->nested)
        return fail(err, errlen, path, d->name, "needs exactly one of type or nested attributes");
    if (f & TF_WRITE_ONLY) {
        if (!managed)
            return fail(err, errlen, path, d->name, "write-only is for managed resources only");
        if (comp) return fail(err, errlen, path, d->name, "write-only cannot be computed");
        if (in_set) return fail(err, errlen, path, d->name, "write-only cannot be inside a set");
    }
    if ((f & TF_USE_STATE_FOR_UNKNOWN) && !comp)
        return fail(err, errlen, path, d->name, "use_state_for_unknown needs computed");
    if ((f & TF_FORCE_NEW) && !managed)
        return fail(err, errlen, path, d->name, "force_new is for managed resources only");
    if (d->nested) {
        if (d->nesting < TF_NEST_SINGLE || d->nesting > TF_NEST_MAP)
            return fail(err, errlen, path, d->name,
                        "nested attribute nesting must be single/list/set/map");
        char sub[256];
        snprintf(sub, sizeof sub, "%s%s.", path, d->name);
        return check_block(d->nested, managed, false, in_set || d->nesting == TF_NEST_SET, sub, err,
                           errlen);
    }
    return 0;
}

static int check_nested_block(const tf_nested_block_def *nb, bool managed, bool in_set,
                              const char *path, char *err, size_t errlen)
{
    if (!valid_name(nb->name))
        return fail(err, errlen, path, nb->name ? nb->name : "?", "invalid block name");
    if (nb->min_items < 0 || nb->max_items < 0)
        return fail(err, errlen, path, nb->name, "min_items and max_items must be >= 0");
    switch (nb->nesting) {
    case TF_NEST_SINGLE:
        if (nb->min_items != nb->max_items || nb->min_items > 1)
            return fail(err, errlen, path, nb->name,
                        "single blocks need min_items == max_items, 0 or 1");
        break;
    case TF_NEST_GROUP:
    case TF_NEST_MAP:
        if (nb->min_items || nb->max_items)
            return fail(err, errlen, path, nb->name,
                        "group and map blocks cannot set min/max items");
        break;
    case TF_NEST_LIST:
    case TF_NEST_SET:
        if (nb->max_items && nb->min_items > nb->max_items)
            return fail(err, errlen, path, nb->name, "min_items must be <= max_items");
        break;
    default:
        return fail(err, errlen, path, nb->name, "invalid nesting mode");
    }
    char sub[256];
    snprintf(sub, sizeof sub, "%s%s.", path, nb->name);
    return check_block(nb->block, managed, false, in_set || nb->nesting == TF_NEST_SET, sub, err,
                       errlen);
}

static int check_block(const tf_block_def *b, bool managed, bool root, bool in_set,
                       const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->n_attrs; i++) {
        if (check_attr(&b->attrs[i], managed, root, in_set, path, err, errlen)) return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(b->attrs[i].name, b->attrs[j].name) == 0)
                return fail(err, errlen, path, b->attrs[i].name, "duplicate attribute");
    }
    for (size_t i = 0; i < b->n_blocks; i++) {
        if (check_nested_block(&b->blocks[i], managed, in_set, path, err, errlen)) return -1;
        for (size_t j = 0; j < b->n_attrs; j++)
            if (strcmp(b->blocks[i].name, b->attrs[j].name) == 0)
                return fail(err, errlen, path, b->blocks[i].name,
                            "block name clashes with an attribute");
    }
    return 0;
}

int tf_block_check(const tf_block_def *b, bool managed, char *err, size_t errlen)
{
    return check_block(b, managed, true, false, "", err, errlen);
}
