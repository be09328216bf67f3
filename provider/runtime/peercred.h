/* peercred.h — who is at the other end of the plugin socket, as the kernel says (SO_PEERCRED).
 *
 * go-plugin's AutoMTLS makes the client prove it holds Terraform's key, so that no other process
 * on the machine can drive the plugin. A peer that is one of our own ancestors — Terraform, which
 * started us, or a wrapper between us — already controls us completely (it chose our binary, our
 * environment and our stdio, and the kernel lets an ancestor trace its descendants), so the kernel's
 * word identifies it as well as a signature would, at no cost. Every other peer gets full mTLS. */
#ifndef PEERCRED_H
#define PEERCRED_H

#include <stdbool.h>

/* Generations of ancestors looked at: Terraform, and a few wrappers (time, a debugger, ...). */
#define PEERCRED_MAX_DEPTH 8

/* True if the peer of the connected unix socket fd runs as our effective user and is our parent,
 * or its parent, ... (up to PEERCRED_MAX_DEPTH generations; never pid 1). False when it is not,
 * or when that cannot be established (no SO_PEERCRED, no /proc). */
bool peer_is_ancestor(int fd);

#endif
