/* data_kms_list.c — data source phala_kms_list (deprecated): every KMS node, all pages walked, in
 * API order. Pinned to the node-shaped API version 2026-05-22 by libphalakms, as the SDKs'
 * getKmsList; phala_kms_contracts is the replacement. */
#include "kms_object.h"

static const tf_attr_def attrs[] = {
    {.name = "is_onchain",
     .type = &tf_type_bool,
     .flags = TF_OPTIONAL,
     .description = "Only on-chain KMS instances (`true`), only Phala's off-chain ones (`false`), "
                    "or all (unset)."},
    {.name = "items",
     .type = &kms_object_list_type,
     .flags = TF_COMPUTED,
     .description =
         "The KMS instances, in API order. Each has `id`, `slug`, `url`, `version`, "
         "`chain_id`, `kms_contract_address`, `gateway_app_id` and `k256_pubkey`; fields "
         "the API leaves out are null."},
    {.name = "total",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "Number of KMS instances the API reports."},
};

static void read_kms_list(tf_ctx *c, const tf_value *config, tf_value *state)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    tf_value *onchain = tf_attr(config, "is_onchain");
    pk_tristate filter = tf_is_known(onchain) ? (onchain->u.b ? PK_TRUE : PK_FALSE) : PK_UNSET;
    pk_kms_list list = {0};
    pk_error err = {0};
    if (pk_kms_list_fetch_all(client, filter, &list, &err) != 0) {
        phala_api_error(c, NULL, "Cannot list KMS instances", &err);
        pk_error_clear(&err);
        return;
    }
    tf_value items = tf_collection(c->arena, &kms_object_list_type, list.n_items);
    for (size_t i = 0; i < list.n_items; i++) {
        items.u.coll.items[i] = tf_collection(c->arena, &kms_object_type, kms_object_type.n);
        kms_fill(c->arena, &items.u.coll.items[i], &list.items[i]);
    }
    tf_set(state, "items", items);
    tf_set(state, "total", tf_int(list.total > 0 ? list.total : (int64_t)list.n_items));
    pk_kms_list_free(&list);
}

/* Terraform shows no warning for a deprecated data source block by itself (the plugin framework
 * emits this one from validation too), so every use gets one here. */
static void validate_kms_list(tf_ctx *c, const tf_value *config)
{
    (void)config;
    tf_warning(c, NULL, "Deprecated data source phala_kms_list", "%s", PHALA_KMS_LIST_DEPRECATION);
}

tf_datasource_def phala_kms_list_ds = {
    .type_name = "phala_kms_list",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "**Deprecated**: use `phala_kms_contracts`. Lists every KMS node of Phala Cloud "
               "(all pages), optionally only on-chain or off-chain ones, in the node shape of API "
               "version `2026-05-22` (this data source always sends that version).",
               PHALA_KMS_LIST_DEPRECATION},
    .validate = validate_kms_list,
    .read = read_kms_list,
};
