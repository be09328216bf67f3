/* validate.c — generic configuration checks shared by providers, resources and data sources:
 * conflicting attributes and write-only attributes offered to a client that cannot handle them.
 * Unknown values are tolerated: they may still turn out null. Required attributes are checked by
 * Terraform itself before the provider is called. */
#include "tfrules.h"

static void check_block(tf_ctx *c, const tf_block_def *b, const tf_value *obj, tf_path here)
{
    if (!tf_is_known(obj)) return;
    for (size_t i = 0; i < b->n_attrs; i++) {
        const tf_attr_def *d = &b->attrs[i];
        const tf_value *v = tf_attr(obj, d->name);
        if (tf_is_null(v)) continue;
        tf_path path = tf_path_with_attr(c->arena, here, d->name);
        if ((d->flags & TF_WRITE_ONLY) && !c->write_only_allowed)
            tf_diag_add(&c->diags, TF_ERROR, &path, "Write-only attribute not supported",
                        "%s is write-only: its value is never stored in state. This Terraform "
                        "version does not support write-only attributes (Terraform 1.11 or later "
                        "does); use the corresponding regular attribute instead.",
                        d->name);
        if (tf_is_unknown(v) || !d->conflicts_with) continue;
        for (const char *const *o = d->conflicts_with; *o; o++) {
            const tf_value *ov = tf_attr(obj, *o);
            if (ov && tf_is_known(ov))
                tf_diag_add(&c->diags, TF_ERROR, &path, "Conflicting attributes",
                            "%s cannot be set together with %s: set only one of them.", d->name,
                            *o);
        }
    }
}

void tf_validate_generic(tf_ctx *c, const tf_block_def *schema, const tf_value *config,
                         bool managed)
{
    (void)managed;
    check_block(c, schema, config, (tf_path){0});
}
