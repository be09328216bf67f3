/* stats.c — request counters per "METHOD /route-template" for GET /_sim/stats. Connection counting
 * lives in http.c (it needs the per-connection context); this file only keeps the tallies. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_stats_count(struct sim_state *st, const char *method, const char *route)
{
    char key[128];
    snprintf(key, sizeof key, "%s %s", method, route);
    st->total++;
    for (size_t i = 0; i < st->nstats; i++) {
        if (strcmp(st->stats[i].route, key) == 0) {
            st->stats[i].count++;
            return;
        }
    }
    struct sim_stat *ns = realloc(st->stats, (st->nstats + 1) * sizeof *ns);
    if (!ns) return;
    st->stats = ns;
    ns[st->nstats].route = sim_strdup(key);
    ns[st->nstats].count = ns[st->nstats].route ? 1 : 0;
    if (ns[st->nstats].route) st->nstats++;
}

cJSON *sim_stats_json(const struct sim_state *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "connections", (double)st->connections);
    cJSON_AddNumberToObject(o, "connections_accepted", (double)st->connections_accepted);
    cJSON *req = cJSON_AddObjectToObject(o, "requests");
    for (size_t i = 0; i < st->nstats; i++)
        cJSON_AddNumberToObject(req, st->stats[i].route, (double)st->stats[i].count);
    cJSON_AddNumberToObject(o, "total", (double)st->total);
    return o;
}

void sim_stats_reset(struct sim_state *st)
{
    for (size_t i = 0; i < st->nstats; i++) free(st->stats[i].route);
    free(st->stats);
    st->stats = NULL;
    st->nstats = 0;
    st->total = 0;
    st->connections = 0;
    st->connections_accepted = 0;
    st->stats_epoch++;
}
