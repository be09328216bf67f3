/* plan.c — PlanResourceChange semantics (tfplugin.md §4.2, the plugin framework's algorithm):
 * planned = proposed; write-only attributes null; when anything changed, computed attributes the
 * configuration leaves null become unknown (or keep their prior value with use_state_for_unknown);
 * force_new attributes whose value changes become requires_replace paths. A final self-check
 * reports planned values that Terraform would reject, naming the attribute. */
#include "tfrules.h"

static const tf_value *child(const tf_value *obj, const char *name)
{
    return tf_is_known(obj) ? tf_attr(obj, name) : NULL;
}

static void null_write_only(const tf_block_def *b, tf_value *obj)
{
    if (!tf_is_known(obj)) return;
    for (size_t i = 0; i < b->n_attrs; i++)
        if (b->attrs[i].flags & TF_WRITE_ONLY) {
            tf_value *v = tf_attr(obj, b->attrs[i].name);
            if (v) *v = tf_null(v->type);
        }
}

static void mark_block(const tf_block_def *b, tf_value *p, const tf_value *cfg,
                       const tf_value *prior);

/* Applies mark_block to the objects of one nested attribute or block, pairing each planned element
 * with its config and prior element (by index for lists, by key for maps). Set elements have no
 * stable address, so the planned element stands in for its config. */
static void mark_nested(const tf_block_def *b, tf_nesting n, tf_value *p, const tf_value *cfg,
                        const tf_value *prior)
{
    if (!tf_is_known(p)) return;
    if (n == TF_NEST_SINGLE || n == TF_NEST_GROUP) {
        mark_block(b, p, cfg, prior);
        return;
    }
    for (size_t i = 0; i < p->u.coll.n; i++) {
        tf_value *e = &p->u.coll.items[i];
        const tf_value *ce = NULL, *pe = NULL;
        if (n == TF_NEST_LIST) {
            if (tf_is_known(cfg) && i < cfg->u.coll.n) ce = &cfg->u.coll.items[i];
            if (tf_is_known(prior) && i < prior->u.coll.n) pe = &prior->u.coll.items[i];
        } else if (n == TF_NEST_MAP) {
            ce = tf_is_known(cfg) ? tf_map_get(cfg, p->u.coll.keys[i]) : NULL;
            pe = tf_is_known(prior) ? tf_map_get(prior, p->u.coll.keys[i]) : NULL;
        } else {
            ce = e;
        }
        mark_block(b, e, ce, pe);
    }
}

static void mark_block(const tf_block_def *b, tf_value *p, const tf_value *cfg,
                       const tf_value *prior)
{
    if (!tf_is_known(p)) return;
    for (size_t i = 0; i < b->n_attrs; i++) {
        const tf_attr_def *d = &b->attrs[i];
        tf_value *v = tf_attr(p, d->name);
        if (!v) continue;
        const tf_value *cv = child(cfg, d->name), *pv = child(prior, d->name);
        if ((d->flags & TF_COMPUTED) && tf_is_null(cv)) {
            bool keep = (d->flags & TF_USE_STATE_FOR_UNKNOWN) && pv && !tf_is_null(pv);
            if (!keep) *v = tf_unknown(v->type);
        } else if (d->nested) {
            mark_nested(d->nested, d->nesting, v, cv, pv);
        }
    }
    for (size_t i = 0; i < b->n_blocks; i++) {
        const tf_nested_block_def *nb = &b->blocks[i];
        mark_nested(nb->block, nb->nesting, tf_attr(p, nb->name), child(cfg, nb->name),
                    child(prior, nb->name));
    }
}

static void force_new_block(tf_ctx *c, const tf_block_def *b, const tf_value *p,
                            const tf_value *prior, tf_path here);

static void force_new_nested(tf_ctx *c, const tf_block_def *b, tf_nesting n, const tf_value *p,
                             const tf_value *prior, tf_path here)
{
    if (!tf_is_known(p) || !tf_is_known(prior)) return;
    if (n == TF_NEST_SINGLE || n == TF_NEST_GROUP) {
        force_new_block(c, b, p, prior, here);
    } else if (n == TF_NEST_LIST) {
        for (size_t i = 0; i < p->u.coll.n && i < prior->u.coll.n; i++)
            force_new_block(c, b, &p->u.coll.items[i], &prior->u.coll.items[i],
                            tf_path_with_index(c->arena, here, (int64_t)i));
    } else if (n == TF_NEST_MAP) {
        for (size_t i = 0; i < p->u.coll.n; i++) {
            const tf_value *pe = tf_map_get(prior, p->u.coll.keys[i]);
            if (pe)
                force_new_block(c, b, &p->u.coll.items[i], pe,
                                tf_path_with_key(c->arena, here, p->u.coll.keys[i]));
        }
    }
}

static void force_new_block(tf_ctx *c, const tf_block_def *b, const tf_value *p,
                            const tf_value *prior, tf_path here)
{
    for (size_t i = 0; i < b->n_attrs; i++) {
        const tf_attr_def *d = &b->attrs[i];
        const tf_value *v = child(p, d->name), *pv = child(prior, d->name);
        tf_path path = tf_path_with_attr(c->arena, here, d->name);
        if ((d->flags & TF_FORCE_NEW) && v && pv && !tf_value_equal(v, pv))
            tf_plan_requires_replace(c, path);
        else if (d->nested)
            force_new_nested(c, d->nested, d->nesting, v, pv, path);
    }
    for (size_t i = 0; i < b->n_blocks; i++) {
        const tf_nested_block_def *nb = &b->blocks[i];
        force_new_nested(c, nb->block, nb->nesting, child(p, nb->name), child(prior, nb->name),
                         tf_path_with_attr(c->arena, here, nb->name));
    }
}

static void plan_bug(tf_ctx *c, tf_path path, const char *why)
{
    const char *where = tf_path_string(c->arena, path);
    tf_diag_add(&c->diags, TF_ERROR, &path, "Provider bug: invalid plan",
                "The provider planned a value for %s that Terraform would reject (%s). "
                "Please report this to the provider's maintainers.",
                where, why);
}

/* Terraform's AssertPlanValid for attributes: configured values are planned as written. */
static void check_block(tf_ctx *c, const tf_block_def *b, const tf_value *p, const tf_value *cfg,
                        const tf_value *prior, tf_path here)
{
    if (!tf_is_known(p)) return;
    for (size_t i = 0; i < b->n_attrs; i++) {
        const tf_attr_def *d = &b->attrs[i];
        const tf_value *v = child(p, d->name), *cv = child(cfg, d->name),
                       *pv = child(prior, d->name);
        if (!v) continue;
        tf_path path = tf_path_with_attr(c->arena, here, d->name);
        static const tf_value null_v = {.presence = TF_NULL};
        if (!cv) cv = &null_v;
        if (d->flags & TF_WRITE_ONLY) {
            if (!tf_is_null(v)) plan_bug(c, path, "a write-only attribute must be planned null");
        } else if (!(d->flags & TF_COMPUTED)) {
            if (!tf_value_equal(v, cv) &&
                !(pv && !tf_is_null(pv) && !tf_is_null(cv) && tf_value_equal(v, pv)))
                plan_bug(c, path, "it does not match the configuration");
        } else if (!tf_is_null(cv) && !tf_is_unknown(cv)) {
            bool ok = tf_value_equal(v, cv) || (pv && !tf_is_null(pv) && tf_value_equal(v, pv));
            if (!ok) plan_bug(c, path, "it does not match the configured value");
        }
    }
}

void tf_plan_generic(tf_ctx *c, const tf_resource_def *r, const tf_value *prior,
                     const tf_value *proposed, const tf_value *config, tf_value *planned)
{
    const tf_type *t = tf_block_type(&r->schema);
    if (tf_is_null(proposed)) { /* destroy: the plan is the absence of the object */
        *planned = tf_null(t);
        return;
    }
    *planned = tf_value_copy(c->arena, proposed);
    null_write_only(&r->schema, planned);
    bool create = tf_is_null(prior);
    if (create || !tf_value_equal(planned, prior)) mark_block(&r->schema, planned, config, prior);
    if (r->modify_plan) r->modify_plan(c, create ? NULL : prior, config, planned);
    if (!create) force_new_block(c, &r->schema, planned, prior, (tf_path){0});
    check_block(c, &r->schema, planned, config, create ? NULL : prior, (tf_path){0});
}
