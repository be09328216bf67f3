/* test_malformed.c — malformed input is rejected with -1 and a message, never a crash: the
 * shared case table (also run under valgrind), plus checks of the messages themselves. */
#include "malformed_cases.h"
#include "tfv_test.h"

static void report(const char *name, const char *detail)
{
    cr_log_error("malformed case \"%s\": %s", name, detail);
}

Test(malformed, every_case_is_rejected_with_a_message)
{
    size_t ran = 0;
    int failures = tfv_run_malformed_cases(report, &ran);
    cr_expect_eq(failures, 0, "%d of %zu malformed inputs were not rejected properly", failures,
                 ran);
    cr_expect_gt(ran, 500);
}

Test(malformed, errors_name_the_path_and_the_problem)
{
    tf_arena *a = tf_arena_new();
    const tf_type *t = tfv_type(a, "[\"object\",{\"rule\":[\"list\",[\"object\",{\"port\":"
                                   "\"number\"}]],\"m\":[\"map\",\"bool\"]}]");
    tfv_expect_msgpack_error(a, t, "82 a1 6d 80 a4 72756c65 91 81 a4 706f7274 c3",
                             "at .rule[0].port: expected number, got msgpack bool");
    tfv_expect_msgpack_error(a, t, "82 a4 72756c65 90 a1 6d 81 a1 6b 01",
                             "at .m[\"k\"]: expected bool");
    tfv_expect_msgpack_error(a, t, "81 a1 6d 80",
                             "an object with 2 attributes is required (1 given)");
    tfv_expect_msgpack_error(a, t, "82 a1 6d 80 a1 78 c0", "unsupported attribute \"x\"");
    tfv_expect_msgpack_error(a, t, "82 a1 6d 80 a1 6d 80", "duplicate attribute \"m\"");
    tfv_expect_msgpack_error(a, &tf_type_string, "01", "at (root): expected string");
    tfv_expect_msgpack_error(a, &tf_type_string, "db ff ff ff ff 61", "exceeds input");
    tf_arena_free(a);
}

Test(malformed, tiny_error_buffers_are_safe)
{
    tf_arena *a = tf_arena_new();
    tf_value v;
    char err[4];
    uint8_t in[] = {0x01};
    cr_expect_eq(tf_msgpack_decode(a, &tf_type_string, in, 1, &v, err, sizeof err), -1);
    cr_expect_eq(strlen(err), 3);
    cr_expect_eq(tf_msgpack_decode(a, &tf_type_string, in, 1, &v, NULL, 0), -1);
    cr_expect_eq(tf_json_decode(a, &tf_type_string, "1x", 2, false, &v, NULL, 0), -1);
    cr_expect_null(tf_type_from_json(a, "x", 1, NULL, 0));
    tf_arena_free(a);
}
