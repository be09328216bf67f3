/* policy_want.c — see policy_want.h. Sets are compared by value (normalised hex), never by
 * spelling; every list here is short (a few hashes and devices), so linear searches do. */
#include "policy_want.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tf_type set_of_string = {.kind = TF_SET, .elem = &tf_type_string};

bool ap_hex32_norm(const char *s, char out[PK_ETH_HASH_STRLEN])
{
    return phala_hex_norm(s, 64, out);
}

static int cmp_hex(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* One managed set: its elements normalised and sorted. false after an error (report). */
static bool read_set(tf_ctx *c, const tf_value *obj, const char *attr, const char *what,
                     bool report, bool *managed, char (**out)[PK_ETH_HASH_STRLEN], size_t *n,
                     bool *known)
{
    const tf_value *v = tf_attr(obj, attr);
    *managed = !tf_is_null(v);
    *out = NULL;
    *n = 0;
    if (!*managed) return true;
    if (!tf_value_wholly_known(v)) {
        *known = false;
        return true;
    }
    size_t m = v->u.coll.n;
    char(*h)[PK_ETH_HASH_STRLEN] = tf_arena_alloc(c->arena, (m ? m : 1) * sizeof *h);
    bool ok = true;
    for (size_t i = 0; i < m; i++) {
        const tf_value *e = &v->u.coll.items[i];
        const char *s = tf_is_known(e) ? e->u.str.ptr : NULL;
        if (tf_is_null(e)) {
            /* phala_encrypted_env.compose_hash is null until an update changed the allowed keys */
            if (report)
                tf_error(c, attr, tf_arena_printf(c->arena, "Null %s", what),
                         "%s has a null element. A reference such as "
                         "phala_encrypted_env.app.compose_hash is null until an env update "
                         "changed the allowed keys: list the compose hash itself until then.",
                         attr);
            ok = false;
            continue;
        }
        if (!ap_hex32_norm(s, h[*n])) {
            if (report)
                tf_error(c, attr, tf_arena_printf(c->arena, "Invalid %s", what),
                         "%s: element \"%.80s\" is not a %s: 64 hex digits, optionally prefixed "
                         "by 0x.",
                         attr, s ? s : "null", what);
            ok = false;
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < *n && !dup; j++) dup = strcmp(h[j], h[*n]) == 0;
        if (dup) {
            /* two spellings of one value would plan a change every time */
            if (report)
                tf_error(c, attr, "Value listed twice",
                         "%s: element \"%.80s\" names %s, which another element already names "
                         "(case and 0x do not matter): keep one.",
                         attr, s, h[*n]);
            ok = false;
            continue;
        }
        (*n)++;
    }
    qsort(h, *n, sizeof *h, cmp_hex);
    *out = h;
    return ok;
}

bool ap_want_read(tf_ctx *c, const tf_value *obj, bool report, ap_want *w)
{
    memset(w, 0, sizeof *w);
    w->known = true;
    bool ok = read_set(c, obj, "compose_hashes", "compose hash", report, &w->manage_hashes,
                       &w->hashes, &w->n_hashes, &w->known);
    ok = read_set(c, obj, "devices", "device id", report, &w->manage_devices, &w->devices,
                  &w->n_devices, &w->known) &&
         ok;
    const tf_value *any = tf_attr(obj, "allow_any_device");
    w->manage_any = !tf_is_null(any);
    if (tf_is_unknown(any)) w->known = false;
    w->any = tf_is_known(any) && any->u.b;
    return ok;
}

static bool in_want(char (*v)[PK_ETH_HASH_STRLEN], size_t n, const char *x)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], x) == 0) return true;
    return false;
}

static bool in_live(const pk_policy_entry *e, size_t n, const char *x)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].value, x) == 0) return true;
    return false;
}

static void push(pk_policy_call *out, size_t *k, pk_policy_op op, const char *v, bool flag)
{
    pk_policy_call *c = &out[(*k)++];
    memset(c, 0, sizeof *c);
    c->op = op;
    c->flag = flag;
    if (v) snprintf(c->value, sizeof c->value, "%s", v);
}

size_t ap_want_calls(tf_arena *a, const ap_want *w, const pk_app_policy *live, pk_policy_call **out)
{
    size_t cap = w->n_hashes + w->n_devices + live->n_compose_hashes + live->n_devices + 1;
    pk_policy_call *c = tf_arena_alloc(a, cap * sizeof *c);
    size_t k = 0;
    /* adds first: each only widens what may boot */
    if (w->manage_any && w->any && !live->allow_any_device)
        push(c, &k, PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, true);
    for (size_t i = 0; w->manage_hashes && i < w->n_hashes; i++)
        if (!in_live(live->compose_hashes, live->n_compose_hashes, w->hashes[i]))
            push(c, &k, PK_POLICY_ADD_COMPOSE_HASH, w->hashes[i], false);
    for (size_t i = 0; w->manage_devices && i < w->n_devices; i++)
        if (!in_live(live->devices, live->n_devices, w->devices[i]))
            push(c, &k, PK_POLICY_ADD_DEVICE, w->devices[i], false);
    /* then removals, the any-device switch last: it narrows the most */
    for (size_t i = 0; w->manage_hashes && i < live->n_compose_hashes; i++)
        if (!in_want(w->hashes, w->n_hashes, live->compose_hashes[i].value))
            push(c, &k, PK_POLICY_REMOVE_COMPOSE_HASH, live->compose_hashes[i].value, false);
    for (size_t i = 0; w->manage_devices && i < live->n_devices; i++)
        if (!in_want(w->devices, w->n_devices, live->devices[i].value))
            push(c, &k, PK_POLICY_REMOVE_DEVICE, live->devices[i].value, false);
    if (w->manage_any && !w->any && live->allow_any_device)
        push(c, &k, PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, false);
    *out = c;
    return k;
}

bool ap_want_allows(const ap_want *w, const pk_app_policy *live, const char *hash,
                    const char *device)
{
    char h[PK_ETH_HASH_STRLEN], d[PK_ETH_HASH_STRLEN];
    if (!ap_hex32_norm(hash, h)) return false;
    bool hash_ok = w->manage_hashes ? in_want(w->hashes, w->n_hashes, h)
                                    : in_live(live->compose_hashes, live->n_compose_hashes, h);
    bool any = w->manage_any ? w->any : live->allow_any_device;
    bool dev_ok = false;
    if (ap_hex32_norm(device, d))
        dev_ok = w->manage_devices ? in_want(w->devices, w->n_devices, d)
                                   : in_live(live->devices, live->n_devices, d);
    return hash_ok && (any || dev_ok);
}

tf_value ap_calls_value(tf_arena *a, const pk_policy_call *calls, size_t n)
{
    tf_value list = tf_collection(a, &phala_list_of_string, n);
    for (size_t i = 0; i < n; i++) {
        char text[160];
        pk_policy_call_text(&calls[i], text, sizeof text);
        list.u.coll.items[i] = tf_string(a, text);
    }
    return list;
}

tf_value ap_live_set(tf_arena *a, const pk_policy_entry *e, size_t n, const tf_value *prior)
{
    tf_value set = tf_collection(a, &set_of_string, n);
    for (size_t i = 0; i < n; i++) {
        const char *spelling = e[i].value;
        for (size_t j = 0; tf_is_known(prior) && j < prior->u.coll.n; j++) {
            const tf_value *p = &prior->u.coll.items[j];
            char norm[PK_ETH_HASH_STRLEN];
            if (tf_is_known(p) && ap_hex32_norm(p->u.str.ptr, norm) &&
                strcmp(norm, e[i].value) == 0)
                spelling = p->u.str.ptr;
        }
        set.u.coll.items[i] = tf_string(a, spelling);
    }
    return set;
}

bool ap_call_shown(const pk_app_policy *p, const pk_policy_call *c)
{
    char v[PK_ETH_HASH_STRLEN];
    if (c->op == PK_POLICY_SET_ALLOW_ANY_DEVICE) return p->allow_any_device == c->flag;
    if (!ap_hex32_norm(c->value, v)) return false;
    switch (c->op) {
    case PK_POLICY_ADD_COMPOSE_HASH:
        return in_live(p->compose_hashes, p->n_compose_hashes, v);
    case PK_POLICY_REMOVE_COMPOSE_HASH:
        return !in_live(p->compose_hashes, p->n_compose_hashes, v);
    case PK_POLICY_ADD_DEVICE:
        return in_live(p->devices, p->n_devices, v);
    default:
        return !in_live(p->devices, p->n_devices, v);
    }
}

/* live's entries whose value the set `drop` does not name. */
static size_t keep_all_but(tf_arena *a, const pk_policy_entry *e, size_t n, const tf_value *drop,
                           char (**out)[PK_ETH_HASH_STRLEN])
{
    char(*k)[PK_ETH_HASH_STRLEN] = tf_arena_alloc(a, (n ? n : 1) * sizeof *k);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool dropped = false;
        for (size_t j = 0; tf_is_known(drop) && j < drop->u.coll.n && !dropped; j++) {
            char norm[PK_ETH_HASH_STRLEN];
            dropped = ap_hex32_norm(drop->u.coll.items[j].u.str.ptr, norm) &&
                      strcmp(norm, e[i].value) == 0;
        }
        if (!dropped) snprintf(k[m++], PK_ETH_HASH_STRLEN, "%s", e[i].value);
    }
    *out = k;
    return m;
}

void ap_want_without(tf_arena *a, const pk_app_policy *live, const tf_value *hashes,
                     const tf_value *devices, ap_want *w)
{
    memset(w, 0, sizeof *w);
    w->known = w->manage_hashes = w->manage_devices = true;
    w->n_hashes = keep_all_but(a, live->compose_hashes, live->n_compose_hashes, hashes, &w->hashes);
    w->n_devices = keep_all_but(a, live->devices, live->n_devices, devices, &w->devices);
}
