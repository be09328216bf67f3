/* sim.h — shared declarations of phala-cloud-sim: the world state (KMS contracts and their replica
 * nodes, CVMs, fake chain, faults, stats, the request log) guarded by one mutex, the request/reply values the route handlers exchange with the HTTP
 * layer, and the entry points of each concern (seed, keys, routes, faults, stats). */
#ifndef PHALA_SIM_H
#define PHALA_SIM_H

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_BODY         (8u * 1024u * 1024u) /* larger request bodies get 413 */
#define SIM_DEFAULT_HASH_TTL 604800.0             /* 7 days, as the real API documents */
#define SIM_HEX_HASH         65                   /* 64 hex digits + NUL */
#define SIM_HEX_APP_ID       41                   /* 40 hex digits + NUL */
/* The first X-Phala-Version of the contract-centric KMS API (research/phala-api-2026-06.md §2). */
#define SIM_CONTRACT_VERSION "2026-06-23"
/* The server's own timeout for a KMS replica RPC (production: 30 s, PR #494). */
#define SIM_DEFAULT_KMS_RPC_TIMEOUT_MS 30000L
#define SIM_REQUEST_LOG_MAX            2000 /* the admin request log keeps the newest entries */

/* ---- world ----------------------------------------------------------------------------------- */

/* The key material of one KMS contract: every replica of a contract shares its root key. */
struct sim_keys {
    uint8_t root_secret[32]; /* never leaves the simulator */
    uint8_t k256_sk[32];
    char k256_pubkey[2 + 66 + 1]; /* "0x" + compressed point, what the API advertises */
    bool k256_overridden;         /* the seed fixed k256_pubkey (signature-mismatch tests) */
};

/* A KMS contract (API 2026-06-23): a group of equivalent replicas sharing one root key. */
struct sim_contract {
    char *id;               /* "kc_…" */
    char *slug, *label;     /* NULL = JSON null */
    char *contract_address; /* "phala" for the off-chain KMS */
    long long chain_id;     /* 0 for the off-chain KMS */
    char *ca_pubkey;        /* NULL = JSON null */
    struct sim_keys keys;
};

/* A KMS node: one replica of a contract, what the node-shaped API (2026-05-22) lists. */
struct sim_kms {
    char *id, *slug, *url, *version;
    bool has_chain; /* false: Phala (off-chain) KMS, chain_id null */
    long long chain_id;
    char *kms_contract_address; /* NULL = JSON null */
    char *gateway_app_id;
    size_t contract; /* index into sim_state.contracts */
    bool enabled;    /* false: disabled by an operator; the contract API never routes to it */
    bool blackhole;  /* accepts TCP and never answers, like production's disabled kms-eth-prod6 */
    int hole_fd;     /* its listening socket (blackhole only, else -1) … */
    int hole_port;   /* … and its port on 127.0.0.1, which its url then names */
};

/* An OIDC token the simulator trusts (Authorization: Bearer), and the workspaces trusting it. */
struct sim_token {
    char *token;
    char **workspaces;
    size_t nworkspaces;
};

/* One API request as the admin log shows it; never a credential's value. */
struct sim_logged {
    char method[8];
    char *path;       /* without /api/v1 */
    char *query;      /* "k=v&k=v" as received (decoded), NULL when none */
    char *version;    /* X-Phala-Version, NULL when absent */
    char *workspace;  /* X-Phala-Workspace, NULL when absent */
    const char *auth; /* "api_key", "bearer" or "none" */
};

struct sim_pending {
    bool active;
    char compose_hash[SIM_HEX_HASH];
    cJSON *allowed_envs; /* the allowed_envs the pending compose would carry */
    double created;      /* monotonic seconds */
    cJSON *env;          /* unified PATCH: the decrypted env the server keeps until the commit */
    char token[SIM_HEX_HASH]; /* its one-time commit token ("" = none: no X-Prepare-Only) */
};

/* What a compromised API does to a CVM's next 465s (POST /_sim/cvms/{id}/hostile). */
struct sim_hostile {
    bool active;
    char *compose_hash;        /* name this hash (64 hex) instead of the real one */
    char *app_id;              /* name this app id instead of the CVM's */
    char *docker_compose_file; /* hash a compose whose docker_compose_file is this … */
    bool serve_compose;        /* … and serve that compose from GET compose_file too */
    bool unknown_form;         /* hash the honest compose in a form no SDK uses (tabs) */
    char *device_id;           /* the 465 names this device (64 hex) instead of the CVM's */
    bool has_chain;            /* the 465's kms_info names chain_id instead of the KMS's */
    long long chain_id;
    char *answer_as; /* every API request about this CVM is answered with this CVM's data */
};

/* A CVM's power state (POST /_sim/cvms/{id}/power): settled in `settled` ("" = running), or moving
 * (transition, e.g. "stopping") until `until`, then settled in `after`. */
struct sim_power {
    char settled[24];
    char transition[24];
    char after[24];
    double until; /* monotonic seconds */
};

/* Compose hash forms (research/phala-api.md §6.2): compact (dstack) or indented (app-compose.json). */
enum sim_hash_form { SIM_FORM_COMPACT = 0, SIM_FORM_INDENT4 = 1 };

struct sim_cvm {
    char *id, *name;
    char app_id[SIM_HEX_APP_ID];
    size_t kms;          /* index into sim_state.kms */
    cJSON *compose_file; /* app-compose object; allowed_envs lives in it */
    char compose_hash[SIM_HEX_HASH];
    char device_id[SIM_HEX_HASH];
    cJSON *env;      /* [{"key","value"}…]: the last accepted, decrypted env */
    cJSON *env_keys; /* the env_keys of the last accepted update, or NULL */
    long updates;
    struct sim_pending pending;
    bool deleted;
    enum sim_hash_form hash_form; /* how this CVM's compose hash is computed (seed "hash_form") */
    double busy_until;            /* an accepted update keeps the CVM in_progress until then … */
    bool busy_forever;            /* … or for ever (config update_ms = -1) */
    struct sim_hostile hostile;
    /* ---- cvm_status.c: power state, how 465s spell the hash, what commits sent ---- */
    struct sim_power power;
    char hash_echo[8];         /* 465s name the hash as: "" (64 hex), "0x", "upper", "0xupper" */
    char last_commit_hash[80]; /* the compose hash of the last commit, exactly as received */
};

/* The fake chain's device allowlist of one app (no entry: any device may run it). */
struct sim_app_devices {
    char app_id[SIM_HEX_APP_ID];
    bool allow_any;
    cJSON *devices; /* array of 64-hex device ids */
};

/* One registration on the fake chain: a tx that emitted ComposeHashAdded(hash) from the app
 * contract. */
struct sim_chain_reg {
    char app_id[SIM_HEX_APP_ID];
    char compose_hash[SIM_HEX_HASH];
    char tx[2 + 64 + 1];
    bool allowed; /* false simulates a later removeComposeHash: the tx exists, the hash is not
                     allowed */
};

enum sim_fault_mode {
    SIM_FAULT_STATUS,
    SIM_FAULT_TRUNCATE,
    SIM_FAULT_MALFORMED,
    SIM_FAULT_DROP,
    SIM_FAULT_REDIRECT,
    SIM_FAULT_APPLY_DROP /* handle the request as usual, then close the connection unanswered */
};

struct sim_fault {
    long remaining;
    int status;
    char *retry_after; /* NULL: no Retry-After header */
    long latency_ms;
    enum sim_fault_mode mode;
    char *path_prefix; /* NULL: every API request */
    char *method;      /* NULL: every method */
    char *body;        /* NULL: a default body for the mode */
};

struct sim_stat {
    char *route; /* "METHOD /template" */
    long count;
};

struct sim_state {
    pthread_mutex_t mu; /* guards everything below; handlers hold it for the whole request */
    char *api_key;
    struct sim_contract *contracts;
    size_t ncontracts;
    struct sim_kms *kms;
    size_t nkms;
    struct sim_token *tokens;
    size_t ntokens;
    long kms_rpc_timeout_ms; /* how long a call to a replica may take before the API gives up */
    cJSON *onchain;          /* chain name → on-chain detail, served verbatim */
    struct sim_cvm *cvms;
    size_t ncvms;
    long long next_app_id_base;
    struct sim_chain_reg *regs;
    size_t nregs;
    struct sim_app_devices *apps; /* the fake chain's device allowlists */
    size_t napps;
    long update_ms;   /* how long an accepted update keeps the CVM in_progress (-1: never ends) */
    bool legacy_only; /* the server predates PATCH /cvms/{id}, commit-update and is-allowed */
    long lag_blocks;  /* the KMS's lag: is-allowed and commits read the app at head - lag_blocks */
    struct sim_fault *faults;
    size_t nfaults;
    long latency_ms;
    double hash_ttl;
    char *rpc_url;
    /* stats */
    long connections;          /* connections that carried an API request since the last reset */
    long connections_accepted; /* every accepted connection since the last reset */
    unsigned stats_epoch;      /* bumped by reset so live connections count again */
    struct sim_stat *stats;
    size_t nstats;
    long total;
    unsigned long long request_counter; /* X-Request-ID */
    struct sim_logged *log;             /* ring of the newest SIM_REQUEST_LOG_MAX API requests */
    size_t nlog, log_next;
};

/* ---- requests and replies -------------------------------------------------------------------- */

struct sim_req {
    const char *method;
    const char *path; /* for API routes: without the /api/v1 prefix */
    const char *body;
    size_t body_len;
    struct MHD_Connection *conn; /* query arguments and headers */
    char request_id[32];
};

enum sim_reply_action {
    SIM_REPLY_NORMAL,
    SIM_REPLY_DROP,
    SIM_REPLY_TRUNCATE,
    SIM_REPLY_CALL_REPLICA, /* call replica_port outside the world lock, then answer (replicas.c) */
};

struct sim_reply {
    int status;
    char *body; /* malloc'd, may be NULL (empty body) */
    const char *content_type;
    char *retry_after; /* malloc'd header values, NULL = absent */
    char *location;
    enum sim_reply_action action;
    int replica_port;     /* SIM_REPLY_CALL_REPLICA: the replica's RPC port on 127.0.0.1 */
    long replica_timeout; /* ms the API waits for it */
};

/* reply.c: every reply helper takes ownership of what it is given. */
void sim_reply_json(struct sim_reply *r, int status, cJSON *obj);
void sim_reply_raw(struct sim_reply *r, int status, const char *body);
void sim_reply_detail(struct sim_reply *r, int status, const char *detail);
/* Structured error {"error_code","message","request_id","details","suggestions","links"}; details
 * and suggestion may be NULL (empty lists). */
void sim_reply_structured(struct sim_reply *r, const struct sim_req *q, int status,
                          const char *code, const char *message, cJSON *details,
                          const char *suggestion);
/* FastAPI 422: {"detail":[{"loc":[where, field],"msg","type","input"}]}; field may be NULL. */
void sim_reply_422(struct sim_reply *r, const char *where, const char *field, const char *msg,
                   const char *type, const char *input);
void sim_reply_free(struct sim_reply *r);
/* Parses an admin request's body as a JSON object; otherwise answers 422 and returns NULL. */
cJSON *sim_body_object(const struct sim_req *q, struct sim_reply *r);

/* ---- concerns -------------------------------------------------------------------------------- */

/* seed.c: loads the seed into st (which must be zeroed). On failure writes a message naming the
 * problem into err and returns -1; st may then be partially filled (sim_state_free releases it). */
int sim_seed_load(struct sim_state *st, const char *path, char *err, size_t errlen);
void sim_state_free(struct sim_state *st);

/* keys.c: deterministic key derivation from each contract's root secret. */
int sim_keys_derive(struct sim_keys *k);
int sim_app_x25519(const struct sim_keys *k, const char *app_id_hex, uint8_t sk[32],
                   uint8_t pk[32]);
/* Legacy pubkey signature (hex r||s||v, v 0/1, no 0x) of pk for app_id under the KMS k256 key. */
int sim_app_pubkey_sig(const struct sim_keys *k, const char *app_id_hex, const uint8_t pk[32],
                       char sig_hex[131]);
/* Compose hash (dstack compact form) of a compose file, 64 hex digits; and in a given form. */
int sim_compose_hash(const cJSON *compose, char out[SIM_HEX_HASH]);
int sim_compose_hash_form(const cJSON *compose, enum sim_hash_form form, char out[SIM_HEX_HASH]);
/* Decrypts an encrypted_env hex blob with the app key; returns the {"env":[…]} list or NULL. */
cJSON *sim_decrypt_env(const struct sim_keys *k, const char *app_id_hex, const char *hex);
int sim_keccak_hex(const void *data, size_t len, char out[SIM_HEX_HASH]);

/* replicas.c: the disabled replicas' listening sockets (accept TCP, never answer), and the call the
 * API makes to a replica — blocking, so http.c runs it outside the world lock. */
int sim_replicas_open(struct sim_state *st, char *err, size_t errlen);
void sim_replicas_close(struct sim_state *st);
/* Connects to 127.0.0.1:port, sends an RPC and waits up to timeout_ms for any answer; fills r with
 * what the API then answers (500 with an empty message after a timeout, as production did). */
void sim_replica_call(int port, long timeout_ms, struct sim_reply *r);

/* routes_*.c: called with st->mu held. Return false when the path is not theirs. */
bool sim_route_kms(struct sim_state *st, const struct sim_req *q, struct sim_reply *r);
bool sim_route_cvm(struct sim_state *st, const struct sim_req *q, struct sim_reply *r);
/* GET /apps/{app_id}/device-allowlist, POST /apps/{app_id}/cvms/is-allowed (routes_app.c). */
bool sim_route_app(struct sim_state *st, const struct sim_req *q, struct sim_reply *r);
/* routes_cvm_update.c: PATCH /cvms/{id} (unified, or a confirm with X-Compose-Hash /
 * X-Transaction-Hash), POST /cvms/{id}/commit-update, POST /cvms/{id}/is-allowed. */
void sim_route_cvm_patch(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                         struct sim_reply *r);
void sim_route_commit_update(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                             struct sim_reply *r);
void sim_route_is_allowed(struct sim_state *st, struct sim_cvm *c, const struct sim_req *q,
                          struct sim_reply *r);
/* Routes that need no credential (the token commit: "no auth required"). */
bool sim_route_public(const struct sim_req *q);

/* cvm_update.c: what the update routes share. */
bool sim_same_strings(const cJSON *a, const cJSON *b);
bool sim_valid_env_key(const char *k);
/* Reads an optional string member (null = absent); false after a 422 otherwise. */
bool sim_body_opt_string(const cJSON *body, const char *key, const char **out, struct sim_reply *r);
/* A 422 unless list is an array of valid env keys (what names it in the error). */
bool sim_check_env_keys(const cJSON *list, const char *what, struct sim_reply *r);
/* The CVM's compose hash if allowed_envs were `allowed` (in the CVM's form). */
int sim_hash_with_allowed(const struct sim_cvm *c, const cJSON *allowed, char out[SIM_HEX_HASH]);
/* The compose hash and app id a 465 names for `allowed`: honest, or what the hostile settings say. */
void sim_precondition_for(const struct sim_cvm *c, const cJSON *allowed, char hash[SIM_HEX_HASH],
                          const char **app_id);
/* The compose GET compose_file serves (a hostile one when configured); caller deletes it. */
cJSON *sim_served_compose(const struct sim_cvm *c);
/* Remembers the pending update (takes env, may be NULL; token may be NULL). */
void sim_pending_start(struct sim_cvm *c, const char *hash, const cJSON *allowed, cJSON *env,
                       const char *token);
void sim_pending_clear(struct sim_cvm *c);
/* Records an accepted update (takes env) and answers: 200 {status, message, correlation_id,
 * allowed_envs_changed} for PATCH envs, 202 {correlation_id, status, message} for the unified API. */
void sim_apply_update(const struct sim_state *st, struct sim_cvm *c, cJSON *env,
                      const cJSON *env_keys, bool changed, bool unified, const struct sim_req *q,
                      struct sim_reply *r);
/* HTTP 465 for hash/app_id; extra (may be NULL) holds more details[] entries (token, status). */
void sim_reply_465(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                   const char *app_id, cJSON *extra, const struct sim_req *q, struct sim_reply *r);
/* 0, or 466 with *msg: the pending update must exist, have this hash (and keys) and be fresh. */
int sim_pending_check(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                      const cJSON *keys, const char **msg);
/* 0, 467 or 468 with *msg: tx registered hash on the CVM's app (fake chain or --rpc-url), and the
 * hash is allowed; tx "already-registered" checks only the contract state. */
int sim_verify_registration(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                            const char *tx, const char **msg);
/* Asks the app contract (fake chain or --rpc-url). 0, or -1 with msg when it cannot be asked. */
int sim_hash_allowed(const struct sim_state *st, const struct sim_cvm *c, const char *hash,
                     bool *allowed, char *msg, size_t msglen);
int sim_device_allowed(const struct sim_state *st, const struct sim_cvm *c, const char *device,
                       bool *any, bool *listed, char *msg, size_t msglen);
/* The fake chain's device allowlist entry of app_id (created on demand when create). */
struct sim_app_devices *sim_app_devices(struct sim_state *st, const char *app_id, bool create);
/* The stats key of an API path: "/kms/{id}", "/cvms/{id}/envs", … ("/{unknown}" otherwise). */
const char *sim_route_template(const char *path);
bool sim_route_admin(struct sim_state *st, const struct sim_req *q, struct sim_reply *r);

/* cvm_status.c: stopped and restarting CVMs, the hash spelling of 465s, the commit log, the KMS's
 * lag. The status GET /cvms/{id} shows and whether it is in progress (an update or a transition). */
const char *sim_cvm_status(const struct sim_cvm *c, bool *in_progress);
/* An accepted update restarts the CVM only when it runs (or is starting): a stopped one stays so. */
bool sim_cvm_will_run(const struct sim_cvm *c);
/* The compose hash as the CVM's 465s spell it (hash_echo); out holds at least 67 bytes. */
const char *sim_hash_echo(const struct sim_cvm *c, const char *hash, char *out, size_t len);
/* Remembers the compose hash a commit sent, byte for byte. */
void sim_note_commit(struct sim_cvm *c, const char *hash_as_sent);
/* POST /_sim/cvms/{id}/power, POST|GET /_sim/cvms/{id}/flow, POST /_sim/lag; false: not theirs. */
bool sim_route_admin_flow(struct sim_state *st, const struct sim_req *q, struct sim_reply *r);

/* faults.c */
int sim_fault_push(struct sim_state *st, const cJSON *spec, char *err, size_t errlen);
void sim_faults_clear(struct sim_state *st);
/* Takes one use of the first queued fault matching method and path (the full URL path); false if
 * none. */
bool sim_fault_take(struct sim_state *st, const char *method, const char *path,
                    struct sim_fault *out);
void sim_fault_release(struct sim_fault *f);

/* stats.c */
void sim_stats_count(struct sim_state *st, const char *method, const char *route);
cJSON *sim_stats_json(const struct sim_state *st);
void sim_stats_reset(struct sim_state *st);

/* http.c — tls NULL: plain HTTP; else HTTPS (GnuTLS inside libmicrohttpd) with this PEM pair. */
struct sim_tls {
    char *cert_pem, *key_pem;
};
int sim_tls_load(struct sim_tls *tls, const char *cert_path, const char *key_path);
void sim_tls_free(struct sim_tls *tls);
struct MHD_Daemon *sim_http_start(struct sim_state *st, const char *listen, uint16_t port,
                                  const struct sim_tls *tls);
uint16_t sim_http_port(struct MHD_Daemon *d);

/* util */
#define SIM_MAX_SEGS 8
struct sim_path {
    char *buf;
    char *seg[SIM_MAX_SEGS];
    size_t n; /* SIM_MAX_SEGS + 1 when the path has too many segments to be a route */
};
void sim_path_split(struct sim_path *p, const char *path); /* "/a/b" → {"a","b"}; empty segs kept */
void sim_path_free(struct sim_path *p);
bool sim_is_hex(const char *s, size_t len); /* exactly len hex digits (len 0: any length ≥ 1) */
const char *sim_strip0x(const char *s);
char *sim_strdup(const char *s);
void sim_lower(char *s);
int sim_hex_decode(const char *hex, uint8_t *out, size_t outlen); /* exactly 2*outlen digits */
void sim_hex_encode(const uint8_t *in, size_t len, char *out);    /* out: 2*len + 1 */
double sim_now(void);                                             /* monotonic seconds */
struct sim_kms *sim_find_kms(struct sim_state *st, const char *id_or_slug);
struct sim_contract *sim_find_contract(struct sim_state *st, const char *id_or_slug);
struct sim_cvm *sim_find_cvm(struct sim_state *st, const char *ident);
/* The CVM's vm_uuid (a v4 UUID derived from its device id), with dashes. */
void sim_cvm_uuid(const struct sim_cvm *c, char out[37]);
const struct sim_keys *sim_kms_keys(const struct sim_state *st, const struct sim_kms *k);
/* "phala" for the off-chain KMS, else "ethereum" (1), "anvil" (31337), "base" (anything else). */
const char *sim_kms_type(bool has_chain, long long chain_id);
/* The request asks for the contract-centric API: X-Phala-Version >= 2026-06-23, or "latest". */
bool sim_contract_era(const struct sim_req *q);
/* KmsInfo as GET /kms/{id} returns it under 2026-05-22; a KmsContract as under 2026-06-23. */
cJSON *sim_kms_info_json(const struct sim_state *st, const struct sim_kms *k);
cJSON *sim_contract_json(const struct sim_state *st, const struct sim_contract *c);
/* The replica fields of GET /kms/{slug}/nodes. */
cJSON *sim_node_json(const struct sim_kms *k);

/* requests.c: the admin request log. */
void sim_log_request(struct sim_state *st, const struct sim_req *q, const char *auth);
cJSON *sim_log_json(const struct sim_state *st);
void sim_log_clear(struct sim_state *st);

#endif
