/* chain.h — what every kmsapi_eth test shares: a ganache chain per test (tests/eth/chain.mjs as a
 * child process, read through its info file), raw JSON-RPC calls that bypass the code under test
 * (miner_stop, receipts), a dead port, and the check that no error ever carries a private key. */
#ifndef KMSAPI_ETH_CHAIN_H
#define KMSAPI_ETH_CHAIN_H

#include <cjson/cJSON.h>
#include <phalakms.h>

typedef struct test_chain {
    char rpc_url[96];
    uint64_t chain_id;
    char owner_key[70], owner_address[43];
    char other_key[70], other_address[43];
    char poor_key[70], poor_address[43];
    char apps[3][43];
} test_chain;

/* Starts the chain (chain id 8453) and fills the global `chain`; aborts the test when it does not
 * come up within 60 s. chain_stop sends SIGTERM and reaps it. */
extern test_chain chain;
void chain_start(void);
void chain_stop(void);

/* A raw JSON-RPC call to the chain; returns the parsed whole answer (cJSON_Delete it). */
cJSON *chain_rpc(const char *method, const char *params_json);
/* The account's nonce at "latest", through chain_rpc. */
uint64_t chain_nonce(const char *address);

/* A client of the chain (or of url when not NULL). */
pk_eth *eth_client(const char *url, pk_cancel *cancel);

/* A loopback port where nothing listens (bound, then closed). */
int dead_port(void);

/* Asserts the error's every string is free of the test keys (with and without 0x, any case). */
void assert_no_key(const pk_error *e);

double now_s(void);

#endif
