/* fixture.h — a small resource schema and helpers shared by the rules tests. */
#ifndef RULES_FIXTURE_H
#define RULES_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "tfrules.h"

extern tf_resource_def fx_resource;
extern tf_arena *fx_arena;
void fx_setup(void);
void fx_teardown(void);
tf_ctx fx_ctx(void);
/* A value of the fixture's object type from JSON (missing attributes null). */
tf_value fx_obj(const char *json);
/* true if any diagnostic's detail or summary contains s */
bool fx_diag_has(const tf_ctx *c, const char *s);
const char *fx_first_path(tf_ctx *c);

#endif
