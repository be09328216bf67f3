/* Hex encoding for libphalakms: lowercase output without prefix (what every Phala SDK emits), input
 * with an optional 0x/0X prefix in either case and exact length checks, because a key or signature
 * of the wrong size must be an error, never a silent truncation. */
#include "phalakms/crypto.h"

#include <string.h>

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int pk_hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
    static const char digits[] = "0123456789abcdef";
    if (!out || len > (SIZE_MAX - 1) / 2 || outlen < len * 2 + 1) return -1;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[len * 2] = '\0';
    return 0;
}

int pk_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t cap, size_t *n)
{
    if (!hex) return -1;
    if (hexlen >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
        hex += 2;
        hexlen -= 2;
    }
    if (hexlen % 2 != 0 || hexlen / 2 > cap) return -1;
    for (size_t i = 0; i < hexlen / 2; i++) {
        int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (n) *n = hexlen / 2;
    return 0;
}

int pk_hex_decode_exact(const char *hex, uint8_t *out, size_t n)
{
    if (!hex) return -1;
    size_t len = strlen(hex);
    size_t got = 0;
    if (pk_hex_decode(hex, len, out, n, &got) != 0 || got != n) return -1;
    return 0;
}
