/* apply.c — ApplyResourceChange dispatch (create / update / delete) and the checks Terraform would
 * otherwise fail with "Provider produced inconsistent result after apply" (tfplugin.md §4.3): run
 * before replying, they turn a resource bug into a diagnostic that names the attribute. */
#include "tfrules.h"

/* Values that came from the API and are not valid UTF-8: an error on the attribute, never a state
 * Terraform would refuse (or silently alter). Returns true when one was found. */
static bool invalid_text(tf_ctx *c, const tf_value *v)
{
    tf_path p;
    if (!tf_first_invalid_text(c->arena, v, &p)) return false;
    tf_diag_add(&c->diags, TF_ERROR, p.n ? &p : NULL, "Invalid text from the API",
                "The API returned a value for %s that is not valid UTF-8; it was not stored.",
                p.n ? tf_path_string(c->arena, p) : "this object");
    return true;
}

static void apply_bug(tf_ctx *c, tf_path path, const char *fmt_why)
{
    const char *where = path.n ? tf_path_string(c->arena, path) : "the resource";
    tf_diag_add(&c->diags, TF_ERROR, path.n ? &path : NULL, "Provider bug: inconsistent result",
                "After applying changes the provider %s for %s. "
                "Please report this to the provider's maintainers.",
                fmt_why, where);
}

/* Self-checks of a non-delete result; repairs what it can so the state stays decodable. */
static void check_result(tf_ctx *c, const tf_resource_def *r, const tf_value *planned,
                         tf_value *new_state)
{
    tf_path p;
    if (tf_is_null(new_state)) {
        apply_bug(c, (tf_path){0}, "returned no object");
        return;
    }
    if (tf_first_unknown(c->arena, new_state, &p)) {
        apply_bug(c, p, "left an unknown value");
        tf_unknowns_to_null(new_state);
    }
    for (size_t i = 0; i < r->schema.n_attrs; i++)
        if (r->schema.attrs[i].flags & TF_WRITE_ONLY) {
            tf_value *v = tf_attr(new_state, r->schema.attrs[i].name);
            if (v && !tf_is_null(v)) {
                apply_bug(c, tf_path_attr(c->arena, r->schema.attrs[i].name),
                          "tried to store a write-only value");
                *v = tf_null(v->type);
            }
        }
    if (!tf_is_known(planned)) return;
    /* every value known in the plan must come back unchanged */
    const tf_type *t = planned->type;
    for (size_t i = 0; i < t->n; i++) {
        const tf_value *pv = &planned->u.coll.items[i];
        const tf_value *nv = tf_attr(new_state, t->names[i]);
        /* unknown or partly unknown in the plan: the callback may fill it as it likes */
        if (!nv || !tf_value_wholly_known(pv)) continue;
        if (!tf_value_equal(pv, nv)) {
            tf_path at = tf_path_attr(c->arena, t->names[i]);
            tf_path deeper;
            if (tf_first_difference(c->arena, pv, nv, &deeper) && deeper.n) {
                tf_step *s = tf_arena_alloc(c->arena, (deeper.n + 1) * sizeof *s);
                s[0] = at.steps[0];
                for (size_t k = 0; k < deeper.n; k++) s[k + 1] = deeper.steps[k];
                at = (tf_path){s, deeper.n + 1};
            }
            apply_bug(c, at, "changed a value that was known in the plan");
        }
    }
}

void tf_apply_generic(tf_ctx *c, const tf_resource_def *r, const tf_value *prior,
                      const tf_value *planned, const tf_value *config, tf_value *new_state)
{
    const tf_type *t = tf_block_type(&r->schema);
    if (tf_is_null(planned)) {
        /* delete: the answer must be null, whatever happens (errors keep the prior state) */
        if (r->delete_) r->delete_(c, prior);
        *new_state = tf_null(t);
        return;
    }
    bool create = tf_is_null(prior);
    *new_state = tf_value_copy(c->arena, planned);
    if (create)
        r->create(c, config, planned, new_state);
    else if (r->update)
        r->update(c, prior, config, planned, new_state);
    if ((tf_has_errors(c) && !c->keep_state_on_error) || invalid_text(c, new_state)) {
        /* Nothing was (or we cannot tell what was) changed: keep what Terraform had. */
        *new_state = create ? tf_null(t) : tf_value_copy(c->arena, prior);
        return;
    }
    /* with keep_state_on_error the callback stores a deliberate partial state: check its shape
     * only, not equality with the plan */
    check_result(c, r, tf_has_errors(c) ? NULL : planned, new_state);
}

void tf_read_generic(tf_ctx *c, const tf_resource_def *r, const tf_value *state,
                     tf_value *new_state)
{
    *new_state = tf_value_copy(c->arena, state);
    if (tf_is_null(state)) return;
    r->read(c, state, new_state);
    if (tf_has_errors(c) || invalid_text(c, new_state)) {
        *new_state = tf_value_copy(c->arena, state);
        return;
    }
    tf_path p;
    if (!tf_is_null(new_state) && tf_first_unknown(c->arena, new_state, &p)) {
        tf_diag_add(&c->diags, TF_ERROR, &p, "Provider bug: unknown value after refresh",
                    "The provider left %s unknown while reading the resource.",
                    tf_path_string(c->arena, p));
        tf_unknowns_to_null(new_state);
    }
}

void tf_import_generic(tf_ctx *c, const tf_resource_def *r, const char *id, tf_value *state)
{
    const tf_type *t = tf_block_type(&r->schema);
    *state = tf_collection(c->arena, t, t->n); /* every attribute null */
    if (r->import) {
        r->import(c, id, state);
    } else if (tf_attr(state, "id")) {
        tf_set(state, "id", tf_string(c->arena, id));
    }
    if (!tf_has_errors(c) && tf_is_null(state))
        tf_error(c, NULL, "Cannot import", "The provider found nothing to import for id %s.", id);
}

void tf_read_data_generic(tf_ctx *c, const tf_datasource_def *d, const tf_value *config,
                          tf_value *state)
{
    *state = tf_value_copy(c->arena, config);
    d->read(c, config, state);
    if (tf_has_errors(c) || invalid_text(c, state)) return;
    tf_path p;
    if (tf_is_null(state)) {
        tf_error(c, NULL, "Provider bug: no data", "The data source returned no object.");
    } else if (tf_first_unknown(c->arena, state, &p)) {
        tf_diag_add(&c->diags, TF_ERROR, &p, "Provider bug: unknown value in data source",
                    "The data source left %s unknown.", tf_path_string(c->arena, p));
        tf_unknowns_to_null(state);
    }
}
