/* clock.c — the cancellation token (an atomic flag any thread may trigger), the monotonic clock and
 * a sleep that a cancel interrupts within one slice. */
#include "common/pkx_clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define PKX_SLEEP_SLICE_MS 20L

int pk_cancel_new(pk_cancel **out)
{
    if (!out) return -1;
    pk_cancel *c = malloc(sizeof *c);
    if (!c) return -1;
    atomic_init(&c->requested, false);
    *out = c;
    return 0;
}

void pk_cancel_free(pk_cancel *c)
{
    free(c);
}
void pk_cancel_trigger(pk_cancel *c)
{
    if (c) atomic_store(&c->requested, true);
}
void pk_cancel_reset(pk_cancel *c)
{
    if (c) atomic_store(&c->requested, false);
}
bool pk_cancel_requested(const pk_cancel *c)
{
    return c && atomic_load(&((pk_cancel *)c)->requested);
}

long long pkx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

int pkx_sleep_cancellable(long ms, const pk_cancel *cancel)
{
    long long end = pkx_now_ms() + ms;
    for (;;) {
        if (pk_cancel_requested(cancel)) return -1;
        long long left = end - pkx_now_ms();
        if (left <= 0) return 0;
        long slice = left < PKX_SLEEP_SLICE_MS ? (long)left : PKX_SLEEP_SLICE_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = slice * 1000000L};
        while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
        }
    }
}
