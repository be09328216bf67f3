/* test_http_wire.c — what the client puts on the wire, captured by a tiny in-process HTTP/1.1
 * server: X-API-Key or else the OIDC bearer token, X-Phala-Workspace exactly when configured, the
 * X-Phala-Version pins (node-shaped KMS endpoints 2026-05-22, contract endpoints 2026-06-23, the app
 * pubkey lookup unpinned), Content-Type only
 * with a JSON body, the User-Agent, no Expect header, normalised and percent-encoded path ids, the
 * exact PATCH body, and keep-alive (every read on one connection; a write gets a fresh one, so
 * libcurl never re-sends it by itself after a dropped answer). */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define MAX_REQS 16

static struct {
    int lfd, port;
    pthread_t th;
    char *reqs[MAX_REQS];
    int nreqs, conns;
    pthread_mutex_t mu;
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static const char *reply_for(const char *req)
{
    if (strncmp(req, "PATCH ", 6) == 0)
        return "{\"status\":\"in_progress\",\"message\":\"m\",\"correlation_id\":\"c\","
               "\"allowed_envs_changed\":false}";
    if (strncmp(req, "GET /api/v1/kms/on-chain/", 25) == 0)
        return "{\"chain_name\":\"base\",\"chain_id\":8453,\"contracts\":[]}";
    if (strstr(req, "/pubkey/")) return "{\"public_key\":\"ab\",\"signature\":\"cd\"}";
    if (strstr(req, "/nodes ")) return "{\"items\":[],\"total\":0}";
    if (strncmp(req, "GET /api/v1/kms?", 16) == 0 || strncmp(req, "GET /api/v1/kms ", 16) == 0)
        return "{\"items\":[],\"total\":0,\"page\":1,\"page_size\":100,\"pages\":0}";
    /* One body both KMS shapes accept: a node (id) and a contract (id, address, chain, count). */
    if (strncmp(req, "GET /api/v1/kms/", 16) == 0)
        return "{\"id\":\"kms_x\",\"contract_address\":\"phala\",\"chain_id\":0,\"node_count\":1}";
    return "{\"id\":\"cvm_x\",\"name\":\"n\"}";
}

/* Serves one connection until the peer closes it. */
static void serve(int fd)
{
    char buf[16384];
    size_t have = 0;
    for (;;) {
        char *end;
        while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
            ssize_t n = read(fd, buf + have, sizeof buf - have - 1);
            if (n <= 0) return;
            have += (size_t)n;
        }
        size_t hlen = (size_t)(end - buf) + 4;
        buf[have] = '\0';
        size_t clen = 0;
        char *cl = strcasestr(buf, "\r\nContent-Length:");
        if (cl && cl < end) clen = strtoul(cl + 17, NULL, 10);
        while (have < hlen + clen) {
            ssize_t n = read(fd, buf + have, sizeof buf - have - 1);
            if (n <= 0) return;
            have += (size_t)n;
        }
        char *req = strndup(buf, hlen + clen);
        pthread_mutex_lock(&srv.mu);
        if (srv.nreqs < MAX_REQS)
            srv.reqs[srv.nreqs++] = req;
        else
            free(req);
        pthread_mutex_unlock(&srv.mu);
        const char *body = reply_for(req);
        char out[1024];
        int n = snprintf(out, sizeof out,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         "%zu\r\nX-Request-ID: wire-1\r\n\r\n%s",
                         strlen(body), body);
        if (write(fd, out, (size_t)n) != n) return;
        memmove(buf, buf + hlen + clen, have - hlen - clen);
        have -= hlen + clen;
    }
}

static void *serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    serve(fd);
    close(fd);
    return NULL;
}

/* One thread per connection: a connection that arrives while another is open is served too. */
static void *server_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(srv.lfd, NULL, NULL);
        if (fd < 0) return NULL;
        pthread_mutex_lock(&srv.mu);
        srv.conns++;
        pthread_mutex_unlock(&srv.mu);
        pthread_t t;
        pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd);
        pthread_detach(t);
    }
}

static void start(void)
{
    srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(srv.lfd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(srv.lfd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(srv.lfd, (struct sockaddr *)&a, &l);
    srv.port = ntohs(a.sin_port);
    pthread_create(&srv.th, NULL, server_main, NULL);
}

TestSuite(http_wire, .init = start, .timeout = 30);

static pk_client *wire_client_with(const char *version, const char *key, const char *token,
                                   const char *workspace)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "http://127.0.0.1:%d/api/v1/", srv.port);
    unsetenv("PHALA_CLOUD_API_KEY");
    unsetenv("PHALA_OIDC_TOKEN");
    unsetenv("PHALA_CLOUD_WORKSPACE");
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = key;
    cfg.bearer_token = token;
    cfg.workspace = workspace;
    cfg.api_prefix = prefix;
    cfg.api_version = version;
    cfg.max_retries = 0;
    pk_client *c;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), 0, "%s", pk_error_message(&e));
    return c;
}

static pk_client *wire_client(const char *version)
{
    return wire_client_with(version, KEY, NULL, NULL);
}

static bool has_header(const char *req, const char *line)
{
    char needle[256];
    snprintf(needle, sizeof needle, "\r\n%s\r\n", line);
    return strcasestr(req, needle) != NULL;
}

Test(http_wire, headers_pins_and_paths)
{
    pk_client *c = wire_client("2026-01-21");
    pk_error e = {0};
    pk_kms_info k;
    pk_kms_list l;
    pk_app_pubkey p;
    pk_kms_onchain o;
    pk_cvm v;
    pk_envs_update_result r;
    cr_assert_eq(pk_kms_info_fetch(c, "kms x/1", &k, &e), 0, "%s", pk_error_message(&e));
    pk_kms_info_free(&k);
    cr_assert_eq(pk_kms_list_fetch(c, PK_TRUE, 2, 50, &l, &e), 0, "%s", pk_error_message(&e));
    pk_kms_list_free(&l);
    cr_assert_eq(pk_app_pubkey_fetch(c, "kms-base", "0x" BASE_APP, &p, &e), 0, "%s",
                 pk_error_message(&e));
    pk_app_pubkey_free(&p);
    cr_assert_eq(pk_kms_onchain_fetch(c, "base", &o, &e), 0, "%s", pk_error_message(&e));
    pk_kms_onchain_free(&o);
    cr_assert_eq(pk_cvm_fetch(c, "550e8400-e29b-41d4-a716-446655440000", &v, &e), 0);
    pk_cvm_free(&v);
    cr_assert_eq(pk_cvm_fetch(c, BASE_APP, &v, &e), 0);
    pk_cvm_free(&v);
    const char *keys[] = {"B", "A"};
    cr_assert_eq(pk_cvm_envs_update(c, "cvm_1", "00ff", keys, 2, NULL, NULL, &r, &e), 0, "%s",
                 pk_error_message(&e));
    pk_envs_update_result_free(&r);
    pk_client_free(c);

    cr_assert_eq(srv.nreqs, 7);
    cr_assert_eq(srv.conns, 1,
                 "keep-alive: the write takes the reads' warm connection (sent once, see "
                 "test_http_write_conn.c)");
    const char *want_lines[] = {
        "GET /api/v1/kms/kms%20x%2F1 HTTP/1.1",
        "GET /api/v1/kms?page=2&page_size=50&is_onchain=true HTTP/1.1",
        "GET /api/v1/kms/kms-base/pubkey/0x" BASE_APP " HTTP/1.1",
        "GET /api/v1/kms/on-chain/base HTTP/1.1",
        "GET /api/v1/cvms/550e8400e29b41d4a716446655440000 HTTP/1.1",
        "GET /api/v1/cvms/app_" BASE_APP " HTTP/1.1",
        "PATCH /api/v1/cvms/cvm_1/envs HTTP/1.1",
    };
    /* The pubkey lookup follows the client's version: a 2026-05-22 pin would route it through the
     * node namespace, where a disabled replica can hang it (research/phala-api-2026-06.md §2.5). */
    const char *want_version[] = {"2026-05-22", "2026-05-22", "2026-01-21", "2026-01-21",
                                  "2026-01-21", "2026-01-21", "2026-01-21"};
    for (int i = 0; i < 7; i++) {
        const char *q = srv.reqs[i];
        cr_assert(strncmp(q, want_lines[i], strlen(want_lines[i])) == 0, "request %d: %.80s", i, q);
        char v[64];
        snprintf(v, sizeof v, "X-Phala-Version: %s", want_version[i]);
        cr_assert(has_header(q, v), "request %d lacks %s:\n%s", i, v, q);
        cr_assert(has_header(q, "X-API-Key: " KEY), "request %d", i);
        cr_assert_null(strcasestr(q, "\r\nAuthorization:"), "no bearer with an API key: %s", q);
        cr_assert_null(strcasestr(q, "\r\nX-Phala-Workspace:"), "no workspace unless set: %s", q);
        cr_assert(has_header(q, "User-Agent: terraform-provider-phala/" PHALA_TEST_VERSION
                                " libphalakms"),
                  "%s", q);
        cr_assert(has_header(q, "Accept: application/json"));
        cr_assert_null(strcasestr(q, "\r\nExpect:"), "%s", q);
        bool json = has_header(q, "Content-Type: application/json");
        cr_assert_eq(json, i == 6, "Content-Type only with a JSON body (request %d)", i);
    }
    const char *body = strstr(srv.reqs[6], "\r\n\r\n") + 4;
    cr_assert_str_eq(body, "{\"encrypted_env\":\"00ff\",\"env_keys\":[\"B\",\"A\"]}");
}

/* CI without a long-lived key: the OIDC token as a bearer (and never next to X-API-Key), the
 * workspace header, contract endpoints pinned to 2026-06-23 and the pubkey lookup on the client's
 * default version. */
Test(http_wire, oidc_bearer_workspace_and_contract_pins)
{
    const char *token = "eyJhbGciOiJSUzI1NiJ9.eyJyZXBvIjoiYWNtZS9pbmZyYSJ9.c2lnbmF0dXJl";
    pk_client *c = wire_client_with(NULL, NULL, token, " ci-team ");
    pk_error e = {0};
    pk_kms_contract_list l;
    pk_kms_contract k;
    pk_kms_node_list n;
    pk_app_pubkey p;
    cr_assert_eq(pk_kms_contracts_fetch(c, PK_FALSE, 3, 100, &l, &e), 0, "%s",
                 pk_error_message(&e));
    pk_kms_contract_list_free(&l);
    cr_assert_eq(pk_kms_contract_fetch(c, "base", &k, &e), 0, "%s", pk_error_message(&e));
    pk_kms_contract_free(&k);
    cr_assert_eq(pk_kms_contract_nodes_fetch(c, "kc_a/b", &n, &e), 0, "%s", pk_error_message(&e));
    pk_kms_node_list_free(&n);
    cr_assert_eq(pk_app_pubkey_fetch(c, "ethereum", BASE_APP, &p, &e), 0, "%s",
                 pk_error_message(&e));
    pk_app_pubkey_free(&p);
    pk_client_free(c);

    cr_assert_eq(srv.nreqs, 4);
    const char *want_lines[] = {
        "GET /api/v1/kms?page=3&page_size=100&is_onchain=false HTTP/1.1",
        "GET /api/v1/kms/base HTTP/1.1",
        "GET /api/v1/kms/kc_a%2Fb/nodes HTTP/1.1",
        "GET /api/v1/kms/ethereum/pubkey/" BASE_APP " HTTP/1.1",
    };
    for (int i = 0; i < 4; i++) {
        const char *q = srv.reqs[i];
        cr_assert(strncmp(q, want_lines[i], strlen(want_lines[i])) == 0, "request %d: %.80s", i, q);
        cr_assert(has_header(q, "X-Phala-Version: 2026-06-23"), "request %d:\n%s", i, q);
        char auth[160];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        cr_assert(has_header(q, auth), "request %d:\n%s", i, q);
        cr_assert_null(strcasestr(q, "\r\nX-API-Key:"), "request %d", i);
        cr_assert(has_header(q, "X-Phala-Workspace: ci-team"), "trimmed workspace: %s", q);
    }
}

/* With both credentials configured only the API key travels, as the SDKs prefer it. */
Test(http_wire, api_key_wins_over_oidc_token)
{
    pk_client *c = wire_client_with(NULL, KEY, "eyJ.never.sent", NULL);
    pk_error e = {0};
    pk_kms_contract k;
    cr_assert_eq(pk_kms_contract_fetch(c, "phala", &k, &e), 0, "%s", pk_error_message(&e));
    pk_kms_contract_free(&k);
    pk_client_free(c);
    cr_assert_eq(srv.nreqs, 1);
    cr_assert(has_header(srv.reqs[0], "X-API-Key: " KEY));
    cr_assert_null(strstr(srv.reqs[0], "eyJ.never.sent"), "%s", srv.reqs[0]);
}
