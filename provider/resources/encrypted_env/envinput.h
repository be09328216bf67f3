/* envinput.h — the environment a phala_encrypted_env configuration asks for: env_file (dotenv)
 * merged with env or env_wo (those win on a duplicate key), sorted by key, validated the way the
 * CVM will (key names, 1024 variables, 128 KiB a value, 1 MiB in all) with diagnostics that point
 * at the exact map key. */
#ifndef ENVINPUT_H
#define ENVINPUT_H

#include "phala_common.h"

typedef struct {
    pk_env_list vars;  /* sorted by key (byte order); values wiped on free */
    bool keys_known;   /* false: some input is unknown, the key set cannot be known yet */
    bool values_known; /* false: keys known but some value is unknown (plan time) */
} env_input;

/* Builds the merged env from a configuration (values may be unknown at plan time). Adds error
 * diagnostics and returns -1 for invalid input; returns 0 otherwise. */
int env_input_build(tf_ctx *c, const tf_value *config, env_input *out);
void env_input_free(env_input *in);
/* The sorted key list as a list(string) value (unknown when keys are not known). */
tf_value env_input_keys(tf_ctx *c, const env_input *in);

#endif
