/* requests.c — the admin request log (GET /_sim/requests): for the newest API requests, what a test
 * needs to check about headers — method, path, X-Phala-Version, X-Phala-Workspace and which kind of
 * credential came (never its value). */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void entry_free(struct sim_logged *e)
{
    free(e->path);
    free(e->query);
    free(e->version);
    free(e->workspace);
    memset(e, 0, sizeof *e);
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    char **q = cls;
    size_t n = (*q ? strlen(*q) + 1 : 0) + strlen(key) + (value ? strlen(value) + 1 : 0) + 1;
    char *s = malloc(n);
    if (!s) return MHD_NO;
    snprintf(s, n, "%s%s%s%s%s", *q ? *q : "", *q ? "&" : "", key, value ? "=" : "",
             value ? value : "");
    free(*q);
    *q = s;
    return MHD_YES;
}

void sim_log_request(struct sim_state *st, const struct sim_req *q, const char *auth)
{
    if (!st->log && !(st->log = calloc(SIM_REQUEST_LOG_MAX, sizeof *st->log))) return;
    struct sim_logged *e = &st->log[st->log_next];
    entry_free(e);
    snprintf(e->method, sizeof e->method, "%s", q->method);
    e->path = sim_strdup(q->path);
    MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, add_arg, &e->query);
    e->version =
        sim_strdup(MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-Phala-Version"));
    e->workspace =
        sim_strdup(MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-Phala-Workspace"));
    e->auth = auth;
    st->log_next = (st->log_next + 1) % SIM_REQUEST_LOG_MAX;
    if (st->nlog < SIM_REQUEST_LOG_MAX) st->nlog++;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *sim_log_json(const struct sim_state *st)
{
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "requests");
    size_t first = (st->log_next + SIM_REQUEST_LOG_MAX - st->nlog) % SIM_REQUEST_LOG_MAX;
    for (size_t i = 0; i < st->nlog; i++) {
        const struct sim_logged *e = &st->log[(first + i) % SIM_REQUEST_LOG_MAX];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "method", e->method);
        cJSON_AddItemToObject(j, "path", str_or_null(e->path));
        cJSON_AddItemToObject(j, "query", str_or_null(e->query));
        cJSON_AddItemToObject(j, "version", str_or_null(e->version));
        cJSON_AddItemToObject(j, "workspace", str_or_null(e->workspace));
        cJSON_AddStringToObject(j, "auth", e->auth);
        cJSON_AddItemToArray(list, j);
    }
    return o;
}

void sim_log_clear(struct sim_state *st)
{
    for (size_t i = 0; st->log && i < SIM_REQUEST_LOG_MAX; i++) entry_free(&st->log[i]);
    st->nlog = st->log_next = 0;
}
