/* pk_env_list: the ordered key/value list that dotenv parsing and decryption produce. Setting an
 * existing key keeps its first position (JS object semantics, what the SDKs' dedupe does); values
 * are wiped when replaced or freed because they are secrets. */
#include "crypto/crypto_priv.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void wipe_free(char *s, size_t len)
{
    if (!s) return;
    sodium_memzero(s, len);
    free(s);
}

static char *copy_bytes(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    if (!d) return NULL;
    if (len) memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

int pk_env_list_set(pk_env_list *list, const char *key, const char *value, size_t value_len)
{
    if (!list || !key || (!value && value_len)) return -1;
    char *v = copy_bytes(value ? value : "", value_len);
    if (!v) return -1;
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].key, key) == 0) {
            wipe_free(list->items[i].value, list->items[i].value_len);
            list->items[i].value = v;
            list->items[i].value_len = value_len;
            return 0;
        }
    }
    if (list->count == list->cap) {
        size_t ncap = list->cap ? list->cap * 2 : 16;
        pk_env_var *n = realloc(list->items, ncap * sizeof *n);
        if (!n) {
            wipe_free(v, value_len);
            return -1;
        }
        list->items = n;
        list->cap = ncap;
    }
    char *k = copy_bytes(key, strlen(key));
    if (!k) {
        wipe_free(v, value_len);
        return -1;
    }
    list->items[list->count++] = (pk_env_var){.key = k, .value = v, .value_len = value_len};
    return 0;
}

void pk_env_list_free(pk_env_list *list)
{
    if (!list) return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].key);
        wipe_free(list->items[i].value, list->items[i].value_len);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}
