/* tfrules.h — the generic Terraform semantics the framework applies around resource callbacks:
 * plan (tfplugin.md §4.2), apply dispatch with self-checks (§4.3), read (§4.4), import (§4.5),
 * data source read (§4.6) and validation. Pure functions over tf_values: no protobuf here, so each
 * rule is unit-tested directly. */
#ifndef TFRULES_H
#define TFRULES_H

#include "tfprovider.h"

/* First path where a and b differ / where v holds an unknown. false when none. Sets stop the walk
 * (their elements have no address). */
bool tf_first_difference(tf_arena *a, const tf_value *x, const tf_value *y, tf_path *out);
bool tf_first_unknown(tf_arena *a, const tf_value *v, tf_path *out);
/* The first string (or map key) that is not valid UTF-8: Terraform cannot take it. */
bool tf_first_invalid_text(tf_arena *a, const tf_value *v, tf_path *out);
/* Replaces every unknown inside v by null of the same type. */
void tf_unknowns_to_null(tf_value *v);

void tf_validate_generic(tf_ctx *c, const tf_block_def *schema, const tf_value *config,
                         bool managed);
void tf_plan_generic(tf_ctx *c, const tf_resource_def *r, const tf_value *prior,
                     const tf_value *proposed, const tf_value *config, tf_value *planned);
void tf_apply_generic(tf_ctx *c, const tf_resource_def *r, const tf_value *prior,
                      const tf_value *planned, const tf_value *config, tf_value *new_state);
void tf_read_generic(tf_ctx *c, const tf_resource_def *r, const tf_value *state,
                     tf_value *new_state);
void tf_import_generic(tf_ctx *c, const tf_resource_def *r, const char *id, tf_value *state);
void tf_read_data_generic(tf_ctx *c, const tf_datasource_def *d, const tf_value *config,
                          tf_value *state);

#endif
