/* harness.c — the simulator process and admin API helpers shared by the kmsapi_http tests (see
 * harness.h). The simulator is a child process per test; admin calls use plain libcurl so that they
 * never share connections with the client under test. */
#include "harness.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct {
    pid_t pid;
    int port;
    char dir[64];
    char prefix[96];
    char base[64];
    char seed[128];
} sim;

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ensure_dir(void)
{
    if (sim.dir[0]) return;
    snprintf(sim.dir, sizeof sim.dir, "/tmp/kmsapi_http.XXXXXX");
    cr_assert_not_null(mkdtemp(sim.dir));
}

void sim_start(const char *seed)
{
    ensure_dir();
    char port_file[128];
    snprintf(port_file, sizeof port_file, "%s/port", sim.dir);
    unlink(port_file);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        char log[128];
        snprintf(log, sizeof log, "%s/sim.log", sim.dir);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(SIM_BINARY, SIM_BINARY, "--seed", seed ? seed : SIM_SEED, "--port", "0",
              "--port-file", port_file, "--quiet", (char *)NULL);
        _exit(127);
    }
    sim.pid = pid;
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &sim.port);
            fclose(f);
            if (ok == 1 && sim.port > 0) break;
        }
        int st;
        cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "simulator exited early");
        usleep(10000);
    }
    cr_assert_gt(sim.port, 0, "simulator did not write its port file");
    snprintf(sim.base, sizeof sim.base, "http://127.0.0.1:%d", sim.port);
    snprintf(sim.prefix, sizeof sim.prefix, "%s/api/v1", sim.base);
}

void sim_stop(void)
{
    if (sim.pid > 0) {
        kill(sim.pid, SIGTERM);
        int st;
        for (int i = 0; i < 200 && waitpid(sim.pid, &st, WNOHANG) == 0; i++) usleep(10000);
        if (waitpid(sim.pid, &st, WNOHANG) == 0) {
            kill(sim.pid, SIGKILL);
            waitpid(sim.pid, &st, 0);
        }
        sim.pid = 0;
    }
    if (sim.dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", sim.dir);
        if (system(cmd) != 0) { /* best effort */
        }
        sim.dir[0] = '\0';
    }
}

const char *sim_prefix(void)
{
    return sim.prefix;
}

const char *sim_write_big_seed(int n)
{
    ensure_dir();
    snprintf(sim.seed, sizeof sim.seed, "%s/seed-big.json", sim.dir);
    FILE *f = fopen(sim.seed, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"api_key\":\"%s\",\"kms\":[", KEY);
    for (int i = 0; i < n; i++)
        fprintf(
            f,
            "%s{\"id\":\"kms_%03d\",\"slug\":\"kms-slug-%03d\",\"url\":\"https://kms%03d.example\","
            "\"version\":\"v0.5.7\",\"chain_id\":%s,\"kms_contract_address\":null,"
            "\"gateway_app_id\":null,\"root_secret\":\"%064x\"}",
            i ? "," : "", i, i, i, (i % 3 == 0) ? "8453" : "null", i + 1);
    fprintf(f, "],\"onchain\":{},\"cvms\":[],\"next_app_id_base\":1}\n");
    fclose(f);
    return sim.seed;
}

typedef struct {
    char *p;
    size_t n;
} buf_t;

static size_t collect(char *d, size_t s, size_t m, void *u)
{
    buf_t *b = u;
    char *p = realloc(b->p, b->n + s * m + 1);
    if (!p) return 0;
    memcpy(p + b->n, d, s * m);
    b->p = p;
    b->n += s * m;
    p[b->n] = '\0';
    return s * m;
}

int sim_admin(const char *method, const char *path, const char *body, cJSON **json)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", sim.base, path);
    CURL *h = curl_easy_init();
    buf_t b = {0};
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(h);
    cr_assert_eq(rc, CURLE_OK, "admin %s %s: %s", method, path, curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    if (json) *json = b.p ? cJSON_Parse(b.p) : NULL;
    free(b.p);
    return (int)status;
}

void sim_fault(const char *json)
{
    int st = sim_admin("POST", "/_sim/faults", json, NULL);
    cr_assert(st >= 200 && st < 300, "fault %s refused: %d", json, st);
}

void sim_stats_reset(void)
{
    sim_admin("POST", "/_sim/stats/reset", "{}", NULL);
}

double sim_stat(const char *name)
{
    cJSON *j = NULL;
    sim_admin("GET", "/_sim/stats", NULL, &j);
    cr_assert_not_null(j);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    if (!v)
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "requests"), name);
    double d = cJSON_IsNumber(v) ? v->valuedouble : 0;
    cJSON_Delete(j);
    return d;
}

pk_client *client_new(const char *key, int max_retries, long deadline_ms, pk_cancel *cancel)
{
    pk_config cfg;
    pk_config_init(&cfg);
    cfg.api_key = key;
    cfg.api_prefix = sim.prefix;
    cfg.max_retries = max_retries;
    cfg.deadline_ms = deadline_ms;
    cfg.cancel = cancel;
    pk_client *c = NULL;
    pk_error e = {0};
    cr_assert_eq(pk_client_new(&cfg, &c, &e), 0, "%s", pk_error_message(&e));
    return c;
}

void assert_no_key(const pk_error *e)
{
    const char *h = pk_error_message(e);
    cr_assert_null(strstr(h, KEY), "key leaked: %s", h);
    const char *strs[] = {e->message, e->error_code, e->request_id};
    for (size_t i = 0; i < 3; i++)
        if (strs[i]) cr_assert_null(strstr(strs[i], KEY), "key leaked: %s", strs[i]);
    for (size_t i = 0; i < e->n_fields; i++) {
        cr_assert_null(strstr(e->fields[i].loc, KEY));
        cr_assert_null(strstr(e->fields[i].msg, KEY));
    }
}
