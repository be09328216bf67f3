/* test_plan.c — PlanResourceChange rules (tfplugin.md §4.2). */
#include "fixture.h"

TestSuite(plan, .init = fx_setup, .fini = fx_teardown);

static tf_value attr(const tf_value *o, const char *n)
{
    return *tf_attr(o, n);
}

Test(plan, create_marks_computed_attributes_unknown)
{
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&fx_resource.schema));
    tf_value cfg = fx_obj("{\"name\":\"a\",\"size\":1,\"item\":[{\"port\":80}]}");
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &cfg, &cfg, &planned);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert(tf_is_unknown(tf_attr(&planned, "id")), "id unknown on create");
    cr_assert(tf_is_unknown(tf_attr(&planned, "rev")));
    cr_assert(tf_is_unknown(tf_attr(&planned, "mode")), "optional+computed left null is unknown");
    tf_value items = attr(&planned, "item");
    cr_assert(tf_is_unknown(tf_attr(&items.u.coll.items[0], "proto")), "nested computed unknown");
    cr_assert_str_eq(tf_get_string(&planned, "name"), "a");
    cr_assert_eq(c.n_replace, 0, "no replace on create");
}

Test(plan, unchanged_config_plans_exactly_the_prior_state)
{
    tf_ctx c = fx_ctx();
    tf_value prior = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"size\":0.8,\"mode\":\"m\",\"rev\":3,"
                            "\"item\":[{\"port\":80,\"proto\":\"tcp\"}]}");
    tf_value cfg = fx_obj("{\"name\":\"a\",\"size\":0.8,\"item\":[{\"port\":80}]}");
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &prior, &cfg, &planned);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert(tf_value_equal(&planned, &prior), "no diff when nothing changed");
    cr_assert(tf_value_wholly_known(&planned));
    cr_assert_eq(c.n_replace, 0);
}

Test(plan, update_marks_computed_unknown_but_keeps_use_state_for_unknown)
{
    tf_ctx c = fx_ctx();
    tf_value prior =
        fx_obj("{\"id\":\"x\",\"name\":\"a\",\"size\":1,\"mode\":\"m\",\"rev\":3,\"item\":[]}");
    tf_value cfg = fx_obj("{\"name\":\"a\",\"size\":2,\"item\":[]}");
    tf_value proposed =
        fx_obj("{\"id\":\"x\",\"name\":\"a\",\"size\":2,\"mode\":\"m\",\"rev\":3,\"item\":[]}");
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &proposed, &cfg, &planned);
    cr_assert_eq(c.diags.errors, 0);
    cr_assert_str_eq(tf_get_string(&planned, "id"), "x", "use_state_for_unknown keeps the id");
    cr_assert(tf_is_unknown(tf_attr(&planned, "rev")));
    cr_assert(tf_is_unknown(tf_attr(&planned, "mode")));
    cr_assert_eq(c.n_replace, 0, "size is not force_new");
}

Test(plan, force_new_change_requires_replace_with_its_path)
{
    tf_ctx c = fx_ctx();
    tf_value prior = fx_obj(
        "{\"id\":\"x\",\"name\":\"a\",\"item\":[{\"port\":1,\"proto\":\"t\",\"zone\":\"z1\"}]}");
    tf_value cfg = fx_obj("{\"name\":\"b\",\"item\":[{\"port\":1,\"zone\":\"z2\"}]}");
    tf_value proposed = fx_obj(
        "{\"id\":\"x\",\"name\":\"b\",\"item\":[{\"port\":1,\"proto\":\"t\",\"zone\":\"z2\"}]}");
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &proposed, &cfg, &planned);
    cr_assert_eq(c.n_replace, 2);
    cr_assert_str_eq(tf_path_string(c.arena, c.replace[0]), "name");
    cr_assert_str_eq(tf_path_string(c.arena, c.replace[1]), "item[0].zone");
}

Test(plan, destroy_plans_null)
{
    tf_ctx c = fx_ctx();
    tf_value prior = fx_obj("{\"id\":\"x\",\"name\":\"a\",\"item\":[]}");
    tf_value none = tf_null(tf_block_type(&fx_resource.schema));
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &none, &none, &planned);
    cr_assert(tf_is_null(&planned));
}

Test(plan, write_only_values_are_planned_null)
{
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&fx_resource.schema));
    tf_value cfg = fx_obj("{\"name\":\"a\",\"secret_wo\":\"hunter2\",\"item\":[]}");
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &cfg, &cfg, &planned);
    cr_assert(tf_is_null(tf_attr(&planned, "secret_wo")));
    cr_assert_eq(c.diags.errors, 0);
}

static void bad_modify(tf_ctx *c, const tf_value *prior, const tf_value *cfg, tf_value *planned)
{
    (void)prior, (void)cfg;
    tf_set(planned, "size", tf_int(99));
    (void)c;
}

Test(plan, changing_a_configured_value_is_reported_as_a_provider_bug)
{
    tf_resource_def r = fx_resource;
    r.modify_plan = bad_modify;
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&r.schema));
    tf_value cfg = fx_obj("{\"name\":\"a\",\"size\":1,\"item\":[]}");
    tf_value planned;
    tf_plan_generic(&c, &r, &prior, &cfg, &cfg, &planned);
    cr_assert_eq(c.diags.errors, 1);
    cr_assert(fx_diag_has(&c, "Provider bug"));
    cr_assert_str_eq(fx_first_path(&c), "size");
}

Test(plan, numbers_keep_their_lexeme_through_plan)
{
    tf_ctx c = fx_ctx();
    tf_value prior = tf_null(tf_block_type(&fx_resource.schema));
    tf_value cfg = fx_obj("{\"name\":\"a\",\"size\":0.8,\"item\":[]}");
    tf_value planned;
    tf_plan_generic(&c, &fx_resource, &prior, &cfg, &cfg, &planned);
    tf_buf a = {0}, b = {0};
    tf_msgpack_encode(tf_attr(&planned, "size"), &a);
    tf_msgpack_encode(tf_attr(&cfg, "size"), &b);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.data, b.data, a.len), 0, "planned number bytes equal the config's");
    tf_buf_free(&a);
    tf_buf_free(&b);
}
