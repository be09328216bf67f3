/* envverify.c — see envverify.h. Every comparison is made on what this provider computed from the
 * compose itself; the API's words (its hash, app id, chain) are only ever compared, never used. */
#include "envverify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsigner.h"
#include "tflog.h"

void env_verdict_free(env_verdict *v)
{
    free(v->why);
    free(v->local_hash);
    free(v->app_id);
    free(v->device_id);
    cJSON_Delete(v->approved);
    memset(v, 0, sizeof *v);
}

static void set_why(env_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(env_verdict *v, const char *fmt, ...)
{
    char buf[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(v->why);
    v->why = strdup(buf);
    v->ok = false;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void collect_digest(const char *name, const char hex[65], void *user)
{
    cJSON_AddStringToObject(user, name, hex);
}

static cJSON *digests_of(const char *json)
{
    cJSON *d = cJSON_CreateObject();
    if (pk_compose_field_digests(json, strlen(json), collect_digest, d, NULL, 0) != 0) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

/* "docker_compose_file, pre_launch_script": fields of now that differ from (or are missing in)
 * the approved digests, allowed_envs aside; NULL when nothing can be told. */
static char *changed_fields(const cJSON *approved, const cJSON *now)
{
    if (!approved || !now) return NULL;
    char out[600] = "";
    size_t len = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, now)
    {
        if (strcmp(e->string, "allowed_envs") == 0) continue;
        const cJSON *was = cJSON_GetObjectItemCaseSensitive(approved, e->string);
        if (cJSON_IsString(was) && strcmp(was->valuestring, e->valuestring) == 0) continue;
        len += (size_t)snprintf(out + len, len < sizeof out ? sizeof out - len : 0, "%s%s",
                                len ? ", " : "", e->string);
    }
    cJSON_ArrayForEach(e, approved)
    {
        if (strcmp(e->string, "allowed_envs") == 0 ||
            cJSON_GetObjectItemCaseSensitive(now, e->string))
            continue;
        len += (size_t)snprintf(out + len, len < sizeof out ? sizeof out - len : 0,
                                "%s%s (removed)", len ? ", " : "", e->string);
    }
    return len ? strdup(out) : NULL;
}

/* The compose of the CVM, hashed in every form, now and with the plan's keys. */
typedef struct {
    char cur[PK_COMPOSE_FORMS][PK_SHA256_HEX_LEN + 1];
    char next[PK_COMPOSE_FORMS][PK_SHA256_HEX_LEN + 1];
    cJSON *cur_digests, *next_digests;
} compose_hashes;

static int hash_compose(tf_ctx *c, const char *json, const env_verify_in *in, compose_hashes *h)
{
    char err[256] = "", *next = NULL;
    if (pk_compose_with_allowed_envs(json, strlen(json), in->keys, in->n_keys, &next, err,
                                     sizeof err) != 0) {
        tf_error(c, "cvm_id", "Cannot read the CVM's compose", "%s", err);
        return -1;
    }
    int rc = 0;
    for (int f = 0; f < PK_COMPOSE_FORMS && rc == 0; f++)
        rc = pk_compose_hash_form(json, strlen(json), (pk_compose_form)f, false, h->cur[f], err,
                                  sizeof err) ||
             pk_compose_hash_form(next, strlen(next), (pk_compose_form)f, false, h->next[f], err,
                                  sizeof err);
    if (rc == 0) {
        h->cur_digests = digests_of(json);
        h->next_digests = digests_of(next);
    } else {
        tf_error(c, "cvm_id", "Cannot hash the CVM's compose", "%s", err);
    }
    free(next);
    return rc ? -1 : 0;
}

/* Which canonical form of the current compose the app contract allows: its index, PK_COMPOSE_FORMS
 * when none, -1 after a diagnostic. */
static int allowed_form(tf_ctx *c, const env_verify_in *in, const env_verdict *v,
                        const compose_hashes *h)
{
    for (int f = 0; f < PK_COMPOSE_FORMS; f++) {
        bool allowed = false;
        if (env_chain_hash_allowed(c, in->pc, v->app_id, h->cur[f], v->has_chain_id, v->chain_id,
                                   &allowed) != 0)
            return -1;
        if (allowed) return f;
    }
    return PK_COMPOSE_FORMS;
}

/* Why the API's hash is not ours, in the words a person approving it needs. */
static void explain_hash(env_verdict *v, const env_verify_in *in, const compose_hashes *h, int f)
{
    const char *want = phala_strip0x(in->hash);
    int other = 1 - f;
    if (phala_hex_same(want, h->next[other]))
        set_why(v,
                "the compose hash the API names (0x%s) is the updated compose in the %s form, but "
                "the approved compose is hashed in the %s form (0x%s)",
                want, pk_compose_form_name((pk_compose_form)other),
                pk_compose_form_name((pk_compose_form)f), h->next[f]);
    else if (phala_hex_same(want, h->cur[f]))
        set_why(v,
                "the compose hash the API names (0x%s) is the current compose's, without the new "
                "env keys; the update would need 0x%s",
                want, h->next[f]);
    else
        set_why(
            v,
            "the compose hash the API names (0x%s) is not the approved compose with only "
            "allowed_envs changed to the plan's keys (that is 0x%s in the %s form): the compose "
            "the API wants registered differs from the approved one in more than allowed_envs, "
            "or is hashed in a form no Phala SDK uses",
            want, h->next[f], pk_compose_form_name((pk_compose_form)f));
}

int env_verify(tf_ctx *c, pk_client *client, const env_verify_in *in, env_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->ok = true;
    pk_cvm cvm = {0};
    pk_compose_file cf = {0};
    pk_error err = {0};
    compose_hashes h = {0};
    int rc = -1;
    if (pk_cvm_fetch(client, in->cvm_id, &cvm, &err) != 0) {
        phala_api_error(c, "cvm_id", "Cannot read the CVM", &err);
        goto done;
    }
    if (in->pin && env_pin_check(c, in->pin, in->cvm_id, &cvm) != 0) goto done;
    out->app_id = dup_or_null(cvm.app_id);
    out->device_id = dup_or_null(cvm.device_id);
    out->has_chain_id = cvm.has_kms_info && cvm.kms_info.has_chain_id;
    out->chain_id = cvm.kms_info.chain_id;
    if (pk_cvm_compose_file_fetch(client, in->cvm_id, &cf, &err) != 0) {
        phala_api_error(c, "cvm_id", "Cannot read the CVM's compose file", &err);
        goto done;
    }
    if (hash_compose(c, cf.json, in, &h) != 0) goto done;
    char local[PK_SHA256_HEX_LEN + 3];
    snprintf(local, sizeof local, "0x%s", h.next[PK_COMPOSE_COMPACT]);
    out->local_hash = strdup(local);
    rc = 0;

    /* The API's claims about whose update this is. */
    if (!cvm.app_id || !pk_app_id_valid(cvm.app_id)) {
        set_why(out, "the CVM has no valid app id, so there is no app contract to check");
        goto done;
    }
    if (!phala_hex_same(in->app_id, cvm.app_id)) {
        set_why(out,
                "the API names app 0x%s, but the CVM belongs to app 0x%s: the registration would "
                "go to another app's contract",
                phala_strip0x(in->app_id), phala_strip0x(cvm.app_id));
        goto done;
    }
    if (in->has_chain_id && out->has_chain_id && in->chain_id != out->chain_id) {
        set_why(out, "the API names chain %" PRId64 ", but the CVM's KMS is on chain %" PRId64,
                in->chain_id, out->chain_id);
        goto done;
    }
    if (!out->has_chain_id) {
        out->has_chain_id = in->has_chain_id;
        out->chain_id = in->chain_id;
    }
    if (in->device_id && cvm.device_id && !phala_hex_same(in->device_id, cvm.device_id)) {
        set_why(out, "the API names device 0x%s, but the CVM runs on device 0x%s",
                phala_strip0x(in->device_id), phala_strip0x(cvm.device_id));
        goto done;
    }

    /* The compose: approved on-chain as it is now, and the API's hash = it with the new keys. */
    int f = PK_COMPOSE_COMPACT;
    if (env_chain_can_read(in->pc)) {
        f = allowed_form(c, in, out, &h);
        if (f < 0) {
            rc = -1;
            goto done;
        }
        if (f == PK_COMPOSE_FORMS) {
            char *fields = changed_fields(in->approved, h.cur_digests);
            char tail[700] = "";
            if (fields)
                snprintf(tail, sizeof tail,
                         "; it differs from the compose last approved through this provider in %s",
                         fields);
            set_why(out,
                    "the CVM's current compose as the API gives it (compact 0x%s, indented 0x%s) "
                    "is not allowed by app contract 0x%s, so it is not a compose its owner "
                    "approved%s",
                    h.cur[0], h.cur[1], phala_strip0x(cvm.app_id), tail);
            free(fields);
            goto done;
        }
        out->onchain = true;
        out->local_approved = true;
    } else {
        /* No rpc_url: only the hash can be checked, against the form it is in. */
        f = phala_hex_same(in->hash, h.next[PK_COMPOSE_INDENT4]) ? PK_COMPOSE_INDENT4
                                                                 : PK_COMPOSE_COMPACT;
    }
    out->form = (pk_compose_form)f;
    snprintf(local, sizeof local, "0x%s", h.next[f]);
    free(out->local_hash);
    out->local_hash = strdup(local);
    if (!phala_hex_same(in->hash, h.next[f])) {
        explain_hash(out, in, &h, f);
        goto done;
    }
    out->approved = h.next_digests;
    h.next_digests = NULL;
    tf_log(TF_LOG_INFO, "compose hash verified", "compose_hash", local, "form",
           pk_compose_form_name(out->form), "onchain", out->onchain ? "yes" : "not checked", NULL);
done:
    cJSON_Delete(h.cur_digests);
    cJSON_Delete(h.next_digests);
    pk_error_clear(&err);
    pk_compose_file_free(&cf);
    pk_cvm_free(&cvm);
    if (rc != 0) out->ok = false;
    return rc;
}
