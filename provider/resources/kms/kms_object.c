/* kms_object.c — see kms_object.h. */
#include "kms_object.h"

static const char *const kms_names[KMS_N_FIELDS] = {
    "id",         "slug", "url", "version", "chain_id", "kms_contract_address", "gateway_app_id",
    "k256_pubkey"};
static const tf_type *const kms_types[KMS_N_FIELDS] = {
    &tf_type_string, &tf_type_string, &tf_type_string, &tf_type_string,
    &tf_type_number, &tf_type_string, &tf_type_string, &tf_type_string};
const tf_type kms_object_type = {
    .kind = TF_OBJECT, .n = KMS_N_FIELDS, .names = kms_names, .elems = kms_types};
const tf_type kms_object_list_type = {.kind = TF_LIST, .elem = &kms_object_type};

void kms_fill(tf_arena *a, tf_value *obj, const pk_kms_info *k)
{
    tf_set(obj, "id", phala_str_or_null(a, k->id));
    tf_set(obj, "slug", phala_str_or_null(a, k->slug));
    tf_set(obj, "url", phala_str_or_null(a, k->url));
    tf_set(obj, "version", phala_str_or_null(a, k->version));
    tf_set(obj, "chain_id", phala_int_or_null(k->has_chain_id, k->chain_id));
    tf_set(obj, "kms_contract_address", phala_str_or_null(a, k->kms_contract_address));
    tf_set(obj, "gateway_app_id", phala_str_or_null(a, k->gateway_app_id));
    tf_set(obj, "k256_pubkey", phala_str_or_null(a, k->k256_pubkey));
}
