/* tfcancel.c — the stop flag (see tfcancel.h): an atomic that any thread may read. */
#include "tfcancel.h"

#include <stdatomic.h>
#include <time.h>

static atomic_bool g_stop;
static void (*g_hook)(void *);
static void *g_hook_arg;

void tf_stop_on_raise(void (*hook)(void *), void *arg)
{
    g_hook = hook;
    g_hook_arg = arg;
}

void tf_stop_raise(void)
{
    if (!atomic_exchange(&g_stop, true) && g_hook) g_hook(g_hook_arg);
}

bool tf_stop_requested(void)
{
    return atomic_load(&g_stop);
}

bool tf_sleep_cancellable(long ms)
{
    while (ms > 0) {
        if (tf_stop_requested()) return false;
        long slice = ms < 20 ? ms : 20;
        struct timespec ts = {0, slice * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
    return !tf_stop_requested();
}
