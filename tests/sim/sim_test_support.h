/* sim_test_support.h — helpers the simulator's test files share (sim_test_support.c): the
 * simulator process, one HTTP request against it, JSON accessors and assertions on error shapes. */
#ifndef SIM_TEST_SUPPORT_H
#define SIM_TEST_SUPPORT_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KEY       "phak_test_key"
#define PHALA_APP "e7c1a4a6b2f54b1c9d3e8f70a1b2c3d4e5f60718"
#define BASE_APP  "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
#define PHALA_CVM "cvm_phala01"
#define BASE_CVM  "cvm_base01"

/* The running simulator of the current test. */
struct sim_proc {
    pid_t pid;
    int port;
    char dir[64];
    char base[64]; /* http://127.0.0.1:PORT */
};
extern struct sim_proc sim;

double now_s(void);
char *slurp(const char *path); /* NULL when unreadable */
/* Runs the binary with extra arguments; returns its pid, output files in sim.dir. */
pid_t spawn(const char *const *extra);
void make_dir(void);
void start_with(const char *const *extra); /* and waits for the port file */
void start_default(void);                  /* --seed seed-default.json */
void stop(void);                           /* SIGTERM; the simulator must exit 0 */
/* Runs the binary to completion (seed errors); returns the exit code and its stderr. */
int run_to_exit(const char *const *extra, char **err_out);

struct resp {
    CURLcode rc;
    long status;
    char *body;
    size_t len;
    char request_id[64];
    char retry_after[64];
    char location[128];
    cJSON *json;
};

/* One request. h may be NULL (fresh handle) or reused for keep-alive. key NULL = no X-API-Key;
 * headers: NULL-terminated extra header lines, may be NULL. */
struct resp req_full(CURL *h, const char *method, const char *path, const char *key,
                     const char *const *headers, const char *body);
struct resp req_on(CURL *h, const char *method, const char *path, const char *key,
                   const char *body);
struct resp api(const char *method, const char *path, const char *body); /* /api/v1, KEY */
struct resp api_with(const char *method, const char *path, const char *const *headers,
                     const char *body);
struct resp admin(const char *method, const char *path, const char *body); /* /_sim */
void resp_free(struct resp *r);

const cJSON *get(const cJSON *o, const char *key);
const char *str(const cJSON *o, const char *key);
double num(const cJSON *o, const char *key);
/* The object has exactly these keys (the SDK's strict zod schemas reject any other). */
void exact_keys(const cJSON *o, const char *const *keys);
void expect_structured(const struct resp *r, int status, const char *code);
void expect_422(const struct resp *r, const char *where, const char *field);

/* A temp seed file with this text (path valid until the next call). */
char *write_seed(const char *text);
/* The simulator must refuse the seed: exit 1 with needle in stderr. */
void expect_seed_error(const char *seed_text, const char *needle);

#endif /* SIM_TEST_SUPPORT_H */
