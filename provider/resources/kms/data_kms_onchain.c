/* data_kms_onchain.c — data source phala_kms_onchain: the on-chain KMS detail of one chain
 * (contracts with their verification anchors, gateway, allowed devices and OS images), exactly as
 * the API returns it. */
#include "phala_common.h"

static const char *const device_names[] = {"device_id", "node_name", "on_chain_allowed"};
static const tf_type *const device_types[] = {&tf_type_string, &tf_type_string, &tf_type_bool};
static const tf_type device_type = {
    .kind = TF_OBJECT, .n = 3, .names = device_names, .elems = device_types};
static const tf_type device_list = {.kind = TF_LIST, .elem = &device_type};

static const char *const image_names[] = {"name", "version", "os_image_hash", "on_chain_allowed"};
static const tf_type *const image_types[] = {&tf_type_string, &tf_type_string, &tf_type_string,
                                             &tf_type_bool};
static const tf_type image_type = {
    .kind = TF_OBJECT, .n = 4, .names = image_names, .elems = image_types};
static const tf_type image_list = {.kind = TF_LIST, .elem = &image_type};

static const char *const contract_names[] = {
    "contract_address",         "chain_id", "chain_name", "k256_pubkey", "ca_pubkey",
    "gateway_contract_address", "devices",  "os_images"};
static const tf_type *const contract_types[] = {&tf_type_string, &tf_type_number, &tf_type_string,
                                                &tf_type_string, &tf_type_string, &tf_type_string,
                                                &device_list,    &image_list};
static const tf_type contract_type = {
    .kind = TF_OBJECT, .n = 8, .names = contract_names, .elems = contract_types};
static const tf_type contract_list = {.kind = TF_LIST, .elem = &contract_type};

static const tf_attr_def attrs[] = {
    {.name = "chain",
     .type = &tf_type_string,
     .flags = TF_REQUIRED,
     .description = "Chain name, e.g. `base` or `ethereum`."},
    {.name = "chain_name",
     .type = &tf_type_string,
     .flags = TF_COMPUTED,
     .description = "The chain's name as the API spells it."},
    {.name = "chain_id",
     .type = &tf_type_number,
     .flags = TF_COMPUTED,
     .description = "EVM chain id."},
    {.name = "contracts",
     .type = &contract_list,
     .flags = TF_COMPUTED,
     .description = "KMS contracts on the chain: `contract_address`, `chain_id`, `chain_name`, "
                    "the verification anchors `k256_pubkey` (the KMS signing key app keys are "
                    "checked against) and `ca_pubkey` (its root CA key), "
                    "`gateway_contract_address` (null where the API does not say), `devices` "
                    "(`device_id`, `node_name`, `on_chain_allowed`) and `os_images` (`name`, "
                    "`version`, `os_image_hash`, `on_chain_allowed`)."},
};

static tf_value device_value(tf_arena *a, const pk_onchain_device *d)
{
    tf_value v = tf_collection(a, &device_type, device_type.n);
    tf_set(&v, "device_id", phala_str_or_null(a, d->device_id));
    tf_set(&v, "node_name", phala_str_or_null(a, d->node_name));
    tf_set(&v, "on_chain_allowed", phala_tristate(d->on_chain_allowed));
    return v;
}

static tf_value image_value(tf_arena *a, const pk_onchain_os_image *m)
{
    tf_value v = tf_collection(a, &image_type, image_type.n);
    tf_set(&v, "name", phala_str_or_null(a, m->name));
    tf_set(&v, "version", phala_str_or_null(a, m->version));
    tf_set(&v, "os_image_hash", phala_str_or_null(a, m->os_image_hash));
    tf_set(&v, "on_chain_allowed", phala_tristate(m->on_chain_allowed));
    return v;
}

static tf_value contract_value(tf_arena *a, const pk_onchain_contract *k)
{
    tf_value v = tf_collection(a, &contract_type, contract_type.n);
    tf_set(&v, "contract_address", phala_str_or_null(a, k->contract_address));
    tf_set(&v, "chain_id", tf_int(k->chain_id));
    tf_set(&v, "chain_name", phala_str_or_null(a, k->chain_name));
    tf_set(&v, "k256_pubkey", phala_str_or_null(a, k->k256_pubkey));
    tf_set(&v, "ca_pubkey", phala_str_or_null(a, k->ca_pubkey));
    tf_set(&v, "gateway_contract_address", phala_str_or_null(a, k->gateway_contract_address));
    tf_value devices = tf_collection(a, &device_list, k->n_devices);
    for (size_t i = 0; i < k->n_devices; i++)
        devices.u.coll.items[i] = device_value(a, &k->devices[i]);
    tf_set(&v, "devices", devices);
    tf_value images = tf_collection(a, &image_list, k->n_os_images);
    for (size_t i = 0; i < k->n_os_images; i++)
        images.u.coll.items[i] = image_value(a, &k->os_images[i]);
    tf_set(&v, "os_images", images);
    return v;
}

static void read_kms_onchain(tf_ctx *c, const tf_value *config, tf_value *state)
{
    pk_client *client = phala_client(c);
    if (!client) return;
    pk_kms_onchain o = {0};
    pk_error err = {0};
    if (pk_kms_onchain_fetch(client, tf_get_string(config, "chain"), &o, &err) != 0) {
        phala_api_error(c, "chain", "Cannot read the on-chain KMS detail", &err);
        pk_error_clear(&err);
        return;
    }
    tf_set(state, "chain_name", phala_str_or_null(c->arena, o.chain_name));
    tf_set(state, "chain_id", tf_int(o.chain_id));
    tf_value contracts = tf_collection(c->arena, &contract_list, o.n_contracts);
    for (size_t i = 0; i < o.n_contracts; i++)
        contracts.u.coll.items[i] = contract_value(c->arena, &o.contracts[i]);
    tf_set(state, "contracts", contracts);
    pk_kms_onchain_free(&o);
}

static void validate_kms_onchain(tf_ctx *c, const tf_value *config)
{
    phala_check_path_id(c, config, "chain", "chain name");
}

tf_datasource_def phala_kms_onchain_ds = {
    .type_name = "phala_kms_onchain",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "On-chain KMS detail of one chain: its KMS contracts with the devices and OS images "
               "they allow.",
               NULL},
    .validate = validate_kms_onchain,
    .read = read_kms_onchain,
};
