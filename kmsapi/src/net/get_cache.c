/* get_cache.c — see pkx_get_cache.h. A small list under one mutex: a plan holds a few hundred
 * entries at most, and a lookup costs nothing next to the round trip it saves. */
#include "net/pkx_get_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/pkx_clock.h"
#include "common/pkx_str.h"

#define MAX_ENTRIES 2048
#define MAX_BYTES   (32u * 1024u * 1024u) /* bodies kept at once; the oldest go first */
#define WAIT_MS     25                    /* how often a waiter checks cancel and its deadline */

typedef struct entry {
    char *key, *object;
    bool pending; /* the first GET is in flight; the others wait */
    int ticket;
    unsigned epoch; /* the snapshot it belongs to: pkx_get_cache_forget starts another */
    long long expires;
    pkx_cached answer;
} entry;

struct pkx_get_cache {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long ttl_ms;
    entry *items;
    size_t n, cap, bytes;
    char **written; /* objects written to: never cached again */
    size_t n_written;
    int next_ticket;
    unsigned epoch;
    bool off; /* a write could not be recorded (out of memory): nothing is served any more */
};

void pkx_cached_free(pkx_cached *c)
{
    if (!c) return;
    free(c->body);
    free(c->request_id);
    memset(c, 0, sizeof *c);
}

static int copy_answer(const pkx_cached *from, pkx_cached *to)
{
    memset(to, 0, sizeof *to);
    to->status = from->status;
    to->len = from->len;
    to->body = malloc(from->len + 1);
    to->request_id = from->request_id ? pkx_strdup(from->request_id) : NULL;
    if (!to->body || (from->request_id && !to->request_id)) {
        pkx_cached_free(to);
        return -1;
    }
    if (from->len) memcpy(to->body, from->body, from->len);
    to->body[from->len] = '\0';
    return 0;
}

pkx_get_cache *pkx_get_cache_new(long ttl_ms)
{
    pkx_get_cache *gc = calloc(1, sizeof *gc);
    if (!gc) return NULL;
    pthread_mutex_init(&gc->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&gc->cv, &ca);
    pthread_condattr_destroy(&ca);
    gc->ttl_ms = ttl_ms;
    return gc;
}

static void remove_at(pkx_get_cache *gc, size_t i)
{
    entry *e = &gc->items[i];
    gc->bytes -= e->answer.len;
    free(e->key);
    free(e->object);
    pkx_cached_free(&e->answer);
    memmove(e, e + 1, (gc->n - i - 1) * sizeof *e);
    gc->n--;
}

void pkx_get_cache_free(pkx_get_cache *gc)
{
    if (!gc) return;
    while (gc->n) remove_at(gc, gc->n - 1);
    free(gc->items);
    for (size_t i = 0; i < gc->n_written; i++) free(gc->written[i]);
    free(gc->written);
    pthread_cond_destroy(&gc->cv);
    pthread_mutex_destroy(&gc->mu);
    free(gc);
}

static bool is_written(const pkx_get_cache *gc, const char *object)
{
    for (size_t i = 0; i < gc->n_written; i++)
        if (strcmp(gc->written[i], object) == 0) return true;
    return false;
}

/* Whether body, an answer about object, names the id of written object w of the same collection
 * ("cvms/app_<hex>" is named by a CVM whose app_id is <hex>). */
static bool names(const char *object, const char *body, const char *w)
{
    const char *slash = strchr(w, '/');
    if (!slash || !body || strncmp(object, w, (size_t)(slash - w + 1)) != 0) return false;
    const char *id = slash + 1;
    if (strncmp(id, "app_", 4) == 0 && id[4]) id += 4;
    /* as a whole JSON string: cvm_p1 is not named by "cvm_p10" */
    char quoted[160];
    if (!*id || (size_t)snprintf(quoted, sizeof quoted, "\"%s\"", id) >= sizeof quoted)
        return false;
    return strstr(body, quoted) != NULL;
}

static bool names_written(const pkx_get_cache *gc, const char *object, const char *body)
{
    for (size_t i = 0; i < gc->n_written; i++)
        if (names(object, body, gc->written[i])) return true;
    return false;
}

static void drop_expired(pkx_get_cache *gc, long long now)
{
    for (size_t i = gc->n; i-- > 0;)
        if (!gc->items[i].pending && gc->items[i].expires <= now) remove_at(gc, i);
}

static entry *find(pkx_get_cache *gc, const char *key)
{
    for (size_t i = 0; i < gc->n; i++)
        if (strcmp(gc->items[i].key, key) == 0) return &gc->items[i];
    return NULL;
}

int pkx_get_cache_lookup(pkx_get_cache *gc, const char *key, const char *object,
                         const pk_cancel *cancel, long long deadline, pkx_cached *out, int *ticket)
{
    *ticket = 0;
    memset(out, 0, sizeof *out);
    if (!gc) return 0;
    pthread_mutex_lock(&gc->mu);
    int hit = 0;
    for (;;) {
        long long now = pkx_now_ms();
        if (gc->off || is_written(gc, object)) break;
        drop_expired(gc, now);
        entry *e = find(gc, key);
        if (e && !e->pending) {
            hit = copy_answer(&e->answer, out) == 0;
            break;
        }
        if (!e) {
            if (gc->n == gc->cap) {
                size_t cap = gc->cap ? gc->cap * 2 : 16;
                entry *ni = realloc(gc->items, cap * sizeof *ni);
                if (!ni) break;
                gc->items = ni;
                gc->cap = cap;
            }
            entry ne = {.key = pkx_strdup(key),
                        .object = pkx_strdup(object),
                        .pending = true,
                        .epoch = gc->epoch};
            if (!ne.key || !ne.object) {
                free(ne.key);
                free(ne.object);
                break;
            }
            ne.ticket = ++gc->next_ticket;
            if (ne.ticket <= 0) ne.ticket = gc->next_ticket = 1;
            gc->items[gc->n++] = ne;
            *ticket = ne.ticket;
            break;
        }
        /* in flight: wait for it, but never past this call's own limits */
        if (pk_cancel_requested(cancel) || (deadline && now >= deadline)) break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += WAIT_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&gc->cv, &gc->mu, &ts);
    }
    pthread_mutex_unlock(&gc->mu);
    return hit;
}

void pkx_get_cache_done(pkx_get_cache *gc, const char *key, int ticket, const pkx_cached *ok)
{
    if (!gc || !ticket) return;
    pthread_mutex_lock(&gc->mu);
    size_t i = 0;
    while (i < gc->n && !(gc->items[i].pending && gc->items[i].ticket == ticket &&
                          strcmp(gc->items[i].key, key) == 0))
        i++;
    if (i < gc->n) {
        entry *e = &gc->items[i];
        bool store = ok && ok->status >= 200 && ok->status < 300 && ok->len <= MAX_BYTES &&
                     !gc->off && e->epoch == gc->epoch && !is_written(gc, e->object) &&
                     !names_written(gc, e->object, ok->body) && copy_answer(ok, &e->answer) == 0;
        if (store) {
            e->pending = false;
            e->expires = pkx_now_ms() + gc->ttl_ms;
            gc->bytes += e->answer.len;
            /* bounded: the oldest answers make room (the list is in insertion order) */
            for (size_t j = 0; (gc->n > MAX_ENTRIES || gc->bytes > MAX_BYTES) && j < gc->n;) {
                if (gc->items[j].pending || &gc->items[j] == e) {
                    j++;
                    continue;
                }
                if (&gc->items[j] < e) e--;
                remove_at(gc, j);
            }
        } else {
            remove_at(gc, i);
        }
    }
    pthread_cond_broadcast(&gc->cv);
    pthread_mutex_unlock(&gc->mu);
}

void pkx_get_cache_wrote(pkx_get_cache *gc, const char *object)
{
    if (!gc) return;
    pthread_mutex_lock(&gc->mu);
    if (!is_written(gc, object)) {
        char **nw = realloc(gc->written, (gc->n_written + 1) * sizeof *nw);
        char *copy = pkx_strdup(object);
        if (nw) gc->written = nw;
        if (nw && copy) {
            gc->written[gc->n_written++] = copy;
        } else {
            free(copy);
            gc->off = true;
        }
    }
    /* pending entries stay: their done() finds the object written and stores nothing */
    for (size_t i = gc->n; i-- > 0;) {
        entry *e = &gc->items[i];
        if (e->pending) continue;
        if (strcmp(e->object, object) == 0 || names(e->object, e->answer.body, object))
            remove_at(gc, i);
    }
    pthread_mutex_unlock(&gc->mu);
}

void pkx_get_cache_forget(pkx_get_cache *gc)
{
    if (!gc) return;
    pthread_mutex_lock(&gc->mu);
    gc->epoch++; /* what is in flight now belongs to the old snapshot */
    for (size_t i = gc->n; i-- > 0;)
        if (!gc->items[i].pending) remove_at(gc, i);
    pthread_mutex_unlock(&gc->mu);
}
