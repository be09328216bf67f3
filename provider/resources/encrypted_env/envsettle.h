/* envsettle.h — when the wait after an accepted update is over: what a CVM's status means for it.
 * The API's status is a free string (running, starting, restarting, stopping, shutting_down,
 * stopped, exited, …, @phala/cloud types it as z.string()); a CVM that is not updating and rests in
 * a status other than running will not start by itself, so nobody should wait for it. */
#ifndef ENVSETTLE_H
#define ENVSETTLE_H

#include <stdbool.h>

typedef enum {
    ENV_CVM_RUNNING, /* in_progress false, running: it runs the new env */
    ENV_CVM_MOVING,  /* updating, or in a status that changes by itself (starting, stopping, …) */
    ENV_CVM_IDLE,    /* settled but not running (stopped, exited, …): the env is used at start */
} env_cvm_settle;

/* status may be NULL (the API sent none: treated as moving while in_progress, else idle). */
env_cvm_settle env_cvm_settled(const char *status, bool in_progress);

#endif
