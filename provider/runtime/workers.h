/* workers.h — the threads that run RPC handlers off the polling thread (Terraform sends up to 10
 * calls at once, and StopProvider must be answered while they run), and the queue of answered
 * calls they hand back; an eventfd wakes the poll loop when one is ready. Threads are started as
 * calls arrive, up to a maximum, so a short-lived provider process starts none it does not use. */
#ifndef WORKERS_H
#define WORKERS_H

#include <stdbool.h>

#include "grpcconn.h"

/* Default maximum of threads (max_threads 0): above any -parallelism users set in practice. */
#define WORKERS_DEFAULT_MAX 64

/* Returns the eventfd to poll (readable when answered calls are waiting), or -1. */
int workers_init(int max_threads);
/* Runs call->method->handler on a worker; the answered call comes back through workers_take. */
void workers_submit(rpc_call *call);
/* Runs a handler on the calling thread (inline methods, and workers). */
void workers_run(rpc_call *call);
/* Clears the eventfd and returns the answered calls (a list through ->next), oldest first. */
rpc_call *workers_take(void);
/* Waits up to ms for every handler to return; true when none is running. */
bool workers_wait_idle(long ms);

#endif
