/* Fuzz target for pk_parse_dotenv (dotenv text comes from users' files): never crashes or reads out
 * of bounds, and every result respects the parser's contract — keys are [A-Za-z0-9_.-]+, each key
 * appears once, values are NUL-terminated at value_len and no longer than the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phalakms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_env_list out = {0};
    if (pk_parse_dotenv((const char *)data, size, &out, NULL, 0) != 0) abort(); /* only OOM fails */
    for (size_t i = 0; i < out.count; i++) {
        const pk_env_var *v = &out.items[i];
        if (!v->key[0] || strspn(v->key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789_.-") != strlen(v->key))
            abort();
        if (v->value_len > size || v->value[v->value_len] != '\0') abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(out.items[j].key, v->key) == 0) abort();
    }
    pk_env_list_free(&out);
    return 0;
}
