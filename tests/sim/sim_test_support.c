/* sim_test_support.c — what the simulator's test files share: running the phala-cloud-sim binary
 * (port file in a temp dir, clean SIGTERM checked), libcurl requests against it and small JSON and
 * assertion helpers (sim_test_support.h). */
#include "sim_test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the simulator process ------------------------------------------------------------------- */

struct sim_proc sim;

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 18);
    size_t n = buf ? fread(buf, 1, (1 << 18) - 1, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

/* Runs the binary with extra arguments; returns its pid, output files in sim.dir. */
pid_t spawn(const char *const *extra)
{
    /* PHALA_SIM_BINARY lets the same tests drive an instrumented build (e.g. ThreadSanitizer). */
    const char *bin = getenv("PHALA_SIM_BINARY") ? getenv("PHALA_SIM_BINARY") : SIM_BINARY;
    const char *argv[24] = {bin};
    size_t n = 1;
    char port_file[128];
    snprintf(port_file, sizeof port_file, "%s/port", sim.dir);
    argv[n++] = "--port-file";
    argv[n++] = port_file;
    for (; extra && *extra && n < 22; extra++) argv[n++] = *extra;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        char out[128], err[128];
        snprintf(out, sizeof out, "%s/stdout", sim.dir);
        snprintf(err, sizeof err, "%s/stderr", sim.dir);
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void make_dir(void)
{
    snprintf(sim.dir, sizeof sim.dir, "/tmp/simtest.XXXXXX");
    cr_assert_not_null(mkdtemp(sim.dir));
}

void start_with(const char *const *extra)
{
    make_dir();
    sim.pid = spawn(extra);
    cr_assert_gt(sim.pid, 0);
    char port_file[128];
    snprintf(port_file, sizeof port_file, "%s/port", sim.dir);
    for (double t0 = now_s(); now_s() - t0 < 10;) {
        char *p = slurp(port_file);
        if (p && atoi(p) > 0) {
            sim.port = atoi(p);
            free(p);
            snprintf(sim.base, sizeof sim.base, "http://127.0.0.1:%d", sim.port);
            return;
        }
        free(p);
        int st;
        cr_assert_eq(waitpid(sim.pid, &st, WNOHANG), 0, "the simulator exited early");
        usleep(10000);
    }
    cr_assert_fail("the simulator did not write its port file");
}

void start_default(void)
{
    const char *args[] = {"--seed", SIM_SEED, NULL};
    start_with(args);
}

void stop(void)
{
    if (sim.pid > 0) {
        kill(sim.pid, SIGTERM);
        int st = 0;
        waitpid(sim.pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { /* sanitizer reports end up in its stderr */
            char path[128];
            snprintf(path, sizeof path, "%s/stderr", sim.dir);
            char *err = slurp(path);
            cr_expect_fail("the simulator must exit 0 on SIGTERM (status %d); stderr:\n%s", st,
                           err ? err : "");
            free(err);
        }
        sim.pid = 0;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", sim.dir);
    cr_expect_eq(system(cmd), 0);
}

/* Runs the binary to completion (seed errors); returns the exit code and its stderr. */
int run_to_exit(const char *const *extra, char **err_out)
{
    make_dir();
    pid_t pid = spawn(extra);
    int st = 0;
    waitpid(pid, &st, 0);
    char path[128];
    snprintf(path, sizeof path, "%s/stderr", sim.dir);
    *err_out = slurp(path);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", sim.dir);
    cr_expect_eq(system(cmd), 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
    struct resp *r = u;
    char *nb = realloc(r->body, r->len + sz * n + 1);
    if (!nb) return 0;
    memcpy(nb + r->len, p, sz * n);
    r->len += sz * n;
    nb[r->len] = '\0';
    r->body = nb;
    return sz * n;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return;
    const char *v = line + nl + 1;
    while (*v == ' ') v++;
    size_t vl = len - (size_t)(v - line);
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n')) vl--;
    snprintf(out, outlen, "%.*s", (int)vl, v);
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
    struct resp *r = u;
    header_value(p, sz * n, "X-Request-ID", r->request_id, sizeof r->request_id);
    header_value(p, sz * n, "Retry-After", r->retry_after, sizeof r->retry_after);
    header_value(p, sz * n, "Location", r->location, sizeof r->location);
    return sz * n;
}

struct resp req_full(CURL *h, const char *method, const char *path, const char *key,
                     const char *const *headers, const char *body)
{
    struct resp r = {0};
    bool own = !h;
    if (own) h = curl_easy_init();
    char url[512], hdr[128];
    snprintf(url, sizeof url, "%s%s", sim.base, path);
    struct curl_slist *hs = NULL;
    if (key) {
        snprintf(hdr, sizeof hdr, "X-API-Key: %s", key);
        hs = curl_slist_append(hs, hdr);
    }
    for (; headers && *headers; headers++) hs = curl_slist_append(hs, *headers);
    hs = curl_slist_append(hs, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    r.rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    if (r.body) r.json = cJSON_Parse(r.body);
    curl_slist_free_all(hs);
    if (own) curl_easy_cleanup(h);
    return r;
}

struct resp req_on(CURL *h, const char *method, const char *path, const char *key, const char *body)
{
    return req_full(h, method, path, key, NULL, body);
}

struct resp api_with(const char *method, const char *path, const char *const *headers,
                     const char *body)
{
    char full[512];
    snprintf(full, sizeof full, "/api/v1%s", path);
    return req_full(NULL, method, full, KEY, headers, body);
}

struct resp api(const char *method, const char *path, const char *body)
{
    char full[512];
    snprintf(full, sizeof full, "/api/v1%s", path);
    return req_on(NULL, method, full, KEY, body);
}

struct resp admin(const char *method, const char *path, const char *body)
{
    char full[512];
    snprintf(full, sizeof full, "/_sim%s", path);
    return req_on(NULL, method, full, NULL, body);
}

void resp_free(struct resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    cr_assert(cJSON_IsNumber(v), "%s must be a number", key);
    return v->valuedouble;
}

/* The object has exactly these keys (the SDK's strict zod schemas reject any other). */
void exact_keys(const cJSON *o, const char *const *keys)
{
    size_t n = 0;
    for (; keys[n]; n++) cr_assert_not_null(get(o, keys[n]), "missing key %s", keys[n]);
    cr_assert_eq((size_t)cJSON_GetArraySize(o), n, "unexpected extra keys");
}

void expect_structured(const struct resp *r, int status, const char *code)
{
    cr_assert_eq(r->status, status, "status %ld, body %s", r->status, r->body);
    cr_assert_str_eq(str(r->json, "error_code"), code);
    cr_assert_not_null(str(r->json, "message"));
    cr_assert_str_eq(str(r->json, "request_id"), r->request_id);
    cr_assert(cJSON_IsArray(get(r->json, "details")));
    cr_assert(cJSON_IsArray(get(r->json, "suggestions")));
    cr_assert(cJSON_IsArray(get(r->json, "links")));
}

void expect_422(const struct resp *r, const char *where, const char *field)
{
    cr_assert_eq(r->status, 422, "status %ld, body %s", r->status, r->body);
    const cJSON *d = cJSON_GetArrayItem(get(r->json, "detail"), 0);
    cr_assert_not_null(d, "422 needs a detail list: %s", r->body);
    const cJSON *loc = get(d, "loc");
    cr_assert_str_eq(cJSON_GetArrayItem(loc, 0)->valuestring, where);
    if (field) cr_assert_str_eq(cJSON_GetArrayItem(loc, 1)->valuestring, field);
    cr_assert_not_null(str(d, "msg"));
    cr_assert_not_null(str(d, "type"));
}

/* ---- seed errors ----------------------------------------------------------------------------- */

char *write_seed(const char *text)
{
    static char path[] = "/tmp/simseed.XXXXXX";
    strcpy(path, "/tmp/simseed.XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

void expect_seed_error(const char *seed_text, const char *needle)
{
    char *path = seed_text ? write_seed(seed_text) : "/nonexistent/seed.json";
    const char *args[] = {"--seed", path, NULL};
    char *err = NULL;
    int code = run_to_exit(args, &err);
    if (seed_text) unlink(path);
    cr_assert_eq(code, 1, "exit code %d", code);
    cr_assert_not_null(err);
    cr_assert(strstr(err, needle), "stderr \"%s\" should mention \"%s\"", err, needle);
    free(err);
}
