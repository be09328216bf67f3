/* harness.h — what every kmsapi_http test shares: starting/stopping phala-cloud-sim on a free port,
 * admin calls to /_sim (faults, stats, fake chain), a client factory, and the assertion that no error
 * line ever carries the API key. */
#ifndef KMSAPI_HTTP_HARNESS_H
#define KMSAPI_HTTP_HARNESS_H

#include <cjson/cJSON.h>
#include <phalakms.h>

#define KEY       "phak_test_key"
#define PHALA_APP "e7c1a4a6b2f54b1c9d3e8f70a1b2c3d4e5f60718"
#define BASE_APP  "0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
#define PHALA_CVM "cvm_phala01"
#define BASE_CVM  "cvm_base01"

/* Starts the simulator with seed (NULL = the default seed); aborts the test when it does not come
 * up within 5 s. The prefix is http://127.0.0.1:PORT/api/v1. */
void sim_start(const char *seed);
void sim_stop(void);
const char *sim_prefix(void);
/* A seed file with n KMS entries kms_000.. written into the test's temp dir; returns its path. */
const char *sim_write_big_seed(int n);

/* Admin request; returns the HTTP status, *json (may be NULL) the parsed body to cJSON_Delete. */
int sim_admin(const char *method, const char *path, const char *body, cJSON **json);
/* POST /_sim/faults with the given JSON object text. */
void sim_fault(const char *json);
void sim_stats_reset(void);
/* A number from GET /_sim/stats: "connections", "total", or a requests key like "GET /kms". */
double sim_stat(const char *name);

/* A client for the running simulator; tweak fields of cfg through the callback-free overrides. */
pk_client *client_new(const char *key, int max_retries, long deadline_ms, pk_cancel *cancel);

/* Asserts the error's human line and every string in it are free of the API key. */
void assert_no_key(const pk_error *e);
double now_s(void);

#endif
