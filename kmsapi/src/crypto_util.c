/* Small shared pieces of the crypto half of libphalakms: error formatting, one-time init of
 * libsodium and secp256k1, the wiping growable buffer, JS-compatible JSON string quoting and a UTF-8
 * validator. */
#include "crypto_priv.h"

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

int pkx_buf_putc(pkx_buf *b, char c) { return pkx_buf_append(b, &c, 1); }

void pkx_buf_free(pkx_buf *b)
{
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

int pkx_json_quote(pkx_buf *b, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    /* Worst case every byte becomes \u00xx: reserve once so the loop never reallocates. */
    if (len > (SIZE_MAX - 2) / 6 || pkx_buf_reserve(b, len * 6 + 2) != 0) return -1;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hexd[c >> 4];
            *o++ = hexd[c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    return 0;
}

bool pkx_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
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
