/* Fuzz target for the hex codec (keys, signatures and encrypted blobs arrive as hex from the API
 * and from configuration): decoding never overruns the output, accepts exactly the even-length
 * hex strings with an optional 0x prefix, and decode(encode(x)) == x. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phalakms.h"

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
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
