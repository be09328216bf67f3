/* policy_calls.c — the owner-only calls that change an app's key-release policy as bytes (selector
 * and one word) and as the one-line text that plans, logs and batch files show. No network. */
#include "eth/eth_priv.h"
#include "phalakms/policy.h"

#include <stdio.h>
#include <string.h>

static const char *call_name(pk_policy_op op)
{
    switch (op) {
    case PK_POLICY_ADD_COMPOSE_HASH:
        return "addComposeHash";
    case PK_POLICY_REMOVE_COMPOSE_HASH:
        return "removeComposeHash";
    case PK_POLICY_ADD_DEVICE:
        return "addDevice";
    case PK_POLICY_REMOVE_DEVICE:
        return "removeDevice";
    case PK_POLICY_SET_ALLOW_ANY_DEVICE:
        return "setAllowAnyDevice";
    }
    return NULL; /* an op outside the enum (a caller's cast): the callers refuse it */
}

static bool call_selector(pk_policy_op op, uint32_t *sel)
{
    switch (op) {
    case PK_POLICY_ADD_COMPOSE_HASH:
        *sel = PK_ETH_SEL_ADD_COMPOSE_HASH;
        return true;
    case PK_POLICY_REMOVE_COMPOSE_HASH:
        *sel = PK_ETH_SEL_REMOVE_COMPOSE_HASH;
        return true;
    case PK_POLICY_ADD_DEVICE:
        *sel = PK_ETH_SEL_ADD_DEVICE;
        return true;
    case PK_POLICY_REMOVE_DEVICE:
        *sel = PK_ETH_SEL_REMOVE_DEVICE;
        return true;
    case PK_POLICY_SET_ALLOW_ANY_DEVICE:
        *sel = PK_ETH_SEL_SET_ALLOW_ANY_DEVICE;
        return true;
    }
    return false;
}

/* The call's value as 32 bytes; -1 unless it is 64 hex digits (optional 0x) ending inside the field
 * (a caller may fill all of it: never read past). */
static int parse_value(const pk_policy_call *c, uint8_t v[32])
{
    if (!memchr(c->value, '\0', sizeof c->value)) return -1;
    return pkx_eth_hash_parse(c->value, v);
}

int pk_policy_calldata(const pk_policy_call *c, uint8_t out[PK_ETH_CALLDATA_BYTES])
{
    uint32_t sel;
    if (!c || !out || !call_selector(c->op, &sel)) return -1;
    uint8_t word[32] = {0};
    if (c->op == PK_POLICY_SET_ALLOW_ANY_DEVICE)
        word[31] = c->flag ? 1 : 0; /* the ABI's bool: the word 0…01 or 0…00 */
    else if (parse_value(c, word) != 0)
        return -1;
    out[0] = (uint8_t)(sel >> 24);
    out[1] = (uint8_t)(sel >> 16);
    out[2] = (uint8_t)(sel >> 8);
    out[3] = (uint8_t)sel;
    memcpy(out + 4, word, 32);
    return 0;
}

void pk_policy_call_text(const pk_policy_call *c, char *out, size_t len)
{
    if (!out || len == 0) return;
    const char *name = c ? call_name(c->op) : NULL;
    if (!name) {
        snprintf(out, len, "(unknown call)");
        return;
    }
    if (c->op == PK_POLICY_SET_ALLOW_ANY_DEVICE) {
        snprintf(out, len, "%s(%s)", name, c->flag ? "true" : "false");
        return;
    }
    /* The value as the chain sees it (lowercase, 0x): the same text whatever case was given. */
    uint8_t v[32];
    char hex[PK_ETH_HASH_STRLEN];
    if (parse_value(c, v) != 0) {
        snprintf(out, len, "%s(invalid value)", name);
        return;
    }
    pkx_eth_hex0x(v, 32, hex);
    snprintf(out, len, "%s(%s)", name, hex);
}
