/* utf8.c — text that reaches Terraform: protobuf strings must be valid UTF-8 (Terraform replaces a
 * whole diagnostic with "string field contains invalid UTF-8" otherwise), and text that came from
 * outside must not drive the user's terminal. */
#include <stdio.h>
#include <string.h>

#include "tfvalue.h"

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF),
 * or 0 if the bytes there are not one. */
size_t tf_utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return n;
}

bool tf_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = tf_utf8_seq_len(p + i, len - i);
        if (!n) return false;
        i += n;
    }
    return true;
}

const char *tf_text_clean(tf_arena *a, const char *s, size_t max)
{
    if (!s) return "";
    size_t len = strlen(s);
    tf_buf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    bool cut = false;
    for (size_t i = 0; i < len;) {
        size_t n = tf_utf8_seq_len(p + i, len - i);
        char esc[8];
        const char *out = (const char *)p + i;
        size_t out_len = n;
        if (n == 0) { /* not UTF-8: U+FFFD, visibly */
            out = "\xef\xbf\xbd", out_len = 3, n = 1;
        } else if ((n == 1 && ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f)) ||
                   (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
            /* C0/C1 controls and DEL (ESC sequences, CR, 8-bit CSI) are shown, not obeyed */
            unsigned cp = n == 1 ? p[i] : p[i + 1];
            snprintf(esc, sizeof esc, "\\x%02x", cp);
            out = esc, out_len = strlen(esc);
        }
        if (b.len + out_len > max) {
            cut = true;
            break;
        }
        tf_buf_put(&b, out, out_len);
        i += n;
    }
    if (cut) tf_buf_puts(&b, "\xe2\x80\xa6"); /* … */
    const char *r = tf_arena_strndup(a, b.len ? (const char *)b.data : "", b.len);
    tf_buf_free(&b);
    return r;
}
