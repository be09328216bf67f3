/* tfprobe.h — what tfprobe's parts share: starting a provider as go-plugin does, connecting to it
 * with gRPC core, one unary call, and the ok/FAIL line every check prints. */
#ifndef TFPROBE_H
#define TFPROBE_H

#include <grpc/grpc.h>
#include <stdio.h>
#include <sys/types.h>

#include "clientcert.h"

#define COOKIE                                                                                     \
    "TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

extern int g_failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok   ");                                                                       \
        } else {                                                                                   \
            printf("FAIL ");                                                                       \
            g_failures++;                                                                          \
        }                                                                                          \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
    } while (0)

typedef struct {
    pid_t pid;
    char line[4096]; /* the handshake line */
    char socket[256];
    char cert_b64[4000];
    double startup_ms;
    int stderr_fd;
} plugin;

/* Starts the provider with our environment plus env_extra (NULL-terminated); 0 once the handshake
 * line is read. */
int plugin_start(plugin *p, const char *bin, const char *const *env_extra);
/* The exit status within timeout_ms (128 for a signal), or -1 while it still runs. */
int plugin_wait(plugin *p, int timeout_ms);
void plugin_kill(plugin *p);
/* A channel to the provider: mutual TLS with client, or plaintext when client is NULL. */
grpc_channel *connect_to(const plugin *p, const client_cert *client);
/* One unary call: the status, the reply's size and its first 64 bytes. */
grpc_status_code call(grpc_channel *ch, const char *method, const void *req, size_t len,
                      unsigned char *reply, size_t *reply_len);
/* One unary call with the whole reply in *full (malloc'ed; NULL when none). */
grpc_status_code call_full(grpc_channel *ch, const char *method, const void *req, size_t len,
                           unsigned char **full, size_t *full_len);
/* "KEY=value", malloc'ed. */
char *env_with(const char *key, const char *value);

/* tfconform.c: the answers each Terraform / OpenTofu version relies on; 0 when all pass. */
int conform_all(const char *bin);
/* tfconform.c: one line per feature with a version requirement found in the schema
 * ("function NAME", "write-only TYPE.ATTR", "ephemeral-resource TYPE", ...); 0 on success. */
int print_features(const char *bin);

#endif
