/* envlag.c — the VISIBLE edge of the env update (envflow.h), between a registration and the commit.
 * dstack's KMS, and the API's commit check with it, read the app contract some blocks behind the
 * chain head, so a compose hash or device registered a moment ago is "not allowed" to them until
 * enough blocks follow; a commit sent at once is refused (468). The flow asks the API's own view —
 * POST /cvms/{id}/is-allowed — until it allows the hash and the device, within the operation's
 * timeout, with progress in the info log. An API without is-allowed (the older PATCH envs) has only
 * the provider's own `confirmations` wait after its transactions (envsigner.c). */
#include "envlag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsigner.h"
#include "envwait.h"
#include "tflog.h"

#define LAG_POLL_MS    2000 /* blocks come every 2-12 s: a question per block at most */
#define LAG_MAX_MISSES 3    /* unanswerable checks in a row: let the commit decide */

ef_state ef_before_commit(const env_flow *f)
{
    /* Only when the contract itself allows the hash (this provider's transaction, or a read at the
     * head) can the KMS lag it. "Allowed" from the API (the 465's onchain_status, is-allowed) is
     * the KMS's view already; a configured transaction nobody checked is the commit's to judge
     * (467/468), never a reason to wait. */
    if (f->legacy || !f->compose_hash) return EF_PHASE2;
    return f->seen_on_chain || (f->device_on_chain && f->device_id) ? EF_VISIBLE : EF_PHASE2;
}

typedef enum { SEEN_NO, SEEN_YES, SEEN_UNKNOWN, SEEN_NO_API, SEEN_CANCELLED } seen;

static seen ask_api(pk_client *client, const env_flow *f, char *why, size_t len)
{
    pk_is_allowed a;
    pk_error err = {0};
    seen s = SEEN_UNKNOWN;
    if (pk_cvm_is_allowed(client, f->cvm_id, phala_strip0x(f->compose_hash),
                          f->device_id ? phala_strip0x(f->device_id) : NULL, &a, &err) == 0) {
        bool device =
            a.device_id_allowed != PK_UNSET ? a.device_id_allowed == PK_TRUE : a.allow_any_device;
        /* what the chain is known to hold must be visible; the rest is the commit's to judge */
        bool seen = (!f->seen_on_chain || a.compose_hash_allowed) &&
                    (!f->device_on_chain || !f->device_id || device);
        if (a.error)
            snprintf(why, len, "%s", a.error); /* the server could not ask the chain */
        else
            s = seen ? SEEN_YES : SEEN_NO;
        pk_is_allowed_free(&a);
    } else if (err.kind == PK_ERR_CANCELLED) {
        s = SEEN_CANCELLED;
    } else if (err.http_status == 404 || err.http_status == 405) {
        s = SEEN_NO_API;
    } else {
        snprintf(why, len, "%s", pk_error_message(&err));
    }
    pk_error_clear(&err);
    return s;
}

ef_state ef_do_visible(tf_ctx *c, pk_client *client, env_flow *f)
{
    long long start = env_now_ms();
    int misses = 0;
    for (;;) {
        char why[512] = "";
        seen s = ask_api(client, f, why, sizeof why);
        const char *waited = env_duration_text(c->arena, env_now_ms() - start + 1);
        if (s == SEEN_YES) {
            tf_log(TF_LOG_INFO, "the KMS allows the registration: committing", "compose_hash",
                   f->compose_hash, "waited", waited, NULL);
            return EF_PHASE2;
        }
        if (s == SEEN_NO_API) return EF_PHASE2; /* cannot be asked: the commit will tell */
        if (s == SEEN_CANCELLED) break;
        if (s == SEEN_UNKNOWN) {
            tf_log(TF_LOG_WARN, "cannot ask whether the KMS allows the registration", "cvm_id",
                   f->cvm_id, "error", why, NULL);
            if (++misses >= LAG_MAX_MISSES) return EF_PHASE2;
        } else {
            misses = 0;
            tf_log(TF_LOG_INFO,
                   "waiting for the KMS to see the registration (it reads the app contract some "
                   "blocks behind the chain head)",
                   "cvm_id", f->cvm_id, "compose_hash", f->compose_hash, "source",
                   "POST /cvms/{id}/is-allowed", "waited", waited, "timeout",
                   env_duration_text(c->arena, f->timeout_ms), NULL);
        }
        long long left = f->deadline_ms - env_now_ms();
        if (left <= 0) {
            const char *what =
                f->seen_on_chain
                    ? tf_arena_printf(c->arena, "compose hash %s%s", f->compose_hash,
                                      f->tx ? tf_arena_printf(c->arena, " (transaction %s)", f->tx)
                                            : "")
                    : tf_arena_printf(c->arena, "device %s", f->device_id);
            tf_error(c, NULL, "Timed out waiting for the KMS to see the registration",
                     "App contract %s allows %s, but the API's is-allowed check still did not "
                     "allow the update of CVM %s when the operation's timeout (%s, timeouts) ran "
                     "out: dstack's KMS reads the app contract some blocks behind the chain head. "
                     "Nothing was committed and no transaction is needed again: the update stays "
                     "pending_onchain, and the next apply commits it once the KMS sees the "
                     "registration. Raise the timeout if this chain's blocks are slow.",
                     f->app_id ? f->app_id : "?", what, f->cvm_id,
                     env_duration_text(c->arena, f->timeout_ms));
            f->keep_pending = true;
            return EF_FAILED;
        }
        if (!tf_sleep_ms_cancellable(left < LAG_POLL_MS ? left : LAG_POLL_MS) || tf_cancelled())
            break;
    }
    tf_error_cancelled(c);
    f->keep_pending = true;
    return EF_FAILED;
}
