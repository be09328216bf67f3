/* test_tlsconn.c — which TLS serves a plugin connection, with OpenSSL's own client on the other
 * end: for a peer that is our ancestor the TLS 1.3 engine serves a TLS 1.3 x25519 ChaCha20 hello,
 * OpenSSL serves every hello the engine declines (TLS 1.2, AES-only) — reading first the bytes the
 * engine already took — and neither asks for a client certificate; a peer that is not our ancestor
 * gets OpenSSL with PLUGIN_CLIENT_CERT required, so a client without it is refused.
 *
 * The server side runs in a child process so that its peer (the test process, which made the
 * socketpair: SO_PEERCRED names the pair's creator) is its parent; its exit status says which TLS
 * served and whether the echo worked. */
#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../acceptance/clientcert.h"
#include "tflog.h"
#include "tlsinit.h"
#include "tlsconn.h"

enum { SERVED_TLS13 = 10, SERVED_OPENSSL = 11, SERVED_PLAIN = 12, HANDSHAKE_FAILED = 3 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Serves fd until the client closes: handshake, then echo. Returns one of the codes above. */
static int serve(int fd, const char *client_pem)
{
    char err[256];
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    tls_server *srv = tls_server_new(client_pem, err, sizeof err);
    tlsconn *c = srv ? tlsconn_new(fd, srv) : NULL;
    if (!c) {
        fprintf(stderr, "serve: %s\n", srv ? "no connection" : err);
        return 2;
    }
    double deadline = now_s() + 20;
    int h;
    while ((h = tlsconn_handshake(c)) == 0 && now_s() < deadline) {
        struct pollfd p = {fd, (short)(POLLIN | (tlsconn_want_write(c) ? POLLOUT : 0)), 0};
        poll(&p, 1, 100);
    }
    if (h != 1) return HANDSHAKE_FAILED;
    const char *engine = tlsconn_engine(c);
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = tlsconn_read(c, buf, sizeof buf);
        if (n < 0) break;
        if (n == 0) {
            struct pollfd p = {fd, (short)(POLLIN | (tlsconn_want_write(c) ? POLLOUT : 0)), 0};
            if (poll(&p, 1, 100) < 0 || now_s() > deadline) return 4;
            continue;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = tlsconn_write(c, buf + off, (size_t)(n - off));
            if (w < 0) return 5;
            if (w == 0) {
                struct pollfd p = {fd, POLLOUT, 0};
                poll(&p, 1, 100);
            }
            off += w;
        }
    }
    /* let queued ciphertext drain before the process ends */
    while (tlsconn_want_write(c) && tlsconn_write(c, NULL, 0) >= 0 && now_s() < deadline) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 100);
    }
    int code = strcmp(engine, "tls13") == 0     ? SERVED_TLS13
               : strcmp(engine, "openssl") == 0 ? SERVED_OPENSSL
                                                : SERVED_PLAIN;
    tlsconn_free(c);
    tls_server_free(srv);
    return code;
}

typedef struct {
    int max_version;         /* 0: library default */
    const char *suites13;    /* NULL: default */
    const client_cert *cert; /* NULL: none */
} client_opts;

/* OpenSSL's client on fd (blocking): handshake, "ping" echoed back. 1 if both worked. */
static int run_client(int fd, const client_opts *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* server authentication: test_protocol */
    if (o->max_version) SSL_CTX_set_max_proto_version(ctx, o->max_version);
    if (o->suites13) SSL_CTX_set_ciphersuites(ctx, o->suites13);
    static const unsigned char alpn[] = {2, 'h', '2'};
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn);
    if (o->cert) {
        BIO *cb = BIO_new_mem_buf(o->cert->cert_pem, -1),
            *kb = BIO_new_mem_buf(o->cert->key_pem, -1);
        X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
        EVP_PKEY *k = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
        SSL_CTX_use_certificate(ctx, x);
        SSL_CTX_use_PrivateKey(ctx, k);
        X509_free(x);
        EVP_PKEY_free(k);
        BIO_free(cb);
        BIO_free(kb);
    }
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    char back[5] = {0};
    int ok = SSL_connect(ssl) == 1 && SSL_write(ssl, "ping", 4) == 4;
    int got = 0;
    while (ok && got < 4) {
        int r = SSL_read(ssl, back + got, 4 - got);
        if (r <= 0) break;
        got += r;
    }
    ok = ok && got == 4 && memcmp(back, "ping", 4) == 0;
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

static client_cert g_terraform;

static void setup(void)
{
    tf_log_init(); /* TF_LOG_PROVIDER=debug shows the server's side */
    /* OpenSSL set up as the provider does it (tlsinit.h): its random bytes from the kernel, the
     * plugin's private library context having no DRBG of its own */
    tls_openssl_init();
    cr_assert_eq(client_cert_generate(&g_terraform), 0);
}

static void teardown(void)
{
    client_cert_free(&g_terraform);
}

/* The server in a child (its peer, the pair's creator, is its parent); the client here. */
static void ancestor_case(const client_opts *o, int want_code, const char *what)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(sv[1]);
        _exit(serve(sv[0], g_terraform.cert_pem));
    }
    close(sv[0]);
    int ok = run_client(sv[1], o);
    close(sv[1]);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(ok, "%s: the client's handshake and echo work", what);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == want_code, "%s: served by code %d, want %d", what,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1, want_code);
}

TestSuite(tlsconn, .init = setup, .fini = teardown);

Test(tlsconn, ancestor_tls13_hello_is_served_by_the_engine)
{
    client_opts o = {0};
    ancestor_case(&o, SERVED_TLS13, "TLS 1.3, x25519, ChaCha20 offered");
}

Test(tlsconn, ancestor_tls12_hello_goes_to_openssl_without_a_client_certificate)
{
    client_opts o = {.max_version = TLS1_2_VERSION};
    ancestor_case(&o, SERVED_OPENSSL, "TLS 1.2 only");
}

Test(tlsconn, ancestor_hello_without_chacha_goes_to_openssl)
{
    client_opts o = {.suites13 = "TLS_AES_128_GCM_SHA256"};
    ancestor_case(&o, SERVED_OPENSSL, "TLS 1.3 with AES-128-GCM only");
}

typedef struct {
    int fd;
    client_opts o;
    int ok;
} client_thread;

static void *client_main(void *arg)
{
    client_thread *t = arg;
    t->ok = run_client(t->fd, &t->o);
    shutdown(t->fd, SHUT_RDWR);
    return NULL;
}

/* Server and client in this process: the server's peer is itself, not an ancestor. */
static void stranger_case(const client_cert *cert, int want_code, const char *what)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    client_thread t = {.fd = sv[1], .o = {.cert = cert}};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, client_main, &t), 0);
    int code = serve(sv[0], g_terraform.cert_pem);
    pthread_join(th, NULL);
    close(sv[0]);
    close(sv[1]);
    cr_expect_eq(code, want_code, "%s: served by code %d, want %d", what, code, want_code);
    cr_expect_eq(t.ok, want_code != HANDSHAKE_FAILED, "%s: the client's view", what);
}

Test(tlsconn, another_process_without_the_certificate_is_refused)
{
    stranger_case(NULL, HANDSHAKE_FAILED, "no client certificate");
}

Test(tlsconn, another_process_with_the_certificate_is_served_by_openssl)
{
    stranger_case(&g_terraform, SERVED_OPENSSL, "PLUGIN_CLIENT_CERT and its key");
}
