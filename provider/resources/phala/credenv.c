/* credenv.c — see credenv.h. The value is kept masked rather than in plain text so that the
 * process holds one plain copy of a credential, the one in use (as with a provider block), and a
 * scan of its memory finds the secret only there; the mask and the masked bytes live in separate
 * allocations. */
#include "credenv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

extern char **environ;

static const char *const names[] = {"PHALA_CLOUD_API_KEY", "PHALA_OIDC_TOKEN",
                                    "PHALA_ONCHAIN_PRIVATE_KEY"};
#define N_NAMES (sizeof names / sizeof *names)

static struct {
    uint8_t *masked, *pad;
    size_t len;
} held[N_NAMES];
static bool captured;

static void keep(size_t i, const char *v)
{
    size_t n = strlen(v);
    uint8_t *masked = malloc(n), *pad = malloc(n);
    if (!masked || !pad) { /* out of memory at startup: the credential is missing, and said so */
        free(masked);
        free(pad);
        return;
    }
    randombytes_buf(pad, n);
    for (size_t k = 0; k < n; k++) masked[k] = (uint8_t)v[k] ^ pad[k];
    held[i].masked = masked;
    held[i].pad = pad;
    held[i].len = n;
}

void phala_credenv_capture(void)
{
    if (captured || sodium_init() < 0) return;
    for (size_t i = 0; i < N_NAMES; i++) {
        const char *v = getenv(names[i]);
        if (v && *v) keep(i, v);
        /* The environment may repeat a name: every entry's value is wiped where it is (the
         * initial environment lives in the process's own memory, and /proc/PID/environ shows
         * it), then the name is removed. */
        size_t nl = strlen(names[i]);
        for (char **e = environ; e && *e; e++)
            if (strncmp(*e, names[i], nl) == 0 && (*e)[nl] == '=')
                sodium_memzero(*e + nl + 1, strlen(*e + nl + 1));
        unsetenv(names[i]);
    }
    captured = true;
}

char *phala_credenv_get(const char *name)
{
    for (size_t i = 0; name && i < N_NAMES; i++) {
        if (strcmp(name, names[i]) != 0) continue;
        if (!held[i].masked) return NULL;
        char *out = malloc(held[i].len + 1);
        if (!out) return NULL;
        for (size_t k = 0; k < held[i].len; k++)
            out[k] = (char)(held[i].masked[k] ^ held[i].pad[k]);
        out[held[i].len] = '\0';
        return out;
    }
    return NULL;
}
