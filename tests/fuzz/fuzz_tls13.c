/* fuzz_tls13.c — libFuzzer target: the TLS 1.3 engine (runtime/tls13*.c) as a client can drive
 * it: the input is everything the client sends (written whole, then the write side shut), the
 * engine handshakes until it stops, then reads. Checked beyond "no crash, no leak": a declined
 * hello's prefix is exactly a prefix of the input. Seeds: corpus/tls13/, real ClientHellos of
 * OpenSSL 3's client (x25519, P-256 only, TLS 1.2 only, without ChaCha20, with trailing records). */
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls13.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 60000 /* below a socketpair's buffer: the write never blocks */

/* The engine never parses its certificate: any bytes stand for one. */
static const uint8_t fake_cert[] = {0x30, 0x82, 0x00, 0x04, 0x02, 0x01, 0x01, 0x05, 0x00};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t sk[crypto_sign_SECRETKEYBYTES];
    static bool ready;
    if (!ready) {
        uint8_t pk[crypto_sign_PUBLICKEYBYTES], seed[crypto_sign_SEEDBYTES] = {7};
        if (sodium_init() < 0) abort();
        crypto_sign_seed_keypair(pk, sk, seed);
        ready = true;
    }
    if (size > FUZZ_MAX_INPUT) return 0;
    const tls13_cred cred = {fake_cert, sizeof fake_cert, sk};
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) abort();
    if (fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = write(sv[1], data + off, size - off);
        if (n <= 0) abort();
        off += (size_t)n;
    }
    shutdown(sv[1], SHUT_WR);

    tls13 *t = tls13_new(sv[0], &cred);
    if (!t) abort();
    int rc = TLS13_AGAIN;
    /* every call consumes input or ends: the write side is shut, so AGAIN cannot last */
    for (int i = 0; i < 64 && rc == TLS13_AGAIN; i++) rc = tls13_handshake(t);
    if (rc == TLS13_AGAIN) abort();
    if (rc == TLS13_DECLINED) {
        size_t len;
        const uint8_t *p = tls13_prefix(t, &len);
        if (len > size || memcmp(p, data, len) != 0) abort();
    }
    uint8_t buf[4096];
    for (int i = 0; i < 64 && tls13_read(t, buf, sizeof buf) > 0; i++) {
    }
    (void)tls13_write(t, buf, 16);
    tls13_free(t);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
