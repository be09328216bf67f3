/* kms_object.h — the fields of one KMS node (GET /kms, GET /kms/{id} in the node shape of API
 * 2026-05-22) as Terraform attributes, shared by the deprecated phala_kms_list (list items) and
 * phala_kms_info (top-level attributes), and their deprecation messages. */
#ifndef KMS_OBJECT_H
#define KMS_OBJECT_H

#include "phala_common.h"

/* As the SDKs mark getKmsList: from API 2026-06-23 the KMS API is organised around contracts. */
#define PHALA_KMS_LIST_DEPRECATION                                                                 \
    "phala_kms_list reads the node-shaped KMS API (2026-05-22), which Phala Cloud deprecated "     \
    "when "                                                                                        \
    "it organised KMS around contracts (2026-06-23). Use the phala_kms_contracts data source."
#define PHALA_KMS_INFO_DEPRECATION                                                                 \
    "phala_kms_info reads the node-shaped KMS API (2026-05-22), which Phala Cloud deprecated "     \
    "when "                                                                                        \
    "it organised KMS around contracts (2026-06-23). Use the phala_kms_contract data source."

#define KMS_N_FIELDS 8
/* The attribute definitions, for schemas that embed the KMS fields at top level. */
#define KMS_FIELD_ATTRS                                                                            \
    {.name = "id",                                                                                 \
     .type = &tf_type_string,                                                                      \
     .flags = TF_COMPUTED,                                                                         \
     .description = "KMS id, e.g. `kms_abc123def456`."},                                           \
        {.name = "slug",                                                                           \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "Human-readable slug, e.g. `kms-base-prod9`; null for some instances."},   \
        {.name = "url",                                                                            \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "The KMS node's RPC base URL."},                                           \
        {.name = "version",                                                                        \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "dstack KMS version, e.g. `v0.5.7`."},                                     \
        {.name = "chain_id",                                                                       \
         .type = &tf_type_number,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description =                                                                            \
             "EVM chain id of an on-chain KMS (1 Ethereum, 8453 Base); null for Phala's "          \
             "off-chain KMS."},                                                                    \
        {.name = "kms_contract_address",                                                           \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "DstackKms contract address (on-chain KMS only)."},                        \
        {.name = "gateway_app_id",                                                                 \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "App id of the KMS's gateway."},                                           \
        {.name = "k256_pubkey",                                                                    \
         .type = &tf_type_string,                                                                  \
         .flags = TF_COMPUTED,                                                                     \
         .description = "The KMS's secp256k1 signing key (compressed, hex): the anchor that app "  \
                        "encryption keys are verified against."},

/* The object type of one list item, and a list of them (static: tf_type is plain data). */
extern const tf_type kms_object_type, kms_object_list_type;
/* Fills the KMS fields of obj (any object type that has them) from an API result. */
void kms_fill(tf_arena *a, tf_value *obj, const pk_kms_info *k);

#endif
