/* data_kms_contract.c — data source phala_kms_contract: one KMS contract by slug or kc_ id, with
 * its replicas (GET /kms/{slug}/nodes). An unknown contract is an error that names what was asked
 * for. */
#include <string.h>

#include "kms_contract_object.h"

static const tf_attr_def attrs[] = {
    {.name = "contract",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "Contract slug (e.g. `base`, `phala`) or contract id (`kc_…`)."},
    KMS_CONTRACT_FIELD_ATTRS{
        .name = "nodes",
        .type = &kms_node_list_type,
        .flags = TF_COMPUTED,
        .description = "The contract's replicas, in API order: `id` (`kms_…`), `slug`, `url` "
                       "(the replica's RPC base), `version` and `kms_type`."},
};

static void read_kms_contract(tf_ctx *c, const tf_value *config, tf_value *state)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    const char *ref = tf_get_string(config, "contract");
    pk_kms_contract k = {0};
    pk_kms_node_list nodes = {0};
    pk_error err = {0};
    if (pk_kms_contract_fetch(client, ref, &k, &err) != 0) {
        if (err.http_status == 404)
            tf_error(c, "contract", "Unknown KMS contract",
                     "No KMS contract has the slug or id \"%s\" (%s). The phala_kms_contracts "
                     "data source lists them.",
                     ref, pk_error_message(&err));
        else
            phala_api_error(c, "contract", "Cannot read the KMS contract", &err);
        pk_error_clear(&err);
        return;
    }
    /* The nodes path documents the slug; the contract's own slug is used when it has one, so a
     * contract named by kc_ id lists its nodes the documented way. */
    if (pk_kms_contract_nodes_fetch(client, k.slug ? k.slug : ref, &nodes, &err) != 0) {
        phala_api_error(c, "contract", "Cannot list the KMS contract's nodes", &err);
        pk_error_clear(&err);
        pk_kms_contract_free(&k);
        return;
    }
    kms_contract_fill(c->arena, state, &k);
    tf_set(state, "nodes", kms_nodes_value(c->arena, &nodes));
    pk_kms_node_list_free(&nodes);
    pk_kms_contract_free(&k);
}

static void validate_kms_contract(tf_ctx *c, const tf_value *config)
{
    phala_check_path_id(c, config, "contract", "KMS contract slug or kc_ id");
}

tf_datasource_def phala_kms_contract_ds = {
    .type_name = "phala_kms_contract",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "Reads one KMS contract by slug or `kc_` id, with its replicas (nodes). Replaces "
               "`phala_kms_info`.",
               NULL},
    .validate = validate_kms_contract,
    .read = read_kms_contract,
};
