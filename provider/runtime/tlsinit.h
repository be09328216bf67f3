/* tlsinit.h — OpenSSL's one-time set-up for this process, done when something first needs
 * OpenSSL rather than in every provider life: Terraform's own connection runs on the TLS 1.3
 * engine (tls13.h, libsodium), so a life that only answers schema and validation calls never
 * touches OpenSSL, and its start-up (~20 pages of code faulted in, ~16 µs each on a VM) was a
 * tenth of such a life. Call tls_openssl_init before the first OpenSSL call of any path: the
 * OpenSSL fallback of the plugin TLS, the engine's P-256 key share, and every RPC handed to a
 * worker (the API client: libcurl's TLS, AES-GCM). Inline RPCs (schema, validation, functions)
 * use no OpenSSL. */
#ifndef TLSINIT_H
#define TLSINIT_H

/* OPENSSL_init_ssl with the runtime's options (no configuration file, no cleanup at exit, error
 * strings on demand, no legacy cipher names) and OpenSSL's random bytes from the kernel; once,
 * from any thread. */
void tls_openssl_init(void);

#endif
