/* provider_rpc_fuzz.h — shared by the provider RPC fuzz target and its seed generator: which
 * methods of the real phala provider an input can reach, chosen by its first byte. */
#ifndef PROVIDER_RPC_FUZZ_H
#define PROVIDER_RPC_FUZZ_H

#include <string.h>

#include "tfrpc.h"

/* ConfigureProvider is left out (the target configures once, towards a closed loopback port, so
 * no input can make the provider reach the network), and so are StopProvider and Shutdown (they
 * end the process's work for good: every later input would only see a stopped provider). */
static inline int fuzz_rpc_method_allowed(const rpc_method *m)
{
    return !strstr(m->path, "/ConfigureProvider") && !strstr(m->path, "/StopProvider") &&
           !strstr(m->path, "/Shutdown");
}

/* The allowed methods, in table order; returns how many. */
static inline size_t fuzz_rpc_methods(const rpc_method **out, size_t cap)
{
    size_t n, k = 0;
    const rpc_method *all = tf_rpc_methods(&n);
    for (size_t i = 0; i < n && k < cap; i++)
        if (fuzz_rpc_method_allowed(&all[i])) out[k++] = &all[i];
    return k;
}

#endif
