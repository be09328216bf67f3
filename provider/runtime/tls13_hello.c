/* tls13_hello.c — the strict ClientHello parser of the TLS 1.3 engine (RFC 8446 §4.1.2, §4.2):
 * every length is checked against its container, duplicate extensions and trailing bytes are
 * errors. It answers whether the hello fits the engine's one profile and, if so, what to echo.
 *
 * Two kinds of "no": a hello that is well formed but asks for something else (TLS 1.2, another
 * suite or group, no Ed25519, PSK-only, early data, a HelloRetryRequest round) is DECLINED, so the
 * caller can hand the untouched bytes to OpenSSL, which serves every such client today; a hello
 * that breaks the encoding rules is BAD and the handshake fails with an alert. */
#include "tls13_int.h"

#include <string.h>

/* TLS alert descriptions (§6.2) used here */
#define ALERT_ILLEGAL_PARAMETER 47
#define ALERT_DECODE_ERROR      50

#define EXT_ALPN               16
#define EXT_SIG_ALGS           13
#define EXT_PRE_SHARED_KEY     41
#define EXT_EARLY_DATA         42
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_COOKIE             44
#define EXT_KEY_SHARE          51
#define MAX_EXTENSIONS         64 /* real clients send about 20 */

#define SUITE_CHACHA20_POLY1305_SHA256 0x1303
#define SIG_ED25519                    0x0807
#define VERSION_TLS13                  0x0304

/* A bounded reader: a short read marks it bad and yields zeros, so callers check once. */
typedef struct {
    const uint8_t *p;
    size_t n;
    bool bad;
} rd;

static uint32_t get(rd *r, size_t k)
{
    if (r->bad || r->n < k) {
        r->bad = true;
        return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < k; i++) v = v << 8 | r->p[i];
    r->p += k;
    r->n -= k;
    return v;
}

/* The vector after a k-byte length prefix, as its own reader. */
static rd vec(rd *r, size_t k)
{
    size_t len = get(r, k);
    rd v = {r->p, len, r->bad || r->n < len};
    if (v.bad) {
        r->bad = true;
        v.n = 0;
    } else {
        r->p += len;
        r->n -= len;
    }
    return v;
}

/* A list of 16-bit values filling exactly its vector (at least one); *found if it holds want. */
static bool u16_list(rd v, uint16_t want, bool *found)
{
    if (v.bad || v.n < 2 || v.n % 2) return false;
    while (v.n) *found |= get(&v, 2) == want;
    return true;
}

static int bad(tls13_hello *h, uint8_t alert, const char *why)
{
    h->alert = alert;
    h->why = why;
    return TLS13_HELLO_BAD;
}

static int decline(tls13_hello *h, const char *why)
{
    h->why = why;
    return TLS13_HELLO_DECLINE;
}

/* What the extensions said, judged after all of them are read. */
typedef struct {
    bool tls13, chacha, ed25519, alpn_seen, early_data, cookie;
} offers;

static int key_share(rd v, tls13_hello *h)
{
    rd list = vec(&v, 2);
    if (v.bad || v.n) return bad(h, ALERT_DECODE_ERROR, "malformed key_share");
    const uint8_t *x25519 = NULL, *p256 = NULL;
    while (list.n) {
        uint16_t group = (uint16_t)get(&list, 2);
        rd key = vec(&list, 2);
        if (list.bad || key.n == 0) return bad(h, ALERT_DECODE_ERROR, "malformed key_share");
        /* §4.2.8: one share per group, each of the group's exact size */
        if (group == TLS13_GROUP_X25519) {
            if (x25519 || key.n != 32)
                return bad(h, ALERT_ILLEGAL_PARAMETER, "bad x25519 key share");
            x25519 = key.p;
        } else if (group == TLS13_GROUP_SECP256R1) {
            if (p256 || key.n != TLS13_P256_POINT_LEN || key.p[0] != 0x04)
                return bad(h, ALERT_ILLEGAL_PARAMETER, "bad secp256r1 key share");
            p256 = key.p;
        }
    }
    /* x25519 whenever offered: cheaper, and what Terraform (Go) always sends */
    if (x25519) {
        h->group = TLS13_GROUP_X25519;
        h->share = x25519;
        h->share_len = 32;
    } else if (p256) {
        h->group = TLS13_GROUP_SECP256R1;
        h->share = p256;
        h->share_len = TLS13_P256_POINT_LEN;
    }
    return TLS13_HELLO_OK;
}

static int alpn(rd v, tls13_hello *h)
{
    rd list = vec(&v, 2);
    if (v.bad || v.n || list.n == 0) return bad(h, ALERT_DECODE_ERROR, "malformed ALPN");
    while (list.n) {
        rd name = vec(&list, 1);
        if (list.bad || name.n == 0) return bad(h, ALERT_DECODE_ERROR, "malformed ALPN");
        if (name.n == 2 && memcmp(name.p, "h2", 2) == 0) h->alpn_h2 = true;
    }
    return TLS13_HELLO_OK;
}

/* One extension's body; unknown ones are skipped (their framing was checked by the caller). */
static int extension(uint16_t type, rd v, tls13_hello *h, offers *o)
{
    switch (type) {
    case EXT_SUPPORTED_VERSIONS: {
        rd list = vec(&v, 1);
        if (v.n || !u16_list(list, VERSION_TLS13, &o->tls13))
            return bad(h, ALERT_DECODE_ERROR, "malformed supported_versions");
        return TLS13_HELLO_OK;
    }
    case EXT_SIG_ALGS: {
        rd list = vec(&v, 2);
        if (v.n || !u16_list(list, SIG_ED25519, &o->ed25519))
            return bad(h, ALERT_DECODE_ERROR, "malformed signature_algorithms");
        return TLS13_HELLO_OK;
    }
    case EXT_KEY_SHARE:
        return key_share(v, h);
    case EXT_ALPN:
        o->alpn_seen = true;
        return alpn(v, h);
    case EXT_EARLY_DATA:
        o->early_data = true;
        return TLS13_HELLO_OK;
    case EXT_COOKIE:
        o->cookie = true;
        return TLS13_HELLO_OK;
    default:
        return TLS13_HELLO_OK;
    }
}

static int extensions(rd *r, tls13_hello *h, offers *o)
{
    rd all = vec(r, 2);
    if (r->bad || r->n) return bad(h, ALERT_DECODE_ERROR, "malformed ClientHello extensions");
    uint16_t seen[MAX_EXTENSIONS];
    size_t n_seen = 0;
    while (all.n) {
        uint16_t type = (uint16_t)get(&all, 2);
        rd body = vec(&all, 2);
        if (all.bad) return bad(h, ALERT_DECODE_ERROR, "malformed ClientHello extensions");
        for (size_t i = 0; i < n_seen; i++)
            if (seen[i] == type) return bad(h, ALERT_ILLEGAL_PARAMETER, "duplicate extension");
        if (n_seen == MAX_EXTENSIONS) return decline(h, "too many extensions");
        seen[n_seen++] = type;
        /* §4.2.11: pre_shared_key must come last. PSKs are ignored otherwise: we never issue
         * tickets, so a full handshake is the only answer and the offer costs nothing. */
        if (type == EXT_PRE_SHARED_KEY && all.n)
            return bad(h, ALERT_ILLEGAL_PARAMETER, "pre_shared_key not last");
        int rc = extension(type, body, h, o);
        if (rc != TLS13_HELLO_OK) return rc;
    }
    return TLS13_HELLO_OK;
}

int tls13_hello_parse(const uint8_t *msg, size_t len, tls13_hello *h)
{
    memset(h, 0, sizeof *h);
    rd r = {msg, len, false};
    uint32_t type = get(&r, 1), body_len = get(&r, 3);
    if (r.bad || type != 1) return decline(h, "first message is no ClientHello");
    /* the whole hello must be in this one record (Go and OpenSSL send it so); a longer one is
     * OpenSSL's to reassemble */
    if (body_len > r.n) return decline(h, "ClientHello spans records");
    if (body_len < r.n) return bad(h, ALERT_DECODE_ERROR, "data after the ClientHello");

    if (get(&r, 2) != 0x0303) return decline(h, "legacy_version is not TLS 1.2");
    get(&r, 32); /* random: nothing in our answer depends on it */
    rd sid = vec(&r, 1);
    rd suites = vec(&r, 2);
    rd comp = vec(&r, 1);
    if (r.bad || sid.n > sizeof h->session_id || suites.n < 2 || suites.n % 2 || comp.n == 0)
        return bad(h, ALERT_DECODE_ERROR, "malformed ClientHello");
    memcpy(h->session_id, sid.p, sid.n);
    h->session_id_len = sid.n;
    offers o = {0};
    while (suites.n) o.chacha |= get(&suites, 2) == SUITE_CHACHA20_POLY1305_SHA256;
    if (r.n == 0) return decline(h, "ClientHello without extensions");
    int rc = extensions(&r, h, &o);
    if (rc != TLS13_HELLO_OK) return rc;

    if (!o.tls13) return decline(h, "client does not offer TLS 1.3");
    if (comp.n != 1 || comp.p[0] != 0) return decline(h, "compression offered");
    if (!o.chacha) return decline(h, "client does not offer TLS_CHACHA20_POLY1305_SHA256");
    if (!o.ed25519) return decline(h, "client does not accept Ed25519 signatures");
    if (o.alpn_seen && !h->alpn_h2) return decline(h, "client does not offer ALPN h2");
    /* Early data would need a PSK we never issue and a rejection path; OpenSSL has both. */
    if (o.early_data) return decline(h, "client offers early data");
    /* A cookie only answers a HelloRetryRequest, which we never send. */
    if (o.cookie) return decline(h, "client sends a cookie");
    /* No HelloRetryRequest: a second ClientHello round for a rare client is not worth a second
     * state machine; OpenSSL asks for the share instead. */
    if (!h->share) return decline(h, "no x25519 or secp256r1 key share");
    return TLS13_HELLO_OK;
}
