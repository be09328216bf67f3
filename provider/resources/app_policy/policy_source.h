/* policy_source.h — the glue the phala_app_policy data source and resource share: one read of an
 * app's key-release policy from its chain (kmsapi's pk_app_policy_read: log candidates confirmed by
 * view calls) next to the API's view of it (device allowlist, is-allowed for every CVM), on an RPC
 * endpoint checked to serve the app's KMS chain. Errors become diagnostics on the caller's
 * attribute; nothing here touches Terraform types beyond tf_ctx and diagnostics. */
#ifndef POLICY_SOURCE_H
#define POLICY_SOURCE_H

#include <phalakms.h>
#include <phalakms/policy.h>

#include "phala_common.h"

/* An app id as users write it: 40 hex digits, optional 0x/0X. */
bool policy_app_id_ok(const char *s);
/* "0x" + 40 lowercase hex of a valid app id (policy_app_id_ok). */
void policy_app_id_norm(const char *s, char out[PK_ETH_ADDRESS_STRLEN]);

typedef struct policy_source_opts {
    const char *app_id;   /* 40 hex, optional 0x (checked again: an error names app_attr) */
    const char *app_attr; /* the attribute diagnostics point at ("app_id") */
    /* The configuration's chain_id: must match the chain the API names for the app's KMS, and is
     * the only source when the API knows no CVM of the app (its device allowlist answers 404). */
    bool has_chain_id;
    uint64_t chain_id;
    uint64_t from_block; /* lowest block of the log search (0 = genesis) */
    long log_search_ms;  /* the log search's deadline (0 = PK_ETH_LOG_DEADLINE_DEFAULT) */
    /* More candidates (state, configuration), confirmed by view calls like every other one. The
     * API's CVM compose hashes and device ids and the allowlist's devices are always added. */
    const char *const *extra_hashes;
    size_t n_extra_hashes;
    const char *const *extra_devices;
    size_t n_extra_devices;
} policy_source_opts;

typedef struct policy_source {
    char app[PK_ETH_ADDRESS_STRLEN]; /* "0x" + 40 lowercase hex */
    bool has_chain_id;             /* the KMS's chain id was known and the RPC checked against it */
    uint64_t chain_id;             /* the chain the RPC serves (= the KMS's when has_chain_id) */
    pk_eth *eth;                   /* open on that chain: the resource sends its calls with it */
    pk_device_allowlist allowlist; /* GET /apps/{app_id}/device-allowlist */
    pk_app_cvms_allowed cvms;      /* POST /apps/{app_id}/cvms/is-allowed */
    pk_app_policy policy;          /* the chain's policy at policy.block */
} policy_source;

/* Reads everything: the API first (is the app on an on-chain KMS; its chain id — the allowlist's,
 * else the kms_info of its first CVM; its CVMs — or, when the API knows no CVM of the app, nothing
 * but opts->chain_id, which is then required), then the RPC (onchain.rpc_url or
 * PHALA_ONCHAIN_RPC_URL; missing → an error naming onchain.rpc_url), its chain id checked against the
 * KMS's (another chain, or no chain known at all → an error, nothing read), then the policy. 0 with *out filled (free with
 * policy_source_free), or -1 after adding an error diagnostic. */
int policy_source_read(tf_ctx *c, const policy_source_opts *o, policy_source *out);
void policy_source_free(policy_source *s);

/* Warnings for the caller's plan or read, on attr (NULL: the whole object): the log search did
 * not reach from_block (naming the blocks searched), and each CVM whose API is_allowed disagrees
 * with the chain's boot rule (naming the CVM). */
void policy_source_warn(tf_ctx *c, const policy_source *s, const char *attr);

/* The API's node name for a device (the allowlist's), or NULL. */
const char *policy_source_node_name(const policy_source *s, const char *device_id);
/* The app's CVMs (per the API) that run on device_id / with compose_hash: malloc'd array of
 * borrowed ids (free() the array only), *n set; NULL when none. Matching ignores case and 0x. */
const char **policy_source_cvms_on_device(const policy_source *s, const char *device_id, size_t *n);
const char **policy_source_cvms_with_hash(const policy_source *s, const char *hash, size_t *n);

#endif
