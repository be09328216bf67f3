/* pk_policy_send_call and pk_policy_call_done against a real node (ganache, tests/eth/chain.mjs):
 * each of the five policy calls is sent once and shows its effect through the view calls, a
 * second call sends nothing, a call whose transaction a killed provider left pending is never sent
 * again, and a key that does not own the app is refused before anything is signed — the register.c
 * rules, from the one core they share. */
#include "chain.h"

#include <criterion/criterion.h>
#include <phalakms/policy.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

TestSuite(policy_onchain, .init = chain_start, .fini = chain_stop, .timeout = 120);

#define HASH "0x7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
#define DEV  "0x6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b"

static pk_register_req req_for(const char *key, const char *app)
{
    pk_register_req r = {.private_key_hex = key,
                         .app_contract = app,
                         .has_expected_chain_id = true,
                         .expected_chain_id = chain.chain_id,
                         .receipt_timeout_ms = 30000};
    return r;
}

static pk_policy_call call(pk_policy_op op, const char *value, bool flag)
{
    pk_policy_call c = {.op = op, .flag = flag};
    if (value) snprintf(c.value, sizeof c.value, "%s", value);
    return c;
}

static bool done(pk_eth *e, const char *app, const pk_policy_call *c)
{
    bool d = false;
    pk_error err = {0};
    cr_assert_eq(pk_policy_call_done(e, app, c, &d, &err), 0, "%s", pk_error_message(&err));
    return d;
}

/* Sends c; asserts one transaction when it was not done, none when it was. */
static void send_once(pk_eth *e, const pk_policy_call *c)
{
    pk_register_req req = req_for(chain.owner_key, chain.apps[1]);
    pk_register_result r = {0};
    pk_error err = {0};
    bool before = done(e, chain.apps[1], c);
    uint64_t n0 = chain_nonce(chain.owner_address);
    cr_assert_eq(pk_policy_send_call(e, &req, c, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect(done(e, chain.apps[1], c), "the view call does not show op %d done", (int)c->op);
    cr_expect_eq(chain_nonce(chain.owner_address), n0 + (before ? 0 : 1));
    cr_expect_eq(r.reused, before);
    cr_expect_eq(r.tx_hash != NULL, !before);
    pk_register_result_free(&r);

    /* Again: the chain shows it, nothing is sent. */
    n0 = chain_nonce(chain.owner_address);
    cr_assert_eq(pk_policy_send_call(e, &req, c, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect(r.reused);
    cr_expect_null(r.tx_hash);
    cr_expect_eq(chain_nonce(chain.owner_address), n0, "op %d was sent twice", (int)c->op);
    pk_register_result_free(&r);
}

Test(policy_onchain, each_call_sent_once_and_shown_by_its_view_call)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_policy_call add_h = call(PK_POLICY_ADD_COMPOSE_HASH, HASH, false);
    pk_policy_call rm_h = call(PK_POLICY_REMOVE_COMPOSE_HASH, HASH, false);
    pk_policy_call add_d = call(PK_POLICY_ADD_DEVICE, DEV, false);
    pk_policy_call rm_d = call(PK_POLICY_REMOVE_DEVICE, DEV, false);
    pk_policy_call any_off = call(PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, false);
    pk_policy_call any_on = call(PK_POLICY_SET_ALLOW_ANY_DEVICE, NULL, true);

    cr_assert_not(done(e, chain.apps[1], &add_h));
    cr_assert(done(e, chain.apps[1], &rm_h));
    cr_assert(done(e, chain.apps[1], &any_on), "the stand-in is deployed with allowAnyDevice");
    send_once(e, &add_h);
    cr_expect_not(done(e, chain.apps[1], &rm_h));
    send_once(e, &rm_h);
    cr_expect_not(done(e, chain.apps[1], &add_h));

    /* A device is listed or not whatever allowAnyDevice says (unlike pk_register_device). */
    cr_assert_not(done(e, chain.apps[1], &add_d));
    send_once(e, &add_d);
    send_once(e, &any_off);
    cr_expect_not(done(e, chain.apps[1], &any_on));
    send_once(e, &rm_d);
    send_once(e, &any_on);

    /* Spelling does not matter: upper case without 0x is the same value. */
    pk_policy_call upper =
        call(PK_POLICY_REMOVE_DEVICE,
             "6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B6B", false);
    cr_expect(done(e, chain.apps[1], &upper));
    pk_eth_free(e);
}

Test(policy_onchain, not_the_owner_is_refused_before_sending)
{
    pk_eth *e = eth_client(NULL, NULL);
    pk_policy_call add_h = call(PK_POLICY_ADD_COMPOSE_HASH, HASH, false);
    pk_register_req req = req_for(chain.other_key, chain.apps[1]);
    pk_register_result r = {0};
    pk_error err = {0};
    uint64_t n0 = chain_nonce(chain.other_address);
    cr_assert_eq(pk_policy_send_call(e, &req, &add_h, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_NOT_OWNER, "%s", pk_error_message(&err));
    cr_expect(strstr(pk_error_message(&err), chain.owner_address) != NULL, "%s",
              pk_error_message(&err));
    cr_expect_eq(chain_nonce(chain.other_address), n0, "a non-owner's transaction was sent");
    cr_expect_not(done(e, chain.apps[1], &add_h));
    assert_no_key(&err);
    pk_error_clear(&err);

    /* A malformed value names itself, never the key. */
    pk_policy_call bad = call(PK_POLICY_REMOVE_DEVICE, "0x12", false);
    req = req_for(chain.owner_key, chain.apps[1]);
    cr_assert_eq(pk_policy_send_call(e, &req, &bad, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    cr_expect(strstr(pk_error_message(&err), "device \"0x12\"") != NULL, "%s",
              pk_error_message(&err));
    assert_no_key(&err);
    pk_error_clear(&err);
    bool d;
    cr_expect_eq(pk_policy_call_done(e, chain.apps[1], &bad, &d, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_INVALID_ARG);
    pk_error_clear(&err);
    pk_eth_free(e);
}

typedef struct later {
    pk_cancel *cancel; /* triggered after ms, or NULL: mining restarts after ms */
    long ms;
} later;

static void *act_later(void *p)
{
    later *l = p;
    usleep((useconds_t)l->ms * 1000);
    if (l->cancel) {
        pk_cancel_trigger(l->cancel);
    } else {
        cJSON_Delete(chain_rpc("miner_start", "[]"));
        cJSON_Delete(chain_rpc("evm_mine", "[]"));
    }
    return NULL;
}

/* A provider killed while its removeComposeHash is pending (here: cancelled with mining stopped):
 * the next call finds the signer's pending transaction, waits for it, sees the effect and sends
 * nothing of its own. */
Test(policy_onchain, a_pending_transaction_is_never_sent_again)
{
    pk_cancel *cancel;
    cr_assert_eq(pk_cancel_new(&cancel), 0);
    pk_eth *e = eth_client(NULL, cancel);
    pk_policy_call add_h = call(PK_POLICY_ADD_COMPOSE_HASH, HASH, false);
    pk_register_req req = req_for(chain.owner_key, chain.apps[1]);
    pk_register_result r = {0};
    pk_error err = {0};
    uint64_t n0 = chain_nonce(chain.owner_address);
    cJSON_Delete(chain_rpc("miner_stop", "[]"));
    later stop = {.cancel = cancel, .ms = 1000};
    pthread_t t;
    pthread_create(&t, NULL, act_later, &stop);
    cr_assert_eq(pk_policy_send_call(e, &req, &add_h, &r, &err), -1);
    pthread_join(t, NULL);
    cr_expect_eq(err.kind, PK_ERR_CANCELLED, "%s", pk_error_message(&err));
    cr_expect(strstr(pk_error_message(&err), "was sent") != NULL, "%s", pk_error_message(&err));
    pk_error_clear(&err);
    pk_cancel_reset(cancel);

    later mine = {.ms = 1500};
    pthread_create(&t, NULL, act_later, &mine);
    cr_assert_eq(pk_policy_send_call(e, &req, &add_h, &r, &err), 0, "%s", pk_error_message(&err));
    pthread_join(t, NULL);
    cr_expect(r.reused, "the pending transaction's effect must answer the call");
    cr_expect_null(r.tx_hash);
    cr_expect_eq(chain_nonce(chain.owner_address), n0 + 1, "a second transaction was sent");
    cr_expect(done(e, chain.apps[1], &add_h));
    pk_register_result_free(&r);
    pk_eth_free(e);
    pk_cancel_free(cancel);
}
