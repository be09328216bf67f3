/* fuzz_h2conn.c — libFuzzer target: the plugin server's HTTP/2 + gRPC layer (grpcconn.c) as a
 * client can drive it: any bytes after the connection preface, on a plain (no-TLS) connection,
 * with a method table of one echo handler, one failing handler and one Shutdown-like method.
 * Answers are read from the peer socket and discarded. Seeds: seeds_h2conn.c (real HTTP/2 client
 * sessions made with nghttp2). */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grpcconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int echo(const uint8_t *req, size_t len, tf_buf *resp)
{
    tf_buf_put(resp, req, len);
    return RPC_STATUS_OK;
}

static int fail(const uint8_t *req, size_t len, tf_buf *resp)
{
    (void)req, (void)len, (void)resp;
    return RPC_STATUS_INVALID_ARGUMENT;
}

static const rpc_method methods[] = {
    {"/fuzz.Svc/Echo", echo, true, false},
    {"/fuzz.Svc/Fail", fail, true, false},
    {"/fuzz.Svc/Bye", echo, true, true},
};

static void dispatch(h2conn *c, rpc_call *call)
{
    size_t len;
    const uint8_t *req = rpc_call_request(call, &len);
    call->status = call->method->handler(req, len, &call->reply);
    h2conn_complete(c, call);
}

static void drain(int fd)
{
    uint8_t buf[65536];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) return 0;
    int big = 1 << 22;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    h2conn *c = h2conn_new(sv[0], NULL, 1, methods, 3, dispatch);
    if (!c) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if (write(sv[1], preface, sizeof preface - 1) < 0) abort();
    /* in slices, so that frames split across reads are exercised too */
    size_t off = 0;
    bool alive = true;
    while (alive && off < size) {
        size_t n = size - off < 1500 ? size - off : 1500;
        if (write(sv[1], data + off, n) < 0) break;
        off += n;
        alive = h2conn_ready(c, POLLIN);
        drain(sv[1]);
    }
    if (alive) h2conn_ready(c, POLLIN | POLLOUT);
    drain(sv[1]);
    h2conn_free(c);
    close(sv[1]);
    return 0;
}
