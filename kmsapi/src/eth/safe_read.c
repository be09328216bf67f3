/* safe_read.c — pk_safe_read: whether an owner contract answers as a Safe does (getOwners,
 * getThreshold, nonce, VERSION), decoded strictly (abi_decode.c). Selectors are keccak256 of the
 * signatures, checked when written: getOwners() 0xa0e67e2b, getThreshold() 0xe75235b8, nonce()
 * 0xaffed0e0, VERSION() 0xffa1ad74. */
#include "common/pkx_error.h"
#include "eth/eth_priv.h"

#include <stdlib.h>
#include <string.h>

#define SEL_GET_OWNERS    0xa0e67e2bu
#define SEL_GET_THRESHOLD 0xe75235b8u
#define SEL_NONCE         0xaffed0e0u
#define SEL_VERSION       0xffa1ad74u
#define SAFE_MAX_OWNERS   256 /* far above any real Safe; bounds what a hostile answer costs */

/* One call without arguments: 0 with *res malloc'd; 1 when it reverted (no such function); -1. */
static int call0(pk_eth *eth, const char *to, uint32_t sel, bool at_block, uint64_t block,
                 uint8_t **res, size_t *rl, pk_error *err)
{
    uint8_t cd[4] = {(uint8_t)(sel >> 24), (uint8_t)(sel >> 16), (uint8_t)(sel >> 8), (uint8_t)sel};
    if (pkx_eth_call_at(eth, to, cd, 4, at_block, block, res, rl, err) == 0) return 0;
    if (err && err->kind == PK_ERR_RPC) {
        pkx_error_reset(err);
        return 1;
    }
    return -1;
}

static int not_safe(pk_eth *eth, pk_error *err, const char *safe, const char *what)
{
    return pkx_eth_failf(err, eth, PK_ERR_DECODE, "%s does not answer %s as a Safe does", safe,
                         what);
}

int pkx_safe_read_at(pk_eth *eth, const char *safe, bool at_block, uint64_t block,
                     pk_safe_info *out, pk_error *err)
{
    memset(out, 0, sizeof *out);
    char a[PK_ETH_ADDRESS_STRLEN];
    if (pkx_eth_check_address(eth, safe, a, err) != 0) return -1;
    uint8_t *res;
    size_t rl;
    int c = call0(eth, a, SEL_GET_OWNERS, at_block, block, &res, &rl, err);
    if (c < 0) return -1;
    if (c > 0) return not_safe(eth, err, a, "getOwners()");
    int bad = pkx_abi_address_array(res, rl, SAFE_MAX_OWNERS, &out->owners, &out->n_owners);
    free(res);
    if (bad || out->n_owners == 0) {
        pk_safe_info_free(out);
        return not_safe(eth, err, a, "getOwners()");
    }
    static const struct {
        uint32_t sel;
        const char *name;
    } words[] = {{SEL_GET_THRESHOLD, "getThreshold()"}, {SEL_NONCE, "nonce()"}};
    uint64_t *dst[] = {&out->threshold, &out->nonce};
    for (size_t i = 0; i < 2; i++) {
        c = call0(eth, a, words[i].sel, at_block, block, &res, &rl, err);
        if (c < 0) {
            pk_safe_info_free(out);
            return -1;
        }
        bad = c > 0 || pkx_abi_u64(res, rl, dst[i]) != 0;
        if (c == 0) free(res);
        if (bad) {
            pk_safe_info_free(out);
            return not_safe(eth, err, a, words[i].name);
        }
    }
    if (out->threshold < 1 || out->threshold > out->n_owners) {
        pk_safe_info_free(out);
        return not_safe(eth, err, a, "getThreshold() (not within 1..owners)");
    }
    /* VERSION() is informative: a Safe that does not say stays "". */
    c = call0(eth, a, SEL_VERSION, at_block, block, &res, &rl, err);
    if (c < 0) {
        pk_safe_info_free(out);
        return -1;
    }
    if (c == 0) {
        if (pkx_abi_string(res, rl, out->version, sizeof out->version) != 0) out->version[0] = 0;
        free(res);
    }
    return 0;
}

int pk_safe_read(pk_eth *eth, const char *safe, pk_safe_info *out, pk_error *err)
{
    return pkx_safe_read_at(eth, safe, false, 0, out, err);
}

void pk_safe_info_free(pk_safe_info *s)
{
    if (!s) return;
    free(s->owners);
    memset(s, 0, sizeof *s);
}
