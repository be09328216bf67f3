/* policy_rail.c — see policy_rail.h. The API says which compose hash and device each CVM runs
 * with; whether it may boot is recomputed from the chain's sets (the API's own is_allowed is
 * input, not truth). */
#include "policy_rail.h"

#include <stdio.h>
#include <string.h>

/* The change adds a compose hash the chain does not allow yet. */
static bool adds_new_hash(const ap_want *w, const pk_app_policy *live)
{
    if (!w->manage_hashes) return false;
    for (size_t i = 0; i < w->n_hashes; i++) {
        bool have = false;
        for (size_t j = 0; j < live->n_compose_hashes && !have; j++)
            have = strcmp(live->compose_hashes[j].value, w->hashes[i]) == 0;
        if (!have) return true;
    }
    return false;
}

/* Only the CVM's compose hash goes (its device stays allowed). */
static bool only_hash_goes(const ap_want *w, const pk_app_policy *live, const char *hash,
                           const char *device)
{
    ap_want devices_only = *w;
    devices_only.manage_hashes = false;
    return ap_want_allows(&devices_only, live, hash, device);
}

/* What the change takes away from this CVM, for the message. */
static const char *what_goes(const ap_want *w, const pk_app_policy *live, const char *hash,
                             const char *device, char *buf, size_t len)
{
    ap_want hash_only = *w;
    hash_only.manage_devices = false;
    hash_only.manage_any = false;
    if (!ap_want_allows(&hash_only, live, hash, device)) {
        snprintf(buf, len, "its compose hash %s would no longer be allowed", hash);
        return buf;
    }
    bool any_after = w->manage_any ? w->any : live->allow_any_device;
    if (live->allow_any_device && !any_after)
        snprintf(buf, len,
                 "allow_any_device would be turned off and its device %s is not in the allowed "
                 "devices",
                 device ? device : "(unknown)");
    else
        snprintf(buf, len, "its device %s would no longer be allowed",
                 device ? device : "(unknown)");
    return buf;
}

size_t ap_rail_check(tf_ctx *c, const policy_source *s, const ap_want *w, bool allow_lockout,
                     bool at_plan)
{
    size_t locked = 0;
    bool replacing = at_plan && adds_new_hash(w, &s->policy);
    for (size_t i = 0; i < s->cvms.n_results; i++) {
        const pk_app_cvm_allowed *r = &s->cvms.results[i];
        char hash[PK_ETH_HASH_STRLEN], devbuf[PK_ETH_HASH_STRLEN];
        /* the API does not say what it runs (or says nonsense): nothing to judge */
        if (!ap_hex32_norm(r->info.compose_hash, hash)) continue;
        const char *dev = ap_hex32_norm(r->info.device_id, devbuf) ? devbuf : NULL;
        if (!pk_app_policy_allows(&s->policy, hash, dev)) continue; /* cannot boot now anyway */
        if (ap_want_allows(w, &s->policy, hash, dev)) continue;
        char why[300];
        what_goes(w, &s->policy, hash, dev, why, sizeof why);
        locked++;
        if (replacing && !allow_lockout && only_hash_goes(w, &s->policy, hash, dev))
            tf_warning(c, NULL, "A running CVM's compose hash is replaced",
                       "CVM %s runs compose hash %s, which this change removes while it adds a "
                       "compose hash the chain does not allow yet — an env update in flight "
                       "(phala_encrypted_env). The apply checks again before sending anything and "
                       "refuses while CVM %s still runs %s (allow_lockout = true accepts that).",
                       r->cvm_id ? r->cvm_id : "?", hash, r->cvm_id ? r->cvm_id : "?", hash);
        else if (allow_lockout)
            tf_warning(c, NULL, "A CVM of the app is locked out (allow_lockout = true)",
                       "CVM %s may boot with the app's keys today, but after this change %s: it "
                       "cannot obtain the app's keys at its next boot. allow_lockout = true "
                       "accepts that.",
                       r->cvm_id ? r->cvm_id : "?", why);
        else
            tf_error(c, NULL, "The change would lock a running CVM out of the app's keys",
                     "CVM %s may boot with the app's keys today, but after this change %s: it "
                     "could not obtain the app's keys at its next boot. Keep its compose hash "
                     "and device allowed (e.g. update its env first, see the guide \"Who can get "
                     "your app's keys\"), or set allow_lockout = true to accept this.",
                     r->cvm_id ? r->cvm_id : "?", why);
    }
    return locked;
}
