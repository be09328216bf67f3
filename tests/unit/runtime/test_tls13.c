/* test_tls13.c — the TLS 1.3 engine against OpenSSL 3's own TLS 1.3 client over a socketpair: the
 * client (a blocking thread, or driven in this thread through memory BIOs when the test must see
 * or alter its bytes) trusts our Ed25519 certificate as its only root, checks "localhost" and asks
 * for ALPN h2; the engine runs non-blocking under a poll loop, as grpcconn.c drives it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls13.h"
#include "tls13_int.h"

#define POLL_MS 10000 /* every step is local; generous for a loaded machine */

/* ---- certificates ---- */

typedef struct {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    uint8_t *der;
    size_t der_len;
    X509 *x509;
    tls13_cred cred;
} test_cert;

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    cr_assert(e && X509_add_ext(x, e, -1) == 1);
    X509_EXTENSION_free(e);
}

/* An Ed25519 self-signed certificate for DNS:localhost, serverAuth, from a libsodium key pair
 * (OpenSSL's raw Ed25519 private key is libsodium's 32-byte seed). */
static void make_cert(test_cert *c)
{
    cr_assert_geq(sodium_init(), 0);
    crypto_sign_keypair(c->pk, c->sk);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, c->sk, 32);
    X509 *x = X509_new();
    cr_assert(k && x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)randombytes_uniform(1u << 30) + 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, k);
    add_ext(x, NID_subject_alt_name, "DNS:localhost");
    add_ext(x, NID_ext_key_usage, "serverAuth");
    cr_assert(X509_sign(x, k, NULL) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    cr_assert_gt(n, 0);
    c->der = der;
    c->der_len = (size_t)n;
    c->x509 = x;
    c->cred = (tls13_cred){c->der, c->der_len, c->sk};
    EVP_PKEY_free(k);
}

static void free_cert(test_cert *c)
{
    OPENSSL_free(c->der);
    X509_free(c->x509);
    sodium_memzero(c->sk, sizeof c->sk);
}

/* ---- the client ---- */

typedef struct {
    int fd;
    X509 *root;
    const char *groups, *ciphersuites, *sigalgs;
    int max_version;
    size_t echo_total; /* bytes sent and expected back, in chunks of varying size */
    bool key_update;   /* request a KeyUpdate (update_requested) half way */
    bool tamper;       /* after the handshake: one record with a flipped ciphertext bit */
    /* results */
    bool connected, echo_ok, read_failed_after_tamper;
    int group_nid;
    char alpn[8];
    int key_updates_received;
} client;

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version, (void)ssl;
    client *c = arg;
    if (!write_p && content_type == SSL3_RT_HANDSHAKE && len >= 1 &&
        ((const uint8_t *)buf)[0] == 24 /* key_update */)
        c->key_updates_received++;
}

/* The client's handshake traffic secret, from OpenSSL's key log (only the pumped tests read it). */
static uint8_t client_hs_secret[32];

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    static const char label[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET ";
    if (strncmp(line, label, sizeof label - 1) != 0) return;
    const char *hex = strrchr(line, ' ') + 1;
    cr_assert_eq(sodium_hex2bin(client_hs_secret, 32, hex, strlen(hex), NULL, NULL, NULL), 0);
}

static SSL *client_ssl(client *c, SSL_CTX **pctx)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    cr_assert(ctx);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    cr_assert(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), c->root) == 1);
    SSL *ssl = SSL_new(ctx);
    cr_assert(ssl);
    SSL_set1_host(ssl, "localhost");
    SSL_set_alpn_protos(ssl, (const unsigned char *)"\x02h2", 3);
    if (c->groups) cr_assert(SSL_set1_groups_list(ssl, c->groups) == 1);
    if (c->ciphersuites) cr_assert(SSL_set_ciphersuites(ssl, c->ciphersuites) == 1);
    if (c->sigalgs) cr_assert(SSL_set1_sigalgs_list(ssl, c->sigalgs) == 1);
    if (c->max_version) cr_assert(SSL_set_max_proto_version(ssl, c->max_version) == 1);
    SSL_CTX_set_keylog_callback(ctx, keylog_cb);
    SSL_set_msg_callback(ssl, msg_cb);
    SSL_set_msg_callback_arg(ssl, c);
    *pctx = ctx;
    return ssl;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131 + (i >> 9));
}

/* The bytes of one SSL_write that go to a memory BIO instead of the socket. */
static void write_tampered(SSL *ssl, int fd)
{
    BIO *mem = BIO_new(BIO_s_mem());
    BIO *sock = SSL_get_wbio(ssl);
    BIO_up_ref(sock);
    SSL_set0_wbio(ssl, mem);
    cr_assert_eq(SSL_write(ssl, "hello", 5), 5);
    char *p;
    long n = BIO_get_mem_data(mem, &p);
    cr_assert_gt(n, 10);
    p[8] ^= 0x01; /* a ciphertext bit */
    cr_assert_eq(write(fd, p, (size_t)n), n);
    SSL_set0_wbio(ssl, sock);
}

static void *client_main(void *arg)
{
    client *c = arg;
    SSL_CTX *ctx;
    SSL *ssl = client_ssl(c, &ctx);
    SSL_set_fd(ssl, c->fd);
    if (SSL_connect(ssl) != 1) goto out;
    c->connected = true;
    c->group_nid = SSL_get_negotiated_group(ssl);
    const unsigned char *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn_len < sizeof c->alpn) memcpy(c->alpn, alpn, alpn_len);
    if (c->tamper) {
        write_tampered(ssl, c->fd);
        char b[16];
        c->read_failed_after_tamper = SSL_read(ssl, b, sizeof b) <= 0;
        goto out;
    }
    static uint8_t out[48 * 1024], in[48 * 1024];
    size_t done = 0, k = 0;
    bool updated = false;
    c->echo_ok = true;
    while (done < c->echo_total) {
        /* chunk sizes 1 byte to 48 KiB: records split, records coalesced */
        size_t chunk = 1 + (k++ * 7919) % sizeof out;
        if (chunk > c->echo_total - done) chunk = c->echo_total - done;
        for (size_t i = 0; i < chunk; i++) out[i] = pattern(done + i);
        if (c->key_update && !updated && done >= c->echo_total / 2) {
            cr_assert_eq(SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED), 1);
            updated = true;
        }
        if (SSL_write(ssl, out, (int)chunk) != (int)chunk) {
            c->echo_ok = false;
            break;
        }
        for (size_t got = 0; got < chunk;) {
            int n = SSL_read(ssl, in + got, (int)(chunk - got));
            if (n <= 0) {
                c->echo_ok = false;
                goto out;
            }
            got += (size_t)n;
        }
        if (memcmp(in, out, chunk) != 0) c->echo_ok = false;
        done += chunk;
    }
    SSL_shutdown(ssl); /* close_notify */
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return NULL;
}

/* ---- the engine's side ---- */

typedef struct {
    int sv[2]; /* sv[0] the engine's, non-blocking; sv[1] the client's */
    test_cert cert, other;
} fixture;

static fixture F;

static void setup(void)
{
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, F.sv), 0);
    cr_assert_eq(fcntl(F.sv[0], F_SETFL, O_NONBLOCK), 0);
    int small = 4096; /* partial writes of every record */
    setsockopt(F.sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    make_cert(&F.cert);
    make_cert(&F.other);
}

static void teardown(void)
{
    close(F.sv[0]);
    close(F.sv[1]);
    free_cert(&F.cert);
    free_cert(&F.other);
}

static bool wait_fd(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    return poll(&p, 1, POLL_MS) > 0;
}

static int drive_handshake(tls13 *t)
{
    for (;;) {
        int rc = tls13_handshake(t);
        if (rc != TLS13_AGAIN) return rc;
        cr_assert(wait_fd(F.sv[0], POLLIN | (tls13_want_write(t) ? POLLOUT : 0)),
                  "handshake stalled");
    }
}

/* Echoes everything until the stream ends; returns the bytes echoed, *clean if by close_notify. */
static size_t echo(tls13 *t, bool *clean)
{
    static uint8_t pend[7000]; /* smaller than a record: the rest waits inside the engine */
    size_t off = 0, len = 0, total = 0;
    for (;;) {
        if (tls13_want_write(t) && tls13_write(t, NULL, 0) < 0) break;
        if (off < len) {
            ssize_t w = tls13_write(t, pend + off, len - off);
            if (w < 0) break;
            off += (size_t)w;
            if (w > 0) continue;
        } else {
            ssize_t n = tls13_read(t, pend, sizeof pend);
            if (n < 0) break;
            if (n > 0) {
                off = 0, len = (size_t)n, total += (size_t)n;
                continue;
            }
        }
        short ev = (off < len ? 0 : POLLIN) | (tls13_want_write(t) ? POLLOUT : 0);
        cr_assert(wait_fd(F.sv[0], ev), "echo stalled");
    }
    *clean = tls13_error(t) == NULL;
    return total;
}

static void run_echo(client *c, size_t total)
{
    c->fd = F.sv[1];
    c->root = F.cert.x509;
    c->echo_total = total;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, client_main, c), 0);
    tls13 *t = tls13_new(F.sv[0], &F.cert.cred);
    cr_assert(t);
    int rc = drive_handshake(t);
    cr_assert_eq(rc, TLS13_DONE, "handshake: %d (%s)", rc, tls13_error(t) ? tls13_error(t) : "-");
    bool clean = false;
    size_t n = echo(t, &clean);
    pthread_join(th, NULL);
    cr_assert(c->connected);
    cr_assert_str_eq(c->alpn, "h2");
    cr_assert(c->echo_ok, "the client did not get its bytes back");
    cr_assert_eq(n, total);
    cr_assert(clean, "not a clean close: %s", tls13_error(t));
    tls13_free(t);
}

TestSuite(tls13, .init = setup, .fini = teardown, .timeout = 60);

Test(tls13, x25519_chacha20_echo_of_one_mebibyte)
{
    client c = {0};
    run_echo(&c, 1 << 20);
    cr_assert_eq(c.group_nid, NID_X25519);
}

Test(tls13, p256_only_client)
{
    client c = {.groups = "P-256"};
    run_echo(&c, 1024);
    cr_assert_eq(c.group_nid, NID_X9_62_prime256v1);
}

Test(tls13, client_key_update_with_update_requested)
{
    client c = {.key_update = true};
    run_echo(&c, 256 * 1024);
    cr_assert_eq(c.key_updates_received, 1, "our KeyUpdate answer never reached the client");
}

Test(tls13, client_refusing_our_certificate_fails_both_sides)
{
    client c = {.fd = F.sv[1], .root = F.other.x509};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, client_main, &c), 0);
    tls13 *t = tls13_new(F.sv[0], &F.cert.cred);
    int rc = drive_handshake(t);
    pthread_join(th, NULL);
    cr_assert_eq(rc, TLS13_FAILED);
    cr_assert_not_null(tls13_error(t));
    cr_assert(!c.connected);
    tls13_free(t);
}

Test(tls13, flipped_ciphertext_bit_fails_the_read)
{
    client c = {.fd = F.sv[1], .root = F.cert.x509, .tamper = true};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, client_main, &c), 0);
    tls13 *t = tls13_new(F.sv[0], &F.cert.cred);
    cr_assert_eq(drive_handshake(t), TLS13_DONE);
    uint8_t buf[64];
    ssize_t n;
    while ((n = tls13_read(t, buf, sizeof buf)) == 0) cr_assert(wait_fd(F.sv[0], POLLIN));
    cr_assert_eq(n, -1);
    cr_assert_str_eq(tls13_error(t), "bad record MAC");
    pthread_join(th, NULL);
    cr_assert(c.connected);
    cr_assert(c.read_failed_after_tamper, "the client should get our bad_record_mac alert");
    tls13_free(t);
}

/* ---- declined hellos: the client driven here through memory BIOs ---- */

static void expect_declined(client *c, const char *why)
{
    c->root = F.cert.x509;
    SSL_CTX *ctx;
    SSL *ssl = client_ssl(c, &ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, rb, wb);
    cr_assert_leq(SSL_connect(ssl), 0);
    char *hello;
    long n = BIO_get_mem_data(wb, &hello);
    cr_assert_gt(n, 0);
    cr_assert_eq(write(F.sv[1], hello, (size_t)n), n);

    tls13 *t = tls13_new(F.sv[0], &F.cert.cred);
    cr_assert_eq(drive_handshake(t), TLS13_DECLINED);
    cr_assert_str_eq(tls13_error(t), why);
    size_t plen;
    const uint8_t *prefix = tls13_prefix(t, &plen);
    cr_assert_eq(plen, (size_t)n, "the prefix must be exactly what the client sent");
    cr_assert(memcmp(prefix, hello, plen) == 0);
    char b;
    cr_assert_eq(recv(F.sv[1], &b, 1, MSG_DONTWAIT), -1, "nothing may be written back");
    cr_assert_eq(errno, EAGAIN);
    tls13_free(t);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

Test(tls13, declines_a_tls12_client)
{
    client c = {.max_version = TLS1_2_VERSION};
    expect_declined(&c, "client does not offer TLS 1.3");
}

Test(tls13, declines_a_client_without_chacha20)
{
    client c = {.ciphersuites = "TLS_AES_128_GCM_SHA256"};
    expect_declined(&c, "client does not offer TLS_CHACHA20_POLY1305_SHA256");
}

Test(tls13, declines_a_client_without_ed25519)
{
    client c = {.sigalgs = "ECDSA+SHA256:RSA-PSS+SHA256"};
    expect_declined(&c, "client does not accept Ed25519 signatures");
}

Test(tls13, declines_a_client_without_a_usable_key_share)
{
    /* OpenSSL would answer with a HelloRetryRequest; we leave that to it */
    client c = {.groups = "P-384"};
    expect_declined(&c, "no x25519 or secp256r1 key share");
}

/* ---- the client's Finished, re-sealed by the test: accepted as sent, refused when altered ---- */

static int finished_case(bool alter)
{
    client c = {.root = F.cert.x509};
    SSL_CTX *ctx;
    SSL *ssl = client_ssl(&c, &ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, rb, wb);
    tls13 *t = tls13_new(F.sv[0], &F.cert.cred);
    uint8_t buf[8192];
    int r;
    while ((r = SSL_connect(ssl)) != 1) {
        cr_assert_eq(SSL_get_error(ssl, r), SSL_ERROR_WANT_READ);
        char *p;
        long n = BIO_get_mem_data(wb, &p);
        if (n > 0) cr_assert_eq(write(F.sv[1], p, (size_t)n), n);
        (void)BIO_reset(wb);
        cr_assert_eq(tls13_handshake(t), TLS13_AGAIN);
        cr_assert(wait_fd(F.sv[1], POLLIN));
        ssize_t got = recv(F.sv[1], buf, sizeof buf, 0);
        cr_assert_gt(got, 0);
        BIO_write(rb, buf, (int)got);
    }
    /* the client's last flight: [change_cipher_spec] then the protected Finished, last */
    uint8_t *p;
    long n = BIO_get_mem_data(wb, (char **)&p);
    size_t fin_len = 5 + 4 + 32 + 1 + 16;
    cr_assert_geq((size_t)n, fin_len);
    uint8_t *rec = p + n - fin_len, inner[4 + 32 + 1];
    cr_assert_eq(rec[0], 23);
    tls13_dir d;
    tls13_dir_set(&d, client_hs_secret); /* its first record under these keys: nonce = iv */
    unsigned long long m;
    cr_assert_eq(crypto_aead_chacha20poly1305_ietf_decrypt(inner, &m, NULL, rec + 5, fin_len - 5,
                                                           rec, 5, d.iv, d.key),
                 0, "the test's decryption of the client Finished");
    cr_assert_eq(inner[0], 20);
    if (alter) inner[4] ^= 0x80; /* verify_data's first byte */
    unsigned long long clen;
    crypto_aead_chacha20poly1305_ietf_encrypt(rec + 5, &clen, inner, sizeof inner, rec, 5, NULL,
                                              d.iv, d.key);
    cr_assert_eq(write(F.sv[1], p, (size_t)n), n);
    int rc = drive_handshake(t);
    if (rc == TLS13_FAILED) cr_assert_str_eq(tls13_error(t), "bad client Finished");
    tls13_free(t);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return rc;
}

Test(tls13, client_finished_resealed_unchanged_is_accepted)
{
    cr_assert_eq(finished_case(false), TLS13_DONE);
}

Test(tls13, client_finished_with_wrong_verify_data_is_refused)
{
    cr_assert_eq(finished_case(true), TLS13_FAILED);
}
