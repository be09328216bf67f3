/* reply.c — the reply value route handlers fill: JSON bodies and the three error shapes of the real
 * API (FastAPI `detail` string, FastAPI 422 list, structured `error_code` body carrying the request
 * id). */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

void sim_reply_raw(struct sim_reply *r, int status, const char *body)
{
    free(r->body);
    r->status = status;
    r->body = sim_strdup(body ? body : "");
    r->content_type = "application/json";
}

void sim_reply_json(struct sim_reply *r, int status, cJSON *obj)
{
    free(r->body);
    r->status = status;
    r->body = obj ? cJSON_PrintUnformatted(obj) : NULL;
    r->content_type = "application/json";
    cJSON_Delete(obj);
    if (!r->body) { /* only on allocation failure */
        r->status = 500;
        r->body = sim_strdup("{\"detail\":\"Internal Server Error\"}");
    }
}

void sim_reply_detail(struct sim_reply *r, int status, const char *detail)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "detail", detail);
    sim_reply_json(r, status, o);
}

void sim_reply_structured(struct sim_reply *r, const struct sim_req *q, int status,
                          const char *code, const char *message, cJSON *details,
                          const char *suggestion)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error_code", code);
    cJSON_AddStringToObject(o, "message", message);
    cJSON_AddStringToObject(o, "request_id", q->request_id);
    cJSON_AddItemToObject(o, "details", details ? details : cJSON_CreateArray());
    cJSON *sugg = cJSON_AddArrayToObject(o, "suggestions");
    if (suggestion) cJSON_AddItemToArray(sugg, cJSON_CreateString(suggestion));
    cJSON_AddItemToObject(o, "links", cJSON_CreateArray());
    sim_reply_json(r, status, o);
}

void sim_reply_422(struct sim_reply *r, const char *where, const char *field, const char *msg,
                   const char *type, const char *input)
{
    cJSON *item = cJSON_CreateObject();
    cJSON *loc = cJSON_AddArrayToObject(item, "loc");
    cJSON_AddItemToArray(loc, cJSON_CreateString(where));
    if (field) cJSON_AddItemToArray(loc, cJSON_CreateString(field));
    cJSON_AddStringToObject(item, "msg", msg);
    cJSON_AddStringToObject(item, "type", type);
    if (input) cJSON_AddStringToObject(item, "input", input);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "detail"), item);
    sim_reply_json(r, 422, o);
}

void sim_reply_free(struct sim_reply *r)
{
    free(r->body);
    free(r->retry_after);
    free(r->location);
    memset(r, 0, sizeof *r);
}

cJSON *sim_body_object(const struct sim_req *q, struct sim_reply *r)
{
    cJSON *b = cJSON_ParseWithLength(q->body, q->body_len);
    if (cJSON_IsObject(b)) return b;
    cJSON_Delete(b);
    sim_reply_422(r, "body", NULL, "the body must be a JSON object", "json_invalid", NULL);
    return NULL;
}
