/* main.c — the phala-cloud-sim command line: options, seed loading, starting the HTTP daemon,
 * announcing the port (stdout line + atomically written port file) and a clean stop on
 * SIGTERM/SIGINT. */
#include "sim.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: phala-cloud-sim --seed FILE [--listen 127.0.0.1] [--port 0] [--port-file PATH]\n"
          "                       [--api-key KEY] [--hash-ttl SECONDS] [--rpc-url URL]\n"
          "                       [--kms-rpc-timeout SECONDS] [--quiet]\n"
          "                       [--tls-cert PEM --tls-key PEM]\n",
          f);
}

/* temp file + rename: a test polling the port file never reads a half-written number. */
static int write_port_file(const char *path, unsigned port)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f) {
        bool ok = fprintf(f, "%u\n", port) > 0;
        ok = fclose(f) == 0 && ok;
        if (ok && rename(tmp, path) == 0) rc = 0;
    }
    if (rc) {
        fprintf(stderr, "phala-cloud-sim: cannot write port file %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static bool parse_number(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"seed", required_argument, NULL, 's'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"port-file", required_argument, NULL, 'f'},
                                         {"api-key", required_argument, NULL, 'k'},
                                         {"hash-ttl", required_argument, NULL, 't'},
                                         {"rpc-url", required_argument, NULL, 'r'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"kms-rpc-timeout", required_argument, NULL, 'T'},
                                         {"tls-cert", required_argument, NULL, 'c'},
                                         {"tls-key", required_argument, NULL, 'K'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *seed = NULL, *listen = "127.0.0.1", *port_file = NULL, *api_key = NULL,
               *rpc_url = NULL, *tls_cert = NULL, *tls_key = NULL;
    double port = 0, ttl = SIM_DEFAULT_HASH_TTL,
           rpc_timeout = SIM_DEFAULT_KMS_RPC_TIMEOUT_MS / 1000.0;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            seed = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'f':
            port_file = optarg;
            break;
        case 'k':
            api_key = optarg;
            break;
        case 'r':
            rpc_url = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'c':
            tls_cert = optarg;
            break;
        case 'K':
            tls_key = optarg;
            break;
        case 'p':
            if (!parse_number(optarg, 0, 65535, &port) || port != (double)(int)port) {
                fprintf(stderr, "phala-cloud-sim: --port %s is not a port number\n", optarg);
                return 2;
            }
            break;
        case 't':
            if (!parse_number(optarg, 0, 1e12, &ttl)) {
                fprintf(stderr, "phala-cloud-sim: --hash-ttl %s is not a number of seconds\n",
                        optarg);
                return 2;
            }
            break;
        case 'T':
            if (!parse_number(optarg, 0, 600, &rpc_timeout)) {
                fprintf(stderr, "phala-cloud-sim: --kms-rpc-timeout %s is not 0..600 seconds\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!seed || optind != argc || !tls_cert != !tls_key) {
        usage(stderr);
        return 2;
    }

    struct sim_state st = {0};
    char err[512] = "";
    if (sim_seed_load(&st, seed, err, sizeof err)) {
        fprintf(stderr, "phala-cloud-sim: %s\n", err);
        sim_state_free(&st);
        return 1;
    }
    if (api_key) {
        free(st.api_key);
        st.api_key = sim_strdup(api_key);
    }
    if (!st.api_key) {
        fprintf(stderr, "phala-cloud-sim: no API key: set api_key in the seed or pass --api-key\n");
        sim_state_free(&st);
        return 1;
    }
    st.hash_ttl = ttl;
    st.kms_rpc_timeout_ms = (long)(rpc_timeout * 1000.0);
    if (sim_replicas_open(&st, err, sizeof err)) {
        fprintf(stderr, "phala-cloud-sim: %s\n", err);
        sim_state_free(&st);
        return 1;
    }
    st.rpc_url = sim_strdup(rpc_url);
    pthread_mutex_init(&st.mu, NULL);

    /* Block the stop signals before MHD starts its threads (they inherit the mask), then wait for
     * one here; a broken pipe on a dropped client must never kill the process. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    struct sim_tls tls = {0};
    if (tls_cert && sim_tls_load(&tls, tls_cert, tls_key)) {
        sim_state_free(&st);
        return 1;
    }
    struct MHD_Daemon *d = sim_http_start(&st, listen, (uint16_t)port, tls_cert ? &tls : NULL);
    if (d) {
        unsigned bound = sim_http_port(d);
        printf("phala-cloud-sim listening on %s://%s:%u\n", tls_cert ? "https" : "http", listen,
               bound);
        fflush(stdout);
        if (!quiet)
            fprintf(stderr,
                    "phala-cloud-sim: %zu KMS contracts, %zu KMS nodes, %zu CVMs, %s chain "
                    "verification\n",
                    st.ncontracts, st.nkms, st.ncvms, rpc_url ? "JSON-RPC" : "fake");
        if (!port_file || write_port_file(port_file, bound) == 0) {
            int sig = 0;
            sigwait(&stop, &sig);
            rc = 0;
        }
        MHD_stop_daemon(d);
    }
    pthread_mutex_destroy(&st.mu);
    sim_tls_free(&tls);
    sim_state_free(&st);
    return rc;
}
