/* tftest_provider.c — a test-only provider built from the same framework as terraform-provider-phala.
 * Its objects live as JSON files in $TFTEST_STORE_DIR (so tests can delete one "out of band"), and
 * its slow resource records how many creates run at once in $TFTEST_STATS_FILE, which proves that
 * RPCs really overlap. Resources:
 *   tftest_thing  nested blocks, sets, maps, numbers, dynamic, force_new, computed id, import,
 *                 write-only token
 *   tftest_slow   create sleeps delay_ms (cancellable by StopProvider) */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tfprovider.h"

static const tf_type list_of_string = {.kind = TF_LIST, .elem = &tf_type_string};
static const tf_type set_of_string = {.kind = TF_SET, .elem = &tf_type_string};
static const tf_type map_of_string = {.kind = TF_MAP, .elem = &tf_type_string};
static const tf_type map_of_number = {.kind = TF_MAP, .elem = &tf_type_number};

/* ---- tftest_thing --------------------------------------------------------------------------- */

static const tf_attr_def rule_attrs[] = {
    {.name = "port", .type = &tf_type_number, .flags = TF_REQUIRED, .description = "Port."},
    {.name = "protocol",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_COMPUTED,
     .description = "Protocol; `tcp` when not set."},
    {.name = "cidrs", .type = &list_of_string, .flags = TF_OPTIONAL, .description = "CIDRs."},
};
static const tf_block_def rule_block = {rule_attrs, TF_COUNT(rule_attrs), NULL, 0, "A rule.", NULL};

static const tf_attr_def settings_attrs[] = {
    {.name = "mode", .type = &tf_type_string, .flags = TF_OPTIONAL, .description = "Mode."},
    {.name = "level", .type = &tf_type_number, .flags = TF_OPTIONAL, .description = "Level."},
};
static const tf_block_def settings_block = {
    settings_attrs, TF_COUNT(settings_attrs), NULL, 0, "Settings.", NULL};

static const tf_nested_block_def thing_blocks[] = {
    {.name = "rule", .nesting = TF_NEST_LIST, .block = &rule_block},
};

static const char *const conflicts_token[] = {"token_wo", NULL};
static const char *const conflicts_token_wo[] = {"token", NULL};

static const tf_attr_def thing_attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN,
     .description = "Identifier (`thing-<name>`)."},
    {.name = "name",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "Name; changing it replaces the thing."},
    {.name = "size", .type = &tf_type_number, .flags = TF_OPTIONAL, .description = "Size."},
    {.name = "enabled", .type = &tf_type_bool, .flags = TF_OPTIONAL, .description = "Enabled."},
    {.name = "tags", .type = &map_of_string, .flags = TF_OPTIONAL, .description = "Tags."},
    {.name = "weights", .type = &map_of_number, .flags = TF_OPTIONAL, .description = "Weights."},
    {.name = "labels", .type = &set_of_string, .flags = TF_OPTIONAL, .description = "Labels."},
    {.name = "extra", .type = &tf_type_dynamic, .flags = TF_OPTIONAL, .description = "Anything."},
    {.name = "token",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE,
     .description = "A secret kept in state.",
     .conflicts_with = conflicts_token},
    {.name = "token_wo",
     .type = &tf_type_string,
     .flags = TF_OPTIONAL | TF_SENSITIVE | TF_WRITE_ONLY,
     .description = "A secret never stored.",
     .conflicts_with = conflicts_token_wo},
    {.name = "token_hash",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "Length of the last write-only token seen, as proof it arrived."},
    {.name = "settings",
     .nested = &settings_block,
     .nesting = TF_NEST_SINGLE,
     .flags = TF_OPTIONAL,
     .description = "Nested attribute."},
    {.name = "revision",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "Incremented by every update."},
    {.name = "names_seen",
     .type = &list_of_string,
     .flags = TF_COMPUTED,
     .description = "Computed list."},
};

static const char *store_path(tf_ctx *c, const char *id)
{
    const char *dir = getenv("TFTEST_STORE_DIR");
    if (!dir || !*dir) dir = "/tmp";
    return tf_arena_printf(c->arena, "%s/%s.json", dir, id);
}

static void save(tf_ctx *c, const tf_value *state)
{
    const char *id = tf_get_string(state, "id");
    const char *path = store_path(c, id);
    tf_buf b = {0};
    tf_json_encode(state, &b);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(b.data, 1, b.len, f) != b.len) {
        tf_error(c, NULL, "Cannot store the thing", "%s: %s", path, strerror(errno));
    }
    if (f) fclose(f);
    tf_buf_free(&b);
}

/* Loads a stored thing; returns false when it does not exist. */
static bool load(tf_ctx *c, const char *id, const tf_type *t, tf_value *out)
{
    FILE *f = fopen(store_path(c, id), "r");
    if (!f) return false;
    tf_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tf_buf_put(&b, chunk, n);
    fclose(f);
    char err[256];
    int rc = tf_json_decode(c->arena, t, (const char *)b.data, b.len, false, out, err, sizeof err);
    tf_buf_free(&b);
    if (rc) tf_error(c, NULL, "Corrupt stored thing", "%s", err);
    return rc == 0;
}

static void fill_computed(tf_ctx *c, tf_value *s, int64_t revision)
{
    const char *name = tf_get_string(s, "name");
    tf_set(s, "id", tf_string(c->arena, tf_arena_printf(c->arena, "thing-%s", name)));
    tf_set(s, "revision", tf_int(revision));
    tf_value *rules = tf_attr(s, "rule");
    for (size_t i = 0; tf_is_known(rules) && i < rules->u.coll.n; i++) {
        tf_value *proto = tf_attr(&rules->u.coll.items[i], "protocol");
        if (tf_is_unknown(proto)) *proto = tf_string(c->arena, "tcp");
    }
    tf_value seen = tf_collection(c->arena, &list_of_string, 1);
    seen.u.coll.items[0] = tf_string(c->arena, name);
    tf_set(s, "names_seen", seen);
}

static void set_token_hash(tf_ctx *c, const tf_value *config, tf_value *s)
{
    const char *wo = tf_get_string(config, "token_wo");
    if (wo)
        tf_set(s, "token_hash",
               tf_string(c->arena, tf_arena_printf(c->arena, "len:%zu", strlen(wo))));
    else if (tf_is_unknown(tf_attr(s, "token_hash")))
        tf_set(s, "token_hash", tf_null(&tf_type_string));
}

static void thing_create(tf_ctx *c, const tf_value *config, const tf_value *planned, tf_value *s)
{
    (void)planned;
    fill_computed(c, s, 1);
    set_token_hash(c, config, s);
    save(c, s);
}

static void thing_update(tf_ctx *c, const tf_value *prior, const tf_value *config,
                         const tf_value *planned, tf_value *s)
{
    (void)planned;
    int64_t rev = 0;
    tf_get_int(prior, "revision", &rev);
    fill_computed(c, s, rev + 1);
    set_token_hash(c, config, s);
    save(c, s);
}

static void thing_delete(tf_ctx *c, const tf_value *prior)
{
    const char *id = tf_get_string(prior, "id");
    if (id && unlink(store_path(c, id)) != 0 && errno != ENOENT)
        tf_error(c, NULL, "Cannot delete the thing", "%s", strerror(errno));
}

static void thing_read(tf_ctx *c, const tf_value *state, tf_value *ns)
{
    const char *id = tf_get_string(state, "id");
    if (!id || !load(c, id, state->type, ns)) {
        if (!tf_has_errors(c)) *ns = tf_null(state->type); /* deleted out of band */
    }
}

static void thing_import(tf_ctx *c, const char *id, tf_value *state)
{
    if (!load(c, id, state->type, state) && !tf_has_errors(c))
        tf_error(c, NULL, "Cannot import", "No thing with id %s exists.", id);
}

static tf_resource_def thing = {
    .type_name = "tftest_thing",
    .schema = {thing_attrs, TF_COUNT(thing_attrs), thing_blocks, TF_COUNT(thing_blocks),
               "A thing stored as a file.", NULL},
    .create = thing_create,
    .update = thing_update,
    .delete_ = thing_delete,
    .read = thing_read,
    .import = thing_import,
};

/* ---- tftest_slow ---------------------------------------------------------------------------- */

static const tf_attr_def slow_attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN,
     .description = "Identifier."},
    {.name = "name",
     .type = &tf_type_string,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "Name."},
    {.name = "delay_ms",
     .type = &tf_type_number,
     .flags = TF_OPTIONAL,
     .description = "How long create takes."},
};

static atomic_int g_in_flight, g_peak;

static void record_peak(void)
{
    const char *path = getenv("TFTEST_STATS_FILE");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d\n", atomic_load(&g_peak));
        fclose(f);
    }
}

static void slow_create(tf_ctx *c, const tf_value *config, const tf_value *planned, tf_value *s)
{
    (void)planned;
    int64_t delay = 200;
    tf_get_int(config, "delay_ms", &delay);
    int now = atomic_fetch_add(&g_in_flight, 1) + 1;
    int peak = atomic_load(&g_peak);
    while (now > peak && !atomic_compare_exchange_weak(&g_peak, &peak, now)) {
    }
    record_peak();
    bool finished = tf_sleep_ms_cancellable(delay);
    atomic_fetch_sub(&g_in_flight, 1);
    if (!finished) {
        tf_error_cancelled(c);
        return;
    }
    tf_set(s, "id", tf_string(c->arena, tf_get_string(config, "name")));
}

static void slow_read(tf_ctx *c, const tf_value *state, tf_value *ns)
{
    (void)c;
    (void)state;
    (void)ns;
}

static tf_resource_def slow = {
    .type_name = "tftest_slow",
    .schema = {slow_attrs, TF_COUNT(slow_attrs), NULL, 0, "Takes its time.", NULL},
    .create = slow_create,
    .read = slow_read,
};

/* ---- tftest_echo (data source) -------------------------------------------------------------- */

static const tf_attr_def echo_attrs[] = {
    {.name = "input", .type = &tf_type_string, .flags = TF_REQUIRED, .description = "Input."},
    {.name = "output",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "Upper-cased."},
};

static void echo_read(tf_ctx *c, const tf_value *config, tf_value *state)
{
    const char *in = tf_get_string(config, "input");
    char *up = tf_arena_strdup(c->arena, in ? in : "");
    for (char *p = up; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
    tf_set(state, "output", tf_string(c->arena, up));
}

static tf_datasource_def echo = {
    .type_name = "tftest_echo",
    .schema = {echo_attrs, TF_COUNT(echo_attrs), NULL, 0, "Echoes its input.", NULL},
    .read = echo_read,
};

/* ---- provider ------------------------------------------------------------------------------- */

static const tf_attr_def provider_attrs[] = {
    {.name = "prefix", .type = &tf_type_string, .flags = TF_OPTIONAL, .description = "Unused."},
};

static tf_resource_def *const resources[] = {&thing, &slow};
static tf_datasource_def *const data_sources[] = {&echo};

const tf_provider_def tftest_provider = {
    .name = "tftest",
    .version = "0.1.0",
    .source_address = "local.dev/test/tftest",
    .schema = {provider_attrs, TF_COUNT(provider_attrs), NULL, 0, "Test provider.", NULL},
    .resources = resources,
    .n_resources = TF_COUNT(resources),
    .data_sources = data_sources,
    .n_data_sources = TF_COUNT(data_sources),
};

int main(int argc, char **argv)
{
    return tf_serve(&tftest_provider, argc, argv);
}
