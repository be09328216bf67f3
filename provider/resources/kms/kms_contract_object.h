/* kms_contract_object.h — the fields of one KMS contract (GET /kms, GET /kms/{slug} under API
 * 2026-06-23) as Terraform attributes, shared by phala_kms_contracts (list items) and
 * phala_kms_contract (top-level attributes), and the object of one of its replicas (nodes). */
#ifndef KMS_CONTRACT_OBJECT_H
#define KMS_CONTRACT_OBJECT_H

#include "phala_common.h"

#define KMS_CONTRACT_N_FIELDS 8
/* The attribute definitions, for schemas that embed the contract fields at top level. */
#define KMS_CONTRACT_FIELD_ATTRS                                                                   \
    {.name = "id",                                                                                 \
     .type = &tf_type_string,                                                                      \
     .flags = TF_COMPUTED,                                                                         \
     .description = "Contract id, `kc_…`."},                                                       \
        {.name = "slug",                                                                           \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "Contract slug, e.g. `phala`, `base`, `ethereum`; null if it has none."},  \
        {.name = "label",                                                                          \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "Display name, e.g. `Base KMS`."},                                         \
        {.name = "contract_address",                                                               \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "DstackKms contract address of an on-chain KMS, as the API spells it; "    \
                        "`phala` for Phala's off-chain KMS."},                                     \
        {.name = "chain_id",                                                                       \
         .type = &tf_type_number,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "EVM chain id (1 Ethereum, 8453 Base); 0 for Phala's off-chain KMS."},     \
        {.name = "k256_pubkey",                                                                    \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "The contract's secp256k1 signing key (compressed, `0x` hex): the anchor " \
                        "app encryption keys are verified against. Null if the API has none."},    \
        {.name = "ca_pubkey",                                                                      \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "The contract's root CA public key (hex); null if the API has none."},     \
        {.name = "node_count",                                                                     \
         .type = &tf_type_number,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "Number of replicas (KMS nodes sharing the contract's root key)."},

/* One contract as a list item, a list of them; one replica, a list of them. */
extern const tf_type kms_contract_type, kms_contract_list_type, kms_node_type, kms_node_list_type;
/* Fills the contract fields of obj (any object type that has them) from an API result. */
void kms_contract_fill(tf_arena *a, tf_value *obj, const pk_kms_contract *k);
/* The list of replicas as a value of kms_node_list_type. */
tf_value kms_nodes_value(tf_arena *a, const pk_kms_node_list *nodes);

#endif
