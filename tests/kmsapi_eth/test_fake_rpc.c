/* pk_register_compose_hash against a scripted JSON-RPC endpoint (a tiny HTTP server thread): the
 * paths ganache cannot show — a chain without base fee (legacy EIP-155 transaction, byte-checked),
 * a node that already knows the transaction, a node that refuses the log search, one that refuses
 * log ranges wider than RANGE_MAX blocks (the windows asked for are recorded), and HTTP/garbage
 * answers. */
#include "chain.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OWNER_KEY  "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"
#define OWNER_ADDR "90f8bf6a479f320ead074411a4b0e7944ea8c9c1"
#define APP        "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab"
#define HASH       "4b188ac5129265d1660f016f5477ea3d29c7a46b594dc66c709ffa16ecd2aed6"
#define TOPIC      PK_ETH_TOPIC_COMPOSE_HASH_ADDED

typedef enum mode {
    M_LEGACY,
    M_ALREADY_KNOWN,
    M_LOGS_REFUSED,
    M_HTTP_500,
    M_GARBAGE,
    M_RANGE_LIMIT /* head RANGE_HEAD, eth_getLogs wider than RANGE_MAX refused, a log at log_block */
} mode;

#define RANGE_HEAD  20000u
#define RANGE_MAX   100u
#define MAX_WINDOWS 512

static struct {
    int fd;
    int port;
    pthread_t thread;
    _Atomic mode mode;
    atomic_bool allowed;
    char raw[4096]; /* the last eth_sendRawTransaction argument */
    atomic_int sends;
    uint64_t log_block;               /* M_RANGE_LIMIT: where the ComposeHashAdded log is */
    uint64_t windows[MAX_WINDOWS][2]; /* every eth_getLogs [from, to] asked for */
    atomic_int n_windows;
    int delay_ms; /* added to every answer (a slow public node) */
} fake;

static void respond(int c, int status, const char *body)
{
    char head[256];
    snprintf(head, sizeof head,
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n",
             status, strlen(body));
    if (write(c, head, strlen(head)) < 0 || write(c, body, strlen(body)) < 0) return;
}

static void result(char *out, size_t n, const char *json)
{
    snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":%s}", json);
}

static void answer(const char *req, char *out, size_t n, int *status)
{
    cJSON *j = cJSON_Parse(req);
    const char *m = cJSON_GetObjectItemCaseSensitive(j, "method")->valuestring;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    char tmp[1024];
    *status = 200;
    if (fake.mode == M_HTTP_500) {
        *status = 500;
        snprintf(out, n, "<html>internal error</html>");
    } else if (fake.mode == M_GARBAGE) {
        snprintf(out, n, "this is not json");
    } else if (!strcmp(m, "eth_chainId")) {
        result(out, n, "\"0x7a69\""); /* 31337 */
    } else if (!strcmp(m, "eth_call")) {
        const char *data =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(params, 0), "data")->valuestring;
        if (!strncmp(data, "0x8da5cb5b", 10))
            result(out, n, "\"0x000000000000000000000000" OWNER_ADDR "\"");
        else
            result(out, n,
                   atomic_load(&fake.allowed)
                       ? "\"0x0000000000000000000000000000000000000000000000000000000000000001\""
                       : "\"0x0000000000000000000000000000000000000000000000000000000000000000\"");
    } else if (!strcmp(m, "eth_getBalance")) {
        result(out, n, "\"0xde0b6b3a7640000\"");
    } else if (!strcmp(m, "eth_getTransactionCount")) {
        result(out, n, "\"0x5\"");
    } else if (!strcmp(m, "eth_estimateGas")) {
        result(out, n, "\"0xc350\""); /* 50000 */
    } else if (!strcmp(m, "eth_getBlockByNumber")) {
        result(out, n, "{\"number\":\"0x10\",\"hash\":\"0x00\"}"); /* no baseFeePerGas */
    } else if (!strcmp(m, "eth_gasPrice")) {
        result(out, n, "\"0x3b9aca00\"");
    } else if (!strcmp(m, "eth_blockNumber")) {
        if (fake.mode == M_RANGE_LIMIT) snprintf(tmp, sizeof tmp, "\"0x%x\"", RANGE_HEAD);
        result(out, n, fake.mode == M_RANGE_LIMIT ? tmp : "\"0x10\"");
    } else if (!strcmp(m, "eth_sendRawTransaction")) {
        snprintf(fake.raw, sizeof fake.raw, "%s", cJSON_GetArrayItem(params, 0)->valuestring);
        atomic_fetch_add(&fake.sends, 1);
        atomic_store(&fake.allowed, true);
        if (fake.mode == M_ALREADY_KNOWN) {
            snprintf(
                out, n,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"already "
                "known\"}}");
        } else {
            uint8_t raw[2048], h[32];
            size_t len;
            pk_hex_decode(fake.raw, strlen(fake.raw), raw, sizeof raw, &len);
            pk_keccak256(raw, len, h);
            char hs[72] = "\"0x";
            pk_hex_encode(h, 32, hs + 3, 65);
            strcat(hs, "\"");
            result(out, n, hs);
        }
    } else if (!strcmp(m, "eth_getTransactionReceipt")) {
        const char *th = cJSON_GetArrayItem(params, 0)->valuestring;
        snprintf(tmp, sizeof tmp,
                 "{\"status\":\"0x1\",\"blockNumber\":\"0x10\",\"gasUsed\":\"0xb000\","
                 "\"transactionHash\":\"%s\",\"logs\":[{\"address\":\"%s\",\"topics\":[\"%s\"],"
                 "\"data\":\"0x%s\",\"transactionHash\":\"%s\",\"blockNumber\":\"0x10\"}]}",
                 th, APP, TOPIC, HASH, th);
        result(out, n, tmp);
    } else if (!strcmp(m, "eth_getLogs") && fake.mode == M_RANGE_LIMIT) {
        const cJSON *f = cJSON_GetArrayItem(params, 0);
        uint64_t from = strtoull(cJSON_GetObjectItem(f, "fromBlock")->valuestring + 2, NULL, 16);
        uint64_t to = strtoull(cJSON_GetObjectItem(f, "toBlock")->valuestring + 2, NULL, 16);
        int w = atomic_fetch_add(&fake.n_windows, 1);
        if (w < MAX_WINDOWS) fake.windows[w][0] = from, fake.windows[w][1] = to;
        if (to - from + 1 > RANGE_MAX) {
            /* Alchemy / Base-node style wording */
            snprintf(out, n,
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32600,\"message\":"
                     "\"eth_getLogs is limited to a %u block range\"}}",
                     RANGE_MAX);
        } else if (fake.log_block >= from && fake.log_block <= to) {
            snprintf(tmp, sizeof tmp,
                     "[{\"address\":\"%s\",\"topics\":[\"%s\"],\"data\":\"0x%s\","
                     "\"transactionHash\":\"0x%064x\",\"blockNumber\":\"0x%llx\"}]",
                     APP, TOPIC, HASH, 0xabcdu, (unsigned long long)fake.log_block);
            result(out, n, tmp);
        } else {
            result(out, n, "[]");
        }
    } else if (!strcmp(m, "eth_getLogs")) {
        snprintf(out, n,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"query "
                 "returned more than 10000 results\"}}");
    } else {
        snprintf(out, n,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"method "
                 "not found\"}}");
    }
    cJSON_Delete(j);
}

static void *serve(void *unused)
{
    (void)unused;
    for (;;) {
        int c = accept(fake.fd, NULL, NULL);
        if (c < 0) return NULL;
        char buf[16384];
        size_t got = 0;
        for (;;) {
            ssize_t k = read(c, buf + got, sizeof buf - 1 - got);
            if (k <= 0) break;
            got += (size_t)k;
            buf[got] = '\0';
            char *end = strstr(buf, "\r\n\r\n");
            char *cl = strcasestr(buf, "Content-Length:");
            if (end && cl && got >= (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10)) break;
        }
        char *body = strstr(buf, "\r\n\r\n");
        if (body) {
            char out[8192];
            int status;
            answer(body + 4, out, sizeof out, &status);
            if (fake.delay_ms) usleep((useconds_t)fake.delay_ms * 1000);
            respond(c, status, out);
        }
        close(c);
    }
}

static void fake_start(mode m)
{
    memset(&fake, 0, sizeof fake);
    atomic_store(&fake.mode, m);
    fake.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert_eq(bind(fake.fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fake.fd, 16), 0);
    getsockname(fake.fd, (struct sockaddr *)&a, &l);
    fake.port = ntohs(a.sin_port);
    pthread_create(&fake.thread, NULL, serve, NULL);
}

static pk_eth *fake_client(void)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fake.port);
    return eth_client(url, NULL);
}

static pk_register_req fake_req(void)
{
    pk_register_req r = {.private_key_hex = OWNER_KEY,
                         .app_contract = APP,
                         .compose_hash = HASH,
                         .has_expected_chain_id = true,
                         .expected_chain_id = 31337,
                         .receipt_timeout_ms = 5000};
    return r;
}

/* The process exits after each test (criterion forks), so the server thread is left running. */
TestSuite(fake_rpc, .timeout = 60);

Test(fake_rpc, no_base_fee_means_a_legacy_eip155_transaction)
{
    fake_start(M_LEGACY);
    pk_eth *e = fake_client();
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = fake_req();
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect_not(r.reused);
    cr_expect_eq(r.block_number, 16);
    cr_expect_eq(atomic_load(&fake.sends), 1);

    /* Exactly the transaction we expect: legacy, nonce 5, 1 gwei, 50000 gas + 20%, chain 31337. */
    pk_eth_tx tx = {.type = PK_ETH_TX_LEGACY,
                    .chain_id = 31337,
                    .nonce = 5,
                    .gas_limit = 60000,
                    .gas_price = 1000000000};
    uint8_t cd[36], sk[32], *raw, h[32];
    size_t len;
    pk_eth_calldata_add_compose_hash(HASH, cd);
    tx.data = cd;
    tx.data_len = sizeof cd;
    pk_eth_address_parse(APP, tx.to);
    pk_hex_decode_exact(OWNER_KEY, sk, 32);
    cr_assert_eq(pk_eth_sign_tx(&tx, sk, &raw, &len, h), 0);
    char *want = malloc(2 * len + 3);
    snprintf(want, 3, "0x");
    pk_hex_encode(raw, len, want + 2, 2 * len + 1);
    cr_expect_str_eq(fake.raw, want);
    char hs[67] = "0x";
    pk_hex_encode(h, 32, hs + 2, 65);
    cr_expect_str_eq(r.tx_hash, hs);
    free(want);
    free(raw);
    pk_register_result_free(&r);
    pk_eth_free(e);
}

Test(fake_rpc, already_known_is_success)
{
    fake_start(M_ALREADY_KNOWN);
    pk_eth *e = fake_client();
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = fake_req();
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect_not(r.reused);
    cr_expect_eq(strlen(r.tx_hash), 66);
    pk_register_result_free(&r);
    pk_eth_free(e);
}

Test(fake_rpc, a_loopback_node_never_goes_through_a_proxy)
{
    /* a proxy that does not exist: a request sent through it would fail to connect */
    setenv("http_proxy", "http://127.0.0.1:9", 1);
    setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
    fake_start(M_ALREADY_KNOWN);
    pk_eth *e = fake_client();
    pk_error err = {0};
    uint64_t id = 0;
    cr_assert_eq(pk_eth_chain_id(e, &id, &err), 0, "%s", pk_error_message(&err));
    cr_expect_eq(id, 31337);
    pk_eth_free(e);
}

Test(fake_rpc, refused_log_search_asks_for_transaction_hash)
{
    fake_start(M_LOGS_REFUSED);
    atomic_store(&fake.allowed, true);
    pk_eth *e = fake_client();
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = fake_req();
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_TX_NOT_FOUND);
    const char *m = pk_error_message(&err);
    cr_expect(strstr(m, "transaction_hash") != NULL, "%s", m);
    cr_expect(strstr(m, "more than 10000 results") != NULL, "%s", m);
    cr_expect_eq(atomic_load(&fake.sends), 0);
    pk_error_clear(&err);
    pk_eth_free(e);
}

Test(fake_rpc, http_errors_and_garbage)
{
    fake_start(M_HTTP_500);
    pk_eth *e = fake_client();
    pk_error err = {0};
    uint64_t id;
    cr_assert_eq(pk_eth_chain_id(e, &id, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_HTTP);
    cr_expect_eq(err.http_status, 500);
    cr_expect(strstr(pk_error_message(&err), "HTTP 500") != NULL, "%s", pk_error_message(&err));
    /* The node's HTTP failure, not the Phala Cloud API's (whose wording says "the API answered"). */
    cr_expect_str_eq(pk_error_message(&err),
                     "the Ethereum RPC endpoint 127.0.0.1 answered HTTP 500 to eth_chainId");
    atomic_store(&fake.mode, M_GARBAGE);
    cr_assert_eq(pk_eth_chain_id(e, &id, &err), -1);
    cr_expect_eq(err.kind, PK_ERR_DECODE);
    cr_expect(strstr(pk_error_message(&err), "127.0.0.1") != NULL, "%s", pk_error_message(&err));
    pk_error_clear(&err);
    pk_eth_free(e);
}

/* The node refuses windows wider than RANGE_MAX: the search halves its window until the node takes
 * it, then walks down from the head, newest first, and finds the log far below the head. */
Test(fake_rpc, log_search_shrinks_to_what_the_node_accepts_newest_first)
{
    fake_start(M_RANGE_LIMIT);
    fake.log_block = RANGE_HEAD - 1234;
    pk_eth *e = fake_client();
    pk_error err = {0};
    pk_eth_log_query q = {.address = APP, .topic0 = TOPIC, .data_hex = HASH};
    pk_eth_log_result r;
    cr_assert_eq(pk_eth_find_log(e, &q, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect(r.found);
    cr_expect_eq(r.block_number, fake.log_block);
    cr_expect_eq(
        strcmp(r.tx_hash, "0x000000000000000000000000000000000000000000000000000000000000abcd"), 0,
        "%s", r.tx_hash);
    cr_expect(r.complete);
    cr_expect_leq(r.last_span, RANGE_MAX);
    cr_expect_eq(r.searched_to, RANGE_HEAD);
    cr_expect_leq(r.searched_from, fake.log_block);
    int n = atomic_load(&fake.n_windows);
    cr_assert_gt(n, 1);
    cr_expect_eq(fake.windows[0][1], RANGE_HEAD, "starts at the head");
    uint64_t prev_from = RANGE_HEAD + 1;
    for (int i = 0; i < n; i++) {
        uint64_t from = fake.windows[i][0], to = fake.windows[i][1];
        cr_expect_leq(from, to);
        bool refused = to - from + 1 > RANGE_MAX;
        if (!refused) { /* accepted windows tile the range downwards without gaps */
            cr_expect_eq(to + 1, prev_from, "window %d [%llu, %llu]", i, (unsigned long long)from,
                         (unsigned long long)to);
            prev_from = from;
        }
    }
    /* 5000 → 2500 → … → 78 blocks: 7 refusals, then ceil(1235 / 78) windows */
    cr_expect_leq(n, 7 + 17, "%d requests", n);
    cr_expect_eq(r.requests, (unsigned)n);
    char text[200];
    pk_eth_log_range_text(&r, text, sizeof text);
    cr_expect(strstr(text, "newest first") && strstr(text, "complete"), "%s", text);
    pk_eth_free(e);
}

Test(fake_rpc, log_search_stops_at_its_deadline_and_says_what_it_covered)
{
    fake_start(M_RANGE_LIMIT);
    fake.log_block = 0; /* nothing to find but at genesis: the search must give up first */
    fake.delay_ms = 20;
    pk_eth *e = fake_client();
    pk_error err = {0};
    pk_eth_log_query q = {
        .address = APP, .topic0 = TOPIC, .data_hex = HASH, .deadline_ms = 300, .span = 50};
    pk_eth_log_result r;
    double t0 = now_s();
    cr_assert_eq(pk_eth_find_log(e, &q, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect_lt(now_s() - t0, 3.0);
    cr_expect_not(r.found);
    cr_expect_not(r.complete);
    cr_expect_eq(r.searched_to, RANGE_HEAD);
    cr_expect_gt(r.searched_from, 0);
    char text[200];
    pk_eth_log_range_text(&r, text, sizeof text);
    cr_expect(strstr(text, "cut short") != NULL, "%s", text);
    pk_eth_free(e);
}

/* The registration path: an allowed hash whose log lies deep below the head of a range-limited node
 * is found, and nothing is sent. */
Test(fake_rpc, allowed_hash_is_found_on_a_range_limited_node)
{
    fake_start(M_RANGE_LIMIT);
    fake.log_block = RANGE_HEAD - 777;
    atomic_store(&fake.allowed, true);
    pk_eth *e = fake_client();
    pk_error err = {0};
    pk_register_result r = {0};
    pk_register_req req = fake_req();
    cr_assert_eq(pk_register_compose_hash(e, &req, &r, &err), 0, "%s", pk_error_message(&err));
    cr_expect(r.reused);
    cr_expect_eq(r.block_number, fake.log_block);
    cr_expect_eq(atomic_load(&fake.sends), 0);
    pk_register_result_free(&r);
    pk_eth_free(e);
}
