/* phala_provider.h — the `phala` provider: its configuration (DESIGN §5) as resolved by
 * ConfigureProvider, shared by every resource and data source through ctx->provider_data. */
#ifndef PHALA_PROVIDER_H
#define PHALA_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "tfprovider.h"

typedef struct pk_client pk_client;

#define PHALA_DEFAULT_API_PREFIX  "https://cloud-api.phala.com/api/v1"
#define PHALA_DEFAULT_API_VERSION "2026-06-23" /* the SDKs' default; kmsapi pins what needs it */
#define PHALA_DEFAULT_TIMEOUT_S   60           /* the SDKs' 60 s, above the server's 30 s KMS RPC */

typedef struct {
    char *api_key;    /* NULL when neither the attribute nor PHALA_CLOUD_API_KEY is set */
    char *oidc_token; /* NULL when neither oidc_token nor PHALA_OIDC_TOKEN; used without api_key */
    char *workspace;  /* NULL when neither workspace nor PHALA_CLOUD_WORKSPACE */
    char *api_prefix;
    char *api_version;
    int64_t timeout_seconds;
    int64_t max_retries;
    struct {
        char *rpc_url;
        char *private_key; /* NULL: the provider never signs */
        int64_t confirmations;
        int64_t receipt_timeout_seconds;
        bool verify_compose; /* default true: sign only a compose hash verified locally */
        bool add_device;     /* default false: addDevice for a CVM's device when the app lacks it */
    } onchain;
    pk_client *client; /* shares the process-wide connection pool; cancelled by StopProvider */

    char *expected_signer; /* the KMS key on-chain app keys must be signed by (NULL: none pinned) */
} phala_config;

extern const tf_provider_def phala_provider;

/* The configuration a provider block resolves to (explicit values, then PHALA_* environment
 * variables, then defaults), with errors on the attributes at fault — without the API client,
 * which ConfigureProvider adds (and then wipes api_key / oidc_token here: the client holds them). */
phala_config *phala_config_resolve(tf_ctx *c, const tf_value *config);

#endif
