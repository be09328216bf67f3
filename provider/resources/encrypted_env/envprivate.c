/* envprivate.c — see envprivate.h. One compact JSON object; unknown members are ignored so that an
 * older or newer provider's private state never breaks a plan. */
#include "envprivate.h"

#include <stdlib.h>
#include <string.h>

#define TOKEN_PURPOSE "phala_encrypted_env commit token"

static char *json_str(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

void env_private_read(const tf_ctx *c, env_private *p)
{
    memset(p, 0, sizeof *p);
    if (!c->private_in_len) return;
    cJSON *o = cJSON_ParseWithLength((const char *)c->private_in, c->private_in_len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return;
    }
    p->key = json_str(o, "key");
    p->pinned = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "pinned"));
    p->tx = json_str(o, "tx");
    p->tx_for = json_str(o, "tx_for");
    p->token_sealed = json_str(o, "token");
    p->token_for = json_str(o, "token_for");
    p->legacy = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "legacy"));
    p->mismatch = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "mismatch"));
    p->resend = json_str(o, "resend");
    cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "approved");
    if (cJSON_IsObject(a)) p->approved = cJSON_Duplicate(a, true);
    cJSON_Delete(o);
}

void env_private_write(tf_ctx *c, const env_private *p)
{
    cJSON *o = cJSON_CreateObject();
    if (p->key) cJSON_AddStringToObject(o, "key", p->key);
    cJSON_AddBoolToObject(o, "pinned", p->pinned);
    if (p->tx) cJSON_AddStringToObject(o, "tx", p->tx);
    if (p->tx_for) cJSON_AddStringToObject(o, "tx_for", p->tx_for);
    if (p->token_sealed) cJSON_AddStringToObject(o, "token", p->token_sealed);
    if (p->token_for) cJSON_AddStringToObject(o, "token_for", p->token_for);
    if (p->legacy) cJSON_AddTrueToObject(o, "legacy");
    if (p->mismatch) cJSON_AddTrueToObject(o, "mismatch");
    if (p->resend) cJSON_AddStringToObject(o, "resend", p->resend);
    if (p->approved) cJSON_AddItemToObject(o, "approved", cJSON_Duplicate(p->approved, true));
    char *s = cJSON_PrintUnformatted(o);
    c->private_out = (const uint8_t *)tf_arena_strdup(c->arena, s);
    c->private_out_len = strlen(s);
    free(s);
    cJSON_Delete(o);
}

void env_private_free(env_private *p)
{
    free(p->key);
    free(p->tx);
    free(p->tx_for);
    free(p->token_sealed);
    free(p->token_for);
    free(p->resend);
    cJSON_Delete(p->approved);
    memset(p, 0, sizeof *p);
}

void env_private_clear_token(env_private *p)
{
    free(p->token_sealed);
    free(p->token_for);
    p->token_sealed = p->token_for = NULL;
}

void env_private_set_token(env_private *p, const phala_config *pc, const char *token,
                           const char *hash)
{
    env_private_clear_token(p);
    /* sealed with the credential the API already trusts this process with (the client holds it) */
    char *sealed = NULL;
    if (!token || !hash || !pc || pk_client_seal(pc->client, token, TOKEN_PURPOSE, &sealed) != 0)
        return; /* no credential to seal with: the commit then goes through the confirm PATCH */
    p->token_sealed = sealed;
    p->token_for = strdup(hash);
}

char *env_private_token(const env_private *p, const phala_config *pc, const char *hash)
{
    if (!p->token_sealed || !p->token_for || !phala_hex_same(p->token_for, hash)) return NULL;
    char *t = NULL;
    return pc && pk_client_open(pc->client, p->token_sealed, TOKEN_PURPOSE, &t) == 0 ? t : NULL;
}

char *env_private_token_or_warn(tf_ctx *c, const env_private *p, const char *hash,
                                const char *cvm_id)
{
    const phala_config *pc = c->provider_data;
    char *t = env_private_token(p, pc, hash);
    if (!t && p->token_sealed && p->token_for && phala_hex_same(p->token_for, hash) && pc &&
        pc->client)
        tf_warning(c, "cvm_id", "The pending update's commit token does not open",
                   "The pending update of CVM %s has a sealed commit token in Terraform's private "
                   "state that does not open with this provider's API credential: it was changed, "
                   "or sealed with another API key or OIDC token. It is ignored: the update is "
                   "committed through the confirm PATCH /cvms/{id} with the registering "
                   "transaction instead, which the API checks on its own.",
                   cvm_id ? cvm_id : "?");
    return t;
}

void env_private_set_approved(env_private *p, cJSON *d)
{
    cJSON_Delete(p->approved);
    p->approved = d;
}
