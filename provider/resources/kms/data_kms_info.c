/* data_kms_info.c — data source phala_kms_info (deprecated): one KMS node by id or slug, pinned to
 * the node-shaped API version 2026-05-22 by libphalakms, as the SDKs' getKmsInfo;
 * phala_kms_contract is the replacement. */
#include "kms_object.h"

static const tf_attr_def attrs[] = {
    {.name = "kms_id",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "KMS id (`kms_…`) or slug (e.g. `phala-prod3`)."},
    KMS_FIELD_ATTRS};

static void read_kms_info(tf_ctx *c, const tf_value *config, tf_value *state)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    const char *id = tf_get_string(config, "kms_id");
    pk_kms_info k = {0};
    pk_error err = {0};
    if (pk_kms_info_fetch(client, id, &k, &err) != 0) {
        phala_api_error(c, "kms_id", "Cannot read the KMS", &err);
        pk_error_clear(&err);
        return;
    }
    kms_fill(c->arena, state, &k);
    pk_kms_info_free(&k);
}

static void validate_kms_info(tf_ctx *c, const tf_value *config)
{
    /* Terraform itself does not warn about a deprecated data source block. */
    tf_warning(c, NULL, "Deprecated data source phala_kms_info", "%s", PHALA_KMS_INFO_DEPRECATION);
    phala_check_path_id(c, config, "kms_id", "KMS id or slug");
}

tf_datasource_def phala_kms_info_ds = {
    .type_name = "phala_kms_info",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "**Deprecated**: use `phala_kms_contract`. Reads one KMS node by id or slug, in "
               "the node shape of API version `2026-05-22` (this data source always sends that "
               "version).",
               PHALA_KMS_INFO_DEPRECATION},
    .validate = validate_kms_info,
    .read = read_kms_info,
};
