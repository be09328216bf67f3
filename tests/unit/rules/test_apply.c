/* test_apply.c — ApplyResourceChange dispatch and self-checks, Read, Import, Validate. */
#include "fixture.h"

TestSuite(apply, .init = fx_setup, .fini = fx_teardown);

static void create_ok(tf_ctx *c, const tf_value *cfg, const tf_value *planned, tf_value *s)
{
    (void)cfg, (void)planned;
    tf_set(s, "id", tf_string(c->arena, "new"));
    tf_set(s, "rev", tf_int(1));
    tf_set(s, "mode", tf_string(c->arena, "m"));
}
static void create_forgets_rev(tf_ctx *c, const tf_value *cfg, const tf_value *planned, tf_value *s)
{
    (void)cfg, (void)planned;
    tf_set(s, "id", tf_string(c->arena, "new"));
    tf_set(s, "mode", tf_string(c->arena, "m"));
}
static void create_changes_name(tf_ctx *c, const tf_value *cfg, const tf_value *planned,
                                tf_value *s)
{
    create_ok(c, cfg, planned, s);
    tf_set(s, "name", tf_string(c->arena, "other"));
}
static void create_fails(tf_ctx *c, const tf_value *cfg, const tf_value *planned, tf_value *s)
{
    (void)cfg, (void)planned, (void)s;
    tf_error(c, "name", "API said no", "nope");
}
static void update_fails_keeping(tf_ctx *c, const tf_value *prior, const tf_value *cfg,
                                 const tf_value *planned, tf_value *s)
{
    (void)prior, (void)cfg, (void)planned;
    tf_set(s, "rev", tf_int(42));
    tf_set(s, "mode", tf_string(c->arena, "pending"));
    c->keep_state_on_error = true;
    tf_error(c, NULL, "Half done", "kept");
}
static void update_fails(tf_ctx *c, const tf_value *prior, const tf_value *cfg,
                         const tf_value *planned, tf_value *s)
{
    (void)prior, (void)cfg, (void)planned, (void)s;
    tf_error(c, NULL, "Failed", "x");
}

static tf_value planned_create(void)
{
    tf_value p = fx_obj("{\"name\":\"a\",\"size\":1,\"item\":[]}");
    tf_set(&p, "id", tf_unknown(&tf_type_string));
    tf_set(&p, "rev", tf_unknown(&tf_type_number));
    tf_set(&p, "mode", tf_unknown(&tf_type_string));
    return p;
}

Test(apply, create_fills_the_unknowns)
{
    tf_resource_def r = fx_resource;
    r.create = create_ok;
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&r.schema)), p = planned_create(), ns;
    tf_apply_generic(&c, &r, &prior, &p, &p, &ns);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert_str_eq(tf_get_string(&ns, "id"), "new");
    cr_assert(tf_value_wholly_known(&ns));
}

Test(apply, unknown_left_after_apply_is_a_provider_bug_naming_the_attribute)
{
    tf_resource_def r = fx_resource;
    r.create = create_forgets_rev;
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&r.schema)), p = planned_create(), ns;
    tf_apply_generic(&c, &r, &prior, &p, &p, &ns);
    cr_assert_eq(c.diags.errors, 1);
    cr_assert(fx_diag_has(&c, "left an unknown value"));
    cr_assert_str_eq(fx_first_path(&c), "rev");
    cr_assert(tf_value_wholly_known(&ns), "unknowns replaced so the state stays valid");
}

Test(apply, changing_a_planned_known_value_is_a_provider_bug)
{
    tf_resource_def r = fx_resource;
    r.create = create_changes_name;
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&r.schema)), p = planned_create(), ns;
    tf_apply_generic(&c, &r, &prior, &p, &p, &ns);
    cr_assert(fx_diag_has(&c, "changed a value that was known in the plan"));
    cr_assert_str_eq(fx_first_path(&c), "name");
}

Test(apply, failed_create_returns_null_so_nothing_is_recorded)
{
    tf_resource_def r = fx_resource;
    r.create = create_fails;
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&r.schema)), p = planned_create(), ns;
    tf_apply_generic(&c, &r, &prior, &p, &p, &ns);
    cr_assert(tf_is_null(&ns));
    cr_assert_str_eq(fx_first_path(&c), "name");
}

Test(apply, failed_update_keeps_the_prior_state)
{
    tf_resource_def r = fx_resource;
    r.update = update_fails;
    tf_ctx c = fx_ctx();
    tf_value prior = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"rev\":1,\"mode\":\"m\",\"item\":[]}");
    tf_value p = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"size\":5,\"mode\":\"m\",\"item\":[]}");
    tf_set(&p, "rev", tf_unknown(&tf_type_number));
    tf_value ns;
    tf_apply_generic(&c, &r, &prior, &p, &p, &ns);
    cr_assert(tf_value_equal(&ns, &prior));
}

Test(apply, keep_state_on_error_stores_the_partial_state)
{
    tf_resource_def r = fx_resource;
    r.update = update_fails_keeping;
    tf_ctx c = fx_ctx();
    tf_value prior = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"rev\":1,\"mode\":\"m\",\"item\":[]}");
    tf_value p = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"size\":5,\"mode\":\"m\",\"item\":[]}");
    tf_set(&p, "rev", tf_unknown(&tf_type_number));
    tf_value ns;
    tf_apply_generic(&c, &r, &prior, &p, &p, &ns);
    cr_assert_str_eq(tf_get_string(&ns, "mode"), "pending");
    cr_assert_eq(c.diags.errors, 1, "only the resource's own error");
}

Test(apply, delete_returns_null)
{
    tf_ctx c = fx_ctx();
    tf_value prior = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"item\":[]}");
    tf_value none = tf_null(tf_block_type(&fx_resource.schema)), ns;
    tf_apply_generic(&c, &fx_resource, &prior, &none, &none, &ns);
    cr_assert(tf_is_null(&ns));
}

static void read_gone(tf_ctx *c, const tf_value *st, tf_value *ns)
{
    (void)c;
    *ns = tf_null(st->type);
}

Test(apply, read_returning_null_means_gone)
{
    tf_resource_def r = fx_resource;
    r.read = read_gone;
    tf_ctx c = fx_ctx();
    tf_value st = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"item\":[]}"), ns;
    tf_read_generic(&c, &r, &st, &ns);
    cr_assert(tf_is_null(&ns));
    cr_assert_eq(c.diags.errors, 0);
}

static void read_bad_text(tf_ctx *c, const tf_value *st, tf_value *ns)
{
    (void)st;
    tf_set(ns, "mode", tf_string(c->arena, "from the API \xff\xfe"));
}

Test(apply, api_text_that_is_not_utf8_is_an_error_on_its_attribute_and_not_stored)
{
    tf_resource_def r = fx_resource;
    r.read = read_bad_text;
    tf_ctx c = fx_ctx();
    tf_value st = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"mode\":\"old\",\"item\":[]}"), ns;
    tf_read_generic(&c, &r, &st, &ns);
    cr_assert_eq(c.diags.errors, 1);
    cr_expect_str_eq(fx_first_path(&c), "mode");
    cr_expect(fx_diag_has(&c, "not valid UTF-8"));
    cr_expect_str_eq(tf_get_string(&ns, "mode"), "old", "the prior state is kept");
}

Test(apply, default_import_sets_only_the_id)
{
    tf_ctx c = fx_ctx();
    tf_value st;
    tf_import_generic(&c, &fx_resource, "abc", &st);
    cr_assert_str_eq(tf_get_string(&st, "id"), "abc");
    cr_assert(tf_is_null(tf_attr(&st, "name")));
}

Test(apply, write_only_needs_a_capable_client)
{
    tf_ctx c = fx_ctx();
    c.write_only_allowed = false;
    tf_value cfg = fx_obj("{\"name\":\"a\",\"secret_wo\":\"s\",\"item\":[]}");
    tf_validate_generic(&c, &fx_resource.schema, &cfg, true);
    cr_assert_eq(c.diags.errors, 1);
    cr_assert_str_eq(fx_first_path(&c), "secret_wo");
    cr_assert(fx_diag_has(&c, "Terraform 1.11"));
    cr_assert(!fx_diag_has(&c, "\"s\""), "the value itself is never echoed");
}
