/* owner_call.c — the one way this library sends an owner-only call to a DstackApp: chain id,
 * owner() == signer, nothing sent when the chain shows the effect already, balance, the signer's
 * pending transactions waited for, estimate +20%, fees, sign, send, receipt with status 1, effect
 * confirmed. register.c (addComposeHash, addDevice) and policy_call.c (the policy's five calls)
 * describe their call with a pkx_owner_op; a per-signer lock makes one key's calls take turns. */
#include "eth/eth_priv.h"
#include "common/pkx_clock.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCK_SLICE_MS 10

/* ---- per-signer locks --------------------------------------------------------------------------- */

/* One mutex per signer address, created on first use and kept for the life of the process (a
 * provider sees a handful of keys). Different signers never wait for each other. */
typedef struct signer_lock {
    uint8_t addr[20];
    pthread_mutex_t mu;
    struct signer_lock *next;
} signer_lock;

static pthread_mutex_t g_table_mu = PTHREAD_MUTEX_INITIALIZER;
static signer_lock *g_locks;

static signer_lock *lock_for(const uint8_t addr[20])
{
    pthread_mutex_lock(&g_table_mu);
    signer_lock *l = g_locks;
    while (l && memcmp(l->addr, addr, 20) != 0) l = l->next;
    if (!l && (l = calloc(1, sizeof *l))) {
        memcpy(l->addr, addr, 20);
        pthread_mutex_init(&l->mu, NULL);
        l->next = g_locks;
        g_locks = l;
    }
    pthread_mutex_unlock(&g_table_mu);
    return l;
}

/* Takes the lock, giving up when cancel is requested (checked every LOCK_SLICE_MS). */
static int lock_cancellable(signer_lock *l, const pk_cancel *cancel)
{
    while (pthread_mutex_trylock(&l->mu) != 0)
        if (pkx_sleep_cancellable(LOCK_SLICE_MS, cancel) != 0) return -1;
    return 0;
}

/* ---- errors ------------------------------------------------------------------------------------- */

int pkx_owner_fail(pk_error *err, const pk_eth *eth, pk_error_kind kind, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return pkx_eth_failf(err, eth, kind, "%s", tmp);
}

int pkx_owner_context(pk_error *err, const char *what)
{
    if (!err || err->kind == PK_ERR_NONE || err->kind == PK_ERR_CANCELLED) return -1;
    const char *h = pk_error_message(err);
    size_t n = strlen(what) + strlen(h) + 3;
    char *s = malloc(n);
    if (!s) return -1;
    snprintf(s, n, "%s: %s", what, h);
    free(err->human);
    err->human = s;
    return -1;
}

#define fail    pkx_owner_fail
#define context pkx_owner_context

/* ---- the steps ---------------------------------------------------------------------------------- */

/* 1 = the chain shows the effect, 0 = not, -1 = error (with what was being read). */
static int done_now(const pkx_owner_call *r, pk_error *err)
{
    int d = r->op->done(r, err);
    if (d < 0) {
        char what[160];
        snprintf(what, sizeof what, "reading the %s allowlist of app contract %s", r->op->what,
                 r->app);
        return context(err, what);
    }
    return d;
}

/* The effect is there already: the op's answer, or simply "nothing sent". */
static int answer_done(const pkx_owner_call *r, pk_register_result *out, pk_error *err)
{
    out->reused = true;
    return r->op->already ? r->op->already(r, out, err) : 0;
}

/* Waits until the signer's latest (mined) nonce reaches target. */
static int wait_nonce(const pkx_owner_call *r, uint64_t target, long long deadline, bool *waited,
                      pk_error *err)
{
    uint64_t latest;
    for (;;) {
        if (pk_eth_nonce(r->eth, r->signer, false, &latest, err) != 0)
            return context(err, "reading the signer's nonce");
        if (latest >= target) return 0;
        *waited = true;
        long long left = deadline - pkx_now_ms();
        if (left <= 0)
            return fail(err, r->eth, PK_ERR_TIMEOUT,
                        "account %s still has %" PRIu64 " pending transaction(s) (nonce %" PRIu64
                        " not mined) after %ld ms — "
                        "wait for them to be mined (or replace them) and run apply again",
                        r->signer, target - latest, latest, r->timeout_ms);
        long nap = pkx_eth_poll_ms(r->eth);
        if (nap > left) nap = (long)left;
        if (pkx_sleep_cancellable(nap, pkx_eth_cancel(r->eth)) != 0)
            return fail(err, r->eth, PK_ERR_CANCELLED, "cancelled");
    }
}

/* Waits until the signer has no pending transactions (latest nonce caught up with pending). Nodes
 * whose "pending" tag ignores their pool (ganache) make this a no-op; send_locked then learns of
 * the pending transaction from the nonce conflict its send causes. */
static int wait_pending(const pkx_owner_call *r, long long deadline, bool *waited, pk_error *err)
{
    uint64_t pending;
    *waited = false;
    if (pk_eth_nonce(r->eth, r->signer, true, &pending, err) != 0)
        return context(err, "reading the signer's pending nonce");
    return wait_nonce(r, pending, deadline, waited, err);
}

/* The node refused the transaction because another one holds its nonce (pending or just mined). */
static bool nonce_conflict(const pk_error *err)
{
    if (!err || err->kind != PK_ERR_RPC || !err->message) return false;
    const char *m = err->message;
    return strcasestr(m, "nonce too low") || strcasestr(m, "underpriced") ||
           strcasestr(m, "replacement") || strcasestr(m, "already exists");
}

/* The receipt holds the op's event from the app with the call's argument as its data. */
static bool receipt_proves(const pkx_owner_call *r, const pk_eth_receipt *rc)
{
    uint8_t app[20], word[32], topic[32];
    pk_eth_address_parse(r->app, app);
    pkx_eth_hash_parse(r->arg, word);
    pkx_eth_hash_parse(r->op->topic, topic);
    for (size_t i = 0; i < rc->n_logs; i++) {
        const pk_eth_log *l = &rc->logs[i];
        if (memcmp(l->address, app, 20) == 0 && l->n_topics >= 1 &&
            memcmp(l->topics[0], topic, 32) == 0 && l->data_len == 32 &&
            memcmp(l->data, word, 32) == 0)
            return true;
    }
    return false;
}

/* Estimates gas (+20%), reads fees and the nonce, signs the call and sends it. -2 when the node
 * refused it over a nonce conflict (*nonce is then the nonce it had), -1 for other errors. */
static int sign_and_send(const pkx_owner_call *r, const uint8_t sk[32], uint64_t *nonce,
                         char sent[PK_ETH_HASH_STRLEN], pk_error *err)
{
    uint8_t cd[PK_ETH_CALLDATA_BYTES];
    char what[80];
    pk_eth_calldata_word(r->op->selector, r->arg, cd);
    uint64_t gas;
    snprintf(what, sizeof what, "estimating gas for %s", r->op->fn);
    if (pk_eth_estimate_gas(r->eth, r->signer, r->app, cd, sizeof cd, &gas, err) != 0)
        return context(err, what);
    gas += gas / 5; /* 20% margin: the estimate is exact for the state it ran on, not the next */
    pk_eth_fees fees;
    if (pk_eth_fees_fetch(r->eth, &fees, err) != 0) return context(err, "reading gas fees");
    if (pk_eth_nonce(r->eth, r->signer, true, nonce, err) != 0)
        return context(err, "reading the signer's nonce");
    pk_eth_tx tx = {
        .type = fees.eip1559 ? PK_ETH_TX_EIP1559 : PK_ETH_TX_LEGACY,
        .chain_id = r->chain_id,
        .nonce = *nonce,
        .gas_limit = gas,
        .gas_price = fees.gas_price,
        .max_fee_per_gas = fees.max_fee_per_gas,
        .max_priority_fee_per_gas = fees.max_priority_fee_per_gas,
        .data = cd,
        .data_len = sizeof cd,
    };
    pk_eth_address_parse(r->app, tx.to);
    uint8_t *raw = NULL, txh[32];
    size_t raw_len = 0;
    if (pk_eth_sign_tx(&tx, sk, &raw, &raw_len, txh) != 0)
        return fail(err, r->eth, PK_ERR_NOMEM, "could not sign the transaction");
    int rc = pk_eth_send_raw(r->eth, raw, raw_len, sent, err);
    free(raw);
    if (rc == 0) return 0;
    if (nonce_conflict(err)) return -2;
    snprintf(what, sizeof what, "sending the %s transaction", r->op->fn);
    return context(err, what);
}

/* The signer can pay for the call. */
static int check_balance(const pkx_owner_call *r, const pk_register_req *req, pk_error *err)
{
    uint64_t min = req->min_balance_wei ? req->min_balance_wei : PK_ETH_MIN_BALANCE_WEI;
    uint8_t bal[32], min256[32];
    if (pk_eth_balance(r->eth, r->signer, bal, err) != 0)
        return context(err, "reading the signer's balance");
    if (pkx_u256_cmp_u64(bal, min) >= 0) return 0;
    char have[100], need[100], have_wei[80], need_wei[80];
    pkx_u256_from_u64(min, min256);
    pkx_u256_eth(bal, have);
    pkx_u256_eth(min256, need);
    pkx_u256_dec(bal, have_wei);
    pkx_u256_dec(min256, need_wei);
    return fail(err, r->eth, PK_ERR_INSUFFICIENT_FUNDS,
                "account %s has %s (%s wei) on chain %" PRIu64
                ", below the %s (%s wei) needed to pay for %s — send ETH to it and run apply again",
                r->signer, have, have_wei, r->chain_id, need, need_wei, r->op->fn);
}

/* Waits for the sent transaction's receipt and checks it: status 1 and the op's event, or at least
 * the effect visible through the view call. */
static int confirm(const pkx_owner_call *r, const pk_register_req *req, const char *sent,
                   long long deadline, pk_register_result *out, pk_error *err)
{
    pk_eth_receipt rcp;
    long left = (long)(deadline - pkx_now_ms());
    if (left < 1000) left = 1000; /* a sent transaction deserves at least one look */
    if (pk_eth_wait_receipt(r->eth, sent, req->confirmations, left, &rcp, err) != 0) {
        if (err && err->kind == PK_ERR_CANCELLED) {
            /* Say which transaction is in flight: the next apply will find it on-chain. */
            char msg[300];
            snprintf(msg, sizeof msg,
                     "cancelled while waiting for transaction %s, which was sent; the next apply "
                     "finds it on-chain instead of sending another",
                     sent);
            pkx_eth_failf(err, r->eth, PK_ERR_CANCELLED, "%s", msg);
            free(err->human);
            err->human = pkx_strdup(msg);
        }
        return -1;
    }
    if (!rcp.status_ok) {
        uint64_t b = rcp.block_number;
        pk_eth_receipt_free(&rcp);
        return fail(err, r->eth, PK_ERR_TX_FAILED,
                    "transaction %s (%s on %s) was mined in block %" PRIu64
                    " but reverted (status 0) — check that %s still owns the contract and that "
                    "the account can pay for gas",
                    sent, r->op->fn, r->app, b, r->signer);
    }
    bool ok = receipt_proves(r, &rcp);
    uint64_t block = rcp.block_number;
    pk_eth_receipt_free(&rcp);
    int a;
    if (!ok && (a = done_now(r, err)) != 1) {
        if (a < 0) return -1;
        return fail(err, r->eth, PK_ERR_TX_FAILED,
                    "transaction %s (%s(%s)) succeeded but the app contract %s shows no effect "
                    "(no log, and its view call disagrees) — is %s a DstackApp contract?",
                    sent, r->op->fn, r->arg, r->app, r->app);
    }
    out->tx_hash = pkx_strdup(sent);
    if (!out->tx_hash) return fail(err, r->eth, PK_ERR_NOMEM, "out of memory");
    out->reused = false;
    out->block_number = block;
    return 0;
}

/* Everything from the balance check to the verified receipt; runs under the signer's lock. */
static int send_locked(const pkx_owner_call *r, const pk_register_req *req, const uint8_t sk[32],
                       pk_register_result *out, pk_error *err)
{
    long long deadline = pkx_now_ms() + r->timeout_ms;
    int a = done_now(r, err); /* another call may have finished while we waited for the lock */
    if (a != 0) return a < 0 ? -1 : answer_done(r, out, err);
    if (r->op->before_send && r->op->before_send(r, err) != 0) return -1;
    if (check_balance(r, req, err) != 0) return -1;

    /* Up to three sends: each nonce conflict means a transaction from this account (maybe an
     * earlier attempt at this very call whose answer was lost) holds the nonce; wait for it, then
     * ask the contract again before signing anything new. */
    char sent[PK_ETH_HASH_STRLEN];
    for (int attempt = 0;; attempt++) {
        bool waited;
        if (wait_pending(r, deadline, &waited, err) != 0) return -1;
        if (waited && (a = done_now(r, err)) != 0) return a < 0 ? -1 : answer_done(r, out, err);
        uint64_t nonce = 0;
        int sr = sign_and_send(r, sk, &nonce, sent, err);
        if (sr == 0) break;
        if (sr == -1) return -1;
        if (attempt == 2) return context(err, "sending the transaction");
        waited = false;
        if (wait_nonce(r, nonce + 1, deadline, &waited, err) != 0) return -1;
        if ((a = done_now(r, err)) != 0) return a < 0 ? -1 : answer_done(r, out, err);
    }
    return confirm(r, req, sent, deadline, out, err);
}

void pk_register_result_free(pk_register_result *r)
{
    if (!r) return;
    free(r->tx_hash);
    memset(r, 0, sizeof *r);
}

/* chain id, owner() == signer: the checks before anything is read about the call itself. */
static int check_chain_and_owner(pkx_owner_call *r, const pk_register_req *req, pk_error *err)
{
    if (pk_eth_chain_id(r->eth, &r->chain_id, err) != 0)
        return context(err, "reading the chain id");
    if (req->has_expected_chain_id && r->chain_id != req->expected_chain_id)
        return fail(err, r->eth, PK_ERR_CHAIN_MISMATCH,
                    "the RPC endpoint serves chain %" PRIu64
                    " but the app's KMS is on chain %" PRIu64
                    " — point the rpc url at a chain %" PRIu64 " node",
                    r->chain_id, req->expected_chain_id, req->expected_chain_id);
    char owner[PK_ETH_ADDRESS_STRLEN];
    if (pk_eth_owner(r->eth, r->app, owner, err) != 0) {
        char what[120];
        snprintf(what, sizeof what, "reading owner() of app contract %s", r->app);
        return context(err, what);
    }
    if (strcmp(owner, r->signer) != 0)
        return fail(err, r->eth, PK_ERR_NOT_OWNER,
                    "the signing key's address %s is not the owner of app contract %s (its owner() "
                    "is %s) — use the owner's private key, or transfer ownership to %s",
                    r->signer, r->app, owner, r->signer);
    return 0;
}

int pkx_eth_owner_call(pk_eth *eth, const pkx_owner_op *op, const pk_register_req *req,
                       const char *arg_hex, pk_register_result *out, pk_error *err)
{
    if (err) pkx_error_reset(err);
    if (out) memset(out, 0, sizeof *out);
    if (!eth || !op || !req || !out) return fail(err, eth, PK_ERR_INVALID_ARG, "missing argument");
    pkx_owner_call r = {.eth = eth, .op = op};
    uint8_t app[20], word[32], sk[32];
    if (pk_eth_address_parse(req->app_contract, app) != 0)
        return fail(err, eth, PK_ERR_INVALID_ARG,
                    "app contract \"%.60s\" is not an address (40 hex digits, optional 0x)",
                    req->app_contract ? req->app_contract : "");
    if (pkx_eth_hash_parse(arg_hex, word) != 0)
        return fail(err, eth, PK_ERR_INVALID_ARG,
                    "%s \"%.80s\" is not 32 bytes of hex (64 digits, optional 0x)", op->what,
                    arg_hex ? arg_hex : "");
    /* Never echo the key, not even a fragment of a malformed one. */
    if (!req->private_key_hex || pk_hex_decode_exact(req->private_key_hex, sk, 32) != 0) {
        sodium_memzero(sk, sizeof sk);
        return fail(err, eth, PK_ERR_INVALID_ARG,
                    "the private key must be 32 bytes of hex (64 digits, optional 0x)");
    }
    int rc = -1;
    signer_lock *lk = NULL;
    bool locked = false;
    if (pk_eth_address(sk, r.signer) != 0) {
        fail(err, eth, PK_ERR_INVALID_ARG, "the private key is not a valid secp256k1 key");
        goto out;
    }
    pk_eth_address_parse(r.signer, r.signer_bytes);
    pkx_eth_hex0x(app, 20, r.app);
    pkx_eth_hex0x(word, 32, r.arg);
    r.timeout_ms =
        req->receipt_timeout_ms > 0 ? req->receipt_timeout_ms : PK_ETH_RECEIPT_TIMEOUT_MS;
    r.log_ms = req->log_search_ms > 0 ? req->log_search_ms : PK_ETH_LOG_DEADLINE_DEFAULT;
    if (check_chain_and_owner(&r, req, err) != 0) goto out;
    int a = done_now(&r, err);
    if (a != 0) {
        rc = a < 0 ? -1 : answer_done(&r, out, err);
        goto out;
    }
    lk = lock_for(r.signer_bytes);
    if (!lk) {
        fail(err, eth, PK_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (lock_cancellable(lk, pkx_eth_cancel(eth)) != 0) {
        fail(err, eth, PK_ERR_CANCELLED, "cancelled");
        goto out;
    }
    locked = true;
    rc = send_locked(&r, req, sk, out, err);
out:
    if (locked) pthread_mutex_unlock(&lk->mu);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0) pk_register_result_free(out);
    return rc;
}
