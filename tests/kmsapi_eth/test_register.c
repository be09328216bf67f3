/* pk_register_compose_hash and the JSON-RPC client against a real node (ganache, tests/eth/chain.mjs):
 * a registration that is verified on-chain, the no-second-transaction rule, every refusal (wrong
 * owner, poor account, wrong chain, dead endpoint), parallel registrations from one key,
 * cancellation and timeouts during waits — and no private key in any error. */
#include "chain.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#define HASH_A "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"
#define HASH_B "0x1111111111111111111111111111111111111111111111111111111111111111"
#define HASH_C "2222222222222222222222222222222222222222222222222222222222222222"
#define HASH_D "0x3333333333333333333333333333333333333333333333333333333333333333"

TestSuite(onchain, .init = chain_start, .fini = chain_stop, .timeout = 120);
TestSuite(offchain, .timeout = 60);

static pk_register_req req_for(const char *key, const char *app, const char *hash)
{
    pk_register_req r = {.private_key_hex = key,
                         .app_contract = app,
                         .compose_hash = hash,
                         .has_expected_chain_id = true,
                         .expected_chain_id = chain.chain_id,
                         .receipt_timeout_ms = 30000};
    return r;
}

static bool allowed(pk_eth *e, const char *app, const char *hash)
{
    bool a = false;
    pk_error err = {0};
    cr_assert_eq(pk_eth_allowed_compose_hash(e, app, hash, &a, &err), 0, "%s",
                 pk_error_message(&err));
    pk_error_clear(&err);
    return a;
}

static void tu_unhex32(const char *hex, uint8_t out[32])
{
    cr_assert_eq(pk_hex_decode_exact(hex, out, 32), 0);
}

static bool contains(const char *hay, const char *needle)
{
    return strcasestr(hay, needle) != NULL;
}

Test(onchain, registers_then_reuses_without_a_second_transaction)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_error err = {0};
    pk_register_result r1 = {0}, r2 = {0};
    cr_assert_not(allowed(e, chain.apps[0], HASH_A));
    pk_register_req req = req_for(chain.owner_key, chain.apps[0], HASH_A);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r1, &err), 0, "%s", pk_error_message(&err));
    cr_expect_not(r1.reused);
    cr_assert_eq(strlen(r1.tx_hash), 66);
    cr_expect_gt(r1.block_number, 0);
    cr_expect(allowed(e, chain.apps[0], HASH_A));

    /* The receipt, read independently: status 1, ComposeHashAdded(hash) from the app. */
    pk_eth_receipt rc;
    cr_assert_eq(pk_eth_wait_receipt(e, r1.tx_hash, 1, 5000, &rc, &err), 0);
    cr_expect(rc.status_ok);
    cr_expect_eq(rc.block_number, r1.block_number);
    cr_assert_geq(rc.n_logs, 1);
    char topic[67], data[67];
    uint8_t tp[32];
    memcpy(tp, rc.logs[0].topics[0], 32);
    snprintf(topic, sizeof topic, "0x");
    pk_hex_encode(tp, 32, topic + 2, 65);
    snprintf(data, sizeof data, "0x");
    pk_hex_encode(rc.logs[0].data, rc.logs[0].data_len, data + 2, 65);
    cr_expect_str_eq(topic, PK_ETH_TOPIC_COMPOSE_HASH_ADDED);
    cr_expect_str_eq(data, "0x" HASH_A);
    pk_eth_receipt_free(&rc);

    /* A configured transaction_hash is checked against exactly this hash and app. */
    bool reg = false;
    uint64_t blk = 0;
    cr_assert_eq(pk_eth_tx_registers(e, r1.tx_hash, chain.apps[0], HASH_A, &reg, &blk, &err), 0);
    cr_expect(reg);
    cr_expect_eq(blk, r1.block_number);
    cr_assert_eq(pk_eth_tx_registers(e, r1.tx_hash, chain.apps[0], HASH_B, &reg, NULL, &err), 0);
    cr_expect_not(reg, "a transaction of another compose hash must not count");
    cr_assert_eq(pk_eth_tx_registers(e, r1.tx_hash, chain.apps[1], HASH_A, &reg, NULL, &err), 0);
    cr_expect_not(reg, "a transaction to another app must not count");
    cr_assert_eq(pk_eth_tx_registers(e, HASH_C, chain.apps[0], HASH_A, &reg, NULL, &err), 0);
    cr_expect_not(reg, "an unknown transaction");
    cr_expect_eq(pk_eth_tx_registers(e, "0x12", chain.apps[0], HASH_A, &reg, NULL, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);

    /* Again, with the hash spelled differently: found on-chain, nothing sent. */
    uint64_t nonce = chain_nonce(chain.owner_address);
    req.compose_hash = "0x4B188AC5129265D1660F016F5477EA3D29C7A46B594DC66C709FFA16ECD2AED6";
    req.app_contract = chain.apps[0] + 2; /* bare 40 hex */
    cr_assert_eq(pk_register_compose_hash(e, &req, &r2, &err), 0, "%s", pk_error_message(&err));
    cr_expect(r2.reused);
    cr_expect_str_eq(r2.tx_hash, r1.tx_hash);
    cr_expect_eq(r2.block_number, r1.block_number);
    cr_expect_eq(chain_nonce(chain.owner_address), nonce, "a second transaction was sent");

    pk_register_result_free(&r1);
    pk_register_result_free(&r2);
    pk_error_clear(&err);
    pk_eth_free(e);
}

Test(onchain, reads)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_error err = {0};
    uint64_t id, bn, n;
    char owner[43];
    uint8_t bal[32];
    cr_assert_eq(pk_eth_chain_id(e, &id, &err), 0);
    cr_expect_eq(id, 8453);
    cr_assert_eq(pk_eth_block_number(e, &bn, &err), 0);
    cr_expect_geq(bn, 4);
    cr_assert_eq(pk_eth_owner(e, chain.apps[2], owner, &err), 0);
    cr_expect_str_eq(owner, chain.poor_address);
    cr_assert_eq(pk_eth_nonce(e, chain.owner_address, false, &n, &err), 0);
    cr_expect_eq(n, chain_nonce(chain.owner_address));
    cr_assert_eq(pk_eth_balance(e, chain.poor_address, bal, &err), 0);
    uint8_t want[32] = {0};
    uint64_t poor = 100000000000000ULL;
    for (int i = 0; i < 8; i++) want[31 - i] = (uint8_t)(poor >> (8 * i));
    cr_expect_arr_eq(bal, want, 32);
    pk_eth_fees fees;
    cr_assert_eq(pk_eth_fees_fetch(e, &fees, &err), 0, "%s", pk_error_message(&err));
    cr_expect(fees.eip1559);
    cr_expect_geq(fees.max_fee_per_gas, fees.max_priority_fee_per_gas + fees.base_fee_per_gas);
    /* owner() on an address without code: a clear decode error, not garbage */
    cr_expect_eq(pk_eth_owner(e, chain.poor_address, owner, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_DECODE);
    cr_expect(contains(pk_error_message(&err), "DstackApp"), "%s", pk_error_message(&err));
    /* a hash with no registration: not found, no error */
    bool found = true;
    char tx[67];
    cr_assert_eq(pk_eth_find_compose_hash_tx(e, chain.apps[0], HASH_C, &found, tx, NULL, &err), 0);
    cr_expect_not(found);
    pk_error_clear(&err);
    pk_eth_free(e);
}

Test(onchain, wrong_key_names_both_addresses)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = req_for(chain.other_key, chain.apps[0], HASH_B);
    uint64_t nonce = chain_nonce(chain.other_address);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_NOT_OWNER);
    const char *m = pk_error_message(&err);
    cr_expect(contains(m, chain.other_address), "%s", m);
    cr_expect(contains(m, chain.owner_address), "%s", m);
    cr_expect(contains(m, chain.apps[0]), "%s", m);
    cr_expect_null(r.tx_hash);
    cr_expect_eq(chain_nonce(chain.other_address), nonce);
    assert_no_key(&err);
    cr_expect_not(allowed(e, chain.apps[0], HASH_B));
    pk_error_clear(&err);
    pk_eth_free(e);
}

Test(onchain, poor_account_is_refused_with_amounts)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = req_for(chain.poor_key, chain.apps[2], HASH_B);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INSUFFICIENT_FUNDS);
    const char *m = pk_error_message(&err);
    cr_expect(contains(m, "0.0001 ETH"), "%s", m);
    cr_expect(contains(m, "0.001 ETH"), "%s", m);
    cr_expect(contains(m, chain.poor_address), "%s", m);
    assert_no_key(&err);
    cr_expect_eq(chain_nonce(chain.poor_address), 0);
    pk_error_clear(&err);
    pk_eth_free(e);
}

Test(onchain, wrong_chain_names_both_ids)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = req_for(chain.owner_key, chain.apps[0], HASH_B);
    req.expected_chain_id = 1;
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_CHAIN_MISMATCH);
    const char *m = pk_error_message(&err);
    cr_expect(contains(m, "chain 8453"), "%s", m);
    cr_expect(contains(m, "chain 1 "), "%s", m);
    assert_no_key(&err);
    cr_expect_not(allowed(e, chain.apps[0], HASH_B));
    pk_error_clear(&err);
    pk_eth_free(e);
}

typedef struct job {
    const char *hash;
    pk_register_result r;
    pk_error err;
    int rc;
} job;

static void *run_job(void *p)
{
    job *j = p;
    pk_eth *e = eth_client(NULL, NULL);
    pk_register_req req = req_for(chain.owner_key, chain.apps[1], j->hash);
    j->rc = pk_register_compose_hash(e, &req, &j->r, &j->err);
    pk_eth_free(e);
    return NULL;
}

Test(onchain, parallel_registrations_from_one_key_do_not_collide)
{
    uint64_t nonce = chain_nonce(chain.owner_address);
    job jobs[4] = {{.hash = HASH_B}, {.hash = HASH_C}, {.hash = HASH_D}, {.hash = HASH_C}};
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(jobs[i].rc, 0, "job %d: %s", i, pk_error_message(&jobs[i].err));
        pk_error_clear(&jobs[i].err);
    }
    /* Two resources with the same hash: exactly one transaction, the other reuses it. */
    cr_expect_str_eq(jobs[1].r.tx_hash, jobs[3].r.tx_hash);
    cr_expect(jobs[1].r.reused != jobs[3].r.reused);
    cr_expect_str_neq(jobs[0].r.tx_hash, jobs[1].r.tx_hash);
    cr_expect_str_neq(jobs[0].r.tx_hash, jobs[2].r.tx_hash);
    cr_expect_eq(chain_nonce(chain.owner_address), nonce + 3);
    pk_eth *e = eth_client(NULL, NULL);
    cr_expect(allowed(e, chain.apps[1], HASH_B));
    cr_expect(allowed(e, chain.apps[1], HASH_C));
    cr_expect(allowed(e, chain.apps[1], HASH_D));
    cr_expect_not(allowed(e, chain.apps[0], HASH_C));
    pk_eth_free(e);
    for (int i = 0; i < 4; i++) pk_register_result_free(&jobs[i].r);
}

/* allowedComposeHashes[hash] set straight in storage (slot keccak(hash . 1)): allowed, yet no
 * ComposeHashAdded log exists — the one case that must ask the user for transaction_hash. */
Test(onchain, allowed_without_a_log_asks_for_transaction_hash)
{
    uint8_t pre[64] = {0}, slot[32];
    tu_unhex32(HASH_B, pre);
    pre[63] = 1;
    pk_keccak256(pre, 64, slot);
    char params[300], slot_hex[65];
    pk_hex_encode(slot, 32, slot_hex, sizeof slot_hex);
    snprintf(
        params, sizeof params,
        "[\"%s\",\"0x%s\",\"0x0000000000000000000000000000000000000000000000000000000000000001\"]",
        chain.apps[0], slot_hex);
    cJSON_Delete(chain_rpc("evm_setAccountStorageAt", params));
    pk_eth *e = eth_client(NULL, NULL);
    cr_assert(allowed(e, chain.apps[0], HASH_B), "storage trick did not take");
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = req_for(chain.owner_key, chain.apps[0], HASH_B);
    uint64_t nonce = chain_nonce(chain.owner_address);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_TX_NOT_FOUND);
    cr_expect(contains(pk_error_message(&err), "transaction_hash"), "%s", pk_error_message(&err));
    cr_expect_eq(chain_nonce(chain.owner_address), nonce, "nothing may be sent");
    assert_no_key(&err);
    pk_error_clear(&err);
    pk_eth_free(e);
}

typedef struct miner {
    long after_ms;
    double mined_at;
} miner;

static void *mine_later(void *p)
{
    miner *m = p;
    usleep((useconds_t)m->after_ms * 1000);
    m->mined_at = now_s();
    cJSON_Delete(chain_rpc("evm_mine", "[]"));
    return NULL;
}

Test(onchain, confirmations_wait_for_later_blocks)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = req_for(chain.owner_key, chain.apps[0], HASH_C);
    req.confirmations = 2; /* the inclusion block and one more, mined by the helper thread */
    miner m = {.after_ms = 1200};
    pthread_t t;
    pthread_create(&t, NULL, mine_later, &m);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    double done = now_s();
    pthread_join(t, NULL);
    cr_expect_geq(done, m.mined_at, "returned before the confirming block existed");
    cr_expect_not(r.reused);
    uint64_t head;
    cr_assert_eq(pk_eth_block_number(e, &head, &err), 0);
    cr_expect_eq(head, r.block_number + 1);
    pk_register_result_free(&r);
    pk_error_clear(&err);
    pk_eth_free(e);
}

typedef struct canceller {
    pk_cancel *c;
    long after_ms;
    double fired_at;
} canceller;

static void *cancel_later(void *p)
{
    canceller *c = p;
    usleep((useconds_t)c->after_ms * 1000);
    c->fired_at = now_s();
    pk_cancel_trigger(c->c);
    return NULL;
}

/* With mining stopped the transaction stays pending: cancel (and timeout) strike during the receipt
 * wait; once mined, the next registration finds that very transaction instead of sending another. */
Test(onchain, cancel_and_timeout_while_waiting_then_the_next_apply_reuses)
{
    cJSON_Delete(chain_rpc("miner_stop", "[]"));
    pk_cancel *cancel;
    cr_assert_eq(pk_cancel_new(&cancel), 0);
    pk_eth *e = eth_client(NULL, cancel);
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = req_for(chain.owner_key, chain.apps[0], HASH_D);

    canceller c = {.c = cancel, .after_ms = 1500};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    double returned = now_s();
    pthread_join(t, NULL);
    cr_expect_eq(err.kind, PK_ERR_CANCELLED, "%s", pk_error_message(&err));
    cr_expect_lt(returned - c.fired_at, 0.2, "took %.3f s to notice the cancel",
                 returned - c.fired_at);
    const char *m = pk_error_message(&err);
    cr_expect(contains(m, "was sent"), "names the in-flight transaction: %s", m);
    assert_no_key(&err);
    char sent[67] = "";
    const char *p = strstr(m, "0x");
    cr_assert_not_null(p);
    snprintf(sent, sizeof sent, "%.66s", p);

    /* The same with a deadline instead of a cancel: a second send must not happen either — the
     * account has a pending transaction, so the registration waits for it and gives up. */
    pk_cancel_reset(cancel);
    req.receipt_timeout_ms = 800;
    double t0 = now_s();
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_TIMEOUT, "%s", pk_error_message(&err));
    cr_expect_lt(now_s() - t0, 5.0);
    cr_expect(contains(pk_error_message(&err), "pending"), "%s", pk_error_message(&err));

    cJSON_Delete(chain_rpc("miner_start", "[]"));
    cJSON_Delete(chain_rpc("evm_mine", "[]"));
    req.receipt_timeout_ms = 30000;
    uint64_t nonce = chain_nonce(chain.owner_address);
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect(r.reused);
    cr_expect_str_eq(r.tx_hash, sent);
    cr_expect_eq(chain_nonce(chain.owner_address), nonce);
    pk_register_result_free(&r);
    pk_error_clear(&err);
    pk_eth_free(e);
    pk_cancel_free(cancel);
}

Test(offchain, unreachable_endpoint_is_a_network_error)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", dead_port());
    pk_eth *e = eth_client(url, NULL);
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = {.private_key_hex =
                               "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d",
                           .app_contract = "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab",
                           .compose_hash = HASH_A};
    double t0 = now_s();
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_lt(now_s() - t0, 5.0);
    cr_expect_eq(err.kind, PK_ERR_NETWORK, "%s", pk_error_message(&err));
    const char *m = pk_error_message(&err);
    cr_expect(contains(m, "127.0.0.1"), "%s", m);
    cr_expect(contains(m, "rpc"), "%s", m);
    cr_expect(!contains(m, "4f3edf983ac636a65a842ce7c78d9aa7"), "%s", m);
    pk_error_clear(&err);
    pk_eth_free(e);
}

Test(offchain, cancel_during_a_hanging_request)
{
    /* A socket that listens but never answers: the request hangs until cancelled. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(s, 8), 0);
    getsockname(s, (struct sockaddr *)&a, &l);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    pk_cancel *cancel;
    cr_assert_eq(pk_cancel_new(&cancel), 0);
    pk_eth *e = eth_client(url, cancel);
    canceller c = {.c = cancel, .after_ms = 300};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    pk_error err = {0};
    uint64_t id;
    cr_assert_eq(pk_eth_chain_id(e, &id, &err), -1);
    double returned = now_s();
    pthread_join(t, NULL);
    cr_expect_eq(err.kind, PK_ERR_CANCELLED, "%s", pk_error_message(&err));
    cr_expect_lt(returned - c.fired_at, 0.1, "took %.3f s", returned - c.fired_at);
    /* A timeout instead: the attempt timeout bounds it (reads retry twice). */
    pk_eth_free(e);
    pk_eth_config cfg = {.rpc_url = url, .timeout_ms = 200};
    cr_assert_eq(pk_eth_new(&cfg, &e, &err), 0);
    double t0 = now_s();
    cr_assert_eq(pk_eth_chain_id(e, &id, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_TIMEOUT, "%s", pk_error_message(&err));
    cr_expect_lt(now_s() - t0, 3.0);
    pk_error_clear(&err);
    pk_eth_free(e);
    pk_cancel_free(cancel);
    close(s);
}

/* The owner sends data to app straight through the node (ganache signs for its own accounts). */
static void owner_send(const char *app, const char *data)
{
    char params[400];
    snprintf(params, sizeof params,
             "[{\"from\":\"%s\",\"to\":\"%s\",\"data\":\"%s\",\"gas\":\"0x30000\"}]",
             chain.owner_address, app, data);
    cJSON *r = chain_rpc("eth_sendTransaction", params);
    cr_assert(cJSON_IsString(cJSON_GetObjectItem(r, "result")), "setup transaction refused");
    cJSON_Delete(r);
}

static bool device_ok(pk_eth *e, const char *app, const char *dev, bool *any)
{
    bool a = false;
    pk_error err = {0};
    cr_assert_eq(pk_eth_device_allowed(e, app, dev, &a, any, &err), 0, "%s",
                 pk_error_message(&err));
    return a;
}

#define DEVICE            "0x5151515151515151515151515151515151515151515151515151515151515151"
#define SEL_SET_ANY       "0x7c4beeb8"
#define SEL_REMOVE_DEVICE "0x1d266200"

/* allowAnyDevice, then a closed allowlist: addDevice once, nothing the second time, and a device
 * removed by the owner is not added back. */
Test(onchain, device_added_once_and_never_again_after_removal)
{
    pk_eth *e = eth_client(NULL, NULL);
    bool any = false;
    cr_assert(device_ok(e, chain.apps[1], DEVICE, &any), "deployed with allowAnyDevice");
    cr_assert(any);
    owner_send(chain.apps[1],
               SEL_SET_ANY "0000000000000000000000000000000000000000000000000000000000000000");
    cr_assert_not(device_ok(e, chain.apps[1], DEVICE, &any));
    cr_assert_not(any);

    pk_register_req req = req_for(chain.owner_key, chain.apps[1], NULL);
    req.device_id = DEVICE;
    pk_register_result r = {0};
    pk_error err = {0};
    uint64_t nonce = chain_nonce(chain.owner_address);
    cr_assert_eq(pk_register_device(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect_not(r.reused);
    cr_assert_not_null(r.tx_hash);
    cr_expect_eq(chain_nonce(chain.owner_address), nonce + 1);
    cr_expect(device_ok(e, chain.apps[1], DEVICE, NULL));
    pk_register_result_free(&r);

    cr_assert_eq(pk_register_device(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect(r.reused);
    cr_expect_null(r.tx_hash);
    cr_expect_eq(chain_nonce(chain.owner_address), nonce + 1, "nothing sent for an allowed device");
    pk_register_result_free(&r);

    owner_send(chain.apps[1], SEL_REMOVE_DEVICE
               "5151515151515151515151515151515151515151515151515151515151515151");
    nonce = chain_nonce(chain.owner_address);
    cr_assert_eq(pk_register_device(e, &req, &r, &err), -1);
    cr_expect(contains(pk_error_message(&err), "removed"), "%s", pk_error_message(&err));
    cr_expect(contains(pk_error_message(&err), "addDevice"), "%s", pk_error_message(&err));
    cr_expect_eq(chain_nonce(chain.owner_address), nonce, "a removed device was added again");
    assert_no_key(&err);
    pk_error_clear(&err);
    pk_eth_free(e);
}
