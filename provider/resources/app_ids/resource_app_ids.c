/* resource_app_ids.c — resource phala_app_ids: reserves `counts` app ids for Phala's off-chain KMS
 * once (GET /kms/phala/next_app_id) and keeps them in state. A resource, not a data source: a data
 * source would reserve new ids on every plan. The attribute is `counts` (the API's own name)
 * because `count` is a Terraform meta-argument and cannot be a resource attribute. */
#include "phala_common.h"

static const char *const entry_names[] = {"app_id", "nonce"};
static const tf_type *const entry_types[] = {&tf_type_string, &tf_type_number};
static const tf_type entry_type = {
    .kind = TF_OBJECT, .n = 2, .names = entry_names, .elems = entry_types};
static const tf_type entry_list = {.kind = TF_LIST, .elem = &entry_type};

static const tf_attr_def attrs[] = {
    {.name = "id",
     .type = &tf_type_string,
     .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN,
     .description = "The first reserved app id."},
    {.name = "counts",
     .type = &tf_type_number,
     .flags = TF_REQUIRED | TF_FORCE_NEW,
     .description = "How many app ids to reserve, 1 to 20. Changing it reserves a new set."},
    {.name = "app_ids",
     .type = &entry_list,
     .flags = TF_COMPUTED | TF_USE_STATE_FOR_UNKNOWN,
     .description = "The reserved ids: `app_id` (40 hex) and the `nonce` to provision it with."},
};

static void validate_app_ids(tf_ctx *c, const tf_value *config)
{
    tf_value *n = tf_attr(config, "counts");
    int64_t v;
    if (tf_is_known(n) && (!tf_number_to_int64(&n->u.num, &v) || v < 1 || v > PK_APP_IDS_MAX))
        tf_error(c, "counts", "Invalid counts", "counts must be a whole number from 1 to %d.",
                 PK_APP_IDS_MAX);
}

static void create_app_ids(tf_ctx *c, const tf_value *config, const tf_value *planned, tf_value *s)
{
    (void)planned;
    pk_client *client = phala_client(c);
    if (!client) return;
    int64_t n = 0;
    tf_get_int(config, "counts", &n);
    pk_app_ids ids = {0};
    pk_error err = {0};
    if (pk_app_ids_reserve(client, (int)n, &ids, &err) != 0) {
        phala_api_error(c, "counts", "Cannot reserve app ids", &err);
        pk_error_clear(&err);
        return;
    }
    if (ids.n_items == 0) {
        tf_error(c, "counts", "Cannot reserve app ids", "The API returned no app ids.");
        pk_app_ids_free(&ids);
        return;
    }
    tf_value list = tf_collection(c->arena, &entry_list, ids.n_items);
    for (size_t i = 0; i < ids.n_items; i++) {
        tf_value e = tf_collection(c->arena, &entry_type, entry_type.n);
        tf_set(&e, "app_id", tf_string(c->arena, ids.items[i].app_id));
        tf_set(&e, "nonce", tf_int(ids.items[i].nonce));
        list.u.coll.items[i] = e;
    }
    tf_set(s, "app_ids", list);
    tf_set(s, "id", tf_string(c->arena, ids.items[0].app_id));
    pk_app_ids_free(&ids);
}

/* Reserved ids have no API to read back: state is the truth. */
static void read_app_ids(tf_ctx *c, const tf_value *state, tf_value *ns)
{
    (void)c, (void)state, (void)ns;
}

tf_resource_def phala_app_ids_resource = {
    .type_name = "phala_app_ids",
    .schema = {attrs, TF_COUNT(attrs), NULL, 0,
               "Reserves app ids for Phala's off-chain KMS once and keeps them. Destroying it only "
               "forgets the ids.",
               NULL},
    .validate = validate_app_ids,
    .create = create_app_ids,
    .read = read_app_ids,
};
