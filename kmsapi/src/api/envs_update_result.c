/* envs_update_result.c — the result of an env update (pk_envs_update_result), shared by every write
 * that answers with one (PATCH /cvms/{id}/envs, the unified PATCH, commit-update, confirm): the 2xx
 * answer decoded as IN_PROGRESS, and the free that wipes a precondition's commit token. */
#include "api/pkx_api_parse.h"

#include <stdlib.h>
#include <string.h>

#include "api/pkx_json.h"
#include "common/pkx_error.h"

void pk_envs_update_result_free(pk_envs_update_result *r)
{
    if (!r) return;
    free(r->message);
    free(r->request_id);
    if (r->status == PK_ENVS_IN_PROGRESS) {
        free(r->in_progress.correlation_id);
    } else if (r->status == PK_ENVS_PRECONDITION_REQUIRED) {
        free(r->precondition.compose_hash);
        free(r->precondition.app_id);
        free(r->precondition.device_id);
        pk_kms_info_free(&r->precondition.kms_info);
        if (r->precondition.commit_token)
            memset(r->precondition.commit_token, 0, strlen(r->precondition.commit_token));
        free(r->precondition.commit_token);
        free(r->precondition.commit_url);
        free(r->precondition.api_commit_url);
    }
    memset(r, 0, sizeof *r);
}

int pkx_decode_envs_in_progress(const char *body, size_t len, pk_envs_update_result *out,
                                pk_error *err)
{
    cJSON *root;
    pk_tristate changed;
    memset(out, 0, sizeof *out);
    out->status = PK_ENVS_IN_PROGRESS;
    if (pkx_json_parse_object(body, len, "update_envs", &root, err)) return -1;
    /* JS requires all four fields; Go and Python tolerate {} — so do we, but types must match. */
    if (pkx_json_str(root, "update_envs", "message", 0, &out->message, err) ||
        pkx_json_str(root, "update_envs", "correlation_id", 0, &out->in_progress.correlation_id,
                     err) ||
        pkx_json_bool(root, "update_envs", "allowed_envs_changed", 0, &changed, err)) {
        cJSON_Delete(root);
        pk_envs_update_result_free(out);
        return -1;
    }
    out->in_progress.allowed_envs_changed = changed == PK_TRUE;
    cJSON_Delete(root);
    return 0;
}
