/* phalakms/client.h — the public HTTP client of libphalakms: configuration, the error value,
 * cancellation and one function per Phala Cloud endpoint (KMS contracts and their nodes, the
 * deprecated node-shaped KMS list/info, on-chain detail, app pubkey, next app ids, CVM info, compose
 * file, the env update: unified PATCH /cvms/{id} with its commit paths, PATCH envs as the fallback,
 * is-allowed). Every function returns 0 on success or -1 with *err filled (err may be NULL).
 * Results are plain structs owned by the caller and released with their *_free function.
 *
 * API versions (X-Phala-Version): every request sends the client's version (default
 * PK_DEFAULT_API_VERSION) except where a response shape depends on it, as the SDKs do:
 *   GET /kms, /kms/{slug}, /kms/{slug}/nodes (contracts)   pinned PK_CONTRACT_API_VERSION
 *   GET /kms, /kms/{id} (node-shaped, deprecated)          pinned PK_NODE_API_VERSION
 *   GET /kms/{kms}/pubkey/{app_id}                         not pinned: a PK_NODE_API_VERSION pin
 *     routes it through the node namespace, which can reach a disabled replica that never answers
 */
#ifndef PHALAKMS_CLIENT_H
#define PHALAKMS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PK_DEFAULT_API_PREFIX   "https://cloud-api.phala.com/api/v1"
#define PK_DEFAULT_API_VERSION  "2026-06-23"
#define PK_CONTRACT_API_VERSION "2026-06-23" /* the contract-centric KMS endpoints */
#define PK_NODE_API_VERSION     "2026-05-22" /* the node-shaped KMS endpoints (deprecated) */
/* One HTTP attempt: the SDKs' 60 s, longer than the server's own 30 s timeout for KMS RPCs. */
#define PK_DEFAULT_TIMEOUT_MS  60000L
#define PK_DEFAULT_DEADLINE_MS 120000L /* one call, all retries and waits included */
#define PK_DEFAULT_MAX_RETRIES 5
#define PK_PAGE_SIZE_MAX       100
#define PK_APP_IDS_MAX         20

/* ---- errors ------------------------------------------------------------------------------------ */

typedef enum pk_error_kind {
    PK_ERR_NONE = 0,
    PK_ERR_CONFIG,       /* bad configuration (missing key, non-loopback http://, bad URL) */
    PK_ERR_INVALID_ARG,  /* caller input rejected before any request (app id, page size, …) */
    PK_ERR_NETWORK,      /* connect/send/receive failed */
    PK_ERR_TIMEOUT,      /* attempt timeout or the call's deadline passed */
    PK_ERR_TLS,          /* certificate / handshake failure (verification is always on) */
    PK_ERR_CANCELLED,    /* the client's pk_cancel token was triggered */
    PK_ERR_REDIRECT,     /* a 3xx: redirects are refused so the API key never leaves the origin */
    PK_ERR_HTTP,         /* any other non-2xx answer */
    PK_ERR_DECODE,       /* the body is not the JSON we expect; message names the field */
    PK_ERR_PRECONDITION, /* HTTP 465 that could not be read as a precondition result */
    PK_ERR_HASH_EXPIRED, /* HTTP 466: compose hash unknown or older than its TTL; start over */
    PK_ERR_TX_VERIFY_FAILED, /* HTTP 467: the transaction does not register the compose hash */
    PK_ERR_HASH_NOT_ALLOWED, /* HTTP 468: the app contract does not allow the compose hash */
    PK_ERR_NOMEM,
    /* On-chain (phalakms/eth.h); appended so the values above keep their numbers. */
    PK_ERR_RPC,                /* the Ethereum node answered with a JSON-RPC error object */
    PK_ERR_CHAIN_MISMATCH,     /* eth_chainId is not the chain the KMS lives on */
    PK_ERR_NOT_OWNER,          /* the signing key does not own the app contract */
    PK_ERR_INSUFFICIENT_FUNDS, /* the signer's balance is below the required minimum */
    PK_ERR_TX_FAILED,          /* the transaction was mined with status 0 or did not register */
    PK_ERR_TX_NOT_FOUND,       /* hash allowed on-chain but no registering transaction found */
} pk_error_kind;

/* One entry of a 422 FastAPI validation list: loc joined with '.', e.g. "body.env_keys.0". */
typedef struct pk_field_error {
    char *loc;
    char *msg;
} pk_field_error;

/* The one error value. Strings may be NULL. Never contains the API key. Release with pk_error_clear. */
typedef struct pk_error {
    pk_error_kind kind;
    int http_status;        /* 0 when no HTTP answer was received */
    char *error_code;       /* structured "error_code", e.g. "ERR-01-005" */
    char *message;          /* what the API (or libcurl, or the decoder) said */
    char *request_id;       /* body "request_id", else header X-Request-ID */
    char *call;             /* "GET /kms/x" when an HTTP answer came (ids percent-encoded) */
    pk_field_error *fields; /* 422 validation entries */
    size_t n_fields;
    int attempts;      /* HTTP attempts made by the call */
    char *human;       /* see pk_error_message */
    bool request_sent; /* the last attempt's request reached the server (at least in part) */
} pk_error;

void pk_error_clear(pk_error *err);
/* Whether a failed write may still have been carried out by the server: the request went out and no
 * definite answer came back (a timeout or a reset after sending, a 2xx whose body was cut or
 * unreadable, a 5xx, a cancel mid-flight). A 4xx, or a failure before anything was sent, is a
 * definite "not done". */
bool pk_error_outcome_unknown(const pk_error *err);
/* One line a person can act on, e.g. "the API key was rejected (HTTP 401) — check api_key /
 * PHALA_CLOUD_API_KEY [request_id: …]". Never NULL; valid until pk_error_clear. */
const char *pk_error_message(const pk_error *err);
const char *pk_error_kind_name(pk_error_kind kind);

/* ---- cancellation ------------------------------------------------------------------------------ */

/* An atomic flag. Triggering it from any thread makes in-flight and future calls of every client
 * configured with it fail with PK_ERR_CANCELLED within ~50 ms. */
typedef struct pk_cancel pk_cancel;
int pk_cancel_new(pk_cancel **out);
void pk_cancel_free(pk_cancel *c);
void pk_cancel_trigger(pk_cancel *c);
void pk_cancel_reset(pk_cancel *c);
bool pk_cancel_requested(const pk_cancel *c);

/* ---- client ------------------------------------------------------------------------------------ */

/* Optional log sink: one line per HTTP attempt ("GET /kms -> 200 (3 ms, attempt 1)"). Never secrets. */
typedef void (*pk_log_fn)(void *user, const char *line);

/* Zero/NULL fields take the defaults. api_key, bearer_token, workspace and api_prefix, when NULL or
 * empty, fall back to PHALA_CLOUD_API_KEY, PHALA_OIDC_TOKEN, PHALA_CLOUD_WORKSPACE and
 * PHALA_CLOUD_API_PREFIX (explicit wins), then to none / the default prefix.
 * Credentials: X-API-Key when an API key is set, else `Authorization: Bearer <token>` (e.g. a GitHub
 * Actions OIDC token), as the SDKs prefer the key when both are present. Neither is ever logged or
 * put in an error. max_retries < 0 means the default; 0 disables retries. */
typedef struct pk_config {
    const char *api_key;
    const char *bearer_token; /* used only without an API key */
    const char *workspace;    /* X-Phala-Workspace (trimmed; not sent when empty) */
    const char *api_prefix;   /* http:// only for loopback hosts */
    const char *api_version;  /* X-Phala-Version; see the pins at the top of this file */
    long timeout_ms;          /* one attempt (default 60 s) */
    long deadline_ms; /* all attempts of one call; default max(120 s, timeout_ms): a long timeout
                       * is honoured, never cut short by the default deadline */
    int max_retries;
    pk_cancel *cancel; /* borrowed; must outlive the client */
    pk_log_fn log_fn;
    void *log_user;
    /* > 0: identical GETs of this client within this many ms are sent once (single flight, 2xx
     * only, and never for an object this client has written to; the rule is in
     * kmsapi/src/net/pkx_get_cache.h). 0 (default): every call goes to the network. */
    long get_cache_ms;
} pk_config;

typedef struct pk_client pk_client;

void pk_config_init(pk_config *cfg); /* all defaults (max_retries = -1) */
/* The rule every base URL follows (api_prefix, an RPC url): http(s) only, no credentials in it,
 * plain http:// only to a loopback host. 0, or -1 with a message naming `what` (never the URL). */
int pk_url_check(const char *url, const char *what, pk_error *err);
/* Validates the configuration; a missing API key is reported by the first request, not here. */
int pk_client_new(const pk_config *cfg, pk_client **out, pk_error *err);
void pk_client_free(pk_client *c); /* wipes the credential copies */
/* The GET cache (pk_config.get_cache_ms) forgets every answer: a new snapshot begins, e.g. the
 * next Terraform command on a provider that serves several. Objects written stay uncached. */
void pk_client_forget_reads(pk_client *c);
/* Wipes the credentials in place (the process is about to exit); later calls fail. */
void pk_client_wipe_credentials(pk_client *c);
const char *pk_client_api_prefix(const pk_client *c);
/* pk_secret_seal / pk_secret_open (phalakms/crypto.h) keyed by the client's own credential (the API
 * key, else the OIDC token), which never leaves the client: what one configuration sealed only a
 * process with the same credential opens. -1 without a credential. */
int pk_client_seal(const pk_client *c, const char *secret, const char *purpose, char **out_hex);
int pk_client_open(const pk_client *c, const char *sealed_hex, const char *purpose,
                   char **out_secret);

/* ---- identifiers ------------------------------------------------------------------------------- */

/* CVM id as the SDKs send it: UUID (with or without dashes) → dashes removed; 40 hex → "app_<hex>";
 * else verbatim. Writes a NUL-terminated string; -1 if id is empty or out_len is too small. */
int pk_cvm_id_normalize(const char *id, char *out, size_t out_len);
/* App id: exactly 40 hex digits, optionally prefixed by 0x. */
bool pk_app_id_valid(const char *app_id);
/* Whether an id can be one path segment of a request: not empty, not "." or ".." (libcurl and
 * servers collapse dot segments: "/kms/." would become "/kms/", the list endpoint). Every id the
 * library puts into a path is checked with this and percent-encoded. */
bool pk_path_segment_valid(const char *id);

/* ---- KMS --------------------------------------------------------------------------------------- */

typedef enum pk_tristate { PK_UNSET = 0, PK_FALSE, PK_TRUE } pk_tristate;

/* ---- KMS nodes, node-shaped (deprecated: the API is contract-centric from 2026-06-23; these calls
 * are pinned to PK_NODE_API_VERSION, as the SDKs' getKmsList / getKmsInfo are) ------------------ */

typedef struct pk_kms_info {
    char *id; /* required */
    char *slug;
    char *url;
    char *version;
    bool has_chain_id; /* false when the API sends null or omits it (Phala off-chain KMS) */
    int64_t chain_id;
    char *kms_contract_address;
    char *gateway_app_id;
    char *k256_pubkey;
} pk_kms_info;

typedef struct pk_kms_list {
    pk_kms_info *items;
    size_t n_items;
    int64_t total, page, page_size, pages;
} pk_kms_list;

/* GET /kms (node shape). page / page_size 0 = not sent; page_size must be 1..100 otherwise. */
int pk_kms_list_fetch(pk_client *c, pk_tristate is_onchain, int page, int page_size,
                      pk_kms_list *out, pk_error *err);
/* Every page in order (page_size 100) until page >= pages or a page comes back empty. */
int pk_kms_list_fetch_all(pk_client *c, pk_tristate is_onchain, pk_kms_list *out, pk_error *err);
void pk_kms_list_free(pk_kms_list *l);

/* GET /kms/{id} (node shape): by node id (kms_…) or node slug. */
int pk_kms_info_fetch(pk_client *c, const char *kms_id_or_slug, pk_kms_info *out, pk_error *err);
void pk_kms_info_free(pk_kms_info *k);

/* ---- KMS contracts (groups of replicas sharing one root key; PK_CONTRACT_API_VERSION) ---------- */

typedef struct pk_kms_contract {
    char *id; /* required, "kc_…" */
    char *slug;
    char *label;
    char *contract_address; /* required; "phala" for Phala's off-chain KMS */
    int64_t chain_id;       /* required; 0 for Phala's off-chain KMS */
    char *k256_pubkey;      /* the KMS signing key app keys are verified against */
    char *ca_pubkey;
    int64_t node_count; /* required */
} pk_kms_contract;

typedef struct pk_kms_contract_list {
    pk_kms_contract *items;
    size_t n_items;
    int64_t total, page, page_size, pages;
} pk_kms_contract_list;

/* GET /kms under the contract version; page / page_size 0 = not sent, page_size 1..100. */
int pk_kms_contracts_fetch(pk_client *c, pk_tristate is_onchain, int page, int page_size,
                           pk_kms_contract_list *out, pk_error *err);
/* Every page in order (page_size 100) until page >= pages or a page comes back empty. */
int pk_kms_contracts_fetch_all(pk_client *c, pk_tristate is_onchain, pk_kms_contract_list *out,
                               pk_error *err);
void pk_kms_contract_list_free(pk_kms_contract_list *l);

/* GET /kms/{slug}: by contract slug (e.g. "base") or kc_ id. */
int pk_kms_contract_fetch(pk_client *c, const char *slug_or_id, pk_kms_contract *out,
                          pk_error *err);
void pk_kms_contract_free(pk_kms_contract *k);

typedef struct pk_kms_node {
    char *id; /* required, "kms_…" */
    char *slug;
    char *url;      /* required: the replica's RPC base */
    char *version;  /* required */
    char *kms_type; /* required: "phala", "ethereum", "base", … */
} pk_kms_node;

typedef struct pk_kms_node_list {
    pk_kms_node *items;
    size_t n_items;
    int64_t total;
} pk_kms_node_list;

/* GET /kms/{slug}/nodes: the contract's replicas (no pagination). */
int pk_kms_contract_nodes_fetch(pk_client *c, const char *slug_or_id, pk_kms_node_list *out,
                                pk_error *err);
void pk_kms_node_list_free(pk_kms_node_list *l);

typedef struct pk_onchain_device {
    char *device_id;
    char *node_name;
    pk_tristate on_chain_allowed; /* PK_UNSET = null */
} pk_onchain_device;

typedef struct pk_onchain_os_image {
    char *name;
    char *version;
    char *os_image_hash;
    pk_tristate on_chain_allowed;
} pk_onchain_os_image;

typedef struct pk_onchain_contract {
    char *contract_address;
    int64_t chain_id;
    char *chain_name;
    char *k256_pubkey; /* newer API: the contract's verification anchors and its gateway */
    char *ca_pubkey;
    char *gateway_contract_address;
    pk_onchain_device *devices;
    size_t n_devices;
    pk_onchain_os_image *os_images;
    size_t n_os_images;
} pk_onchain_contract;

typedef struct pk_kms_onchain {
    char *chain_name;
    int64_t chain_id;
    pk_onchain_contract *contracts;
    size_t n_contracts;
} pk_kms_onchain;

int pk_kms_onchain_fetch(pk_client *c, const char *chain, pk_kms_onchain *out, pk_error *err);
void pk_kms_onchain_free(pk_kms_onchain *o);

typedef struct pk_app_pubkey {
    char *public_key; /* hex, as sent */
    char *signature;  /* hex r||s||v, as sent */
} pk_app_pubkey;

/* kms: what the API accepts for it — a contract slug or kc_ id, a kms_type ("ethereum"), a node id.
 * app_id is validated (pk_app_id_valid) before any request. Sent with the client's version (no
 * pin): the contract API resolves node-era names onto their contract and skips disabled replicas. */
int pk_app_pubkey_fetch(pk_client *c, const char *kms, const char *app_id, pk_app_pubkey *out,
                        pk_error *err);
void pk_app_pubkey_free(pk_app_pubkey *p);

typedef struct pk_app_id_entry {
    char *app_id;
    int64_t nonce;
} pk_app_id_entry;

typedef struct pk_app_ids {
    pk_app_id_entry *items;
    size_t n_items;
} pk_app_ids;

/* GET /kms/phala/next_app_id?counts=N, N in 1..20. */
int pk_app_ids_reserve(pk_client *c, int counts, pk_app_ids *out, pk_error *err);
void pk_app_ids_free(pk_app_ids *a);

/* ---- CVM --------------------------------------------------------------------------------------- */

typedef struct pk_cvm_kms_info {
    bool has_chain_id;
    int64_t chain_id;
    char *dstack_kms_address;
    char *dstack_app_address;
    char *deployer_address;
    char *rpc_endpoint;
    char *encrypted_env_pubkey;
    char *k256_pubkey;
} pk_cvm_kms_info;

typedef struct pk_cvm {
    char *id;   /* required; an integer id is kept as its decimal text */
    char *name; /* required */
    char *app_id;
    char *vm_uuid;
    char *instance_id;
    char *status;
    char *kms_type;        /* "phala", "ethereum", "base", … */
    char *kms_contract_id; /* the KMS contract (kc_…, or an integer as text); NULL on older APIs */
    char *compose_hash;
    bool in_progress;
    char *encrypted_env_pubkey; /* legacy top-level key */
    bool has_kms_info;
    pk_cvm_kms_info kms_info;
    char *device_id; /* node_info.device_id: the TEE host the CVM runs on (device allowlist) */
    struct pk_compose_file *compose_file; /* the detail's compose_file (object or JSON text) when
                                           * it decodes as one, else NULL; freed by pk_cvm_free */
} pk_cvm;

int pk_cvm_fetch(pk_client *c, const char *cvm_id, pk_cvm *out, pk_error *err);
void pk_cvm_free(pk_cvm *cvm);
/* The key to encrypt env with for a Phala-KMS CVM: kms_info.encrypted_env_pubkey, else top-level. */
const char *pk_cvm_env_pubkey(const pk_cvm *cvm);

typedef struct pk_compose_file {
    char *docker_compose_file; /* required */
    char *name;
    bool has_allowed_envs;
    char **allowed_envs;
    size_t n_allowed_envs;
    char *json; /* the whole object, compact, for compose-hash previews */
} pk_compose_file;

int pk_cvm_compose_file_fetch(pk_client *c, const char *cvm_id, pk_compose_file *out,
                              pk_error *err);
/* The compose file as the CVM's detail (GET /cvms/{id}) carries it — one request, which a client
 * with a GET cache shares with the other reads of the CVM — else GET /cvms/{id}/compose_file.
 * A missing CVM is the detail's 404. */
int pk_cvm_compose_read(pk_client *c, const char *cvm_id, pk_compose_file *out, pk_error *err);
void pk_compose_file_free(pk_compose_file *f);

typedef enum pk_envs_update_status {
    PK_ENVS_IN_PROGRESS = 1,       /* HTTP 200: accepted */
    PK_ENVS_PRECONDITION_REQUIRED, /* HTTP 465: register compose_hash on-chain, then call again */
} pk_envs_update_status;

/* What the API says the app contract allows (a 465's onchain_status; research 2026-06 §4.1). */
typedef struct pk_onchain_status {
    pk_tristate compose_hash_allowed, device_id_allowed, is_allowed;
} pk_onchain_status;

typedef struct pk_envs_update_result {
    pk_envs_update_status status;
    char *message;
    char *request_id;
    union {
        struct {
            char *correlation_id;
            bool allowed_envs_changed;
        } in_progress;
        struct {
            char *compose_hash; /* verbatim from the API: send it back unchanged */
            char *app_id;
            char *device_id;
            bool has_kms_info;
            pk_kms_info kms_info;
            /* unified PATCH only (NULL / false otherwise) */
            char *commit_token; /* one-time, a secret: never log or store it in clear */
            char *commit_url, *api_commit_url;
            bool has_onchain_status;
            pk_onchain_status onchain_status;
        } precondition;
    };
} pk_envs_update_result;

/* PATCH /cvms/{id}/envs {encrypted_env, env_keys (always an array), compose_hash?, transaction_hash?}.
 * 466/467/468 come back as PK_ERR_HASH_EXPIRED / PK_ERR_TX_VERIFY_FAILED / PK_ERR_HASH_NOT_ALLOWED. */
int pk_cvm_envs_update(pk_client *c, const char *cvm_id, const char *encrypted_env_hex,
                       const char *const *env_keys, size_t n_env_keys, const char *compose_hash,
                       const char *transaction_hash, pk_envs_update_result *out, pk_error *err);
void pk_envs_update_result_free(pk_envs_update_result *r);

/* ---- the unified update (research/phala-api-2026-06.md §4.1–§4.3, §4.7) ----------------------- */

/* PATCH /cvms/{id} {encrypted_env, allowed_envs} (+ X-Prepare-Only: true). 202 → IN_PROGRESS
 * (correlation_id); 465 → PRECONDITION_REQUIRED with commit_token and onchain_status when the API
 * sends them. A server without the endpoint answers 404/405 (PK_ERR_HTTP): use pk_cvm_envs_update. */
int pk_cvm_patch_env(pk_client *c, const char *cvm_id, const char *encrypted_env_hex,
                     const char *const *allowed_envs, size_t n_allowed_envs, bool prepare_only,
                     pk_envs_update_result *out, pk_error *err);

/* The transaction_hash sentinel of the token commit: "check the contract, not a transaction". */
#define PK_TX_ALREADY_REGISTERED "already-registered"

/* POST /cvms/{id}/commit-update {token, compose_hash, transaction_hash} (a 0x tx hash or
 * PK_TX_ALREADY_REGISTERED). The token never appears in errors. 466/467/468 as for phase 2. */
int pk_cvm_commit_update(pk_client *c, const char *cvm_id, const char *token,
                         const char *compose_hash, const char *transaction_hash,
                         pk_envs_update_result *out, pk_error *err);
/* PATCH /cvms/{id} with an empty body and X-Compose-Hash / X-Transaction-Hash: the API-key commit
 * of a prepared update. */
int pk_cvm_confirm_patch(pk_client *c, const char *cvm_id, const char *compose_hash,
                         const char *transaction_hash, pk_envs_update_result *out, pk_error *err);

typedef struct pk_is_allowed {
    char *app_contract_address;
    char *compose_hash;
    char *device_id;
    bool compose_hash_allowed;
    bool allow_any_device;
    pk_tristate device_id_allowed;
    bool is_allowed; /* compose hash allowed and the device may run the app */
    char *error;     /* the server's own failure to ask the chain, or NULL */
} pk_is_allowed;

/* POST /cvms/{id}/is-allowed {compose_hash?, device_id?}: the API asks the app contract (no RPC
 * needed on this side). NULL arguments are left out. */
int pk_cvm_is_allowed(pk_client *c, const char *cvm_id, const char *compose_hash,
                      const char *device_id, pk_is_allowed *out, pk_error *err);
void pk_is_allowed_free(pk_is_allowed *a);

#ifdef __cplusplus
}
#endif
#endif /* PHALAKMS_CLIENT_H */
