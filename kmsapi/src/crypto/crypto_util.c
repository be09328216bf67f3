/* Small shared pieces of the crypto half of libphalakms: error formatting, one-time init of
 * libsodium and secp256k1, the wiping growable buffer, JS-compatible JSON string quoting and a UTF-8
 * validator. */
#include "crypto/crypto_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <sodium.h>

int pkx_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -1;
static secp256k1_context *secp_ctx;

static void init_run(void)
{
    if (sodium_init() < 0) return;
    secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (secp_ctx) {
        /* Randomising the context blinds the signing computations against side channels. */
        unsigned char seed[32];
        randombytes_buf(seed, sizeof seed);
        if (!secp256k1_context_randomize(secp_ctx, seed)) {
            secp256k1_context_destroy(secp_ctx);
            secp_ctx = NULL;
        }
        sodium_memzero(seed, sizeof seed);
    }
    init_status = 0;
}

int pkx_crypto_init(void)
{
    pthread_once(&init_once, init_run);
    return init_status;
}

const struct secp256k1_context_struct *pkx_secp256k1_ctx(void)
{
    if (pkx_crypto_init() != 0) return NULL;
    return secp_ctx;
}

int pkx_buf_reserve(pkx_buf *b, size_t extra)
{
    if (b->failed) return -1;
    if (extra <= b->cap - b->len) return 0;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return -1;
    }
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap - b->len < extra) ncap *= 2;
    char *n = malloc(ncap);
    if (!n) {
        b->failed = true;
        return -1;
    }
    if (b->data) {
        memcpy(n, b->data, b->len);
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    b->data = n;
    b->cap = ncap;
    return 0;
}

int pkx_buf_append(pkx_buf *b, const void *data, size_t len)
{
    if (pkx_buf_reserve(b, len) != 0) return -1;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int pkx_buf_putc(pkx_buf *b, char c)
{
    return pkx_buf_append(b, &c, 1);
}

void pkx_buf_free(pkx_buf *b)
{
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

/* Extra output bytes each input byte needs inside a JSON string: 1 for \" \\ \b \f \n \r \t, 5 for
 * \u00xx, 0 for everything else (UTF-8 passes through unescaped, as in JS). */
static const uint8_t json_extra[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 5, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* Index of the first byte at or after i that needs escaping (len if none). Eight bytes at a time:
 * a word is skipped when no byte is < 0x20, '"' or '\\' (the classic has-less / has-zero tests,
 * exact as yes/no answers). Env values are mostly plain text, so this is the hot loop. */
static size_t plain_run(const char *s, size_t i, size_t len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t lt20 = (w - ones * 0x20) & ~w;
        uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
        uint64_t any = (lt20 | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & highs;
        if (any) break;
        i += 8;
    }
    while (i < len && json_extra[(unsigned char)s[i]] == 0) i++;
    return i;
}

size_t pkx_json_quoted_len(const char *s, size_t len)
{
    size_t n = len + 2;
    for (size_t i = plain_run(s, 0, len); i < len; i = plain_run(s, i + 1, len))
        n += json_extra[(unsigned char)s[i]];
    return n;
}

char *pkx_json_quote_to(char *o, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    *o++ = '"';
    size_t i = 0;
    while (i < len) {
        size_t run = plain_run(s, i, len);
        memcpy(o, s + i, run - i); /* long plain runs are the common case */
        o += run - i;
        if (run == len) break;
        unsigned char c = (unsigned char)s[run];
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hexd[c >> 4];
            *o++ = hexd[c & 15];
        }
        i = run + 1;
    }
    *o++ = '"';
    return o;
}

int pkx_json_quote(pkx_buf *b, const char *s, size_t len)
{
    if (pkx_buf_reserve(b, pkx_json_quoted_len(s, len)) != 0) return -1;
    char *end = pkx_json_quote_to(b->data + b->len, s, len);
    b->len = (size_t)(end - b->data);
    return 0;
}

bool pkx_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        /* ASCII fast path, eight bytes at a time */
        uint64_t w;
        while (len - i >= 8 && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ull) == 0)) i += 8;
        if (i >= len) break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n) return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}
