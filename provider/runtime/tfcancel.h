/* tfcancel.h — the process-wide stop signal. StopProvider (Terraform's answer to Ctrl-C) raises it;
 * long operations (HTTP calls, waits for receipts, test sleeps) poll it and give up with a
 * cancellation diagnostic. */
#ifndef TFCANCEL_H
#define TFCANCEL_H

#include <stdbool.h>

void tf_stop_raise(void);
bool tf_stop_requested(void);
/* Sleeps up to ms milliseconds in short slices; returns false if a stop was requested meanwhile. */
bool tf_sleep_cancellable(long ms);
/* Registers a hook run (once, on the RPC thread) when a stop is raised, e.g. to cancel HTTP calls. */
void tf_stop_on_raise(void (*hook)(void *), void *arg);

#endif
