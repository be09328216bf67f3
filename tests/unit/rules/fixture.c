/* fixture.c — see fixture.h. The resource has every flag the plan rules look at. */
#include "fixture.h"

static const tf_type list_of_string = {.kind = TF_LIST, .elem = &tf_type_string};

static const tf_attr_def item_attrs[] = {
    {.name = "port", .type = &tf_type_number, .flags = TF_REQUIRED},
    {.name = "proto", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED},
    {.name = "zone", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_FORCE_NEW},
};
static const tf_block_def item_block = {item_attrs, 3, NULL, 0, "", NULL};
static const tf_nested_block_def blocks[] = {
    {.name = "item", .nesting = TF_NEST_LIST, .block = &item_block}};
static const tf_attr_def attrs[] = {
    {.name = "id", .type = &tf_type_string, .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN},
    {.name = "name", .type = &tf_type_string, .flags = TF_REQUIRED | TF_FORCE_NEW},
    {.name = "size", .type = &tf_type_number, .flags = TF_OPTIONAL},
    {.name = "mode", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_COMPUTED},
    {.name = "rev", .type = &tf_type_number, .flags = TF_COMPUTED},
    {.name = "tags", .type = &list_of_string, .flags = TF_OPTIONAL},
    {.name = "secret_wo", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_WRITE_ONLY},
};

static void noop_create(tf_ctx *c, const tf_value *cfg, const tf_value *planned, tf_value *s)
{
    (void)c, (void)cfg, (void)planned, (void)s;
}
static void noop_read(tf_ctx *c, const tf_value *st, tf_value *ns)
{
    (void)c, (void)st, (void)ns;
}

tf_resource_def fx_resource = {
    .type_name = "fx_thing",
    .schema = {attrs, TF_COUNT(attrs), blocks, 1, "", NULL},
    .create = noop_create,
    .read = noop_read,
};

tf_arena *fx_arena;
void fx_setup(void)
{
    fx_arena = tf_arena_new();
}
void fx_teardown(void)
{
    tf_arena_free(fx_arena);
}

tf_ctx fx_ctx(void)
{
    tf_ctx c;
    memset(&c, 0, sizeof c);
    c.arena = fx_arena;
    c.diags.arena = fx_arena;
    c.write_only_allowed = true;
    return c;
}

tf_value fx_obj(const char *json)
{
    tf_value v;
    char err[256];
    int rc = tf_json_decode(fx_arena, tf_block_type(&fx_resource.schema), json, strlen(json), false,
                            &v, err, sizeof err);
    cr_assert_eq(rc, 0, "fixture JSON: %s", err);
    return v;
}

bool fx_diag_has(const tf_ctx *c, const char *s)
{
    for (tf_diag *d = c->diags.head; d; d = d->next)
        if (strstr(d->summary, s) || (d->detail && strstr(d->detail, s))) return true;
    return false;
}

const char *fx_first_path(tf_ctx *c)
{
    for (tf_diag *d = c->diags.head; d; d = d->next)
        if (d->path.n) return tf_path_string(c->arena, d->path);
    return "";
}
