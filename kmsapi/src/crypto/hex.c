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

/* Branch- and table-free (no secret-dependent memory access, so keys may be encoded too), and
 * simple enough for the compiler to vectorise: a 1 MiB encrypted env is 2 MiB of hex. */
static inline char hex_digit(unsigned n)
{
    /* n + '0', plus ('a' - '0' - 10) when n > 9: (9 - n) >> 8 is all ones exactly then. */
    return (char)(n + '0' + (((9u - n) >> 8) & ('a' - '0' - 10)));
}

/* Four input bytes to eight digits at once (SWAR): each byte is spread to a 16-bit lane as
 * (high nibble, low nibble); n + 6 has bit 4 set exactly for nibbles >= 10, which selects the
 * 'a'..'f' offset. No lane can carry into the next. */
static inline uint64_t hex_digits4(uint32_t w)
{
    uint64_t s = (uint64_t)(w & 0xffu) | (uint64_t)(w & 0xff00u) << 8 |
                 (uint64_t)(w & 0xff0000u) << 16 | (uint64_t)(w & 0xff000000u) << 24;
    uint64_t n = ((s >> 4) & 0x000f000f000f000fULL) | ((s & 0x000f000f000f000fULL) << 8);
    uint64_t letter = ((n + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
    return n + 0x3030303030303030ULL + letter * ('a' - '0' - 10);
}

int pk_hex_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
    if (!out || len > (SIZE_MAX - 1) / 2 || outlen < len * 2 + 1) return -1;
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; len - i >= 4; i += 4) {
        uint32_t w;
        memcpy(&w, in + i, 4);
        uint64_t d = hex_digits4(w);
        memcpy(out + 2 * i, &d, 8);
    }
#endif
    for (; i < len; i++) {
        out[2 * i] = hex_digit(in[i] >> 4);
        out[2 * i + 1] = hex_digit(in[i] & 15u);
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
