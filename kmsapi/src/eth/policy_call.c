/* policy_call.c — pk_policy_call_done and pk_policy_send_call: the policy's five owner calls
 * (add/remove compose hash, add/remove device, setAllowAnyDevice), each judged by the view call
 * that shows its effect, and sent through owner_call.c's core at most once. */
#include "eth/eth_priv.h"
#include "common/pkx_error.h"
#include "phalakms/policy.h"

#include <string.h>

/* The call's function, selector, event and the view call that shows it done. */
typedef struct policy_fn {
    const char *what, *fn;
    uint32_t selector;
    const char *topic;
} policy_fn;

static const policy_fn FNS[] = {
    [PK_POLICY_ADD_COMPOSE_HASH] = {"compose hash", "addComposeHash", PK_ETH_SEL_ADD_COMPOSE_HASH,
                                    PK_ETH_TOPIC_COMPOSE_HASH_ADDED},
    [PK_POLICY_REMOVE_COMPOSE_HASH] = {"compose hash", "removeComposeHash",
                                       PK_ETH_SEL_REMOVE_COMPOSE_HASH,
                                       PK_ETH_TOPIC_COMPOSE_HASH_REMOVED},
    [PK_POLICY_ADD_DEVICE] = {"device", "addDevice", PK_ETH_SEL_ADD_DEVICE,
                              PK_ETH_TOPIC_DEVICE_ADDED},
    [PK_POLICY_REMOVE_DEVICE] = {"device", "removeDevice", PK_ETH_SEL_REMOVE_DEVICE,
                                 PK_ETH_TOPIC_DEVICE_REMOVED},
    [PK_POLICY_SET_ALLOW_ANY_DEVICE] = {"allow-any-device flag", "setAllowAnyDevice",
                                        PK_ETH_SEL_SET_ALLOW_ANY_DEVICE,
                                        PK_ETH_TOPIC_ALLOW_ANY_DEVICE_SET},
};

static bool op_ok(const pk_policy_call *c)
{
    return c && (unsigned)c->op <= PK_POLICY_SET_ALLOW_ANY_DEVICE;
}

/* The call's argument word: the value, or the flag as an ABI bool. */
static int arg_word(const pk_policy_call *c, char out[PK_ETH_HASH_STRLEN])
{
    uint8_t w[32] = {0};
    if (c->op == PK_POLICY_SET_ALLOW_ANY_DEVICE)
        w[31] = c->flag ? 1 : 0;
    else if (pkx_eth_hash_parse(c->value, w) != 0)
        return -1;
    pkx_eth_hex0x(w, 32, out);
    return 0;
}

/* The view call: allowedComposeHashes(v), allowedDeviceIds(v) (the list itself: allowAnyDevice
 * does not make a device listed) or allowAnyDevice(); *done compares it with the wanted value. */
static int read_done(pk_eth *eth, const char *app, const pk_policy_call *c, const char *arg,
                     bool *done, pk_error *err)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES];
    bool v = false;
    int rc;
    switch (c->op) {
    case PK_POLICY_ADD_COMPOSE_HASH:
    case PK_POLICY_REMOVE_COMPOSE_HASH:
        pk_eth_calldata_word(PK_ETH_SEL_ALLOWED_COMPOSE_HASH, arg, cd);
        rc = pkx_eth_read_bool(eth, app, "allowedComposeHashes(bytes32)", cd, sizeof cd, &v, err);
        break;
    case PK_POLICY_ADD_DEVICE:
    case PK_POLICY_REMOVE_DEVICE:
        pk_eth_calldata_word(PK_ETH_SEL_ALLOWED_DEVICE_ID, arg, cd);
        rc = pkx_eth_read_bool(eth, app, "allowedDeviceIds(bytes32)", cd, sizeof cd, &v, err);
        break;
    default:
        cd[0] = (uint8_t)(PK_ETH_SEL_ALLOW_ANY_DEVICE >> 24);
        cd[1] = (uint8_t)(PK_ETH_SEL_ALLOW_ANY_DEVICE >> 16);
        cd[2] = (uint8_t)(PK_ETH_SEL_ALLOW_ANY_DEVICE >> 8);
        cd[3] = (uint8_t)PK_ETH_SEL_ALLOW_ANY_DEVICE;
        rc = pkx_eth_read_bool(eth, app, "allowAnyDevice()", cd, 4, &v, err);
        break;
    }
    if (rc != 0) return -1;
    bool want = c->op == PK_POLICY_ADD_COMPOSE_HASH || c->op == PK_POLICY_ADD_DEVICE ||
                (c->op == PK_POLICY_SET_ALLOW_ANY_DEVICE && c->flag);
    *done = v == want;
    return 0;
}

int pk_policy_call_done(pk_eth *eth, const char *app, const pk_policy_call *c, bool *done,
                        pk_error *err)
{
    if (err) pkx_error_reset(err);
    if (done) *done = false;
    char a[PK_ETH_ADDRESS_STRLEN], arg[PK_ETH_HASH_STRLEN];
    if (!eth || !done || !op_ok(c))
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG, "missing or unknown policy call");
    if (pkx_eth_check_address(eth, app, a, err) != 0) return -1;
    if (arg_word(c, arg) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG,
                             "%s \"%.80s\" is not 32 bytes of hex (64 digits, optional 0x)",
                             FNS[c->op].what, c->value);
    return read_done(eth, a, c, arg, done, err);
}

static int call_done(const pkx_owner_call *r, pk_error *err)
{
    bool d = false;
    if (read_done(r->eth, r->app, r->op->data, r->arg, &d, err) != 0) return -1;
    return d ? 1 : 0;
}

int pk_policy_send_call(pk_eth *eth, const pk_register_req *req, const pk_policy_call *c,
                        pk_register_result *out, pk_error *err)
{
    char arg[PK_ETH_HASH_STRLEN];
    if (!op_ok(c)) {
        if (out) memset(out, 0, sizeof *out);
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG, "missing or unknown policy call");
    }
    const policy_fn *f = &FNS[c->op];
    /* A malformed value goes through as given, for the core's error that quotes it. */
    const char *value = arg_word(c, arg) == 0 ? arg : c->value;
    pkx_owner_op op = {.what = f->what,
                       .fn = f->fn,
                       .selector = f->selector,
                       .topic = f->topic,
                       .done = call_done,
                       .data = c};
    return pkx_eth_owner_call(eth, &op, req, value, out, err);
}
