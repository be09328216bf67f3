/* kms_contract.c — reads of the DstackKms contract (research/phala-api-2026-06.md §5.4,
 * phala-api.md §6.4): the KMS's own k256 key from kmsInfo(), which app keys must be signed with, and
 * registeredApps(app), which says whether an app contract belongs to this KMS. Both are what the
 * chain says, so a client need not take either from Phala's API. */
#include <stdlib.h>
#include <string.h>

#include "common/pkx_error.h"
#include "eth/eth_priv.h"
#include "phalakms/crypto.h"
#include "phalakms/eth.h"

/* A 32-byte word as a length or offset that fits the answer (else -1). */
static long word_at(const uint8_t *res, size_t rl, size_t at)
{
    if (at + 32 > rl) return -1;
    for (size_t i = 0; i < 24; i++)
        if (res[at + i]) return -1;
    uint64_t v = 0;
    for (size_t i = 24; i < 32; i++) v = v << 8 | res[at + i];
    return v > rl ? -1 : (long)v;
}

int pk_eth_kms_k256(pk_eth *eth, const char *kms, char out[PK_ETH_K256_STRLEN], pk_error *err)
{
    static const uint8_t sel[4] = {
        (uint8_t)(PK_ETH_SEL_KMS_INFO >> 24), (uint8_t)(PK_ETH_SEL_KMS_INFO >> 16),
        (uint8_t)(PK_ETH_SEL_KMS_INFO >> 8), (uint8_t)PK_ETH_SEL_KMS_INFO};
    uint8_t *res;
    size_t rl;
    out[0] = '\0';
    if (pk_eth_call(eth, kms, sel, sizeof sel, &res, &rl, err) != 0) return -1;
    /* (bytes k256Pubkey, bytes, bytes, bytes): the first head word is the first member's offset */
    long off = word_at(res, rl, 0);
    if (off < 4 * 32) off = -1; /* the first member's data follows the four head words */
    long len = off < 0 ? -1 : word_at(res, rl, (size_t)off);
    int rc;
    if (rl == 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE,
                           "kmsInfo() on %s returned nothing — is it a DstackKms contract on this "
                           "chain?",
                           kms);
    else if (len < 0 || (size_t)off + 32 + (size_t)len > rl)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE,
                           "kmsInfo() on %s returned %zu bytes that are not (bytes, bytes, bytes, "
                           "bytes)",
                           kms, rl);
    else if (len == 0)
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE, "KMS contract %s holds no k256 key (kmsInfo)",
                           kms);
    else if (len != PK_SECP256K1_PUBKEY_BYTES || (res[off + 32] != 0x02 && res[off + 32] != 0x03))
        rc = pkx_eth_failf(err, eth, PK_ERR_DECODE,
                           "the k256 key in kmsInfo() of %s is %ld bytes, not a compressed "
                           "secp256k1 key",
                           kms, len);
    else {
        pkx_eth_hex0x(res + off + 32, PK_SECP256K1_PUBKEY_BYTES, out);
        rc = 0;
    }
    free(res);
    return rc;
}

int pk_eth_kms_app_registered(pk_eth *eth, const char *kms, const char *app, pk_tristate *out,
                              pk_error *err)
{
    uint8_t addr[PK_ETH_ADDRESS_BYTES], cd[4 + 32] = {0}, *res;
    size_t rl;
    *out = PK_UNSET;
    if (pk_eth_address_parse(app, addr) != 0)
        return pkx_eth_failf(err, eth, PK_ERR_INVALID_ARG, "app id must be 40 hex digits");
    cd[0] = (uint8_t)(PK_ETH_SEL_REGISTERED_APPS >> 24);
    cd[1] = (uint8_t)(PK_ETH_SEL_REGISTERED_APPS >> 16);
    cd[2] = (uint8_t)(PK_ETH_SEL_REGISTERED_APPS >> 8);
    cd[3] = (uint8_t)PK_ETH_SEL_REGISTERED_APPS;
    memcpy(cd + 4 + 12, addr, sizeof addr);
    if (pk_eth_call(eth, kms, cd, sizeof cd, &res, &rl, err) != 0) {
        if (err && err->kind == PK_ERR_RPC) { /* a revert: the contract has no such function */
            pkx_error_reset(err);
            return 0;
        }
        return -1;
    }
    bool clean = rl == 32;
    for (size_t i = 0; clean && i < 31; i++) clean = res[i] == 0;
    if (clean && res[31] <= 1) *out = res[31] ? PK_TRUE : PK_FALSE;
    /* no code at the address, or an answer that is no bool: cannot tell (PK_UNSET) */
    free(res);
    return 0;
}
