/* envsettle.c — see envsettle.h. */
#include "envsettle.h"

#include <stddef.h>
#include <strings.h>

/* Statuses that end by themselves: the CVM is on its way somewhere (dstack's VMM and Phala Cloud's
 * operations: start, stop, restart, shutdown, create, upgrade). */
static const char *const MOVING[] = {
    "starting",      "restarting", "rebooting",    "stopping",  "shutting_down",
    "shutting-down", "creating",   "provisioning", "pending",   "booting",
    "updating",      "upgrading",  "resizing",     "scheduled", "in_progress",
};

env_cvm_settle env_cvm_settled(const char *status, bool in_progress)
{
    if (in_progress) return ENV_CVM_MOVING;
    if (!status || !*status) return ENV_CVM_IDLE;
    if (strcasecmp(status, "running") == 0) return ENV_CVM_RUNNING;
    for (size_t i = 0; i < sizeof MOVING / sizeof MOVING[0]; i++)
        if (strcasecmp(status, MOVING[i]) == 0) return ENV_CVM_MOVING;
    return ENV_CVM_IDLE;
}
