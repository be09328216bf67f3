/* curl_common.c — see pkx_curl.h. */
#include "net/pkx_curl.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "common/pkx_clock.h"
#include "common/pkx_error.h"
#include "common/pkx_str.h"
#include "net/pkx_ca.h"

#define POLL_MS 25 /* how fast a transfer notices a cancel or its deadline */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static CURLSH *g_share;
static pthread_mutex_t g_locks[CURL_LOCK_DATA_LAST];

/* Each thread's easy handle and multi, kept from one request to the next: a new easy handle costs
 * its own c-ares channel once it resolves a name (resolv.conf and nsswitch.conf read again; the
 * build's libcurl makes channels on first need, kmsapi/deps/curl-lazy-resolver.patch), a new multi
 * hash tables and a closure handle, and freeing them all again, ~0.4M instructions per request.
 * `lent` marks the ones a request holds; a request made while they are lent (none today: nothing
 * runs a request from a libcurl callback) gets handles of its own. The pthread key only
 * frees them when the thread ends; the pointers live in thread-local storage, where leak checkers
 * find them. */
typedef struct {
    CURL *easy;
    CURLM *multi;
    bool easy_lent, multi_lent;
} thread_curl;
static __thread thread_curl t_curl;
static pthread_key_t g_thread_key;
static bool g_thread_key_ok;

static void thread_curl_free(void *p)
{
    thread_curl *t = p;
    if (t->easy) curl_easy_cleanup(t->easy);
    if (t->multi) curl_multi_cleanup(t->multi);
    t->easy = t->multi = NULL;
}

/* This thread's handles, registered for thread_curl_free at its first use (after global_init). */
static thread_curl *thread_handles(void)
{
    if (!t_curl.easy && !t_curl.multi && g_thread_key_ok)
        (void)pthread_setspecific(g_thread_key, &t_curl);
    return &t_curl;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *user)
{
    (void)h, (void)access, (void)user;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&g_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *user)
{
    (void)h, (void)user;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&g_locks[data]);
}

static void global_init(void)
{
    /* Never read an OpenSSL configuration file (OPENSSL_CONF or the build machine's
     * /usr/lib/ssl/openssl.cnf): it could load engines or provider modules through dlopen, which a
     * static binary cannot do safely. The first init decides; libcurl's own (with
     * OPENSSL_INIT_LOAD_CONFIG unless built --disable-openssl-auto-load-config) comes after. */
    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&g_locks[i], NULL);
    g_thread_key_ok = pthread_key_create(&g_thread_key, thread_curl_free) == 0;
    CURLSH *s = curl_share_init();
    if (!s) return;
    if (curl_share_setopt(s, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(s, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
        curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        curl_share_cleanup(s);
        return;
    }
    g_share = s;
}

CURLSH *pkx_curl_share(void)
{
    pthread_once(&g_once, global_init);
    return g_share;
}

/* Whether url's host is a loopback host (the URL was checked when its client was made). */
static bool url_is_loopback(const char *url)
{
    char *host = NULL;
    pk_error err = {0};
    bool loopback = pkx_url_check(url, "url", &host, &err) == 0 && pkx_host_is_loopback(host);
    free(host);
    pk_error_clear(&err);
    return loopback;
}

/* The thread's easy handle when `keep` and it is not lent, made on first use; else a new one.
 * Both are attached to the share (curl_easy_reset keeps that). */
static CURL *easy_get(bool keep)
{
    CURLSH *share = pkx_curl_share();
    thread_curl *t = thread_handles();
    if (!keep || t->easy_lent || !share) {
        CURL *h = curl_easy_init();
        if (h) curl_easy_setopt(h, CURLOPT_SHARE, share);
        return h;
    }
    if (!t->easy) {
        if (!(t->easy = curl_easy_init())) return NULL;
        curl_easy_setopt(t->easy, CURLOPT_SHARE, share);
    }
    t->easy_lent = true;
    return t->easy;
}

void pkx_curl_easy_release(CURL *h)
{
    if (!h) return;
    thread_curl *t = &t_curl;
    if (h != t->easy) {
        curl_easy_cleanup(h);
        return;
    }
    /* Every option back to its default: the strings set (URL, user agent) are freed — and wiped,
     * in the provider — and no pointer into the caller's frame (error buffer, callback data,
     * header list) stays. What the handle keeps holds no request bytes: libcurl composes a request
     * in a buffer it frees once sent, and frees its receive and upload buffers when the transfer
     * ends (multi_done); the header list with the credential is the caller's. */
    curl_easy_reset(h);
    t->easy_lent = false;
}

CURL *pkx_curl_easy(const char *url, long timeout_ms, long connect_timeout_ms, bool keep)
{
    CURL *h = easy_get(keep);
    if (!h) return NULL;
    /* A loopback URL is never sent through a proxy: plain http:// is allowed only because it stays
     * on this machine, and http_proxy / ALL_PROXY would carry the request — API key included —
     * in clear to the proxy. Other hosts follow the environment (HTTPS_PROXY tunnels TLS). */
    if (url_is_loopback(url)) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    /* CA certificates found at run time like Go (pkx_ca.h), not libcurl's build-time path. */
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, pkx_ca_ssl_ctx);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    return h;
}

CURLcode pkx_curl_perform(CURL *h, const pk_cancel *cancel, long long deadline, bool *cancelled,
                          bool *expired, long *status)
{
    *cancelled = *expired = false;
    *status = 0;
    thread_curl *t = thread_handles();
    bool own = t->multi_lent; /* a nested request: a multi of its own */
    CURLM *m = own ? NULL : t->multi;
    if (!m) {
        if (!(m = curl_multi_init())) return CURLE_OUT_OF_MEMORY;
        /* The shared connection cache is pruned to the multi's limit, which defaults to 4 x its
         * easy handles = 4: with Terraform's 10 parallel reads every connection beyond the 4th
         * would be closed after its request instead of kept for the next one. Every request of
         * the process shares the cache, so every multi must raise the limit. */
        curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 64L);
        if (!own) t->multi = m;
    }
    if (!own) t->multi_lent = true;
    curl_multi_add_handle(m, h);
    CURLcode rc = CURLE_OK;
    int running = 1;
    for (;;) {
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            break;
        }
        if (!running) break;
        if (pk_cancel_requested(cancel)) {
            *cancelled = true;
            break;
        }
        if (deadline && pkx_now_ms() >= deadline) {
            *expired = true;
            break;
        }
        curl_multi_poll(m, NULL, 0, POLL_MS, NULL);
    }
    if (!running && rc == CURLE_OK) {
        int q;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &q)))
            if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    /* Removing the transfer (finished or not) leaves the multi empty for the thread's next one. */
    curl_multi_remove_handle(m, h);
    if (own)
        curl_multi_cleanup(m);
    else
        t->multi_lent = false;
    return rc;
}

const char *pkx_curl_strerror(CURLcode rc, const char *errbuf)
{
    const char *ca = rc == CURLE_SSL_CACERT_BADFILE ? pkx_ca_problem() : NULL;
    if (ca) return ca;
    return errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

bool pkx_host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0) return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1) return memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
    return false;
}

int pkx_url_check(const char *url, const char *what, char **host_out, pk_error *err)
{
    *host_out = NULL;
    bool plain;
    const char *p;
    if (strncasecmp(url, "https://", 8) == 0) {
        plain = false;
        p = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        plain = true;
        p = url + 7;
    } else {
        return pkx_error_set(err, PK_ERR_CONFIG, "%s must start with https://", what);
    }
    for (const char *q = url; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f)
            return pkx_error_set(err, PK_ERR_CONFIG, "%s contains spaces or controls", what);
    size_t auth_len = strcspn(p, "/?#");
    if (memchr(p, '@', auth_len))
        return pkx_error_set(err, PK_ERR_CONFIG, "%s must not carry user credentials", what);
    char host[256];
    if (p[0] == '[') {
        const char *end = memchr(p, ']', auth_len);
        if (!end || (size_t)(end - p - 1) >= sizeof host)
            return pkx_error_set(err, PK_ERR_CONFIG, "%s has a malformed IPv6 host", what);
        memcpy(host, p + 1, (size_t)(end - p - 1));
        host[end - p - 1] = '\0';
    } else {
        size_t hl = strcspn(p, ":/?#");
        if (hl >= sizeof host)
            return pkx_error_set(err, PK_ERR_CONFIG, "%s host is too long", what);
        memcpy(host, p, hl);
        host[hl] = '\0';
    }
    if (!host[0]) return pkx_error_set(err, PK_ERR_CONFIG, "%s has no host", what);
    if (plain && !pkx_host_is_loopback(host))
        return pkx_error_set(err, PK_ERR_CONFIG,
                             "plain http:// is only allowed to a loopback host (127.0.0.0/8, ::1, "
                             "localhost); use https:// for %s",
                             host);
    *host_out = pkx_strdup(host);
    return *host_out ? 0 : pkx_error_set(err, PK_ERR_NOMEM, "out of memory");
}

int pk_url_check(const char *url, const char *what, pk_error *err)
{
    char *host = NULL;
    int rc = pkx_url_check(url, what, &host, err);
    free(host);
    return rc;
}

size_t pkx_body_write(char *data, size_t size, size_t nmemb, void *user)
{
    pkx_body *b = user;
    size_t n = size * nmemb;
    if (b->len + n > b->max) {
        b->too_big = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}
