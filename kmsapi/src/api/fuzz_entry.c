/* fuzz_entry.c — one internal entry point that feeds arbitrary bytes to every API response decoder
 * (error bodies, KMS contracts/contract/nodes, node-shaped KMS info/list, on-chain detail, pubkey,
 * app ids, CVM, compose file, envs 200 and 465 (with commit token and onchain_status), is-allowed), so tests/fuzz/fuzz_api_json.c needs nothing but
 * this function. */
#include "api/pkx_api_parse.h"

#include "api/pkx_http.h"

int pkx_fuzz_api_json(const uint8_t *data, size_t len)
{
    const char *b = (const char *)data;
    pk_error err = {0};

    pkx_error_from_response(&err, 422, b, len, "rid-header", "GET", "/fuzz");
    (void)pk_error_message(&err);
    pk_error_clear(&err);

    pk_kms_info ki;
    if (pkx_decode_kms_info(b, len, &ki, &err) == 0) pk_kms_info_free(&ki);
    pk_error_clear(&err);

    pk_kms_list kl;
    if (pkx_decode_kms_list(b, len, &kl, &err) == 0) pk_kms_list_free(&kl);
    pk_error_clear(&err);

    pk_kms_contract kc;
    if (pkx_decode_kms_contract(b, len, &kc, &err) == 0) pk_kms_contract_free(&kc);
    pk_error_clear(&err);

    pk_kms_contract_list kcl;
    if (pkx_decode_kms_contract_list(b, len, &kcl, &err) == 0) pk_kms_contract_list_free(&kcl);
    pk_error_clear(&err);

    pk_kms_node_list kn;
    if (pkx_decode_kms_node_list(b, len, &kn, &err) == 0) pk_kms_node_list_free(&kn);
    pk_error_clear(&err);

    pk_kms_onchain ko;
    if (pkx_decode_kms_onchain(b, len, &ko, &err) == 0) pk_kms_onchain_free(&ko);
    pk_error_clear(&err);

    pk_app_pubkey ap;
    if (pkx_decode_app_pubkey(b, len, &ap, &err) == 0) pk_app_pubkey_free(&ap);
    pk_error_clear(&err);

    pk_app_ids ai;
    if (pkx_decode_app_ids(b, len, &ai, &err) == 0) pk_app_ids_free(&ai);
    pk_error_clear(&err);

    pk_cvm cvm;
    if (pkx_decode_cvm(b, len, &cvm, &err) == 0) pk_cvm_free(&cvm);
    pk_error_clear(&err);

    pk_compose_file cf;
    if (pkx_decode_compose_file(b, len, &cf, &err) == 0) pk_compose_file_free(&cf);
    pk_error_clear(&err);

    pk_envs_update_result r;
    if (pkx_decode_envs_in_progress(b, len, &r, &err) == 0) pk_envs_update_result_free(&r);
    pk_error_clear(&err);
    if (pkx_decode_envs_465(b, len, "rid-header", &r, &err) == 0) pk_envs_update_result_free(&r);
    pk_error_clear(&err);

    pk_is_allowed ia;
    if (pkx_decode_is_allowed(b, len, &ia, &err) == 0) pk_is_allowed_free(&ia);
    pk_error_clear(&err);

    pk_device_allowlist dl;
    if (pkx_decode_device_allowlist(b, len, &dl, &err) == 0) pk_device_allowlist_free(&dl);
    pk_error_clear(&err);

    pk_app_cvms_allowed ca;
    if (pkx_decode_app_cvms_allowed(b, len, &ca, &err) == 0) pk_app_cvms_allowed_free(&ca);
    pk_error_clear(&err);
    return 0;
}
