/* test_tls13_hello.c — the TLS 1.3 engine's ClientHello parser on hand-built hellos: what it
 * accepts and echoes, what it declines (outside the profile: OpenSSL's to serve) and what it
 * refuses as malformed, with the alert it names. */
#include <criterion/criterion.h>
#include <string.h>

#include "tls13_int.h"

typedef struct {
    uint16_t type;
    const uint8_t *data;
    size_t len;
} ext;

#define EXT(t, a)                                                                                  \
    {                                                                                              \
        (t), (a), sizeof(a)                                                                        \
    }

static const uint8_t SV13[] = {4, 0x03, 0x04, 0x03, 0x03};
static const uint8_t SV12[] = {2, 0x03, 0x03};
static const uint8_t SIGS[] = {0, 4, 0x08, 0x07, 0x04, 0x03};
static const uint8_t SIGS_NO_ED[] = {0, 4, 0x04, 0x03, 0x08, 0x04};
static const uint8_t H2[] = {0, 3, 2, 'h', '2'};
static const uint8_t HTTP11[] = {0, 9, 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
static const uint8_t EMPTY[] = {0};
static uint8_t KS_X[2 + 4 + 32], KS_P[2 + 4 + 65], KS_BOTH[2 + 4 + 65 + 4 + 32],
    KS_SHORT[2 + 4 + 31];

static void key_shares(void)
{
    uint8_t *p = KS_X;
    memcpy(p, (uint8_t[]){0, 36, 0, 0x1d, 0, 32}, 6);
    memset(p + 6, 9, 32);
    p = KS_P;
    memcpy(p, (uint8_t[]){0, 69, 0, 0x17, 0, 65, 4}, 7);
    memset(p + 7, 5, 64);
    p = KS_BOTH; /* P-256 first: x25519 must still win */
    memcpy(p, (uint8_t[]){0, 105, 0, 0x17, 0, 65, 4}, 7);
    memset(p + 7, 5, 64);
    memcpy(p + 71, (uint8_t[]){0, 0x1d, 0, 32}, 4);
    memset(p + 75, 9, 32);
    p = KS_SHORT;
    memcpy(p, (uint8_t[]){0, 35, 0, 0x1d, 0, 31}, 6);
    memset(p + 6, 9, 31);
}

TestSuite(tls13_hello, .init = key_shares);

typedef struct {
    uint16_t version;
    size_t sid_len;
    const uint8_t *suites; /* 16-bit values, big-endian */
    size_t suites_len;
    const uint8_t *comp;
    size_t comp_len;
    const ext *exts;
    size_t n_exts;
} spec;

static const uint8_t SUITES[] = {0x13, 0x01, 0x13, 0x03};
static const uint8_t AES_ONLY[] = {0x13, 0x01, 0x13, 0x02};
static const uint8_t NULL_COMP[] = {0};

/* The ClientHello message of s in out; returns its length. */
static size_t build(const spec *s, uint8_t *out)
{
    size_t n = 4;
    out[n++] = (uint8_t)(s->version >> 8), out[n++] = (uint8_t)s->version;
    memset(out + n, 0xAA, 32), n += 32;
    out[n++] = (uint8_t)s->sid_len;
    for (size_t i = 0; i < s->sid_len; i++) out[n++] = (uint8_t)(i + 1);
    out[n++] = (uint8_t)(s->suites_len >> 8), out[n++] = (uint8_t)s->suites_len;
    memcpy(out + n, s->suites, s->suites_len), n += s->suites_len;
    out[n++] = (uint8_t)s->comp_len;
    memcpy(out + n, s->comp, s->comp_len), n += s->comp_len;
    size_t ext_start = n;
    n += 2;
    for (size_t i = 0; i < s->n_exts; i++) {
        const ext *e = &s->exts[i];
        out[n++] = (uint8_t)(e->type >> 8), out[n++] = (uint8_t)e->type;
        out[n++] = (uint8_t)(e->len >> 8), out[n++] = (uint8_t)e->len;
        memcpy(out + n, e->data, e->len), n += e->len;
    }
    size_t el = n - ext_start - 2;
    out[ext_start] = (uint8_t)(el >> 8), out[ext_start + 1] = (uint8_t)el;
    out[0] = 1;
    out[1] = (uint8_t)((n - 4) >> 16), out[2] = (uint8_t)((n - 4) >> 8), out[3] = (uint8_t)(n - 4);
    return n;
}

static int parse_exts(const ext *exts, size_t n, tls13_hello *h)
{
    spec s = {0x0303, 32, SUITES, sizeof SUITES, NULL_COMP, 1, exts, n};
    static uint8_t msg[2048]; /* h->share points into it after the return */
    return tls13_hello_parse(msg, build(&s, msg), h);
}

#define PARSE(h, ...)                                                                              \
    parse_exts((const ext[]){__VA_ARGS__}, sizeof((const ext[]){__VA_ARGS__}) / sizeof(ext), (h))

Test(tls13_hello, accepts_the_profile_and_echoes_the_session_id)
{
    tls13_hello h;
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X), EXT(16, H2)),
                 TLS13_HELLO_OK, "%s", h.why);
    cr_assert_eq(h.group, TLS13_GROUP_X25519);
    cr_assert_eq(h.share_len, 32);
    cr_assert_eq(h.share[0], 9);
    cr_assert(h.alpn_h2);
    cr_assert_eq(h.session_id_len, 32);
    cr_assert_eq(h.session_id[31], 32);
}

Test(tls13_hello, prefers_x25519_and_takes_p256_alone)
{
    tls13_hello h;
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_BOTH)), TLS13_HELLO_OK);
    cr_assert_eq(h.group, TLS13_GROUP_X25519);
    cr_assert(!h.alpn_h2, "no ALPN offered: none answered");
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_P)), TLS13_HELLO_OK);
    cr_assert_eq(h.group, TLS13_GROUP_SECP256R1);
    cr_assert_eq(h.share_len, 65);
}

Test(tls13_hello, takes_x25519_beside_a_hybrid_share_as_go_sends)
{
    /* Go (Terraform) 1.24 sends X25519MLKEM768 (0x11ec, 1216 bytes) first, then x25519 */
    static uint8_t ks[2 + 4 + 1216 + 4 + 32];
    size_t list = sizeof ks - 2;
    ks[0] = (uint8_t)(list >> 8), ks[1] = (uint8_t)list;
    memcpy(ks + 2, (uint8_t[]){0x11, 0xec, 0x04, 0xc0}, 4);
    memset(ks + 6, 3, 1216);
    memcpy(ks + 6 + 1216, (uint8_t[]){0, 0x1d, 0, 32}, 4);
    memset(ks + 10 + 1216, 9, 32);
    tls13_hello h;
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, ks), EXT(16, H2)), TLS13_HELLO_OK);
    cr_assert_eq(h.group, TLS13_GROUP_X25519);
    cr_assert_eq(h.share[0], 9);
}

Test(tls13_hello, declines_what_is_outside_the_profile)
{
    tls13_hello h;
    cr_assert_eq(PARSE(&h, EXT(43, SV12), EXT(13, SIGS), EXT(51, KS_X)), TLS13_HELLO_DECLINE);
    cr_assert_eq(PARSE(&h, EXT(13, SIGS), EXT(51, KS_X)), TLS13_HELLO_DECLINE, "no versions");
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS_NO_ED), EXT(51, KS_X)), TLS13_HELLO_DECLINE);
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X), EXT(16, HTTP11)),
                 TLS13_HELLO_DECLINE);
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS)), TLS13_HELLO_DECLINE, "no key_share");
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X), {42, EMPTY, 0}),
                 TLS13_HELLO_DECLINE, "early_data");
    cr_assert_str_eq(h.why, "client offers early data");

    uint8_t msg[2048];
    const ext e[] = {EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X)};
    spec s = {0x0303, 0, AES_ONLY, sizeof AES_ONLY, NULL_COMP, 1, e, 3};
    cr_assert_eq(tls13_hello_parse(msg, build(&s, msg), &h), TLS13_HELLO_DECLINE);
    cr_assert_str_eq(h.why, "client does not offer TLS_CHACHA20_POLY1305_SHA256");
    s = (spec){0x0303, 0, SUITES, sizeof SUITES, (const uint8_t[]){0, 1}, 2, e, 3};
    cr_assert_eq(tls13_hello_parse(msg, build(&s, msg), &h), TLS13_HELLO_DECLINE);
    s = (spec){0x0301, 0, SUITES, sizeof SUITES, NULL_COMP, 1, e, 3};
    cr_assert_eq(tls13_hello_parse(msg, build(&s, msg), &h), TLS13_HELLO_DECLINE);
    /* a hello longer than its record: another record would have to complete it */
    s = (spec){0x0303, 0, SUITES, sizeof SUITES, NULL_COMP, 1, e, 3};
    cr_assert_eq(tls13_hello_parse(msg, build(&s, msg) - 1, &h), TLS13_HELLO_DECLINE);
}

Test(tls13_hello, refuses_malformed_hellos_with_their_alert)
{
    tls13_hello h;
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(13, SIGS), EXT(51, KS_X)),
                 TLS13_HELLO_BAD);
    cr_assert_eq(h.alert, 47, "duplicate extension: illegal_parameter");
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(41, EMPTY), EXT(13, SIGS), EXT(51, KS_X)),
                 TLS13_HELLO_BAD);
    cr_assert_str_eq(h.why, "pre_shared_key not last");
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_SHORT)), TLS13_HELLO_BAD);
    cr_assert_eq(h.alert, 47, "a 31-byte x25519 share: illegal_parameter");
    const uint8_t odd_sigs[] = {0, 3, 0x08, 0x07, 0x04};
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, odd_sigs), EXT(51, KS_X)), TLS13_HELLO_BAD);
    cr_assert_eq(h.alert, 50, "decode_error");

    uint8_t msg[2048];
    const ext e[] = {EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X)};
    spec s = {0x0303, 0, SUITES, sizeof SUITES, NULL_COMP, 1, e, 3};
    size_t n = build(&s, msg);
    msg[n] = 0; /* a byte after the message, inside the record */
    cr_assert_eq(tls13_hello_parse(msg, n + 1, &h), TLS13_HELLO_BAD);
    cr_assert_str_eq(h.why, "data after the ClientHello");
    s.sid_len = 33;
    cr_assert_eq(tls13_hello_parse(msg, build(&s, msg), &h), TLS13_HELLO_BAD);

    /* the extensions vector one extension short of the body: the last one is trailing junk */
    const ext e4[] = {EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X), EXT(16, H2)};
    s = (spec){0x0303, 0, SUITES, sizeof SUITES, NULL_COMP, 1, e4, 4};
    n = build(&s, msg);
    size_t at = 4 + 2 + 32 + 1 + 0 + 2 + sizeof SUITES + 1 + 1;
    size_t el = ((size_t)msg[at] << 8 | msg[at + 1]) - (4 + sizeof H2);
    msg[at] = (uint8_t)(el >> 8), msg[at + 1] = (uint8_t)el;
    cr_assert_eq(tls13_hello_parse(msg, n, &h), TLS13_HELLO_BAD);
    cr_assert_str_eq(h.why, "malformed ClientHello extensions");
}

Test(tls13_hello, pre_shared_key_last_is_ignored)
{
    tls13_hello h;
    cr_assert_eq(PARSE(&h, EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X), EXT(41, EMPTY)),
                 TLS13_HELLO_OK);
}

Test(tls13_hello, no_shortened_hello_is_accepted)
{
    /* every body length short of the real one, with the header saying so: never OK */
    uint8_t msg[2048];
    const ext e[] = {EXT(43, SV13), EXT(13, SIGS), EXT(51, KS_X), EXT(16, H2)};
    spec s = {0x0303, 32, SUITES, sizeof SUITES, NULL_COMP, 1, e, 4};
    size_t n = build(&s, msg);
    for (size_t body = 0; body < n - 4; body++) {
        msg[1] = (uint8_t)(body >> 16), msg[2] = (uint8_t)(body >> 8), msg[3] = (uint8_t)body;
        tls13_hello h;
        cr_assert_neq(tls13_hello_parse(msg, 4 + body, &h), TLS13_HELLO_OK, "body %zu", body);
    }
}
