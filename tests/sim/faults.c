/* faults.c — the queue of injected faults (POST /_sim/faults). A fault serves its `count` matching
 * API requests and then leaves the queue; the first queued fault whose path_prefix (and method, when
 * given) matches wins, so faults queue in the order they were posted. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_fault_release(struct sim_fault *f)
{
    free(f->retry_after);
    free(f->path_prefix);
    free(f->method);
    free(f->body);
    memset(f, 0, sizeof *f);
}

static int parse_mode(const char *s, enum sim_fault_mode *m)
{
    static const struct {
        const char *name;
        enum sim_fault_mode mode;
    } modes[] = {{"status", SIM_FAULT_STATUS},       {"truncate", SIM_FAULT_TRUNCATE},
                 {"malformed", SIM_FAULT_MALFORMED}, {"drop", SIM_FAULT_DROP},
                 {"redirect", SIM_FAULT_REDIRECT},   {"apply_drop", SIM_FAULT_APPLY_DROP}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(s, modes[i].name) == 0) {
            *m = modes[i].mode;
            return 0;
        }
    }
    return -1;
}

/* Reads an optional non-negative integer member; -1 when present but not one. */
static int opt_int(const cJSON *o, const char *key, long lo, long hi, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble ||
        v->valuedouble < (double)lo || v->valuedouble > (double)hi)
        return -1;
    *out = (long)v->valuedouble;
    return 0;
}

int sim_fault_push(struct sim_state *st, const cJSON *spec, char *err, size_t errlen)
{
    struct sim_fault f = {.remaining = 1, .status = 503, .mode = SIM_FAULT_STATUS};
    long status = 503;
    if (!cJSON_IsObject(spec)) {
        snprintf(err, errlen, "the body must be a JSON object");
        return -1;
    }
    if (opt_int(spec, "count", 1, 1000000, &f.remaining)) {
        snprintf(err, errlen, "count must be an integer ≥ 1");
        return -1;
    }
    if (opt_int(spec, "status", 100, 599, &status)) {
        snprintf(err, errlen, "status must be an HTTP status (100..599)");
        return -1;
    }
    f.status = (int)status;
    if (opt_int(spec, "latency_ms", 0, 600000, &f.latency_ms)) {
        snprintf(err, errlen, "latency_ms must be an integer in 0..600000");
        return -1;
    }
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(spec, "mode");
    if (mode && !cJSON_IsNull(mode) &&
        (!cJSON_IsString(mode) || parse_mode(mode->valuestring, &f.mode))) {
        snprintf(err, errlen,
                 "mode must be one of status, truncate, malformed, drop, redirect, apply_drop");
        return -1;
    }
    static const char *const strs[] = {"retry_after", "path_prefix", "body", "method"};
    char **dst[] = {&f.retry_after, &f.path_prefix, &f.body, &f.method};
    for (size_t i = 0; i < 4; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, strs[i]);
        if (!v || cJSON_IsNull(v)) continue;
        /* retry_after as a number is what a test would naturally write; accept it too. */
        if (i == 0 && cJSON_IsNumber(v)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%ld", (long)v->valuedouble);
            *dst[i] = sim_strdup(buf);
            continue;
        }
        if (!cJSON_IsString(v)) {
            snprintf(err, errlen, "%s must be a string", strs[i]);
            sim_fault_release(&f);
            return -1;
        }
        *dst[i] = sim_strdup(v->valuestring);
    }
    struct sim_fault *nf = realloc(st->faults, (st->nfaults + 1) * sizeof *nf);
    if (!nf) {
        snprintf(err, errlen, "out of memory");
        sim_fault_release(&f);
        return -1;
    }
    st->faults = nf;
    st->faults[st->nfaults++] = f;
    return 0;
}

void sim_faults_clear(struct sim_state *st)
{
    for (size_t i = 0; i < st->nfaults; i++) sim_fault_release(&st->faults[i]);
    st->nfaults = 0;
}

bool sim_fault_take(struct sim_state *st, const char *method, const char *path,
                    struct sim_fault *out)
{
    for (size_t i = 0; i < st->nfaults; i++) {
        struct sim_fault *f = &st->faults[i];
        if (f->path_prefix && strncmp(path, f->path_prefix, strlen(f->path_prefix)) != 0) continue;
        if (f->method && strcmp(method, f->method) != 0) continue;
        *out = *f;
        out->retry_after = sim_strdup(f->retry_after);
        out->path_prefix = sim_strdup(f->path_prefix);
        out->method = sim_strdup(f->method);
        out->body = sim_strdup(f->body);
        if (--f->remaining <= 0) {
            sim_fault_release(f);
            memmove(f, f + 1, (st->nfaults - i - 1) * sizeof *f);
            st->nfaults--;
        }
        return true;
    }
    return false;
}
