/* Fuzz target for the hex codec (keys, signatures and encrypted blobs arrive as hex from the API
 * and from configuration): decoding never overruns the output, accepts exactly the even-length
 * hex strings with an optional 0x prefix, and decode(encode(x)) == x. The same text is also a Safe
 * transaction's input from configuration (a policy call's value, the Safe's address): accepted
 * exactly when it is 32 or 20 bytes of hex, and then its batch file carries the transaction's hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phalakms.h"
#include "phalakms/policy.h"

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

#define SAFE_ADDR "0xd5f8b30d626fa9b33889da4ab71f36317f8bb193"
#define APP_ADDR  "0xdb56f2e9369e0d7bd191099125a3f6c370f8ed15"
#define HASH_AB   "0xabababababababababababababababababababababababababababababababab"

/* Whether z is hex of exactly `bytes` bytes (optional 0x). */
static int hex_of_size(const char *z, size_t bytes)
{
    size_t off = z[0] == '0' && (z[1] == 'x' || z[1] == 'X') ? 2 : 0, n = strlen(z + off);
    for (size_t i = 0; i < n; i++)
        if (!is_hex((uint8_t)z[off + i])) return 0;
    return n == 2 * bytes;
}

static void safe_inputs(const char *z, int two_calls)
{
    pk_policy_call calls[2] = {{.op = PK_POLICY_ADD_COMPOSE_HASH},
                               {.op = PK_POLICY_SET_ALLOW_ANY_DEVICE, .flag = true}};
    size_t n = two_calls ? 2 : 1, zl = strlen(z);
    if (zl < sizeof calls[0].value)
        memcpy(calls[0].value, z, zl + 1);
    else
        memset(calls[0].value, 'a', sizeof calls[0].value); /* no NUL: must be refused */
    int value_ok = zl < sizeof calls[0].value && hex_of_size(z, 32);

    pk_safe_tx t;
    pk_error err = {0};
    int rc = pk_safe_tx_build(8453, SAFE_ADDR, 7, NULL, APP_ADDR, calls, n, &t, &err);
    if ((rc == 0) != value_ok) abort();
    if (rc == 0) {
        char *json = NULL;
        if (pk_safe_batch_json(&t, APP_ADDR, calls, n, &json, &err) != 0) abort();
        if (!strstr(json, t.safe_tx_hash)) abort();
        free(json);
        pk_safe_tx_free(&t);
    } else if (t.data || !pk_error_message(&err)[0]) {
        abort(); /* a refusal leaves nothing to free and says why */
    }
    pk_error_clear(&err);

    snprintf(calls[0].value, sizeof calls[0].value, "%s", HASH_AB);
    rc = pk_safe_tx_build(8453, z, 7, z, APP_ADDR, calls, n, &t, &err);
    if ((rc == 0) != hex_of_size(z, 20)) abort();
    if (rc == 0) pk_safe_tx_free(&t);
    pk_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t off = size >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
    int valid = (size - off) % 2 == 0;
    for (size_t i = off; i < size && valid; i++) valid = is_hex(data[i]);

    /* Exact-size output buffer so that ASan sees any overrun. */
    size_t cap = size / 2;
    uint8_t *out = malloc(cap ? cap : 1);
    size_t n = 0;
    int rc = pk_hex_decode(s, size, out, cap, &n);
    if ((rc == 0) != valid) abort();
    if (rc == 0 && n != (size - off) / 2) abort();

    /* A smaller buffer must be refused, not overrun. */
    if (valid && n > 0 && pk_hex_decode(s, size, out, n - 1, &n) == 0) abort();

    /* NUL-terminated variant with an exact byte count. */
    char *z = malloc(size + 1);
    memcpy(z, data, size);
    z[size] = '\0';
    if (valid && memchr(data, 0, size) == NULL &&
        pk_hex_decode_exact(z, out, (size - off) / 2) != 0)
        abort();
    safe_inputs(z, (int)(size & 1));
    free(z);

    /* Round trip of the raw input bytes. */
    char *hex = malloc(2 * size + 1);
    uint8_t *back = malloc(size ? size : 1);
    if (pk_hex_encode(data, size, hex, 2 * size + 1) != 0) abort();
    if (pk_hex_decode(hex, 2 * size, back, size, &n) != 0 || n != size || memcmp(back, data, size))
        abort();
    free(hex);
    free(back);
    free(out);
    return 0;
}
