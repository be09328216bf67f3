/* curl_common.c — see pkx_curl.h. */
#include "pkx_curl.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "pkx_client.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static CURLSH *g_share;
static pthread_mutex_t g_locks[CURL_LOCK_DATA_LAST];

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
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&g_locks[i], NULL);
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
