/* chain.c — the ganache child process and raw JSON-RPC helpers of the kmsapi_eth tests (see
 * chain.h). The raw calls use their own libcurl handle, never the client under test. */
#include "chain.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

test_chain chain;
static pid_t chain_pid;
static char chain_dir[64];

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void copy_str(const cJSON *o, const char *key, char *out, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsString(v), "info file lacks %s", key);
    snprintf(out, n, "%s", v->valuestring);
}

void chain_start(void)
{
    snprintf(chain_dir, sizeof chain_dir, "/tmp/kmsapi_eth.XXXXXX");
    cr_assert_not_null(mkdtemp(chain_dir));
    char info[128], log[128];
    snprintf(info, sizeof info, "%s/chain.json", chain_dir);
    snprintf(log, sizeof log, "%s/chain.log", chain_dir);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        /* --use-artifact: the committed bytecode (eth_contract_bytecode checks it matches). */
        execl(NODE_BIN, NODE_BIN, CHAIN_MJS, "--info-file", info, "--use-artifact", (char *)NULL);
        _exit(127);
    }
    chain_pid = pid;
    FILE *f = NULL;
    for (int i = 0; i < 6000 && !(f = fopen(info, "r")); i++) {
        int st;
        cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "chain.mjs exited early (see %s)", log);
        usleep(10000);
    }
    cr_assert_not_null(f, "chain.mjs did not write %s within 60 s", info);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *j = cJSON_Parse(buf);
    cr_assert_not_null(j, "info file is not JSON");
    copy_str(j, "rpc_url", chain.rpc_url, sizeof chain.rpc_url);
    chain.chain_id = (uint64_t)cJSON_GetObjectItemCaseSensitive(j, "chain_id")->valuedouble;
    copy_str(j, "owner_key", chain.owner_key, sizeof chain.owner_key);
    copy_str(j, "owner_address", chain.owner_address, sizeof chain.owner_address);
    copy_str(j, "other_key", chain.other_key, sizeof chain.other_key);
    copy_str(j, "other_address", chain.other_address, sizeof chain.other_address);
    copy_str(j, "poor_key", chain.poor_key, sizeof chain.poor_key);
    copy_str(j, "poor_address", chain.poor_address, sizeof chain.poor_address);
    const cJSON *apps = cJSON_GetObjectItemCaseSensitive(j, "apps");
    cr_assert_eq(cJSON_GetArraySize(apps), 3);
    for (int i = 0; i < 3; i++)
        snprintf(chain.apps[i], sizeof chain.apps[i], "%s",
                 cJSON_GetArrayItem(apps, i)->valuestring);
    cJSON_Delete(j);
}

void chain_stop(void)
{
    if (chain_pid > 0) {
        kill(chain_pid, SIGTERM);
        int st;
        for (int i = 0; i < 500 && waitpid(chain_pid, &st, WNOHANG) == 0; i++) usleep(10000);
        if (waitpid(chain_pid, &st, WNOHANG) == 0) {
            kill(chain_pid, SIGKILL);
            waitpid(chain_pid, &st, 0);
        }
        chain_pid = 0;
    }
    if (chain_dir[0]) {
        char path[160];
        snprintf(path, sizeof path, "%s/chain.json", chain_dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/chain.log", chain_dir);
        unlink(path);
        rmdir(chain_dir);
        chain_dir[0] = '\0';
    }
}

typedef struct body {
    char *p;
    size_t n;
} body;

static size_t on_body(char *d, size_t s, size_t m, void *u)
{
    body *b = u;
    char *p = realloc(b->p, b->n + s * m + 1);
    if (!p) return 0;
    memcpy(p + b->n, d, s * m);
    b->p = p;
    b->n += s * m;
    b->p[b->n] = '\0';
    return s * m;
}

cJSON *chain_rpc(const char *method, const char *params_json)
{
    char req[2048];
    snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
             method, params_json);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    body b = {0};
    curl_easy_setopt(h, CURLOPT_URL, chain.rpc_url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    cr_assert_eq(rc, CURLE_OK, "%s: %s", method, curl_easy_strerror(rc));
    cJSON *j = cJSON_Parse(b.p);
    cr_assert_not_null(j, "%s: not JSON: %s", method, b.p);
    free(b.p);
    return j;
}

uint64_t chain_nonce(const char *address)
{
    char params[128];
    snprintf(params, sizeof params, "[\"%s\",\"latest\"]", address);
    cJSON *j = chain_rpc("eth_getTransactionCount", params);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "result");
    cr_assert(cJSON_IsString(r));
    uint64_t n = strtoull(r->valuestring, NULL, 16);
    cJSON_Delete(j);
    return n;
}

pk_eth *eth_client(const char *url, pk_cancel *cancel)
{
    pk_eth_config cfg = {.rpc_url = url ? url : chain.rpc_url,
                         .timeout_ms = 10000,
                         .poll_interval_ms = 100,
                         .cancel = cancel};
    pk_eth *e = NULL;
    pk_error err = {0};
    cr_assert_eq(pk_eth_new(&cfg, &e, &err), 0, "%s", pk_error_message(&err));
    pk_error_clear(&err);
    return e;
}

int dead_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &l), 0);
    close(s);
    return ntohs(a.sin_port);
}

static void no_key_in(const char *s, const char *what)
{
    if (!s) return;
    const char *keys[] = {chain.owner_key, chain.other_key, chain.poor_key};
    for (int i = 0; i < 3; i++) {
        if (!keys[i][0]) continue;
        const char *bare = keys[i] + 2; /* "0x" */
        cr_assert(strcasestr(s, bare) == NULL, "%s carries a private key: %s", what, s);
        char half[40];
        snprintf(half, sizeof half, "%.32s", bare); /* no recognisable fragment either */
        cr_assert(strcasestr(s, half) == NULL, "%s carries part of a private key: %s", what, s);
    }
}

void assert_no_key(const pk_error *e)
{
    no_key_in(pk_error_message(e), "human");
    no_key_in(e->message, "message");
    no_key_in(e->error_code, "error_code");
    no_key_in(e->request_id, "request_id");
}
