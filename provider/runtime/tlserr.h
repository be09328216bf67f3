/* tlserr.h — OpenSSL's error strings, loaded when a message may quote them instead of in every
 * provider life. OpenSSL 3 fills its table of ~4,600 strings the first time any thread touches
 * its error queue (which TLS set-up does, without an error): ~1M instructions and as many small
 * allocations, ~6% of a provider life that only answers schema or validation calls. */
#ifndef TLSERR_H
#define TLSERR_H

#include <openssl/crypto.h>
#include <stdint.h>

/* For OPENSSL_init_ssl's first call: leaves the tables out until tls_err_strings_load — when the
 * loader is linked (the static build); with a shared libcrypto (sanitizer and fuzz builds) the
 * tables load at start-up as OpenSSL's default has them. */
uint64_t tls_err_init_flags(void);

/* Loads every table OpenSSL's own start-up would have (libcrypto's and libssl's), once; any
 * thread, any number of times. Call before formatting an OpenSSL error. libcurl's TLS messages
 * call it through errwrap.c (the binary wraps ERR_error_string_n), only when one is formatted. */
void tls_err_strings_load(void);

#endif
