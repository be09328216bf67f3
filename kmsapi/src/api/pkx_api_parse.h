/* pkx_api_parse.h — private response decoders of the endpoints, separated from the transport so the
 * unit tests and the fuzzer can feed them bytes directly. Each returns 0 or -1 with a DECODE error
 * that names the offending field; on failure the output is released and zeroed. */
#ifndef PKX_API_PARSE_H
#define PKX_API_PARSE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "phalakms/client.h"
#include "phalakms/policy.h"

/* Node-shaped KMS (kms_nodes.c). */
int pkx_parse_kms_info(const cJSON *obj, const char *ctx, pk_kms_info *out, pk_error *err);
int pkx_decode_kms_info(const char *body, size_t len, pk_kms_info *out, pk_error *err);
int pkx_decode_kms_list(const char *body, size_t len, pk_kms_list *out, pk_error *err);
/* KMS contracts (kms_contracts.c). */
int pkx_decode_kms_contract(const char *body, size_t len, pk_kms_contract *out, pk_error *err);
int pkx_decode_kms_contract_list(const char *body, size_t len, pk_kms_contract_list *out,
                                 pk_error *err);
int pkx_decode_kms_node_list(const char *body, size_t len, pk_kms_node_list *out, pk_error *err);
/* The rest of the KMS endpoints (kms_onchain.c, app_keys.c). */
int pkx_decode_kms_onchain(const char *body, size_t len, pk_kms_onchain *out, pk_error *err);
int pkx_decode_app_pubkey(const char *body, size_t len, pk_app_pubkey *out, pk_error *err);
int pkx_decode_app_ids(const char *body, size_t len, pk_app_ids *out, pk_error *err);
/* CVMs (cvm_endpoints.c). */
int pkx_decode_cvm(const char *body, size_t len, pk_cvm *out, pk_error *err);
int pkx_decode_compose_file(const char *body, size_t len, pk_compose_file *out, pk_error *err);
/* 200 body → IN_PROGRESS. */
int pkx_decode_envs_in_progress(const char *body, size_t len, pk_envs_update_result *out,
                                pk_error *err);
/* 465 body → PRECONDITION_REQUIRED: details[] first, then flat top-level keys, then a `detail`
 * object. compose_hash and app_id are required (else PK_ERR_PRECONDITION). */
int pkx_decode_envs_465(const char *body, size_t len, const char *header_request_id,
                        pk_envs_update_result *out, pk_error *err);
/* POST /cvms/{id}/is-allowed answer (cvm_update.c), and one such object inside another answer (ctx
 * names it in errors). */
int pkx_decode_is_allowed(const char *body, size_t len, pk_is_allowed *out, pk_error *err);
int pkx_parse_is_allowed(const cJSON *obj, const char *ctx, pk_is_allowed *out, pk_error *err);
/* GET /apps/{app_id}/device-allowlist and POST /apps/{app_id}/cvms/is-allowed (app_policy.c; the
 * phalakms/policy.h types). CVM ids may be strings or integers (kept as decimal text). */
int pkx_decode_device_allowlist(const char *body, size_t len, pk_device_allowlist *out,
                                pk_error *err);
int pkx_decode_app_cvms_allowed(const char *body, size_t len, pk_app_cvms_allowed *out,
                                pk_error *err);
/* The body of PATCH /cvms/{id}/envs (malloc'd compact JSON). */
char *pkx_encode_envs_update(const char *encrypted_env_hex, const char *const *env_keys,
                             size_t n_env_keys, const char *compose_hash,
                             const char *transaction_hash);

/* Fuzz entry: feeds data to every decoder above and to the error-body parser. Always returns 0. */
int pkx_fuzz_api_json(const uint8_t *data, size_t len);

#endif /* PKX_API_PARSE_H */
