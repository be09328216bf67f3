/* test_schema.c — Terraform's schema rules, so that an invalid schema can never ship: the real
 * provider's schemas pass, and each kind of mistake is caught with a message naming it. */
#include <criterion/criterion.h>
#include <string.h>

#include "phala_provider.h"
#include "tfrules.h"

Test(schema, every_shipped_schema_passes_terraforms_rules)
{
    char err[256] = "";
    cr_assert_eq(tf_block_check(&phala_provider.schema, false, err, sizeof err), 0, "provider: %s",
                 err);
    for (size_t i = 0; i < phala_provider.n_resources; i++) {
        const tf_resource_def *r = phala_provider.resources[i];
        cr_assert_eq(tf_block_check(&r->schema, true, err, sizeof err), 0, "%s: %s", r->type_name,
                     err);
        cr_assert(strncmp(r->type_name, "phala_", 6) == 0, "%s must start with phala_",
                  r->type_name);
        cr_assert_not_null(tf_block_type(&r->schema));
    }
    for (size_t i = 0; i < phala_provider.n_data_sources; i++) {
        const tf_datasource_def *d = phala_provider.data_sources[i];
        cr_assert_eq(tf_block_check(&d->schema, false, err, sizeof err), 0, "%s: %s", d->type_name,
                     err);
        cr_assert(strncmp(d->type_name, "phala_", 6) == 0, "%s must start with phala_",
                  d->type_name);
    }
}

static int check1(tf_attr_def a, bool managed, char *err)
{
    tf_block_def b = {&a, 1, NULL, 0, "", NULL};
    return tf_block_check(&b, managed, err, 256);
}

#define REJECTS(attr, managed, text)                                                               \
    do {                                                                                           \
        char err[256] = "";                                                                        \
        cr_assert_eq(check1(attr, managed, err), -1, "accepted: " text);                           \
        cr_assert(strstr(err, text), "message [%s] lacks [%s]", err, text);                        \
    } while (0)

Test(schema, invalid_attribute_flag_combinations_are_rejected)
{
    REJECTS(((tf_attr_def){.name = "a", .type = &tf_type_string}), true,
            "required, optional or computed");
    REJECTS(
        ((tf_attr_def){.name = "a", .type = &tf_type_string, .flags = TF_REQUIRED | TF_OPTIONAL}),
        true, "both required and optional");
    REJECTS(
        ((tf_attr_def){.name = "a", .type = &tf_type_string, .flags = TF_REQUIRED | TF_COMPUTED}),
        true, "both required and computed");
    REJECTS(((tf_attr_def){.name = "a",
                           .type = &tf_type_string,
                           .flags = TF_OPTIONAL | TF_COMPUTED | TF_WRITE_ONLY}),
            true, "write-only cannot be computed");
    REJECTS(
        ((tf_attr_def){.name = "a", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_WRITE_ONLY}),
        false, "managed resources only");
    REJECTS(((tf_attr_def){.name = "a",
                           .type = &tf_type_string,
                           .flags = TF_OPTIONAL | TF_USE_STATE_FOR_UNKNOWN}),
            true, "needs computed");
    REJECTS(((tf_attr_def){.name = "a", .flags = TF_OPTIONAL}), true, "exactly one of type");
}

Test(schema, bad_names_and_reserved_meta_argument_names_are_rejected)
{
    REJECTS(((tf_attr_def){.name = "Bad-Name", .type = &tf_type_string, .flags = TF_OPTIONAL}),
            true, "invalid name");
    REJECTS(((tf_attr_def){.name = "count", .type = &tf_type_number, .flags = TF_OPTIONAL}), true,
            "reserved");
    REJECTS(((tf_attr_def){.name = "for_each", .type = &tf_type_number, .flags = TF_OPTIONAL}),
            true, "reserved");
}

Test(schema, nesting_limits_and_write_only_inside_sets_are_rejected)
{
    static const tf_attr_def inner[] = {
        {.name = "x", .type = &tf_type_string, .flags = TF_OPTIONAL | TF_WRITE_ONLY}};
    static const tf_block_def inner_block = {inner, 1, NULL, 0, "", NULL};
    tf_nested_block_def set_block = {.name = "s", .nesting = TF_NEST_SET, .block = &inner_block};
    tf_block_def b = {NULL, 0, &set_block, 1, "", NULL};
    char err[256] = "";
    cr_assert_eq(tf_block_check(&b, true, err, sizeof err), -1);
    cr_assert(strstr(err, "inside a set"), "%s", err);

    static const tf_attr_def ok[] = {{.name = "x", .type = &tf_type_string, .flags = TF_OPTIONAL}};
    static const tf_block_def ok_block = {ok, 1, NULL, 0, "", NULL};
    tf_nested_block_def single = {.name = "one",
                                  .nesting = TF_NEST_SINGLE,
                                  .block = &ok_block,
                                  .min_items = 0,
                                  .max_items = 1};
    b = (tf_block_def){NULL, 0, &single, 1, "", NULL};
    cr_assert_eq(tf_block_check(&b, true, err, sizeof err), -1);
    cr_assert(strstr(err, "min_items == max_items"), "%s", err);

    tf_nested_block_def list = {
        .name = "l", .nesting = TF_NEST_LIST, .block = &ok_block, .min_items = 3, .max_items = 2};
    b = (tf_block_def){NULL, 0, &list, 1, "", NULL};
    cr_assert_eq(tf_block_check(&b, true, err, sizeof err), -1);
    cr_assert(strstr(err, "min_items must be <= max_items"), "%s", err);

    tf_attr_def clash = {.name = "l", .type = &tf_type_string, .flags = TF_OPTIONAL};
    list.min_items = 0;
    b = (tf_block_def){&clash, 1, &list, 1, "", NULL};
    cr_assert_eq(tf_block_check(&b, true, err, sizeof err), -1);
    cr_assert(strstr(err, "clashes"), "%s", err);
}

Test(schema, implied_type_of_a_block_has_attributes_and_blocks)
{
    static const tf_attr_def inner[] = {
        {.name = "x", .type = &tf_type_string, .flags = TF_OPTIONAL}};
    static const tf_block_def inner_block = {inner, 1, NULL, 0, "", NULL};
    static const tf_nested_block_def nb[] = {
        {.name = "l", .nesting = TF_NEST_LIST, .block = &inner_block}};
    static const tf_attr_def top[] = {
        {.name = "n", .type = &tf_type_number, .flags = TF_OPTIONAL},
        {.name = "o", .nested = &inner_block, .nesting = TF_NEST_MAP, .flags = TF_OPTIONAL}};
    static const tf_block_def b = {top, 2, nb, 1, "", NULL};
    tf_buf j = {0};
    tf_type_json(tf_block_type(&b), &j);
    tf_buf_putc(&j, 0);
    cr_assert_str_eq(
        (const char *)j.data,
        "[\"object\",{\"l\":[\"list\",[\"object\",{\"x\":\"string\"}]],\"n\":\"number\","
        "\"o\":[\"map\",[\"object\",{\"x\":\"string\"}]]}]");
    tf_buf_free(&j);
    cr_assert_eq(tf_block_type(&b), tf_block_type(&b), "cached");
}
