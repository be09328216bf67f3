/* test_envsettle.c — when the wait after an accepted env update ends (envsettle.h): running, still
 * on its way (in_progress, or a status that changes by itself), or resting elsewhere (stopped,
 * exited, an unknown status): the last is never waited for. */
#include <criterion/criterion.h>

#include "envsettle.h"

Test(envsettle, running_ends_the_wait)
{
    cr_assert_eq(env_cvm_settled("running", false), ENV_CVM_RUNNING);
    cr_assert_eq(env_cvm_settled("Running", false), ENV_CVM_RUNNING);
    cr_assert_eq(env_cvm_settled("running", true), ENV_CVM_MOVING, "an update still in progress");
}

Test(envsettle, transitions_are_followed)
{
    const char *moving[] = {"starting", "restarting",   "stopping", "shutting_down",
                            "creating", "provisioning", "upgrading"};
    for (size_t i = 0; i < sizeof moving / sizeof moving[0]; i++)
        cr_assert_eq(env_cvm_settled(moving[i], false), ENV_CVM_MOVING, "%s", moving[i]);
    cr_assert_eq(env_cvm_settled("stopped", true), ENV_CVM_MOVING, "in_progress: something moves");
    cr_assert_eq(env_cvm_settled(NULL, true), ENV_CVM_MOVING);
}

Test(envsettle, resting_elsewhere_is_not_waited_for)
{
    const char *idle[] = {"stopped", "exited", "error", "paused", "something_new"};
    for (size_t i = 0; i < sizeof idle / sizeof idle[0]; i++)
        cr_assert_eq(env_cvm_settled(idle[i], false), ENV_CVM_IDLE, "%s", idle[i]);
    cr_assert_eq(env_cvm_settled(NULL, false), ENV_CVM_IDLE);
    cr_assert_eq(env_cvm_settled("", false), ENV_CVM_IDLE);
}
