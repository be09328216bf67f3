/* data_kms_contracts.c — data source phala_kms_contracts: every KMS contract of Phala Cloud (groups
 * of replicas sharing one root key; API 2026-06-23), all pages walked, in API order. */
#include "kms_contract_object.h"

static const tf_attr_def attrs[] = {
    {.name = "is_onchain",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "Only on-chain KMS contracts (`true`), only Phala's off-chain one (`false`), "
                    "or all (unset)."},
    {.name = "items",
     .type = &kms_contract_list_type,
     .flags = TF_COMPUTED,
     .description = "The KMS contracts, in API order. Each has `id` (`kc_…`), `slug`, `label`, "
                    "`contract_address` (`phala` for the off-chain KMS), `chain_id` (0 for the "
                    "off-chain KMS), `k256_pubkey`, `ca_pubkey` and `node_count`; fields the API "
                    "leaves out are null."},
    {.name = "total",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "Number of KMS contracts the API reports."},
};

static void read_kms_contracts(tf_ctx *c, const tf_value *config, tf_value *state)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    tf_value *onchain = tf_attr(config, "is_onchain");
    pk_tristate filter = tf_is_known(onchain) ? (onchain->u.b ? PK_TRUE : PK_FALSE) : PK_UNSET;
    pk_kms_contract_list list = {0};
    pk_error err = {0};
    if (pk_kms_contracts_fetch_all(client, filter, &list, &err) != 0) {
        phala_api_error(c, NULL, "Cannot list KMS contracts", &err);
        pk_error_clear(&err);
        return;
    }
    tf_value items = tf_collection(c->arena, &kms_contract_list_type, list.n_items);
    for (size_t i = 0; i < list.n_items; i++) {
        items.u.coll.items[i] = tf_collection(c->arena, &kms_contract_type, kms_contract_type.n);
        kms_contract_fill(c->arena, &items.u.coll.items[i], &list.items[i]);
    }
    tf_set(state, "items", items);
    tf_set(state, "total", tf_int(list.total > 0 ? list.total : (int64_t)list.n_items));
    pk_kms_contract_list_free(&list);
}

tf_datasource_def phala_kms_contracts_ds = {
    .type_name = "phala_kms_contracts",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "Lists every KMS contract of Phala Cloud — a contract is a group of equivalent KMS "
               "replicas sharing one root key — (all pages), optionally only on-chain or "
               "off-chain ones. Replaces `phala_kms_list`.",
               NULL},
    .read = read_kms_contracts,
};
