/* pkx_curl.h — libcurl state and URL rules shared by the API client (api/http.c) and the Ethereum
 * JSON-RPC client (eth/rpc_transport.c): one process-wide share, and the rule that plain http://
 * is for loopback hosts only. */
#ifndef PKX_CURL_H
#define PKX_CURL_H

#include <curl/curl.h>
#include <stdbool.h>

#include "phalakms/client.h"

/* The process-wide share (connections, DNS, TLS sessions; thread-safe), after curl_global_init.
 * NULL when libcurl could not be initialised. */
CURLSH *pkx_curl_share(void);
bool pkx_host_is_loopback(const char *host);
/* Checks an http(s) base URL and returns its host (malloc'd). `what` names it in messages
 * ("api_prefix", "the RPC url"); the URL itself is never echoed (it may carry a key). */
int pkx_url_check(const char *url, const char *what, char **host_out, pk_error *err);

/* An easy handle with the rules every request of the library follows: the shared pool,
 * http/https only, redirects never followed, TLS always verified against the machine's CA
 * certificates (pkx_ca.h), no signals. With `keep`, the calling thread's own handle, reused from
 * request to request (a new one while that is in use): it keeps the last URL it parsed until its
 * next request, so only for URLs that carry no secret (the API's; an RPC URL may carry a key in
 * its path). Give it back with pkx_curl_easy_release, on the same thread. NULL on OOM. */
CURL *pkx_curl_easy(const char *url, long timeout_ms, long connect_timeout_ms, bool keep);
/* Ends the use of a pkx_curl_easy handle: the thread's handle has every option reset (nothing of
 * the request stays in it), any other is cleaned up. NULL is ignored. */
void pkx_curl_easy_release(CURL *h);
/* Runs h to completion in the calling thread's multi (kept between requests, holding nothing
 * between them), polling so that a triggered `cancel` (*cancelled) or a passed `deadline` in ms
 * since pkx_now_ms's epoch (*expired; 0 = none) stops it within ~25 ms. *status receives the HTTP
 * status (0 without an answer). The caller still owns h. */
CURLcode pkx_curl_perform(CURL *h, const pk_cancel *cancel, long long deadline, bool *cancelled,
                          bool *expired, long *status);

/* The message for a failed transfer: the CA lookup's diagnostic when no CA certificate was found
 * (it names SSL_CERT_FILE and SSL_CERT_DIR), else libcurl's error buffer or its text for rc. */
const char *pkx_curl_strerror(CURLcode rc, const char *errbuf);

/* A response body collected by libcurl, NUL-terminated, refused beyond `max` bytes (too_big) so
 * that a hostile or broken server cannot make us allocate without bound. */
typedef struct {
    char *data;
    size_t len, cap, max;
    bool too_big;
} pkx_body;
/* CURLOPT_WRITEFUNCTION for a pkx_body passed as CURLOPT_WRITEDATA. */
size_t pkx_body_write(char *data, size_t size, size_t nmemb, void *body);

#endif
