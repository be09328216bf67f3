/* latency_relay.c — a TCP relay on loopback that makes a local server look far away: every byte
 * waits half the round trip in each direction, and a connection's first bytes wait one round trip
 * more (the TCP handshake a loopback connect skips). TLS passes through untouched, so every TLS
 * round trip (handshake flights, each request and its answer) costs what it costs over a network.
 * Counts connections and TLS handshakes (ClientHello records).
 *
 *   latency_relay UPSTREAM_PORT RTT_MS PORT_FILE STATS_FILE
 *
 * Listens on 127.0.0.1 (a free port, written to PORT_FILE). On SIGUSR1 it writes
 * {"connections":N,"tls_handshakes":M} to STATS_FILE (atomically) and resets the counts. Exits on
 * SIGTERM. Single-threaded: one poll loop over every socket and the timers of the queued bytes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 512
#define CHUNK     65536

typedef struct chunk {
    struct chunk *next;
    long long due; /* ms (monotonic) when it may be written */
    size_t len, off;
    bool eof; /* the sender closed its side: shut the other down when this is due */
    unsigned char data[];
} chunk;

typedef struct {
    int fd[2];                /* 0 = client, 1 = upstream */
    chunk *head[2], *tail[2]; /* head[i]: bytes waiting to be written to fd[i] */
    bool read_done[2];        /* fd[i] gave EOF */
    bool first_sent;          /* the client's first bytes got the connection set-up delay */
} pair;

static pair pairs[MAX_PAIRS];
static int npairs;
static long half_ms, rtt_ms;
static long n_conns, n_hellos;
static volatile sig_atomic_t want_stats, want_exit;

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_signal(int s)
{
    if (s == SIGUSR1)
        want_stats = 1;
    else
        want_exit = 1;
}

static void write_stats(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    fprintf(f, "{\"connections\":%ld,\"tls_handshakes\":%ld}\n", n_conns, n_hellos);
    fclose(f);
    rename(tmp, path);
    n_conns = n_hellos = 0;
}

static void enqueue(pair *p, int to, const unsigned char *d, size_t n, bool eof, long long due)
{
    chunk *c = malloc(sizeof *c + n);
    if (!c) exit(1);
    *c = (chunk){.due = due, .len = n, .eof = eof};
    if (n) memcpy(c->data, d, n);
    if (p->tail[to])
        p->tail[to]->next = c;
    else
        p->head[to] = c;
    p->tail[to] = c;
}

static void close_pair(int i)
{
    pair *p = &pairs[i];
    for (int s = 0; s < 2; s++) {
        close(p->fd[s]);
        while (p->head[s]) {
            chunk *n = p->head[s]->next;
            free(p->head[s]);
            p->head[s] = n;
        }
    }
    pairs[i] = pairs[--npairs];
}

static int connect_upstream(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* Reads what fd[from] has and queues it for the other side. -1 = the pair is broken. */
static int pump_in(pair *p, int from)
{
    unsigned char buf[CHUNK];
    ssize_t n = read(p->fd[from], buf, sizeof buf);
    if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    long long due = now_ms() + half_ms;
    if (from == 0 && !p->first_sent) {
        p->first_sent = true;
        due += rtt_ms; /* SYN / SYN-ACK */
        /* a TLS record of type handshake (22) whose first message is a ClientHello (1) */
        if (n >= 6 && buf[0] == 22 && buf[1] == 3 && buf[5] == 1) n_hellos++;
    }
    if (n == 0) p->read_done[from] = true;
    enqueue(p, 1 - from, buf, (size_t)n, n == 0, due);
    return 0;
}

/* Writes the due bytes queued for fd[to]. -1 = the pair is broken. */
static int pump_out(pair *p, int to, long long now)
{
    while (p->head[to] && p->head[to]->due <= now) {
        chunk *c = p->head[to];
        if (c->eof) {
            shutdown(p->fd[to], SHUT_WR);
        } else {
            ssize_t w = write(p->fd[to], c->data + c->off, c->len - c->off);
            if (w < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
            c->off += (size_t)w;
            if (c->off < c->len) return 0;
        }
        p->head[to] = c->next;
        if (!p->head[to]) p->tail[to] = NULL;
        free(c);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: latency_relay UPSTREAM_PORT RTT_MS PORT_FILE STATS_FILE\n");
        return 2;
    }
    int up = atoi(argv[1]);
    rtt_ms = atol(argv[2]);
    half_ms = rtt_ms / 2;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 256) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        perror("latency_relay: listen");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
    FILE *pf = fopen(tmp, "w");
    if (!pf) return 1;
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    rename(tmp, argv[3]);

    struct pollfd pfd[1 + 2 * MAX_PAIRS];
    while (!want_exit) {
        if (want_stats) {
            want_stats = 0;
            write_stats(argv[4]);
        }
        long long now = now_ms(), next = now + 1000;
        int n = 0;
        pfd[n++] = (struct pollfd){.fd = npairs < MAX_PAIRS ? ls : -1, .events = POLLIN};
        for (int i = 0; i < npairs; i++) {
            for (int s = 0; s < 2; s++) {
                pair *p = &pairs[i];
                short ev = p->read_done[s] ? 0 : POLLIN;
                if (p->head[s] && p->head[s]->due <= now) ev |= POLLOUT;
                if (p->head[s] && p->head[s]->due > now && p->head[s]->due < next)
                    next = p->head[s]->due;
                pfd[n++] = (struct pollfd){.fd = p->fd[s], .events = ev};
            }
        }
        int r = poll(pfd, (nfds_t)n, (int)(next - now));
        if (r < 0 && errno != EINTR) return 1;
        now = now_ms();
        for (int i = npairs - 1; i >= 0; i--) {
            pair *p = &pairs[i];
            bool broken = false;
            for (int s = 0; s < 2 && !broken; s++) {
                short re = pfd[1 + 2 * i + s].revents;
                if ((re & (POLLIN | POLLHUP | POLLERR)) && !p->read_done[s] && pump_in(p, s) != 0)
                    broken = true;
            }
            for (int s = 0; s < 2 && !broken; s++)
                if (pump_out(p, s, now) != 0) broken = true;
            bool done = p->read_done[0] && p->read_done[1] && !p->head[0] && !p->head[1];
            if (broken || done) close_pair(i);
        }
        if (r > 0 && (pfd[0].revents & POLLIN)) {
            int c = accept(ls, NULL, NULL);
            if (c >= 0) {
                int u = connect_upstream(up);
                if (u < 0) {
                    close(c);
                } else {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    fcntl(c, F_SETFL, O_NONBLOCK);
                    fcntl(u, F_SETFL, O_NONBLOCK);
                    pairs[npairs++] = (pair){.fd = {c, u}};
                    n_conns++;
                }
            }
        }
    }
    return 0;
}
