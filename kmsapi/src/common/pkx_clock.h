/* pkx_clock.h — time and cancellation for both HTTP clients (API and Ethereum JSON-RPC): the
 * pk_cancel token's layout, a monotonic clock and a sleep that a cancel cuts short. */
#ifndef PKX_CLOCK_H
#define PKX_CLOCK_H

#include <stdatomic.h>

#include "phalakms/client.h"

struct pk_cancel {
    atomic_bool requested;
};

long long pkx_now_ms(void); /* monotonic */
/* Sleeps ms in short slices; returns -1 as soon as cancel is requested (cancel may be NULL). */
int pkx_sleep_cancellable(long ms, const pk_cancel *cancel);

#endif /* PKX_CLOCK_H */
