/* replicas.c — the KMS replicas the simulator reaches over TCP: a "blackhole" replica (production's
 * disabled kms-eth-prod6, research/phala-api-2026-06.md §2.5) is a loopback socket that the kernel
 * accepts connections on and that nobody ever reads or answers. When the node-era pubkey lookup
 * routes to it, the API server calls it like any replica and waits for its RPC timeout — so the
 * client sees exactly what production showed: a long hang, then an error with an empty message. */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sim_replicas_open(struct sim_state *st, char *err, size_t errlen)
{
    for (size_t i = 0; i < st->nkms; i++) {
        struct sim_kms *k = &st->kms[i];
        if (!k->blackhole) continue;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t al = sizeof a;
        /* A long backlog: connections complete in the kernel and wait there, never accepted. */
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1024) != 0 ||
            getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
            snprintf(err, errlen, "kms[%zu]: cannot open the blackhole replica's socket: %s", i,
                     strerror(errno));
            if (fd >= 0) close(fd);
            return -1;
        }
        k->hole_fd = fd;
        k->hole_port = ntohs(a.sin_port);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", k->hole_port);
        free(k->url);
        k->url = sim_strdup(url);
    }
    return 0;
}

void sim_replicas_close(struct sim_state *st)
{
    for (size_t i = 0; i < st->nkms; i++) {
        struct sim_kms *k = &st->kms[i];
        if (k->blackhole && k->hole_fd >= 0) close(k->hole_fd);
        k->hole_fd = -1;
    }
}

/* Any byte back within the timeout counts as an answer; none ever comes from a blackhole. */
static bool answered(int port, long timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    static const char rpc[] = "POST /prpc/GetAppEnvEncryptPubKey?json HTTP/1.1\r\n"
                              "Host: kms\r\nContent-Type: application/json\r\n"
                              "Content-Length: 2\r\n\r\n{}";
    bool got = false;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        send(fd, rpc, sizeof rpc - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof rpc - 1)) {
        double end = sim_now() + (double)timeout_ms / 1000.0;
        for (;;) {
            double left = end - sim_now();
            if (left <= 0) break;
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int n = poll(&p, 1, (int)(left * 1000.0) + 1);
            if (n > 0) {
                char b;
                got = recv(fd, &b, 1, 0) == 1;
                break;
            }
            if (n < 0 && errno != EINTR) break;
        }
    }
    close(fd);
    return got;
}

void sim_replica_call(int port, long timeout_ms, struct sim_reply *r)
{
    r->action = SIM_REPLY_NORMAL;
    if (answered(port, timeout_ms)) {
        sim_reply_detail(r, 502, "unexpected answer from the KMS replica");
        return;
    }
    /* What production answered once the server's KMS RPC timed out: no reason at all. */
    sim_reply_detail(r, 500, "");
}
