/* envflow_warn.c — the warning of a pending update: what exactly is needed (register the compose
 * hash, allow the device, or name the registering transaction), how to do it with a key or a
 * multisig wallet, and what this provider computed itself so that a person can check the hash
 * before approving it. */
#include "envflow_warn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *chain_text(tf_arena *a, const env_flow *f)
{
    return f->has_chain_id ? tf_arena_printf(a, "chain id %lld", (long long)f->chain_id)
                           : "its chain";
}

static const char *keys_text(tf_arena *a, const env_flow *f)
{
    size_t n = 3;
    for (size_t i = 0; i < f->n_keys; i++) n += strlen(f->keys[i]) + 2;
    char *s = tf_arena_alloc(a, n);
    strcpy(s, "[");
    for (size_t i = 0; i < f->n_keys; i++) {
        if (i) strcat(s, ", ");
        strcat(s, f->keys[i]);
    }
    strcat(s, "]");
    return s;
}

/* What the provider computed, or why a person must not approve the hash. */
static const char *local_text(tf_arena *a, const env_flow *f)
{
    const char *h = phala_strip0x(f->compose_hash);
    if (f->verify_note)
        return tf_arena_printf(a,
                               "Do not approve it without checking: %s. (This provider computes "
                               "0x%s for the CVM's compose with allowed_envs = %s.)",
                               f->verify_note, f->local_hash ? phala_strip0x(f->local_hash) : "?",
                               keys_text(a, f));
    if (f->local_hash && phala_hex_same(f->local_hash, h))
        return tf_arena_printf(
            a,
            "This provider computed the same hash, 0x%s, itself from the CVM's compose with "
            "allowed_envs = %s%s.",
            phala_strip0x(f->local_hash), keys_text(a, f),
            f->verified_onchain ? " (the current compose is allowed on-chain)"
                                : " (the current compose was not checked on-chain: no rpc_url)");
    return "";
}

static void warn_hash(tf_ctx *c, const env_flow *f, const char *resource)
{
    const char *h = f->compose_hash ? phala_strip0x(f->compose_hash) : "?";
    const char *app = f->app_id ? phala_strip0x(f->app_id) : "?";
    tf_warning(
        c, "transaction_hash", "On-chain registration required",
        "The new set of env keys changes the CVM's compose hash, which its on-chain KMS only "
        "accepts once the app contract allows it. The update is saved as "
        "status = \"pending_onchain\".\n\n"
        "To finish: call addComposeHash(0x%s) on the app contract 0x%s (%s%s%s), owner key "
        "required; e.g. `cast send 0x%s \"addComposeHash(bytes32)\" 0x%s`. %s\n\n"
        "A multisig owner (e.g. a Safe) proposes and executes that same call; the next terraform "
        "plan notices the registration and apply completes the update without a "
        "transaction_hash. Or set\n"
        "  transaction_hash = \"<the transaction hash>\"\n"
        "on %s and run terraform apply again: the provider commits the same encrypted env "
        "with the hash and that transaction. %s",
        h, app, chain_text(c->arena, f), f->kms_contract_address ? ", KMS contract " : "",
        f->kms_contract_address ? f->kms_contract_address : "", app, h, local_text(c->arena, f),
        resource, f->pending_note ? f->pending_note : "");
}

static void warn_mismatch(tf_ctx *c, const env_flow *f)
{
    const char *h = f->compose_hash ? phala_strip0x(f->compose_hash) : "?";
    const char *local =
        f->local_approved && f->local_hash
            ? tf_arena_printf(c->arena,
                              "This provider computes 0x%s for the update (the approved compose "
                              "with allowed_envs = %s). ",
                              phala_strip0x(f->local_hash), keys_text(c->arena, f))
            : "The compose the API serves is itself not approved, so this provider has no hash "
              "to offer for the update. ";
    tf_warning(c, NULL, "Compose hash not verified: nothing was signed",
               "The API asks to register compose hash 0x%s, but the provider could not prove it is "
               "the CVM's approved compose with only allowed_envs changed to %s: %s.\n\n"
               "No transaction was sent and the update waits in status = \"pending_onchain\"; "
               "the next apply asks the API again. %sRegistering a hash the provider could not "
               "prove stays your informed decision: check the compose, then call addComposeHash "
               "yourself and set transaction_hash, or change the configuration.",
               h, keys_text(c->arena, f), f->verify_note ? f->verify_note : "unknown", local);
}

static void warn_device(tf_ctx *c, const env_flow *f)
{
    const char *d = f->device_id ? phala_strip0x(f->device_id) : "?";
    const char *app = f->app_id ? phala_strip0x(f->app_id) : "?";
    tf_warning(
        c, NULL, "The CVM's device is not allowed by the app",
        "Compose hash %s is registered, but app contract 0x%s (%s) does not let device 0x%s run "
        "the app (allowAnyDevice() is false and allowedDeviceIds(0x%s) is false), so the CVM "
        "could not boot with the update. The update waits in status = \"pending_onchain\".\n\n"
        "To finish: call addDevice(0x%s) on 0x%s with the owner key (or a multisig), e.g. "
        "`cast send 0x%s \"addDevice(bytes32)\" 0x%s`, then run terraform apply again — or let "
        "the provider do it: onchain { add_device = true } with the owner's private_key.",
        f->compose_hash ? f->compose_hash : "?", app, chain_text(c->arena, f), d, d, d, app, app,
        d);
}

void ef_warn_pending(tf_ctx *c, const env_flow *f, const char *resource)
{
    switch (f->waiting_for) {
    case EF_WAIT_MISMATCH:
        warn_mismatch(c, f);
        break;
    case EF_WAIT_DEVICE:
        warn_device(c, f);
        break;
    case EF_WAIT_TX:
        tf_warning(c, "transaction_hash", "Registering transaction needed",
                   "Compose hash %s is allowed by app contract %s. %s Set transaction_hash on %s "
                   "to that transaction and apply again.",
                   f->compose_hash ? f->compose_hash : "?", f->app_id ? f->app_id : "?",
                   f->pending_note ? f->pending_note : "", resource);
        break;
    default:
        warn_hash(c, f, resource);
        break;
    }
}
