/* kms_contract_object.c — see kms_contract_object.h. */
#include "kms_contract_object.h"

static const char *const contract_names[KMS_CONTRACT_N_FIELDS] = {
    "id",       "slug",        "label",     "contract_address",
    "chain_id", "k256_pubkey", "ca_pubkey", "node_count"};
static const tf_type *const contract_types[KMS_CONTRACT_N_FIELDS] = {
    &tf_type_string, &tf_type_string, &tf_type_string, &tf_type_string,
    &tf_type_number, &tf_type_string, &tf_type_string, &tf_type_number};
const tf_type kms_contract_type = {.kind = TF_OBJECT,
                                   .n = KMS_CONTRACT_N_FIELDS,
                                   .names = contract_names,
                                   .elems = contract_types};
const tf_type kms_contract_list_type = {.kind = TF_LIST, .elem = &kms_contract_type};

static const char *const node_names[] = {"id", "slug", "url", "version", "kms_type"};
static const tf_type *const node_types[] = {&tf_type_string, &tf_type_string, &tf_type_string,
                                            &tf_type_string, &tf_type_string};
const tf_type kms_node_type = {.kind = TF_OBJECT, .n = 5, .names = node_names, .elems = node_types};
const tf_type kms_node_list_type = {.kind = TF_LIST, .elem = &kms_node_type};

void kms_contract_fill(tf_arena *a, tf_value *obj, const pk_kms_contract *k)
{
    tf_set(obj, "id", phala_str_or_null(a, k->id));
    tf_set(obj, "slug", phala_str_or_null(a, k->slug));
    tf_set(obj, "label", phala_str_or_null(a, k->label));
    tf_set(obj, "contract_address", phala_str_or_null(a, k->contract_address));
    tf_set(obj, "chain_id", tf_int(k->chain_id));
    tf_set(obj, "k256_pubkey", phala_str_or_null(a, k->k256_pubkey));
    tf_set(obj, "ca_pubkey", phala_str_or_null(a, k->ca_pubkey));
    tf_set(obj, "node_count", tf_int(k->node_count));
}

tf_value kms_nodes_value(tf_arena *a, const pk_kms_node_list *nodes)
{
    tf_value list = tf_collection(a, &kms_node_list_type, nodes->n_items);
    for (size_t i = 0; i < nodes->n_items; i++) {
        const pk_kms_node *n = &nodes->items[i];
        tf_value v = tf_collection(a, &kms_node_type, kms_node_type.n);
        tf_set(&v, "id", phala_str_or_null(a, n->id));
        tf_set(&v, "slug", phala_str_or_null(a, n->slug));
        tf_set(&v, "url", phala_str_or_null(a, n->url));
        tf_set(&v, "version", phala_str_or_null(a, n->version));
        tf_set(&v, "kms_type", phala_str_or_null(a, n->kms_type));
        list.u.coll.items[i] = v;
    }
    return list;
}
