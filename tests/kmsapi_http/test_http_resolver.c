/* test_http_resolver.c — libcurl makes a c-ares channel only when a handle resolves a name
 * (kmsapi/deps/curl-lazy-resolver.patch). Each channel reads resolv.conf, nsswitch.conf and
 * /dev/urandom and sets up ~74 KB of tables; unpatched, every easy handle made one when created,
 * and so did the closure handles of each multi and of the connection-sharing share: three in a
 * provider life that reads one data source, none of them used when the API is an address.
 * kmsapi_http is linked with --wrap=ares_init_options, which counts every channel made.
 * - requests to the simulator at 127.0.0.1 through kmsapi make no channel;
 * - a name still resolves: libcurl asks a DNS server of this test's own (CURLOPT_DNS_SERVERS, on
 *   loopback) for api.phala.test, which answers 127.0.0.1 where a small HTTP server of the test
 *   listens; exactly one channel is made, for that handle. */
#include <arpa/inet.h>
#include <ares.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

int __real_ares_init_options(ares_channel *channel, struct ares_options *options, int optmask);
int __wrap_ares_init_options(ares_channel *channel, struct ares_options *options, int optmask);

static atomic_int channels_made;

int __wrap_ares_init_options(ares_channel *channel, struct ares_options *options, int optmask)
{
    atomic_fetch_add(&channels_made, 1);
    return __real_ares_init_options(channel, options, optmask);
}

/* ---- a DNS server for one name (UDP, loopback) --------------------------------------------- */

#define NAME "api.phala.test"

static struct {
    int fd;
    atomic_int queries_for_name;
    atomic_bool stop;
} D;

/* The query's name as dotted text; returns the offset after the question, or 0 when malformed. */
static size_t question(const uint8_t *q, size_t n, char *name, size_t cap)
{
    size_t i = 12, o = 0;
    while (i < n && q[i]) {
        size_t len = q[i++];
        if (len > 63 || i + len > n || o + len + 2 > cap) return 0;
        if (o) name[o++] = '.';
        memcpy(name + o, q + i, len);
        o += len, i += len;
    }
    name[o] = 0;
    return i + 5 <= n ? i + 5 : 0; /* the root label, then type and class */
}

static void *dns_serve(void *arg)
{
    (void)arg;
    while (!atomic_load(&D.stop)) {
        struct pollfd p = {.fd = D.fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        uint8_t q[512], r[600];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(D.fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        char name[256];
        size_t end = n >= 12 ? question(q, (size_t)n, name, sizeof name) : 0;
        if (!end) continue;
        unsigned qtype = (unsigned)q[end - 4] << 8 | q[end - 3];
        bool ours = strcasecmp(name, NAME) == 0;
        if (ours) atomic_fetch_add(&D.queries_for_name, 1);
        /* the header and the question as asked; an A record for our name, nothing else */
        memcpy(r, q, end);
        r[2] = 0x81, r[3] = ours ? 0x80 : 0x83; /* response, recursion; NXDOMAIN if not ours */
        r[6] = 0, r[7] = ours && qtype == 1;    /* answers */
        r[8] = r[9] = r[10] = r[11] = 0;        /* no authority, no additional records */
        size_t len = end;
        if (ours && qtype == 1) {
            static const uint8_t a[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
            memcpy(r + len, a, sizeof a);
            len += sizeof a;
        }
        sendto(D.fd, r, len, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

/* ---- an HTTP server for one request (TCP, loopback) ---------------------------------------- */

static void *http_serve(void *arg)
{
    int lfd = *(int *)arg;
    int c = accept(lfd, NULL, NULL);
    if (c < 0) return NULL;
    char req[2048];
    size_t got = 0;
    while (got < sizeof req - 1) {
        ssize_t n = read(c, req + got, sizeof req - 1 - got);
        if (n <= 0) break;
        got += (size_t)n;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n")) break;
    }
    static const char reply[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    if (write(c, reply, sizeof reply - 1) < 0) {
    }
    close(c);
    return NULL;
}

static int loopback_socket(int type, int *port)
{
    int fd = socket(AF_INET, type, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    if (type == SOCK_STREAM) cr_assert_eq(listen(fd, 4), 0);
    return fd;
}

static size_t keep_body(char *p, size_t size, size_t n, void *user)
{
    char *body = user;
    size_t have = strlen(body), add = size * n;
    if (have + add < 64) memcpy(body + have, p, add), body[have + add] = 0;
    return add;
}

Test(http_resolver, requests_to_an_address_make_no_resolver_channel, .timeout = 60)
{
    sim_start(NULL);
    atomic_store(&channels_made, 0);
    pk_client *c = client_new(KEY, 0, 10000, NULL);
    cr_assert_not_null(c);
    pk_error e = {0};
    for (int i = 0; i < 3; i++) {
        pk_kms_info k;
        cr_assert_eq(pk_kms_info_fetch(c, "phala-prod1", &k, &e), 0, "%s", e.message);
        pk_kms_info_free(&k);
    }
    pk_client_free(c);
    cr_expect_eq(atomic_load(&channels_made), 0,
                 "%d c-ares channels made for requests to 127.0.0.1", atomic_load(&channels_made));
    sim_stop();
}

Test(http_resolver, a_name_still_resolves_with_one_channel_for_its_handle, .timeout = 60)
{
    int dns_port, http_port;
    D.fd = loopback_socket(SOCK_DGRAM, &dns_port);
    atomic_store(&D.stop, false);
    atomic_store(&D.queries_for_name, 0);
    int lfd = loopback_socket(SOCK_STREAM, &http_port);
    pthread_t dns, http;
    cr_assert_eq(pthread_create(&dns, NULL, dns_serve, NULL), 0);
    cr_assert_eq(pthread_create(&http, NULL, http_serve, &lfd), 0);

    atomic_store(&channels_made, 0);
    CURL *h = curl_easy_init();
    cr_assert_not_null(h);
    cr_expect_eq(atomic_load(&channels_made), 0, "a new handle made a channel");
    char servers[64], url[128], body[64] = "";
    snprintf(servers, sizeof servers, "127.0.0.1:%d", dns_port);
    snprintf(url, sizeof url, "http://" NAME ":%d/", http_port);
    cr_assert_eq(curl_easy_setopt(h, CURLOPT_DNS_SERVERS, servers), CURLE_OK);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    CURLcode rc = curl_easy_perform(h);
    cr_expect_eq(rc, CURLE_OK, "GET %s: %s", url, curl_easy_strerror(rc));
    cr_expect_str_eq(body, "ok");
    cr_expect_geq(atomic_load(&D.queries_for_name), 1, "the DNS server was asked for " NAME);
    cr_expect_eq(atomic_load(&channels_made), 1, "%d channels made for one handle resolving",
                 atomic_load(&channels_made));
    curl_easy_cleanup(h);

    atomic_store(&D.stop, true);
    pthread_join(dns, NULL);
    if (rc != CURLE_OK) shutdown(lfd, SHUT_RDWR);
    pthread_join(http, NULL);
    close(lfd);
    close(D.fd);
}
