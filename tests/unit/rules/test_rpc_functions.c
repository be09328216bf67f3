/* test_rpc_functions.c — provider functions through the framework's GetFunctions and CallFunction
 * handlers, as Terraform calls them: a variadic parameter is declared once, and each variadic
 * argument arrives as its own DynamicValue of the variadic parameter's type (plugin6
 * CallFunction); the function sees them as one list, and errors keep each argument's own index. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfplugin6.pb-c.h"
#include "tfrpc.h"

static const tf_type list_of_string = {.kind = TF_LIST, .elem = &tf_type_string};

static const tf_func_param join_params[] = {{.name = "first", .type = &tf_type_string}};
static const tf_func_param join_rest = {.name = "rest", .type = &list_of_string};

/* "first|x+y,z" for join("first", ["x","y"], ["z"]): proves how many variadic arguments arrived,
 * in which order, and with which elements. */
static void call_join(tf_fctx *f, const tf_value *args, tf_value *result)
{
    const tf_value *rest = &args[1];
    cr_assert_eq(rest->type->kind, TF_LIST);
    cr_assert_eq(rest->type->elem->kind, TF_LIST);
    char out[256];
    size_t len = (size_t)snprintf(out, sizeof out, "%s|", args[0].u.str.ptr);
    for (size_t i = 0; i < rest->u.coll.n; i++) {
        const tf_value *l = &rest->u.coll.items[i];
        if (i) len += (size_t)snprintf(out + len, sizeof out - len, ",");
        for (size_t j = 0; j < l->u.coll.n; j++)
            len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", j ? "+" : "",
                                    l->u.coll.items[j].u.str.ptr);
    }
    if (strcmp(args[0].u.str.ptr, "fail-rest") == 0) {
        tf_func_error(f, 2, "the second variadic argument is wrong");
        return;
    }
    *result = tf_string(tf_func_arena(f), out);
}

static const tf_function_def join_fn = {
    .name = "join",
    .summary = "joins",
    .params = join_params,
    .n_params = 1,
    .variadic = &join_rest,
    .ret = &tf_type_string,
    .call = call_join,
};

static void call_plain(tf_fctx *f, const tf_value *args, tf_value *result)
{
    *result = tf_string(tf_func_arena(f), args[0].u.str.ptr);
}

static const tf_function_def plain_fn = {
    .name = "plain",
    .params = join_params,
    .n_params = 1,
    .ret = &tf_type_string,
    .call = call_plain,
};

static const tf_function_def *const functions[] = {&join_fn, &plain_fn};
static const tf_provider_def provider = {
    .name = "fx",
    .version = "0.0.1",
    .source_address = "local.dev/fx/fx",
    .functions = functions,
    .n_functions = 2,
};

static tf_arena *A;
static void setup(void)
{
    A = tf_arena_new();
    tf_rpc_init(&provider);
}
static void teardown(void)
{
    tf_arena_free(A);
}
TestSuite(rpc_functions, .init = setup, .fini = teardown);

static rpc_handler handler(const char *method)
{
    size_t n;
    const rpc_method *m = tf_rpc_methods(&n);
    for (size_t i = 0; i < n; i++)
        if (strstr(m[i].path, method)) return m[i].handler;
    cr_assert_fail("no method %s", method);
    return NULL;
}

/* An argument as Terraform encodes it: msgpack of a value given as JSON text of type t. */
static Tfplugin6__DynamicValue *arg(const tf_type *t, const char *json)
{
    tf_value v;
    char err[256];
    cr_assert_eq(tf_json_decode(A, t, json, strlen(json), false, &v, err, sizeof err), 0, "%s",
                 err);
    tf_buf mp = {0};
    tf_msgpack_encode(&v, &mp);
    Tfplugin6__DynamicValue *dv = tf_arena_alloc(A, sizeof *dv);
    tfplugin6__dynamic_value__init(dv);
    dv->msgpack.data = tf_arena_alloc(A, mp.len ? mp.len : 1);
    memcpy(dv->msgpack.data, mp.data, mp.len);
    dv->msgpack.len = mp.len;
    tf_buf_free(&mp);
    return dv;
}

typedef struct {
    char *result; /* the string returned, or NULL */
    char *error;  /* the FunctionError text, or NULL */
    int arg;      /* its function_argument, or -1 */
} call_out;

static call_out call(const char *name, Tfplugin6__DynamicValue **args, size_t n)
{
    Tfplugin6__CallFunction__Request q = TFPLUGIN6__CALL_FUNCTION__REQUEST__INIT;
    q.name = (char *)name;
    q.arguments = args;
    q.n_arguments = n;
    size_t len = protobuf_c_message_get_packed_size(&q.base);
    uint8_t *req = malloc(len ? len : 1);
    protobuf_c_message_pack(&q.base, req);
    tf_buf out = {0};
    cr_assert_eq(handler("/CallFunction")(req, len, &out), RPC_STATUS_OK);
    free(req);
    Tfplugin6__CallFunction__Response *r =
        (Tfplugin6__CallFunction__Response *)protobuf_c_message_unpack(
            &tfplugin6__call_function__response__descriptor, NULL, out.len, out.data);
    cr_assert_not_null(r);
    call_out o = {.arg = -1};
    if (r->error) {
        o.error = tf_arena_strdup(A, r->error->text);
        if (r->error->_function_argument_case ==
            TFPLUGIN6__FUNCTION_ERROR___FUNCTION_ARGUMENT_FUNCTION_ARGUMENT)
            o.arg = (int)r->error->function_argument;
    }
    if (r->result) {
        tf_value v;
        char err[256];
        cr_assert_eq(tf_msgpack_decode(A, &tf_type_string, r->result->msgpack.data,
                                       r->result->msgpack.len, &v, err, sizeof err),
                     0, "%s", err);
        o.result = tf_arena_strdup(A, v.u.str.ptr);
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
    tf_buf_free(&out);
    return o;
}

Test(rpc_functions, get_functions_declares_the_variadic_parameter_once)
{
    tf_buf out = {0};
    cr_assert_eq(handler("/GetFunctions")(NULL, 0, &out), RPC_STATUS_OK);
    Tfplugin6__GetFunctions__Response *r =
        (Tfplugin6__GetFunctions__Response *)protobuf_c_message_unpack(
            &tfplugin6__get_functions__response__descriptor, NULL, out.len, out.data);
    cr_assert_not_null(r);
    const Tfplugin6__Function *join = NULL, *plain = NULL;
    for (size_t i = 0; i < r->n_functions; i++) {
        if (strcmp(r->functions[i]->key, "join") == 0) join = r->functions[i]->value;
        if (strcmp(r->functions[i]->key, "plain") == 0) plain = r->functions[i]->value;
    }
    cr_assert(join && plain);
    cr_assert_eq(join->n_parameters, 1);
    cr_assert_not_null(join->variadic_parameter);
    cr_assert_str_eq(join->variadic_parameter->name, "rest");
    cr_assert_eq(join->variadic_parameter->type.len, strlen("[\"list\",\"string\"]"));
    cr_assert(memcmp(join->variadic_parameter->type.data, "[\"list\",\"string\"]",
                     join->variadic_parameter->type.len) == 0,
              "the variadic parameter's own type, not a list of it");
    cr_assert_null(plain->variadic_parameter);
    protobuf_c_message_free_unpacked(&r->base, NULL);
    tf_buf_free(&out);
}

Test(rpc_functions, no_variadic_arguments_arrive_as_an_empty_list)
{
    Tfplugin6__DynamicValue *a[] = {arg(&tf_type_string, "\"a\"")};
    call_out o = call("join", a, 1);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_str_eq(o.result, "a|");
}

Test(rpc_functions, each_variadic_argument_is_one_element_of_the_list)
{
    Tfplugin6__DynamicValue *one[] = {arg(&tf_type_string, "\"a\""),
                                      arg(&list_of_string, "[\"x\",\"y\"]")};
    call_out o = call("join", one, 2);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_str_eq(o.result, "a|x+y");

    Tfplugin6__DynamicValue *three[] = {
        arg(&tf_type_string, "\"a\""), arg(&list_of_string, "[\"x\",\"y\"]"),
        arg(&list_of_string, "[]"), arg(&list_of_string, "[\"z\"]")};
    o = call("join", three, 4);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_str_eq(o.result, "a|x+y,,z");
}

Test(rpc_functions, a_bad_variadic_argument_is_blamed_by_its_own_index)
{
    Tfplugin6__DynamicValue *null_rest[] = {arg(&tf_type_string, "\"a\""),
                                            arg(&list_of_string, "[\"x\"]"),
                                            arg(&list_of_string, "null")};
    call_out o = call("join", null_rest, 3);
    cr_assert_null(o.result);
    cr_assert_eq(o.arg, 2);
    cr_assert(strstr(o.error, "argument 3 (rest) must not be null"), "%s", o.error);

    /* a list of lists where one list is expected: the old encoding of all variadic arguments */
    static const tf_type list_of_list = {.kind = TF_LIST, .elem = &list_of_string};
    Tfplugin6__DynamicValue *nested[] = {arg(&tf_type_string, "\"a\""),
                                         arg(&list_of_list, "[[\"x\"]]")};
    o = call("join", nested, 2);
    cr_assert_null(o.result);
    cr_assert_eq(o.arg, 1);
    cr_assert(strstr(o.error, "argument 2 (rest)"), "%s", o.error);
}

Test(rpc_functions, the_function_blames_a_variadic_argument_by_its_index)
{
    Tfplugin6__DynamicValue *a[] = {arg(&tf_type_string, "\"fail-rest\""),
                                    arg(&list_of_string, "[\"x\"]"),
                                    arg(&list_of_string, "[\"y\"]")};
    call_out o = call("join", a, 3);
    cr_assert_null(o.result);
    cr_assert_eq(o.arg, 2);
    cr_assert_str_eq(o.error, "the second variadic argument is wrong");
}

Test(rpc_functions, argument_counts_are_checked)
{
    call_out o = call("join", NULL, 0);
    cr_assert_null(o.result);
    cr_assert_eq(o.arg, -1);
    cr_assert(strstr(o.error, "join takes 1 argument (and optional more), not 0"), "%s", o.error);

    Tfplugin6__DynamicValue *two[] = {arg(&tf_type_string, "\"a\""), arg(&tf_type_string, "\"b\"")};
    o = call("plain", two, 2);
    cr_assert_null(o.result);
    cr_assert(strstr(o.error, "plain takes 1 argument, not 2"), "%s", o.error);
    o = call("plain", two, 1);
    cr_assert_null(o.error, "%s", o.error);
    cr_assert_str_eq(o.result, "a");
}
