/* envwait.h — Terraform's conventional `timeouts { create, update, delete }` block (Go-style
 * durations, "45s", "10m", "1h30m") and the wait after an accepted update until the CVM runs the new
 * env: GET /cvms/{id} until in_progress is false and the CVM is settled (envsettle.h) — running, or
 * resting in a status such as "stopped" that will not change by itself — logged at info level, ended
 * within a poll slice by StopProvider. */
#ifndef ENVWAIT_H
#define ENVWAIT_H

#include "phala_common.h"

#define ENV_TIMEOUT_CREATE_MS (20LL * 60 * 1000)
#define ENV_TIMEOUT_UPDATE_MS (20LL * 60 * 1000)
#define ENV_TIMEOUT_DELETE_MS (10LL * 60 * 1000)

/* A Go-style duration ("1h2m3.5s", "250ms") in ms; -1 when s is not one (or is not positive). */
long long env_duration_ms(const char *s);
/* The timeout of op ("create", "update" or "delete"): the configuration's timeouts block, else the
 * default above. */
long long env_timeout_ms(const tf_value *config, const char *op);
/* Diagnostics on timeouts.<op> for values that are not durations. */
void env_timeouts_validate(tf_ctx *c, const tf_value *config);
/* "20m", "1h30m", "45s" for messages. */
const char *env_duration_text(tf_arena *a, long long ms);

/* Waits until CVM cvm_id runs its latest update or the monotonic deadline (pk clock, ms) passes:
 * 0 = running; 1 = settled without running (stopped, …: a warning says it uses the new env when it
 * starts); -1 after an error diagnostic naming the CVM's last status (timeout) or saying the wait
 * was cancelled. correlation_id (may be NULL) only goes into the log lines. */
int env_wait_running(tf_ctx *c, pk_client *client, const char *cvm_id, long long deadline_ms,
                     long long timeout_ms, const char *correlation_id);
/* Milliseconds of a monotonic clock, the one deadlines above are on. */
long long env_now_ms(void);

#endif
