/* envwait.c — see envwait.h. */
#include "envwait.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envsettle.h"
#include "tflog.h"

#define POLL_MS    1000 /* one GET a second: the CVM takes tens of seconds to restart */
#define MAX_MISSES 3    /* reads failing in a row: the API is broken, not just busy */

long long env_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long env_duration_ms(const char *s)
{
    if (!s || !*s) return -1;
    double total = 0;
    const char *p = s;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p) && *p != '.') return -1;
        double v = strtod(p, &end);
        if (end == p) return -1;
        p = end;
        double unit;
        if (strncmp(p, "ms", 2) == 0) {
            unit = 1;
            p += 2;
        } else if (*p == 'h') {
            unit = 3600e3;
            p++;
        } else if (*p == 'm') {
            unit = 60e3;
            p++;
        } else if (*p == 's') {
            unit = 1e3;
            p++;
        } else {
            return -1; /* Terraform's durations always carry a unit */
        }
        total += v * unit;
        if (total > 30.0 * 24 * 3600e3) return -1; /* a month: surely a typo */
    }
    return total >= 1 ? (long long)total : -1;
}

static const char *const OPS[] = {"create", "update", "delete"};

long long env_timeout_ms(const tf_value *config, const char *op)
{
    long long dflt = strcmp(op, "delete") == 0   ? ENV_TIMEOUT_DELETE_MS
                     : strcmp(op, "create") == 0 ? ENV_TIMEOUT_CREATE_MS
                                                 : ENV_TIMEOUT_UPDATE_MS;
    const tf_value *t = config ? tf_attr(config, "timeouts") : NULL;
    if (!tf_is_known(t)) return dflt;
    long long ms = env_duration_ms(tf_get_string(t, op));
    return ms > 0 ? ms : dflt;
}

void env_timeouts_validate(tf_ctx *c, const tf_value *config)
{
    const tf_value *t = tf_attr(config, "timeouts");
    if (!tf_is_known(t)) return;
    for (size_t i = 0; i < TF_COUNT(OPS); i++) {
        const char *v = tf_get_string(t, OPS[i]);
        if (!v || env_duration_ms(v) > 0) continue;
        tf_path p = tf_path_with_attr(c->arena, tf_path_attr(c->arena, "timeouts"), OPS[i]);
        tf_diag_add(&c->diags, TF_ERROR, &p, "Invalid timeout",
                    "timeouts.%s = \"%s\" is not a duration: use a number with a unit, such as "
                    "\"45s\", \"10m\" or \"1h30m\".",
                    OPS[i], tf_text_clean(c->arena, v, 64));
    }
}

const char *env_duration_text(tf_arena *a, long long ms)
{
    long long s = ms / 1000;
    if (ms % 1000) return tf_arena_printf(a, "%.1fs", (double)ms / 1000.0);
    if (s % 3600 == 0) return tf_arena_printf(a, "%lldh", s / 3600);
    if (s >= 3600) return tf_arena_printf(a, "%lldh%lldm%llds", s / 3600, s % 3600 / 60, s % 60);
    if (s % 60 == 0) return tf_arena_printf(a, "%lldm", s / 60);
    if (s > 60) return tf_arena_printf(a, "%lldm%llds", s / 60, s % 60);
    return tf_arena_printf(a, "%llds", s);
}

int env_wait_running(tf_ctx *c, pk_client *client, const char *cvm_id, long long deadline_ms,
                     long long timeout_ms, const char *correlation_id)
{
    long long start = env_now_ms();
    char last[64] = "(not read yet)";
    bool last_busy = true;
    int misses = 0;
    for (int polls = 0;; polls++) {
        if (tf_cancelled()) {
            tf_error(c, NULL, "Waiting for the CVM was cancelled",
                     "Terraform asked the provider to stop while CVM %s was still applying the "
                     "update (last status \"%s\"). The API accepted the update; state records "
                     "it as applied.",
                     cvm_id, last);
            return -1;
        }
        pk_cvm cvm = {0};
        pk_error err = {0};
        if (pk_cvm_fetch(client, cvm_id, &cvm, &err) != 0) {
            if (err.kind == PK_ERR_CANCELLED) {
                pk_error_clear(&err);
                tf_error(c, NULL, "Waiting for the CVM was cancelled",
                         "Terraform asked the provider to stop while CVM %s was still applying "
                         "the update (last status \"%s\"). The API accepted the update; state "
                         "records it as applied.",
                         cvm_id, last);
                return -1;
            }
            /* one unreadable answer does not end a wait of minutes; a broken API does */
            tf_log(TF_LOG_WARN, "cannot read the CVM while waiting", "cvm_id", cvm_id, "error",
                   pk_error_message(&err), NULL);
            if (++misses >= MAX_MISSES) {
                tf_error(c, NULL, "Cannot follow the CVM's update",
                         "The API accepted the update of CVM %s, but reading the CVM failed %d "
                         "times in a row while waiting for it to run the new env: %s. State "
                         "records the update as applied; check the CVM in Phala Cloud.",
                         cvm_id, misses, pk_error_message(&err));
                pk_error_clear(&err);
                return -1;
            }
        } else {
            misses = 0;
            snprintf(last, sizeof last, "%s", cvm.status ? cvm.status : "(none)");
            last_busy = cvm.in_progress;
            env_cvm_settle s = env_cvm_settled(cvm.status, cvm.in_progress);
            const char *elapsed = env_duration_text(c->arena, env_now_ms() - start + 1);
            tf_log(
                TF_LOG_INFO,
                s == ENV_CVM_RUNNING ? "the CVM runs the new env"
                : s == ENV_CVM_IDLE  ? "the CVM is not running: it uses the new env when it starts"
                                     : "waiting for the CVM to run the new env",
                "cvm_id", cvm_id, "status", last, "in_progress", cvm.in_progress ? "true" : "false",
                "waited", elapsed, "timeout", env_duration_text(c->arena, timeout_ms),
                "correlation_id", correlation_id ? correlation_id : "", NULL);
            pk_cvm_free(&cvm);
            if (s == ENV_CVM_RUNNING) return 0;
            if (s == ENV_CVM_IDLE) {
                /* nothing will start it: waiting for "running" would only run into the timeout */
                tf_warning(c, NULL, "The CVM is not running",
                           "The API accepted the env update of CVM %s, which is \"%s\" and not "
                           "updating, so the provider did not wait for it. The CVM will use the "
                           "new env when it starts; state records the update as applied.",
                           cvm_id, last);
                return 1;
            }
        }
        pk_error_clear(&err);
        long long left = deadline_ms - env_now_ms();
        if (left <= 0) break;
        if (!tf_sleep_ms_cancellable(left < POLL_MS ? left : POLL_MS) && !tf_cancelled()) break;
    }
    tf_error(
        c, NULL, "Timed out waiting for the CVM to run the new env",
        "CVM %s did not finish the update within %s (timeouts): its last status is \"%s\"%s. "
        "The API accepted the update%s%s; state records it as applied. Check the CVM in "
        "Phala Cloud; raise the timeout or set wait_for_update = false to return as soon as the "
        "API accepts.",
        cvm_id, env_duration_text(c->arena, timeout_ms), last, last_busy ? " (in progress)" : "",
        correlation_id ? " (correlation id " : "",
        correlation_id ? tf_arena_printf(c->arena, "%s)", correlation_id) : "");
    return -1;
}
