/* cvm_status.c — the untidy world around an env update: a CVM that is stopped (an update of it is
 * accepted and it stays stopped, in_progress false), one that stops, starts or restarts for a while
 * and then settles, 465s that spell the compose hash with 0x or in capitals, the exact hash each
 * commit sent, and the KMS's lag (is-allowed and commits read the app contract N blocks behind the
 * head; cvm_update.c and rpc.c apply it). Admin routes: /_sim/cvms/{id}/power, /_sim/cvms/{id}/flow,
 * /_sim/lag. */
#include "sim.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *settled(const struct sim_cvm *c)
{
    const struct sim_power *p = &c->power;
    if (p->transition[0]) return sim_now() < p->until ? NULL : p->after;
    return p->settled[0] ? p->settled : "running";
}

const char *sim_cvm_status(const struct sim_cvm *c, bool *in_progress)
{
    const char *s = settled(c);
    if (!s) { /* stopping, starting, restarting: the API shows the operation in progress */
        *in_progress = true;
        return c->power.transition;
    }
    bool runs = strcmp(s, "running") == 0;
    /* an accepted update restarts a running CVM: in_progress until it runs the new env */
    *in_progress = runs && (c->busy_forever || sim_now() < c->busy_until);
    return *in_progress ? "starting" : s;
}

bool sim_cvm_will_run(const struct sim_cvm *c)
{
    const char *s = settled(c);
    return strcmp(s ? s : c->power.after, "running") == 0;
}

const char *sim_hash_echo(const struct sim_cvm *c, const char *hash, char *out, size_t len)
{
    bool prefix = strncmp(c->hash_echo, "0x", 2) == 0;
    bool upper = strstr(c->hash_echo, "upper") != NULL;
    snprintf(out, len, "%s%s", prefix ? "0x" : "", hash);
    for (char *p = out + (prefix ? 2 : 0); upper && *p; p++) *p = (char)toupper((unsigned char)*p);
    return out;
}

void sim_note_commit(struct sim_cvm *c, const char *hash_as_sent)
{
    snprintf(c->last_commit_hash, sizeof c->last_commit_hash, "%s", hash_as_sent);
}

/* ---- admin ------------------------------------------------------------------------------------ */

static cJSON *flow_view(const struct sim_state *st, const struct sim_cvm *c)
{
    bool busy;
    const char *status = sim_cvm_status(c, &busy);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "cvm_id", c->id);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddBoolToObject(o, "in_progress", busy);
    cJSON_AddStringToObject(o, "hash_echo", c->hash_echo[0] ? c->hash_echo : "plain");
    cJSON_AddStringToObject(o, "last_commit_hash", c->last_commit_hash);
    cJSON_AddNumberToObject(o, "updates", (double)c->updates);
    cJSON_AddNumberToObject(o, "lag_blocks", (double)st->lag_blocks);
    return o;
}

static bool word_ok(const char *s)
{
    if (!s[0] || strlen(s) >= sizeof((struct sim_power *)0)->settled) return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || *s == '_')) return false;
    return true;
}

/* {"action":"stop"|"start"|"restart", "ms"?: N} moves the CVM through stopping / starting /
 * restarting for ms (0: at once) to stopped / running; {"status":"exited"} settles it in any
 * other status (one that does not change by itself). */
static void set_power(const struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                      struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(b, "action");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(b, "status");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(b, "ms");
    static const char *const actions[][3] = {
        {"stop", "stopping", "stopped"},
        {"start", "starting", "running"},
        {"restart", "restarting", "running"},
    };
    int a = -1;
    for (int i = 0; cJSON_IsString(action) && i < 3; i++)
        if (strcmp(action->valuestring, actions[i][0]) == 0) a = i;
    if ((action != NULL) == (status != NULL) || (action && a < 0) ||
        (status && (!cJSON_IsString(status) || !word_ok(status->valuestring)))) {
        sim_reply_422(r, "body", NULL,
                      "either action (stop, start, restart) or status (a lowercase word)",
                      "value_error", NULL);
    } else if (ms && (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > 3600000)) {
        sim_reply_422(r, "body", "ms", "ms must be a number in 0..3600000", "value_error", NULL);
    } else {
        struct sim_power *p = &c->power;
        memset(p, 0, sizeof *p);
        c->busy_forever = false; /* a power operation ends an update's restart */
        c->busy_until = 0;
        if (status) {
            snprintf(p->settled, sizeof p->settled, "%s", status->valuestring);
        } else if (ms && ms->valuedouble > 0) {
            snprintf(p->transition, sizeof p->transition, "%s", actions[a][1]);
            snprintf(p->after, sizeof p->after, "%s", actions[a][2]);
            p->until = sim_now() + ms->valuedouble / 1000.0;
        } else {
            snprintf(p->settled, sizeof p->settled, "%s", actions[a][2]);
        }
        sim_reply_json(r, 200, flow_view(st, c));
    }
    cJSON_Delete(b);
}

/* {"hash_echo": "plain" | "0x" | "upper" | "0xupper"}: how the CVM's 465s spell the hash. */
static void set_flow(const struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                     struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(b, "hash_echo");
    static const char *const forms[] = {"plain", "0x", "upper", "0xupper"};
    int f = -1;
    for (int i = 0; cJSON_IsString(e) && i < 4; i++)
        if (strcmp(e->valuestring, forms[i]) == 0) f = i;
    if (f < 0) {
        sim_reply_422(r, "body", "hash_echo", "one of plain, 0x, upper, 0xupper", "value_error",
                      NULL);
    } else {
        snprintf(c->hash_echo, sizeof c->hash_echo, "%s", f ? forms[f] : "");
        sim_reply_json(r, 200, flow_view(st, c));
    }
    cJSON_Delete(b);
}

/* {"blocks": N}: the KMS (is-allowed, the 465's onchain_status, commits) reads the app contract at
 * head - N. Only a real chain (--rpc-url) has blocks. */
static void set_lag(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = sim_body_object(q, r);
    if (!b) return;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "blocks");
    if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 100000) {
        sim_reply_422(r, "body", "blocks", "blocks must be a number in 0..100000", "value_error",
                      NULL);
    } else if (n->valuedouble > 0 && !st->rpc_url) {
        sim_reply_422(r, "body", "blocks", "a lag needs a chain with blocks: start with --rpc-url",
                      "value_error", NULL);
    } else {
        st->lag_blocks = (long)n->valuedouble;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "lag_blocks", (double)st->lag_blocks);
        sim_reply_json(r, 200, o);
    }
    cJSON_Delete(b);
}

bool sim_route_admin_flow(struct sim_state *st, const struct sim_req *q, struct sim_reply *r)
{
    struct sim_path p;
    sim_path_split(&p, q->path); /* seg[0] == "_sim" */
    bool post = strcmp(q->method, "POST") == 0, get = strcmp(q->method, "GET") == 0;
    bool mine = true;
    if (p.n == 2 && strcmp(p.seg[1], "lag") == 0 && post) {
        set_lag(st, q, r);
    } else if (p.n == 4 && strcmp(p.seg[1], "cvms") == 0 &&
               ((strcmp(p.seg[3], "power") == 0 && post) ||
                (strcmp(p.seg[3], "flow") == 0 && (post || get)))) {
        struct sim_cvm *c = sim_find_cvm(st, p.seg[2]);
        if (!c)
            sim_reply_structured(r, q, 404, "ERR-03-001", "CVM not found", NULL, NULL);
        else if (strcmp(p.seg[3], "power") == 0)
            set_power(st, c, q, r);
        else if (post)
            set_flow(st, c, q, r);
        else
            sim_reply_json(r, 200, flow_view(st, c));
    } else {
        mine = false;
    }
    sim_path_free(&p);
    return mine;
}
