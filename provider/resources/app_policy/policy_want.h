/* policy_want.h — what a phala_app_policy configuration asks of the app's policy: its managed parts
 * (compose_hashes, devices, allow_any_device; null = not managed), validated and normalised to
 * "0x" + 64 lowercase hex, and the owner calls that take the chain's live policy there — adds
 * before removals, so no moment in between allows less than both ends. */
#ifndef POLICY_WANT_H
#define POLICY_WANT_H

#include <phalakms.h>
#include <phalakms/policy.h>

#include "phala_common.h"

typedef struct ap_want {
    bool manage_hashes, manage_devices, manage_any;
    bool known; /* every managed part is known (false at plan time for unknown elements) */
    char (*hashes)[PK_ETH_HASH_STRLEN]; /* normalised, sorted, unique (arena) */
    size_t n_hashes;
    char (*devices)[PK_ETH_HASH_STRLEN];
    size_t n_devices;
    bool any;
} ap_want;

/* "0x" + 64 lowercase hex from 64 hex digits with an optional 0x/0X; false when s is not that. */
bool ap_hex32_norm(const char *s, char out[PK_ETH_HASH_STRLEN]);

/* Reads obj's compose_hashes, devices and allow_any_device. With report, a malformed element is an
 * error naming the attribute and the element (two spellings of one value too). false after
 * errors. */
bool ap_want_read(tf_ctx *c, const tf_value *obj, bool report, ap_want *w);

/* The calls that take live to w (the managed parts only), in a safe order: setAllowAnyDevice(true),
 * addComposeHash, addDevice, then removeComposeHash, removeDevice, setAllowAnyDevice(false). *out is
 * arena memory; returns the count. */
size_t ap_want_calls(tf_arena *a, const ap_want *w, const pk_app_policy *live,
                     pk_policy_call **out);

/* The boot rule under the policy w leaves behind (its managed parts, live's for the others). */
bool ap_want_allows(const ap_want *w, const pk_app_policy *live, const char *hash,
                    const char *device);

/* Call texts ("removeComposeHash(0x…)") as a list(string) value. */
tf_value ap_calls_value(tf_arena *a, const pk_policy_call *calls, size_t n);

/* A set(string) value of live entries for attribute attr, keeping the spelling an element of prior
 * (same value, other case or without 0x) has, so spelling never shows as a change. */
tf_value ap_live_set(tf_arena *a, const pk_policy_entry *e, size_t n, const tf_value *prior);

/* Whether the policy p shows the call's effect (a pending call the owners executed). */
bool ap_call_shown(const pk_app_policy *p, const pk_policy_call *c);

/* What destroy with remove_on_destroy leaves: live's compose hashes and devices minus the
 * values of the sets `hashes` and `devices` (this resource's additions); allow-any untouched. */
void ap_want_without(tf_arena *a, const pk_app_policy *live, const tf_value *hashes,
                     const tf_value *devices, ap_want *w);

#endif
