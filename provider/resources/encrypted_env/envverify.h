/* envverify.h — the proof the provider needs before it signs a compose hash the API names (DESIGN
 * §12, issue 11): the CVM's current app-compose (from the API) must hash, in one of the canonical
 * forms (research/phala-api.md §6.2), to a hash the app contract already allows; that compose with
 * allowed_envs replaced by the plan's keys must hash, in the same form, to exactly the hash the API
 * asked for; the API's app id must be the CVM's own, and its chain the KMS's. Without an rpc_url the
 * on-chain half is skipped and the result only says what this provider computes, for a person to
 * compare before approving (e.g. in a multisig wallet). */
#ifndef ENVVERIFY_H
#define ENVVERIFY_H

#include <cjson/cJSON.h>

#include "envtrust.h"
#include "phala_common.h"

typedef struct {
    const char *cvm_id;
    const char *const *keys; /* the plan's env keys, sorted: the new allowed_envs */
    size_t n_keys;
    const char *hash;   /* what the API asks to register */
    const char *app_id; /* the app the API names */
    bool has_chain_id;  /* the chain the API names (its kms_info) */
    int64_t chain_id;
    const char *device_id;  /* the device the API names, or NULL */
    const cJSON *approved;  /* {field: digest} of the compose last proved approved, or NULL */
    const phala_config *pc; /* its rpc_url is used for the on-chain half, when set */
    const env_pin *pin;     /* the CVM read must match it (NULL: nothing pinned) */
} env_verify_in;

typedef struct {
    bool ok;              /* every check passed: the hash may be signed */
    bool onchain;         /* the current compose was found allowed on the app contract */
    char *why;            /* what did not match, a sentence for the warning (NULL when ok) */
    char *local_hash;     /* the hash this provider computes for the update, 0x + 64 hex */
    bool local_approved;  /* it comes from a compose proved approved (false: that one is not) */
    pk_compose_form form; /* the canonical form that matched (or compact when none did) */
    char *app_id;         /* the CVM's own app id: the contract to sign on */
    bool has_chain_id;    /* the KMS's chain */
    int64_t chain_id;
    char *device_id; /* the CVM's device (node_info.device_id), or NULL */
    cJSON *approved; /* digests of the updated compose, which becomes the approved one */
} env_verdict;

/* 0 with *out filled (ok or not), -1 after an error diagnostic (the API or the chain could not be
 * asked, or the CVM is not the pinned one: nothing can be proved, nothing is sent). */
int env_verify(tf_ctx *c, pk_client *client, const env_verify_in *in, env_verdict *out);
void env_verdict_free(env_verdict *v);

#endif
