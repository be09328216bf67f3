/* phala_common.h — what every phala resource and data source shares: the configured API client,
 * turning a libphalakms error into a diagnostic on the right attribute, and small value builders. */
#ifndef PHALA_COMMON_H
#define PHALA_COMMON_H

#include <phalakms.h>

#include "phala_provider.h"

/* The process-wide cancel token that StopProvider triggers (for clients made by resources). */
pk_cancel *phala_cancel_token(void);
/* The client of the provider configuration, or NULL after adding a diagnostic. */
pk_client *phala_client(tf_ctx *c);
/* An error diagnostic from an API failure: summary, the API's message, its request id. */
void phala_api_error(tf_ctx *c, const char *attr, const char *summary, const pk_error *err);

/* An id attribute the provider puts into a request path (kms_id, kms, chain, contract, cvm_id): a
 * known value that is empty, "." or ".." is an error on the attribute at validate time — it would
 * otherwise name another endpoint ("/kms/." is "/kms/", the list). `what` reads "KMS id". */
void phala_check_path_id(tf_ctx *c, const tf_value *config, const char *attr, const char *what);
/* The same rule for an import id (no attribute to point at). Returns false after the error. */
bool phala_import_id_ok(tf_ctx *c, const char *id, const char *what);

/* Builders for optional API strings / numbers: NULL or absent → null. */
tf_value phala_str_or_null(tf_arena *a, const char *s);
tf_value phala_int_or_null(bool has, int64_t v);
tf_value phala_tristate(pk_tristate t);

extern const tf_type phala_list_of_string;

/* Hex strings as users and the API write them. */
const char *phala_strip0x(const char *s); /* without an optional 0x/0X (NULL stays NULL) */
/* Exactly `digits` hex digits; with require_0x after a lowercase "0x", else an optional 0x/0X. */
bool phala_is_hex(const char *s, size_t digits, bool require_0x);
/* out = "0x" + the `digits` hex digits of s in lowercase (out holds digits + 3 bytes); false, out
 * untouched, when s is not exactly that (optional 0x/0X). */
bool phala_hex_norm(const char *s, size_t digits, char *out);
/* The same hex value: case-insensitive, optional 0x on either side; false when one is NULL. */
bool phala_hex_same(const char *a, const char *b);
/* A compressed secp256k1 public key (a KMS's k256 key, an expected_signer): 66 hex digits starting
 * with 02 or 03, optional 0x. */
bool phala_is_k256_pubkey(const char *s);

#endif
