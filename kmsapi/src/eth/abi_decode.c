/* abi_decode.c — strict decoders of the ABI answers the policy reader takes from contracts it does
 * not trust (a Safe's getOwners/getThreshold/nonce/VERSION, a DstackApp's owner/bool getters) and of
 * the policy's event logs: every offset, length and padding byte is checked, counts are bounded, and
 * anything else is refused rather than guessed. Pure functions (fuzzed by fuzz_kmsapi_inputs). */
#include "eth/eth_priv.h"

#include <stdlib.h>
#include <string.h>

static bool zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

/* A word that fits in 64 bits (24 leading zero bytes). */
static int word_u64(const uint8_t w[32], uint64_t *out)
{
    if (!zero(w, 24)) return -1;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = v << 8 | w[i];
    *out = v;
    return 0;
}

int pkx_abi_u64(const uint8_t *d, size_t n, uint64_t *out)
{
    return n == 32 ? word_u64(d, out) : -1;
}

int pkx_abi_bool(const uint8_t *d, size_t n, bool *out)
{
    uint64_t v;
    if (pkx_abi_u64(d, n, &v) != 0 || v > 1) return -1;
    *out = v == 1;
    return 0;
}

int pkx_abi_address(const uint8_t *d, size_t n, char out[PK_ETH_ADDRESS_STRLEN])
{
    if (n != 32 || !zero(d, 12)) return -1;
    pkx_eth_hex0x(d + 12, 20, out);
    return 0;
}

/* The head of a single dynamic return value: the offset word must be 32 (what every ABI encoder
 * writes for one dynamic value) and the length word must fit; *len and *body returned. */
static int dynamic_head(const uint8_t *d, size_t n, uint64_t *len, const uint8_t **body)
{
    uint64_t off;
    if (n < 64 || word_u64(d, &off) != 0 || off != 32 || word_u64(d + 32, len) != 0) return -1;
    *body = d + 64;
    return 0;
}

int pkx_abi_address_array(const uint8_t *d, size_t n, size_t max,
                          char (**out)[PK_ETH_ADDRESS_STRLEN], size_t *count)
{
    *out = NULL;
    *count = 0;
    uint64_t len;
    const uint8_t *body;
    if (dynamic_head(d, n, &len, &body) != 0 || len > max || n != 64 + 32 * len) return -1;
    if (len == 0) return 0;
    char(*a)[PK_ETH_ADDRESS_STRLEN] = calloc((size_t)len, sizeof *a);
    if (!a) return -1;
    for (uint64_t i = 0; i < len; i++)
        if (pkx_abi_address(body + 32 * i, 32, a[i]) != 0) {
            free(a);
            return -1;
        }
    *out = a;
    *count = (size_t)len;
    return 0;
}

int pkx_abi_string(const uint8_t *d, size_t n, char *out, size_t cap)
{
    uint64_t len;
    const uint8_t *body;
    if (cap == 0 || dynamic_head(d, n, &len, &body) != 0 || len >= cap) return -1;
    size_t padded = (size_t)((len + 31) / 32 * 32);
    if (n != 64 + padded || !zero(body + len, padded - (size_t)len)) return -1;
    for (uint64_t i = 0; i < len; i++)
        if (body[i] < 0x20 || body[i] > 0x7e) return -1; /* printable ASCII only */
    memcpy(out, body, (size_t)len);
    out[len] = 0;
    return 0;
}

/* The policy's events (policy.h): which entry a log names. */
int pkx_policy_log_entry(const pk_eth_log *l, pkx_policy_kind *kind, uint8_t value[32])
{
    static const struct {
        const char *topic;
        pkx_policy_kind kind;
    } legacy[] = {
        {PK_ETH_TOPIC_COMPOSE_HASH_ADDED, PKX_POLICY_HASH},
        {PK_ETH_TOPIC_COMPOSE_HASH_REMOVED, PKX_POLICY_HASH},
        {PK_ETH_TOPIC_DEVICE_ADDED, PKX_POLICY_DEVICE},
        {PK_ETH_TOPIC_DEVICE_REMOVED, PKX_POLICY_DEVICE},
    };
    uint8_t t[32];
    if (l->n_topics < 1) return -1;
    for (size_t i = 0; i < sizeof legacy / sizeof *legacy; i++) {
        pkx_eth_hash_parse(legacy[i].topic, t);
        if (memcmp(l->topics[0], t, 32) != 0) continue;
        /* Non-indexed bytes32: exactly one data word, no indexed topics. */
        if (l->n_topics != 1 || l->data_len != 32) return -1;
        *kind = legacy[i].kind;
        memcpy(value, l->data, 32);
        return 0;
    }
    pkx_eth_hash_parse(PK_ETH_TOPIC_POLICY_CHANGED, t);
    if (memcmp(l->topics[0], t, 32) != 0) return -1;
    /* actor, policy, value indexed; enabled (a bool word) in data. */
    bool enabled;
    if (l->n_topics != 4 || !zero(l->topics[1], 12) || pkx_abi_bool(l->data, l->data_len, &enabled))
        return -1;
    uint8_t ph[32], pd[32];
    pkx_eth_hash_parse(PK_ETH_POLICY_COMPOSE_HASH, ph);
    pkx_eth_hash_parse(PK_ETH_POLICY_DEVICE, pd);
    if (memcmp(l->topics[2], ph, 32) == 0)
        *kind = PKX_POLICY_HASH;
    else if (memcmp(l->topics[2], pd, 32) == 0)
        *kind = PKX_POLICY_DEVICE;
    else
        return -1; /* allow-any-device (read directly) or a policy this reader does not know */
    memcpy(value, l->topics[3], 32);
    return 0;
}
