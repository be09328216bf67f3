/* tls13.c — the TLS 1.3 server engine (see tls13.h): the handshake state machine (ClientHello →
 * one server flight → client Finished), the record layer (RFC 8446 §5: ChaCha20-Poly1305,
 * nonce = iv XOR seq, AAD = header, inner content type + zero padding) and non-blocking I/O with a
 * bounded write queue. Key schedule in tls13_keys.c, hello parsing in tls13_hello.c. */
#include "tls13.h"
#include "tls13_int.h"

#include <errno.h>
#include <sodium.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tfvalue.h"

#define REC_HDR        5
#define REC_MAX_PLAIN  16384
#define REC_MAX_CIPHER (REC_MAX_PLAIN + 256)
#define OUT_HIGH       (64 * 1024) /* take more plaintext only while less is queued */

/* content types (§5.1) */
#define CT_CCS       20
#define CT_ALERT     21
#define CT_HANDSHAKE 22
#define CT_APP       23

/* handshake types (§4) */
#define HS_SERVER_HELLO 2
#define HS_ENC_EXT      8
#define HS_CERTIFICATE  11
#define HS_CERT_VERIFY  15
#define HS_FINISHED     20
#define HS_KEY_UPDATE   24

/* alert descriptions (§6.2) */
#define A_CLOSE_NOTIFY      0
#define A_UNEXPECTED        10
#define A_BAD_RECORD_MAC    20
#define A_RECORD_OVERFLOW   22
#define A_HANDSHAKE_FAILURE 40
#define A_ILLEGAL_PARAMETER 47
#define A_DECODE_ERROR      50
#define A_DECRYPT_ERROR     51
#define A_INTERNAL_ERROR    80
#define A_USER_CANCELED     90

enum { ST_HELLO, ST_CLIENT_FIN, ST_OPEN, ST_CLOSED, ST_FAILED, ST_DECLINED };

struct tls13 {
    int fd;
    const tls13_cred *cred;
    int state;
    const char *err;
    bool ccs_seen;                /* the one compatibility change_cipher_spec allowed (§D.4) */
    bool wr_keys;                 /* wr holds keys: alerts go encrypted */
    tls13_dir rd, wr;             /* the client's and our current record protection */
    uint8_t c_ap[TLS13_HASH_LEN]; /* client application secret, until its Finished */
    uint8_t client_fin[TLS13_HASH_LEN]; /* the verify_data the client's Finished must carry */
    size_t in_start, in_end;            /* unconsumed bytes in `in` */
    size_t pt_off, pt_len;              /* plaintext of the last record not yet returned */
    size_t in_hw, pt_hw; /* how far `in` and `pt` were ever written: all a wipe must clear */
    uint8_t *out;        /* ciphertext for the socket: out[out_off..out_len) */
    size_t out_off, out_len, out_cap;
    crypto_hash_sha256_state th; /* the handshake transcript */
    /* last: left unwritten at creation, so their pages are touched only as records need them */
    uint8_t in[REC_HDR + REC_MAX_CIPHER];
    uint8_t pt[REC_MAX_CIPHER];
};

tls13 *tls13_new(int fd, const tls13_cred *cred)
{
    if (sodium_init() < 0) return NULL;
    /* not calloc: 33 KiB zeroed would touch 9 pages, most of which a connection of small records
     * never uses (~5 us each when first touched, on a VM) */
    tls13 *t = malloc(sizeof *t);
    if (!t) return NULL;
    memset(t, 0, offsetof(tls13, in));
    t->fd = fd;
    t->cred = cred;
    t->state = ST_HELLO;
    return t;
}

void tls13_free(tls13 *t)
{
    if (!t) return;
    if (t->out) {
        sodium_memzero(t->out, t->out_cap);
        free(t->out);
    }
    sodium_memzero(t->in, t->in_hw);
    sodium_memzero(t->pt, t->pt_hw);
    sodium_memzero(t, offsetof(tls13, in));
    tf_free_wiped(t);
}

const uint8_t *tls13_prefix(const tls13 *t, size_t *len)
{
    *len = t->in_end; /* before the hello is accepted nothing is consumed */
    return t->in;
}

bool tls13_want_write(const tls13 *t)
{
    return t->out_len > t->out_off;
}

const char *tls13_error(const tls13 *t)
{
    return t->err;
}

/* ---- output ------------------------------------------------------------------------------ */

/* Room for n more bytes at out + out_len. */
static bool out_reserve(tls13 *t, size_t n)
{
    if (t->out_off == t->out_len) t->out_off = t->out_len = 0;
    if (t->out_cap - t->out_len >= n) return true;
    if (t->out_off) {
        memmove(t->out, t->out + t->out_off, t->out_len - t->out_off);
        t->out_len -= t->out_off;
        t->out_off = 0;
        if (t->out_cap - t->out_len >= n) return true;
    }
    size_t cap = t->out_cap ? t->out_cap : 4096;
    while (cap - t->out_len < n) cap *= 2;
    uint8_t *p = realloc(t->out, cap);
    if (!p) return false;
    t->out = p;
    t->out_cap = cap;
    return true;
}

static void put_header(uint8_t *h, uint8_t type, size_t len)
{
    h[0] = type;
    h[1] = 0x03; /* legacy_record_version 0x0303 */
    h[2] = 0x03;
    h[3] = (uint8_t)(len >> 8);
    h[4] = (uint8_t)len;
}

/* nonce = iv XOR the 64-bit sequence number, left-padded to the IV's length (§5.3) */
static void nonce_of(const tls13_dir *d, uint8_t nonce[TLS13_IV_LEN])
{
    memcpy(nonce, d->iv, TLS13_IV_LEN);
    for (int i = 0; i < 8; i++) nonce[TLS13_IV_LEN - 1 - i] ^= (uint8_t)(d->seq >> (8 * i));
}

/* Queues one protected record: TLSInnerPlaintext = data || type, no padding (len <= 16384). */
static bool seal(tls13 *t, uint8_t type, const uint8_t *data, size_t len)
{
    if (t->wr.seq == UINT64_MAX || !out_reserve(t, REC_HDR + len + 1 + TLS13_TAG_LEN)) return false;
    uint8_t *h = t->out + t->out_len, *body = h + REC_HDR, nonce[TLS13_IV_LEN];
    put_header(h, CT_APP, len + 1 + TLS13_TAG_LEN);
    if (len) memmove(body, data, len);
    body[len] = type;
    nonce_of(&t->wr, nonce);
    unsigned long long clen;
    crypto_aead_chacha20poly1305_ietf_encrypt(body, &clen, body, len + 1, h, REC_HDR, NULL, nonce,
                                              t->wr.key);
    t->wr.seq++;
    t->out_len += REC_HDR + (size_t)clen;
    return true;
}

/* Queues one record in the clear (the ServerHello, or an alert before any key). */
static bool plain(tls13 *t, uint8_t type, const uint8_t *data, size_t len)
{
    if (!out_reserve(t, REC_HDR + len)) return false;
    put_header(t->out + t->out_len, type, len);
    memcpy(t->out + t->out_len + REC_HDR, data, len);
    t->out_len += REC_HDR + len;
    return true;
}

/* Writes what the socket takes. 0 (maybe some left: tls13_want_write), -1 if the socket failed. */
static int flush(tls13 *t)
{
    while (t->out_off < t->out_len) {
        ssize_t n = send(t->fd, t->out + t->out_off, t->out_len - t->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            t->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    t->out_off = t->out_len = 0;
    return 0;
}

/* Fatal: the alert (if any; encrypted once we have keys), then the engine is dead. */
static int fail(tls13 *t, uint8_t alert, const char *why)
{
    if (t->state == ST_FAILED) return TLS13_FAILED;
    t->state = ST_FAILED;
    t->err = why;
    if (alert) {
        uint8_t a[2] = {2 /* fatal */, alert};
        if (t->wr_keys ? seal(t, CT_ALERT, a, 2) : plain(t, CT_ALERT, a, 2))
            (void)flush(t); /* best effort: the peer may be gone */
    }
    sodium_memzero(t->pt, t->pt_hw);
    t->pt_off = t->pt_len = 0;
    return TLS13_FAILED;
}

/* ---- input ------------------------------------------------------------------------------- */

/* Reads what the socket has into `in`. 1 got bytes, 0 nothing now, -1 EOF or error. */
static int fill(tls13 *t)
{
    if (t->in_start == t->in_end) {
        t->in_start = t->in_end = 0;
    } else if (t->in_start && t->state != ST_HELLO) {
        memmove(t->in, t->in + t->in_start, t->in_end - t->in_start);
        t->in_end -= t->in_start;
        t->in_start = 0;
    }
    if (t->in_end == sizeof t->in) return 0; /* a whole record is always parsed before this */
    for (;;) {
        ssize_t n = recv(t->fd, t->in + t->in_end, sizeof t->in - t->in_end, 0);
        if (n > 0) {
            t->in_end += (size_t)n;
            if (t->in_end > t->in_hw) t->in_hw = t->in_end;
            return 1;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
}

typedef struct {
    uint8_t type;
    const uint8_t *hdr; /* the 5-byte header (the AAD), body follows it */
    size_t len;
} record;

/* The next complete record, consumed from `in`: 1, 0 none yet, -1 failed (too long). Its bytes
 * stay valid until the next fill. */
static int next_record(tls13 *t, record *r)
{
    size_t have = t->in_end - t->in_start;
    if (have < REC_HDR) return 0;
    const uint8_t *h = t->in + t->in_start;
    size_t len = (size_t)h[3] << 8 | h[4];
    if (len > REC_MAX_CIPHER) return fail(t, A_RECORD_OVERFLOW, "record too long"), -1;
    if (have < REC_HDR + len) return 0;
    r->type = h[0];
    r->hdr = h;
    r->len = len;
    t->in_start += REC_HDR + len;
    return 1;
}

/* Decrypts a protected record into pt. Returns the inner content type, or -1 (failed). */
static int open_record(tls13 *t, const record *r)
{
    if (r->type != CT_APP) return fail(t, A_UNEXPECTED, "unprotected record after the hello");
    if (r->len < TLS13_TAG_LEN + 1) return fail(t, A_DECODE_ERROR, "record too short");
    if (t->rd.seq == UINT64_MAX) return fail(t, A_INTERNAL_ERROR, "sequence number exhausted");
    uint8_t nonce[TLS13_IV_LEN];
    nonce_of(&t->rd, nonce);
    unsigned long long n;
    /* a failed decryption leaves only zeros in pt (libsodium checks the tag first) */
    if (crypto_aead_chacha20poly1305_ietf_decrypt(t->pt, &n, NULL, r->hdr + REC_HDR, r->len, r->hdr,
                                                  REC_HDR, nonce, t->rd.key) != 0)
        return fail(t, A_BAD_RECORD_MAC, "bad record MAC");
    if ((size_t)n > t->pt_hw) t->pt_hw = (size_t)n;
    t->rd.seq++;
    /* TLSInnerPlaintext: content, the type (non-zero), then zero padding */
    size_t len = (size_t)n;
    while (len && t->pt[len - 1] == 0) len--;
    if (len == 0) return fail(t, A_UNEXPECTED, "record without a content type");
    len--;
    if (len > REC_MAX_PLAIN) return fail(t, A_RECORD_OVERFLOW, "record plaintext too long");
    t->pt_off = 0;
    t->pt_len = len;
    return t->pt[len];
}

/* ---- handshake --------------------------------------------------------------------------- */

static size_t put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
    return 3;
}

/* The ServerHello (§4.1.3): our random, the echoed session id, TLS_CHACHA20_POLY1305_SHA256,
 * supported_versions = TLS 1.3, and our key share. Returns its length. */
static size_t server_hello(uint8_t *m, const tls13_hello *h, const uint8_t *pub, size_t pub_len)
{
    size_t n = 4;
    m[n++] = 0x03, m[n++] = 0x03; /* legacy_version */
    randombytes_buf(m + n, 32);
    n += 32;
    m[n++] = (uint8_t)h->session_id_len;
    memcpy(m + n, h->session_id, h->session_id_len);
    n += h->session_id_len;
    m[n++] = 0x13, m[n++] = 0x03; /* cipher suite */
    m[n++] = 0;                   /* legacy_compression_method */
    size_t ext_len = 6 + 8 + pub_len;
    m[n++] = (uint8_t)(ext_len >> 8), m[n++] = (uint8_t)ext_len;
    const uint8_t versions[] = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
    memcpy(m + n, versions, sizeof versions);
    n += sizeof versions;
    m[n++] = 0x00, m[n++] = 0x33; /* key_share */
    m[n++] = (uint8_t)((4 + pub_len) >> 8), m[n++] = (uint8_t)(4 + pub_len);
    m[n++] = (uint8_t)(h->group >> 8), m[n++] = (uint8_t)h->group;
    m[n++] = (uint8_t)(pub_len >> 8), m[n++] = (uint8_t)pub_len;
    memcpy(m + n, pub, pub_len);
    n += pub_len;
    m[0] = HS_SERVER_HELLO;
    put24(m + 1, n - 4);
    return n;
}

static void transcript_hash(const tls13 *t, uint8_t out[TLS13_HASH_LEN])
{
    crypto_hash_sha256_state copy = t->th; /* the transcript goes on after this point */
    crypto_hash_sha256_final(&copy, out);
}

static void add(tls13 *t, const uint8_t *msg, size_t len)
{
    crypto_hash_sha256_update(&t->th, msg, len);
}

/* EncryptedExtensions, Certificate, CertificateVerify and Finished into m (added to the
 * transcript). Returns the length. */
static size_t server_flight(tls13 *t, uint8_t *m, bool alpn_h2, const uint8_t s_hs[32])
{
    size_t n = 0, start;
    /* EncryptedExtensions: ALPN "h2" if the client offered ALPN */
    static const uint8_t ee_alpn[] = {HS_ENC_EXT, 0, 0, 11, 0, 9, 0, 0x10, 0, 5, 0, 3, 2, 'h', '2'};
    static const uint8_t ee_none[] = {HS_ENC_EXT, 0, 0, 2, 0, 0};
    const uint8_t *ee = alpn_h2 ? ee_alpn : ee_none;
    size_t ee_len = alpn_h2 ? sizeof ee_alpn : sizeof ee_none;
    memcpy(m, ee, ee_len);
    n += ee_len;

    /* Certificate: empty request context, one entry (our DER) without extensions */
    size_t cl = t->cred->cert_len;
    m[n++] = HS_CERTIFICATE;
    n += put24(m + n, 1 + 3 + 3 + cl + 2);
    m[n++] = 0;
    n += put24(m + n, 3 + cl + 2);
    n += put24(m + n, cl);
    memcpy(m + n, t->cred->cert_der, cl);
    n += cl;
    m[n++] = 0, m[n++] = 0;
    add(t, m, n); /* EncryptedExtensions and Certificate */

    /* CertificateVerify (§4.4.3): Ed25519 over 64 spaces, the context string, 0, the hash */
    static const char ctx[] = "TLS 1.3, server CertificateVerify";
    uint8_t signed_content[64 + sizeof ctx + TLS13_HASH_LEN];
    memset(signed_content, 0x20, 64);
    memcpy(signed_content + 64, ctx, sizeof ctx); /* with its terminating 0: the separator */
    transcript_hash(t, signed_content + 64 + sizeof ctx);
    start = n;
    m[n++] = HS_CERT_VERIFY;
    n += put24(m + n, 2 + 2 + crypto_sign_BYTES);
    m[n++] = 0x08, m[n++] = 0x07; /* ed25519 */
    m[n++] = 0, m[n++] = crypto_sign_BYTES;
    crypto_sign_detached(m + n, NULL, signed_content, sizeof signed_content, t->cred->sign_sk);
    n += crypto_sign_BYTES;
    add(t, m + start, n - start);

    /* Finished (§4.4.4) */
    uint8_t hash[TLS13_HASH_LEN];
    transcript_hash(t, hash);
    start = n;
    m[n++] = HS_FINISHED;
    n += put24(m + n, TLS13_HASH_LEN);
    tls13_finished(m + n, s_hs, hash);
    n += TLS13_HASH_LEN;
    add(t, m + start, n - start);
    return n;
}

/* Our whole answer to an accepted ClientHello (msg, len): key exchange, ServerHello in the clear,
 * then the encrypted flight; afterwards we write with the server application keys and read the
 * client's Finished with its handshake keys. */
static int answer_hello(tls13 *t, const uint8_t *msg, size_t len, const tls13_hello *h)
{
    uint8_t priv[32], pub[TLS13_P256_POINT_LEN], shared[32], sh[160];
    uint8_t hs[32], ms[32], c_hs[32], s_hs[32], s_ap[32], hash[TLS13_HASH_LEN];
    size_t pub_len;
    crypto_hash_sha256_init(&t->th);
    add(t, msg, len);

    if (h->group == TLS13_GROUP_X25519) {
        randombytes_buf(priv, sizeof priv);
        crypto_scalarmult_curve25519_base(pub, priv);
        pub_len = 32;
        /* libsodium refuses an all-zero result: a low-order point from the client */
        int rc = crypto_scalarmult_curve25519(shared, priv, h->share);
        sodium_memzero(priv, sizeof priv);
        if (rc != 0) return fail(t, A_ILLEGAL_PARAMETER, "bad x25519 key share");
    } else {
        pub_len = TLS13_P256_POINT_LEN;
        if (tls13_p256_exchange(h->share, pub, shared) != 0)
            return fail(t, A_ILLEGAL_PARAMETER, "bad secp256r1 key share");
    }
    size_t sh_len = server_hello(sh, h, pub, pub_len);
    add(t, sh, sh_len);
    tls13_handshake_secret(hs, shared, sizeof shared);
    sodium_memzero(shared, sizeof shared);
    transcript_hash(t, hash);
    tls13_derive_secret(c_hs, hs, "c hs traffic", hash);
    tls13_derive_secret(s_hs, hs, "s hs traffic", hash);
    tls13_master_secret(ms, hs);
    sodium_memzero(hs, sizeof hs);
    tls13_dir_set(&t->rd, c_hs);
    tls13_dir_set(&t->wr, s_hs);

    int rc = TLS13_AGAIN;
    size_t cap = t->cred->cert_len + 256;
    uint8_t *flight = malloc(cap);
    if (!flight || !plain(t, CT_HANDSHAKE, sh, sh_len)) {
        rc = fail(t, 0, "out of memory");
        goto out;
    }
    t->wr_keys = true;
    size_t n = server_flight(t, flight, h->alpn_h2, s_hs);
    for (size_t off = 0; off < n; off += REC_MAX_PLAIN) {
        size_t chunk = n - off < REC_MAX_PLAIN ? n - off : REC_MAX_PLAIN;
        if (!seal(t, CT_HANDSHAKE, flight + off, chunk)) {
            rc = fail(t, 0, "out of memory");
            goto out;
        }
    }
    /* the application secrets and the client's expected Finished hang on CH..server Finished */
    transcript_hash(t, hash);
    tls13_derive_secret(t->c_ap, ms, "c ap traffic", hash);
    tls13_derive_secret(s_ap, ms, "s ap traffic", hash);
    tls13_finished(t->client_fin, c_hs, hash);
    /* the client reads our next records (an alert at most) with the application keys */
    tls13_dir_set(&t->wr, s_ap);
    t->state = ST_CLIENT_FIN;
out:
    if (flight) {
        sodium_memzero(flight, cap);
        free(flight);
    }
    sodium_memzero(ms, sizeof ms);
    sodium_memzero(c_hs, sizeof c_hs);
    sodium_memzero(s_hs, sizeof s_hs);
    sodium_memzero(s_ap, sizeof s_ap);
    return rc;
}

/* Waits for the first record, whole; decides between answering, declining and failing. */
static int read_hello(tls13 *t)
{
    for (;;) {
        size_t have = t->in_end;
        /* Not TLS (or SSL 2): OpenSSL gives the error it gives today. */
        if (have >= 1 && t->in[0] != CT_HANDSHAKE) goto decline;
        if (have >= 3 && t->in[1] != 0x03) goto decline;
        if (have >= REC_HDR) {
            size_t len = (size_t)t->in[3] << 8 | t->in[4];
            if (len > REC_MAX_PLAIN) goto decline; /* OpenSSL answers record_overflow */
            if (have >= REC_HDR + len) break;
        }
        int r = fill(t);
        if (r == 0) return TLS13_AGAIN;
        if (r < 0) return fail(t, 0, "connection closed during the ClientHello");
    }
    size_t len = (size_t)t->in[3] << 8 | t->in[4];
    tls13_hello h;
    int rc = tls13_hello_parse(t->in + REC_HDR, len, &h);
    if (rc == TLS13_HELLO_DECLINE) {
        t->err = h.why;
        goto decline;
    }
    if (rc == TLS13_HELLO_BAD) return fail(t, h.alert, h.why);
    t->in_start = REC_HDR + len;
    return answer_hello(t, t->in + REC_HDR, len, &h);
decline:
    t->state = ST_DECLINED;
    return TLS13_DECLINED;
}

/* Reads up to the client's Finished (after at most one compatibility change_cipher_spec). */
static int read_client_finished(tls13 *t)
{
    for (;;) {
        record r;
        int got = next_record(t, &r);
        if (got < 0) return TLS13_FAILED;
        if (got == 0) {
            int f = fill(t);
            if (f == 0) return TLS13_AGAIN;
            if (f < 0) return fail(t, 0, "connection closed during the handshake");
            continue;
        }
        if (r.type == CT_CCS) {
            const uint8_t *b = r.hdr + REC_HDR;
            if (t->ccs_seen || r.len != 1 || b[0] != 1)
                return fail(t, A_UNEXPECTED, "unexpected change_cipher_spec");
            t->ccs_seen = true;
            continue;
        }
        if (r.type == CT_ALERT) return fail(t, 0, "client sent an alert");
        int type = open_record(t, &r);
        if (type < 0) return TLS13_FAILED;
        if (type == CT_ALERT) return fail(t, 0, "client refused the handshake (alert)");
        if (type != CT_HANDSHAKE) return fail(t, A_UNEXPECTED, "expected the client's Finished");
        /* exactly one Finished, alone in its record: the keys change after it (§5.1) */
        const uint8_t *m = t->pt;
        if (t->pt_len != 4 + TLS13_HASH_LEN || m[0] != HS_FINISHED || m[1] || m[2] ||
            m[3] != TLS13_HASH_LEN)
            return fail(t, A_UNEXPECTED, "expected the client's Finished");
        if (sodium_memcmp(m + 4, t->client_fin, TLS13_HASH_LEN) != 0)
            return fail(t, A_DECRYPT_ERROR, "bad client Finished");
        tls13_dir_set(&t->rd, t->c_ap);
        sodium_memzero(t->c_ap, sizeof t->c_ap);
        sodium_memzero(t->client_fin, sizeof t->client_fin);
        sodium_memzero(&t->th, sizeof t->th);
        sodium_memzero(t->pt, t->pt_len);
        t->pt_len = 0;
        t->state = ST_OPEN;
        return TLS13_DONE;
    }
}

int tls13_handshake(tls13 *t)
{
    switch (t->state) {
    case ST_DECLINED:
        return TLS13_DECLINED;
    case ST_OPEN:
        return TLS13_DONE;
    case ST_HELLO:
    case ST_CLIENT_FIN:
        break;
    default:
        return TLS13_FAILED;
    }
    if (t->state == ST_HELLO) {
        int rc = read_hello(t);
        if (rc != TLS13_AGAIN || t->state != ST_CLIENT_FIN) return rc;
    }
    /* send (the rest of) our flight, then look for the client's answer */
    if (flush(t) < 0) return fail(t, 0, "connection lost during the handshake");
    return read_client_finished(t);
}

/* ---- application data -------------------------------------------------------------------- */

/* Post-handshake handshake messages in pt: only KeyUpdate (§4.6.3), last in its record. */
static int post_handshake(tls13 *t)
{
    const uint8_t *m = t->pt;
    size_t len = t->pt_len;
    t->pt_len = 0;
    if (len != 5 || m[0] != HS_KEY_UPDATE || m[1] || m[2] || m[3] != 1)
        return fail(t, A_UNEXPECTED, "unexpected post-handshake message");
    if (m[4] > 1) return fail(t, A_ILLEGAL_PARAMETER, "bad KeyUpdate");
    tls13_dir_update(&t->rd);
    if (m[4] == 1) {
        /* a peer that asks for updates but reads nothing must not grow our queue forever */
        if (t->out_len - t->out_off > 2 * OUT_HIGH)
            return fail(t, A_UNEXPECTED, "KeyUpdate requests while not reading");
        /* update_requested: answer with our own KeyUpdate, then switch our write key */
        static const uint8_t ku[] = {HS_KEY_UPDATE, 0, 0, 1, 0};
        if (!seal(t, CT_HANDSHAKE, ku, sizeof ku)) return fail(t, 0, "out of memory");
        tls13_dir_update(&t->wr);
        if (flush(t) < 0) return fail(t, 0, "connection lost");
    }
    return 0;
}

ssize_t tls13_read(tls13 *t, uint8_t *buf, size_t cap)
{
    for (;;) {
        if (t->pt_off < t->pt_len) {
            size_t n = t->pt_len - t->pt_off < cap ? t->pt_len - t->pt_off : cap;
            memcpy(buf, t->pt + t->pt_off, n);
            sodium_memzero(t->pt + t->pt_off, n);
            t->pt_off += n;
            return (ssize_t)n;
        }
        if (t->state != ST_OPEN) return -1;
        if (cap == 0) return 0;
        record r;
        int got = next_record(t, &r);
        if (got < 0) return -1;
        if (got == 0) {
            int f = fill(t);
            if (f == 0) return 0;
            if (f < 0) return fail(t, 0, "connection closed without close_notify"), -1;
            continue;
        }
        int type = open_record(t, &r);
        if (type < 0) return -1;
        if (type == CT_APP) continue; /* returned at the top (an empty record: nothing) */
        if (type == CT_HANDSHAKE) {
            if (post_handshake(t) < 0) return -1;
            continue;
        }
        if (type != CT_ALERT) return fail(t, A_UNEXPECTED, "unexpected record type"), -1;
        uint8_t desc = t->pt_len == 2 ? t->pt[1] : 0xff;
        t->pt_len = 0;
        if (desc == A_USER_CANCELED) continue; /* a warning; close_notify follows */
        if (desc != A_CLOSE_NOTIFY) return fail(t, 0, "peer sent an alert"), -1;
        /* clean end: answer close_notify (best effort), the caller closes */
        t->state = ST_CLOSED;
        uint8_t a[2] = {1 /* warning */, A_CLOSE_NOTIFY};
        if (seal(t, CT_ALERT, a, 2)) (void)flush(t);
        return -1;
    }
}

ssize_t tls13_write(tls13 *t, const uint8_t *buf, size_t len)
{
    if (t->state != ST_OPEN) return -1;
    if (flush(t) < 0) return fail(t, 0, "connection lost"), -1;
    size_t taken = 0;
    while (taken < len && t->out_len - t->out_off < OUT_HIGH) {
        size_t chunk = len - taken < REC_MAX_PLAIN ? len - taken : REC_MAX_PLAIN;
        if (!seal(t, CT_APP, buf + taken, chunk)) return fail(t, 0, "out of memory"), -1;
        taken += chunk;
    }
    if (taken && flush(t) < 0) return fail(t, 0, "connection lost"), -1;
    return (ssize_t)taken;
}
