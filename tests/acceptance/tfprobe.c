/* tfprobe.c — a go-plugin client in miniature: starts a provider binary the way Terraform does
 * (cookie, PLUGIN_PROTOCOL_VERSIONS, PLUGIN_CLIENT_CERT), reads the handshake line and talks gRPC to
 * it over the unix socket with mutual TLS. Used by the acceptance tests for what terraform cannot
 * show (a client with the wrong certificate, UNIMPLEMENTED methods, Shutdown, parent death) and by
 * the benchmarks (exec → handshake, GetProviderSchema round trip).
 *   tfprobe check PROVIDER      every protocol check; exit 0 when all pass
 *   tfprobe bench PROVIDER N    median exec→handshake and schema round trip over N runs
 *   tfprobe conform PROVIDER    requests shaped as each Terraform / OpenTofu version sends them
 *                               (tfconform.c); exit 0 when every answer is one they accept
 *   tfprobe features PROVIDER   the schema's version-dependent features, one per line
 *   tfprobe health SOCKET CERT_B64 [CERT_PEM KEY_PEM]
 *                               one Health/Check (mTLS with that client certificate, or
 *                               plaintext), exit status = the gRPC status: check_all runs it as a
 *                               child of its own, a peer that is NOT the provider's ancestor */
#include <errno.h>
#include <fcntl.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clientcert.h"
#include "tfprobe.h"

extern char **environ;

int g_failures;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The environment of the provider: ours without PLUGIN_CLIENT_CERT, plus env_extra. */
static char **child_env(const char *const *env_extra)
{
    size_t n = 0, k = 0;
    while (environ[n]) n++;
    for (const char *const *e = env_extra; e && *e; e++) k++;
    char **env = calloc(n + k + 1, sizeof *env);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PLUGIN_CLIENT_CERT=", 19) != 0) env[o++] = environ[i];
    for (const char *const *e = env_extra; e && *e; e++) env[o++] = (char *)*e;
    return env;
}

/* Starts the provider with extra environment entries; reads its first stdout line. posix_spawn
 * (vfork + exec, as Go starts plugins): a fork of this gRPC-laden process would add its own page
 * copying to the start-up being measured. */
int plugin_start(plugin *p, const char *bin, const char *const *env_extra)
{
    memset(p, 0, sizeof *p);
    int out[2], err[2];
    /* close-on-exec: only the dup2'ed copies reach the provider */
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    char **env = child_env(env_extra);
    char *argv[] = {(char *)bin, NULL};
    double t0 = now_ms();
    int rc = posix_spawn(&p->pid, bin, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    if (rc != 0) return -1;
    close(out[1]);
    close(err[1]);
    p->stderr_fd = err[0];
    size_t n = 0;
    while (n < sizeof p->line - 1) {
        ssize_t r = read(out[0], p->line + n, 1);
        if (r <= 0) break;
        if (p->line[n] == '\n') break;
        n++;
    }
    p->line[n] = 0;
    p->startup_ms = now_ms() - t0;
    close(out[0]); /* like go-plugin we stop caring about stdout after the first line */
    /* 1|6|unix|/path|grpc|cert */
    char *fields[7] = {0};
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", p->line);
    int nf = 0;
    for (char *s = tmp, *tok; nf < 7 && (tok = strsep(&s, "|"));) fields[nf++] = tok;
    if (nf < 6) return -1;
    snprintf(p->socket, sizeof p->socket, "%s", fields[3]);
    snprintf(p->cert_b64, sizeof p->cert_b64, "%s", fields[5]);
    return 0;
}

int plugin_wait(plugin *p, int timeout_ms)
{
    for (int i = 0; i < timeout_ms / 10; i++) {
        int st;
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        usleep(10000);
    }
    return -1;
}

void plugin_kill(plugin *p)
{
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    close(p->stderr_fd);
}

/* The handshake cert is base64 DER without padding: re-pad, decode, convert to PEM. */
static char *server_cert_pem(const char *b64)
{
    size_t n0 = strlen(b64), n = n0;
    char *padded = calloc(1, n + 4);
    memcpy(padded, b64, n);
    while (n % 4) padded[n++] = '=';
    unsigned char *der = malloc(n);
    int got = EVP_DecodeBlock(der, (unsigned char *)padded, (int)n);
    free(padded);
    long len = (long)(n0 * 3 / 4); /* exact DER length: the padding decodes as extra zeros */
    const unsigned char *q = der;
    X509 *x = got > 0 ? d2i_X509(NULL, &q, len) : NULL;
    free(der);
    if (!x) return NULL;
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *data;
    long l = BIO_get_mem_data(b, &data);
    char *pem = strndup(data, (size_t)l);
    BIO_free(b);
    X509_free(x);
    return pem;
}

grpc_channel *connect_to(const plugin *p, const client_cert *client)
{
    char target[300];
    snprintf(target, sizeof target, "unix:%s", p->socket);
    if (!client) {
        grpc_channel_credentials *c = grpc_insecure_credentials_create();
        grpc_channel *ch = grpc_channel_create(target, c, NULL);
        grpc_channel_credentials_release(c);
        return ch;
    }
    char *root = server_cert_pem(p->cert_b64);
    if (!root) return NULL;
    grpc_ssl_pem_key_cert_pair pair = {client->key_pem, client->cert_pem};
    grpc_channel_credentials *c = grpc_ssl_credentials_create(root, &pair, NULL, NULL);
    grpc_arg arg = {.type = GRPC_ARG_STRING,
                    .key = GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
                    .value.string = "localhost"};
    grpc_channel_args args = {1, &arg};
    grpc_channel *ch = grpc_channel_create(target, c, &args);
    grpc_channel_credentials_release(c);
    free(root);
    return ch;
}

/* One unary call; returns the status code, and the whole reply in *full (malloc'ed, NULL when
 * there is none) when full is not NULL. */
grpc_status_code call_full(grpc_channel *ch, const char *method, const void *req, size_t len,
                           unsigned char **full, size_t *full_len)
{
    grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
    grpc_slice m = grpc_slice_from_static_string(method);
    gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(3000, GPR_TIMESPAN));
    grpc_call *c =
        grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL, deadline, NULL);
    grpc_slice body = grpc_slice_from_copied_buffer(req, len);
    grpc_byte_buffer *send = grpc_raw_byte_buffer_create(&body, 1);
    grpc_byte_buffer *recv = NULL;
    grpc_metadata_array init_md, trail_md;
    grpc_metadata_array_init(&init_md);
    grpc_metadata_array_init(&trail_md);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details;
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trail_md;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    int tag;
    grpc_call_start_batch(c, ops, 6, &tag, NULL);
    grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (full) *full = NULL;
    if (full_len) *full_len = 0;
    if (recv && full) {
        grpc_byte_buffer_reader r;
        grpc_byte_buffer_reader_init(&r, recv);
        grpc_slice all = grpc_byte_buffer_reader_readall(&r);
        size_t n = GRPC_SLICE_LENGTH(all);
        *full = malloc(n ? n : 1);
        if (*full) memcpy(*full, GRPC_SLICE_START_PTR(all), n);
        if (full_len) *full_len = n;
        grpc_slice_unref(all);
        grpc_byte_buffer_reader_destroy(&r);
    }
    if (recv) grpc_byte_buffer_destroy(recv);
    grpc_byte_buffer_destroy(send);
    grpc_slice_unref(body);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&init_md);
    grpc_metadata_array_destroy(&trail_md);
    grpc_call_unref(c);
    grpc_completion_queue_shutdown(cq);
    grpc_completion_queue_destroy(cq);
    return status;
}

/* call_full keeping the reply size and its first 64 bytes in *reply. */
grpc_status_code call(grpc_channel *ch, const char *method, const void *req, size_t len,
                      unsigned char *reply, size_t *reply_len)
{
    unsigned char *all = NULL;
    size_t n = 0;
    grpc_status_code s = call_full(ch, method, req, len, reply ? &all : NULL, &n);
    if (reply && all) memcpy(reply, all, n < 64 ? n : 64);
    if (reply_len) *reply_len = reply ? n : 0;
    free(all);
    return s;
}

/* Alive = exists and is not a zombie (an exited orphan may wait a while to be reaped). */
static int process_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' && close_paren[2] != 'X';
}

char *env_with(const char *key, const char *value)
{
    size_t n = strlen(key) + strlen(value) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s=%s", key, value);
    return s;
}

/* Writes text to a fresh file under dir; returns its path (malloc'ed) or NULL. */
static char *write_temp(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

/* `tfprobe health` run as our child: a peer of the provider that is not its ancestor. Returns
 * the gRPC status of its Health/Check, or -1 if it could not run. */
static int health_from_sibling(const plugin *p, const client_cert *cert)
{
    char self[4096], dir[] = "/tmp/tfprobe-XXXXXX";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || !mkdtemp(dir)) return -1;
    self[n] = 0;
    char *cert_file = cert ? write_temp(dir, "cert.pem", cert->cert_pem) : NULL;
    char *key_file = cert ? write_temp(dir, "key.pem", cert->key_pem) : NULL;
    char *argv[] = {self,     "health", (char *)p->socket, (char *)p->cert_b64, cert_file,
                    key_file, NULL};
    pid_t pid;
    int st = -1;
    if ((!cert || (cert_file && key_file)) &&
        posix_spawn(&pid, self, NULL, NULL, argv, environ) == 0 && waitpid(pid, &st, 0) == pid &&
        WIFEXITED(st))
        st = WEXITSTATUS(st);
    else
        st = -1;
    if (cert_file) unlink(cert_file);
    if (key_file) unlink(key_file);
    rmdir(dir);
    free(cert_file);
    free(key_file);
    return st;
}

/* The `health` command: one Health/Check from this process. */
static int health(int argc, char **argv)
{
    plugin p = {0};
    snprintf(p.socket, sizeof p.socket, "%s", argv[2]);
    snprintf(p.cert_b64, sizeof p.cert_b64, "%s", argv[3]);
    client_cert c = {0};
    if (argc > 5) {
        FILE *f;
        long len;
        char **slots[2] = {&c.cert_pem, &c.key_pem};
        for (int i = 0; i < 2; i++) {
            if (!(f = fopen(argv[4 + i], "r")) || fseek(f, 0, SEEK_END) != 0 ||
                (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
                return 100;
            *slots[i] = calloc(1, (size_t)len + 1);
            if (fread(*slots[i], 1, (size_t)len, f) != (size_t)len) return 100;
            fclose(f);
        }
    }
    grpc_channel *ch = connect_to(&p, argc > 5 ? &c : NULL);
    grpc_status_code s = call(ch, "/grpc.health.v1.Health/Check", "", 0, NULL, NULL);
    grpc_channel_destroy(ch);
    free(c.cert_pem);
    free(c.key_pem);
    return (int)s;
}

static int check_all(const char *bin)
{
    client_cert client, stranger, issued;
    if (client_cert_generate(&client) || client_cert_generate(&stranger) ||
        client_cert_issue(&client, &issued))
        return 1;
    char *client_env = env_with("PLUGIN_CLIENT_CERT", client.cert_pem);
    const char *env_tls[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=5,6", client_env, NULL};
    unsigned char reply[64];
    size_t rlen;

    /* 1. AutoMTLS handshake and the side services */
    plugin p;
    CHECK(plugin_start(&p, bin, env_tls) == 0, "handshake line: %s", p.line);
    CHECK(strncmp(p.line, "1|6|unix|", 9) == 0 && strstr(p.line, "|grpc|"),
          "line format 1|6|unix|…|grpc|cert");
    CHECK(strchr(p.cert_b64, '=') == NULL && strlen(p.cert_b64) > 50,
          "cert is base64 without padding");
    struct stat st;
    CHECK(stat(p.socket, &st) == 0 && S_ISSOCK(st.st_mode), "unix socket exists at %s", p.socket);
    grpc_channel *ch = connect_to(&p, &client);
    CHECK(call(ch, "/grpc.health.v1.Health/Check", "", 0, reply, &rlen) == GRPC_STATUS_OK &&
              rlen == 2 && reply[0] == 0x08 && reply[1] == 0x01,
          "health check answers SERVING (08 01)");
    CHECK(call(ch, "/tfplugin6.Provider/GetProviderSchema", "", 0, reply, &rlen) ==
                  GRPC_STATUS_OK &&
              rlen > 10,
          "GetProviderSchema over mTLS (%zu bytes)", rlen);
    CHECK(call(ch, "/tfplugin6.Provider/NoSuchMethod", "", 0, NULL, NULL) ==
              GRPC_STATUS_UNIMPLEMENTED,
          "unknown method answers UNIMPLEMENTED");
    CHECK(call(ch, "/plugin.GRPCStdio/StreamStdio", "", 0, NULL, NULL) == GRPC_STATUS_UNIMPLEMENTED,
          "StreamStdio answers UNIMPLEMENTED");
    CHECK(call(ch, "/tfplugin6.Provider/ReadResource", "\xff\xff", 2, NULL, NULL) ==
              GRPC_STATUS_INVALID_ARGUMENT,
          "garbage request answers INVALID_ARGUMENT, no crash");
    CHECK(call(ch, "/plugin.GRPCController/Shutdown", "", 0, NULL, NULL) == GRPC_STATUS_OK,
          "Shutdown answered");
    grpc_channel_destroy(ch);
    double t0 = now_ms();
    int rc = plugin_wait(&p, 3000);
    CHECK(rc == 0, "process exits 0 after Shutdown (%.0f ms)", now_ms() - t0);
    CHECK(stat(p.socket, &st) != 0, "socket removed on exit");
    if (rc < 0)
        plugin_kill(&p);
    else
        close(p.stderr_fd);

    /* 2. A peer the kernel shows to be the provider's ancestor (this process: Terraform's place)
     * is not asked for a certificate (peercred.h); any other peer — a sibling of the provider,
     * started by us — must present exactly the announced certificate, or is refused (and the
     * refusal logged with OpenSSL's reason in words: its error strings are loaded when needed). */
    const char *env_tls_log[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=5,6", client_env,
                                 "TF_LOG_PROVIDER=WARN", NULL};
    plugin_start(&p, bin, env_tls_log);
    ch = connect_to(&p, &stranger);
    grpc_status_code s = call(ch, "/grpc.health.v1.Health/Check", "", 0, NULL, NULL);
    CHECK(s == GRPC_STATUS_OK,
          "the provider's ancestor is served without its certificate being asked (status %d)", s);
    grpc_channel_destroy(ch);
    ch = connect_to(&p, NULL);
    s = call(ch, "/grpc.health.v1.Health/Check", "", 0, NULL, NULL);
    CHECK(s != GRPC_STATUS_OK, "plaintext client is refused when TLS is on (status %d)", s);
    grpc_channel_destroy(ch);
    CHECK(health_from_sibling(&p, &stranger) == GRPC_STATUS_UNAVAILABLE,
          "another process with a wrong certificate is refused");
    /* go-plugin trusts its certificate as the only root; the provider accepts exactly that
     * certificate, not another one chaining to it */
    CHECK(health_from_sibling(&p, &issued) == GRPC_STATUS_UNAVAILABLE,
          "another process with a certificate issued by the announced one is refused");
    CHECK(health_from_sibling(&p, NULL) != GRPC_STATUS_OK,
          "another process in plaintext is refused");
    CHECK(health_from_sibling(&p, &client) == GRPC_STATUS_OK,
          "another process holding the announced certificate and its key is served");
    /* SIGINT is Terraform's Ctrl-C reaching the process group: the provider must survive it */
    kill(p.pid, SIGINT);
    usleep(200000);
    ch = connect_to(&p, &client);
    CHECK(call(ch, "/grpc.health.v1.Health/Check", "", 0, NULL, NULL) == GRPC_STATUS_OK,
          "SIGINT is ignored");
    grpc_channel_destroy(ch);
    kill(p.pid, SIGTERM);
    CHECK(plugin_wait(&p, 3000) >= 0, "SIGTERM stops the provider");
    CHECK(stat(p.socket, &st) != 0, "socket removed after SIGTERM");
    char log[16384];
    size_t have = 0;
    for (ssize_t r;
         have < sizeof log - 1 && (r = read(p.stderr_fd, log + have, sizeof log - 1 - have)) > 0;)
        have += (size_t)r;
    log[have] = 0;
    CHECK(strstr(log, "TLS handshake refused") && strstr(log, "certificate verify failed"),
          "the refusal is logged with OpenSSL's reason in words: %.300s", log);
    close(p.stderr_fd);

    /* 3. Without a client certificate (TF_DISABLE_PLUGIN_TLS): insecure, empty cert field */
    const char *env_plain[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=6", NULL};
    plugin_start(&p, bin, env_plain);
    size_t L = strlen(p.line);
    CHECK(L > 0 && p.line[L - 1] == '|', "no-TLS handshake ends with an empty cert field: %s",
          p.line);
    ch = connect_to(&p, NULL);
    CHECK(call(ch, "/grpc.health.v1.Health/Check", "", 0, NULL, NULL) == GRPC_STATUS_OK,
          "insecure connection works");
    call(ch, "/plugin.GRPCController/Shutdown", "", 0, NULL, NULL);
    grpc_channel_destroy(ch);
    CHECK(plugin_wait(&p, 3000) == 0, "exits after Shutdown");
    close(p.stderr_fd);

    /* 4. Protocol negotiation and the cookie */
    const char *env_v5[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=4,5", NULL};
    plugin_start(&p, bin, env_v5);
    char msg[1024] = "";
    ssize_t got = read(p.stderr_fd, msg, sizeof msg - 1);
    msg[got > 0 ? got : 0] = 0;
    CHECK(plugin_wait(&p, 3000) == 1 && strstr(msg, "protocol 6"),
          "client without protocol 6: exit 1 with a clear message");
    close(p.stderr_fd);
    const char *env_none[] = {NULL};
    plugin_start(&p, bin, env_none);
    got = read(p.stderr_fd, msg, sizeof msg - 1);
    msg[got > 0 ? got : 0] = 0;
    CHECK(plugin_wait(&p, 3000) == 1 && strstr(msg, "This binary is a plugin"),
          "run by hand: friendly message, exit 1");
    close(p.stderr_fd);

    /* 5. Start-up problems are reported as what they are (stderr is what Terraform shows). */
    const char *env_badcert[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=6",
                                 "PLUGIN_CLIENT_CERT=not a certificate", NULL};
    plugin_start(&p, bin, env_badcert);
    got = read(p.stderr_fd, msg, sizeof msg - 1);
    msg[got > 0 ? got : 0] = 0;
    CHECK(plugin_wait(&p, 3000) == 1 && strstr(msg, "PLUGIN_CLIENT_CERT") &&
              !strstr(msg, "cannot listen"),
          "a garbage PLUGIN_CLIENT_CERT is named as such: %s", msg);
    close(p.stderr_fd);
    const char *env_fakepem[] = {
        COOKIE, "PLUGIN_PROTOCOL_VERSIONS=6",
        "PLUGIN_CLIENT_CERT=-----BEGIN "
        "CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGUgYXQgYWxsLCBqdXN0IHRleHQg"
        "dGhhdCBsb29rcyBsaWtlIG9uZSBmcm9tIGZhcg==\n-----END CERTIFICATE-----\n",
        NULL};
    plugin_start(&p, bin, env_fakepem);
    got = read(p.stderr_fd, msg, sizeof msg - 1);
    msg[got > 0 ? got : 0] = 0;
    CHECK(plugin_wait(&p, 3000) == 1 &&
              strstr(msg, "PLUGIN_CLIENT_CERT is not a valid certificate"),
          "a PEM-shaped PLUGIN_CLIENT_CERT that is no certificate is named as such: %s", msg);
    close(p.stderr_fd);
    char longdir[200];
    snprintf(longdir, sizeof longdir, "TMPDIR=/tmp/%0120d", 0);
    const char *env_longdir[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=6", longdir,
                                 "PLUGIN_UNIX_SOCKET_DIR=", NULL};
    plugin_start(&p, bin, env_longdir);
    got = read(p.stderr_fd, msg, sizeof msg - 1);
    msg[got > 0 ? got : 0] = 0;
    CHECK(plugin_wait(&p, 3000) == 1 && strstr(msg, "too long") && strstr(msg, "TMPDIR"),
          "an over-long socket directory is named as such: %s", msg);
    close(p.stderr_fd);

    /* 6. The provider exits when its parent dies (Terraform crashed: nobody sends Shutdown). */
    int fds[2];
    if (pipe(fds) == 0) {
        pid_t mid = fork();
        if (mid == 0) {
            plugin q;
            plugin_start(&q, bin, env_tls);
            dprintf(fds[1], "%d\n", (int)q.pid);
            _exit(0); /* orphan the provider */
        }
        char buf[32] = "";
        ssize_t r = read(fds[0], buf, sizeof buf - 1);
        buf[r > 0 ? r : 0] = 0;
        waitpid(mid, NULL, 0);
        pid_t orphan = (pid_t)atoi(buf);
        int gone = 0;
        for (int i = 0; i < 300 && orphan > 0; i++) {
            if (!process_alive(orphan)) {
                gone = 1;
                break;
            }
            usleep(10000);
        }
        CHECK(gone, "provider exits within 3 s after its parent died");
        close(fds[0]);
        close(fds[1]);
    }
    client_cert_free(&client);
    client_cert_free(&stranger);
    client_cert_free(&issued);
    free(client_env);
    printf("%d failed\n", g_failures);
    return g_failures ? 1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Waits for the provider and returns its user + system CPU in ms (wait4's rusage: the kernel's
 * own accounting of the finished process, all its threads), or -1 after timeout_ms. */
static double plugin_wait_cpu(plugin *p, int timeout_ms)
{
    for (int i = 0; i < timeout_ms / 2; i++) {
        int st;
        struct rusage ru;
        if (wait4(p->pid, &st, WNOHANG, &ru) == p->pid)
            return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
                   ru.ru_stime.tv_usec / 1e3;
        usleep(500);
    }
    return -1;
}

/* Median of v[0..n) (sorts v). */
static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A provider life as Terraform lives it: exec, handshake line, TLS handshake and the first call,
 * Shutdown, exit. Each phase is timed from here and the process's CPU (user + system, all
 * threads) is read when it is reaped. The schema round trip is measured on one more process that
 * answers 20 calls per run. */
static int bench(const char *bin, int runs)
{
    client_cert client;
    if (client_cert_generate(&client)) return 1;
    char *client_env = env_with("PLUGIN_CLIENT_CERT", client.cert_pem);
    const char *env_tls[] = {COOKIE, "PLUGIN_PROTOCOL_VERSIONS=5,6", client_env, NULL};
    double *start = calloc((size_t)runs, sizeof *start), *tls = calloc((size_t)runs, sizeof *tls);
    double *first = calloc((size_t)runs, sizeof *first),
           *exitms = calloc((size_t)runs, sizeof *exitms), *cpu = calloc((size_t)runs, sizeof *cpu);
    unsigned char reply[64];
    size_t rlen;
    int failed = 0;
    for (int i = 0; i < runs; i++) {
        plugin p;
        double t_exec = now_ms();
        if (plugin_start(&p, bin, env_tls) != 0) return 1;
        start[i] = p.startup_ms;
        grpc_channel *ch = connect_to(&p, &client);
        /* the first call includes the TLS handshake and the server's own TLS set-up */
        if (call(ch, "/tfplugin6.Provider/GetProviderSchema", "", 0, reply, &rlen) !=
            GRPC_STATUS_OK)
            failed++;
        first[i] = now_ms() - t_exec;
        tls[i] = first[i] - start[i];
        double t_shut = now_ms();
        call(ch, "/plugin.GRPCController/Shutdown", "", 0, NULL, NULL);
        grpc_channel_destroy(ch);
        cpu[i] = plugin_wait_cpu(&p, 3000);
        if (cpu[i] < 0)
            plugin_kill(&p);
        else
            close(p.stderr_fd);
        exitms[i] = now_ms() - t_shut;
    }
    double *rtt = calloc((size_t)runs, sizeof *rtt);
    plugin p;
    if (plugin_start(&p, bin, env_tls) != 0) return 1;
    grpc_channel *ch = connect_to(&p, &client);
    call(ch, "/tfplugin6.Provider/GetProviderSchema", "", 0, reply, &rlen);
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        for (int k = 0; k < 20; k++)
            call(ch, "/tfplugin6.Provider/GetProviderSchema", "", 0, reply, &rlen);
        rtt[i] = (now_ms() - t0) / 20;
    }
    call(ch, "/plugin.GRPCController/Shutdown", "", 0, NULL, NULL);
    grpc_channel_destroy(ch);
    if (plugin_wait(&p, 3000) < 0)
        plugin_kill(&p);
    else
        close(p.stderr_fd);
    double smin = 1e9, smax = 0, cmin = 1e9, cmax = 0;
    for (int i = 0; i < runs; i++) {
        smin = start[i] < smin ? start[i] : smin, smax = start[i] > smax ? start[i] : smax;
        cmin = cpu[i] < cmin ? cpu[i] : cmin, cmax = cpu[i] > cmax ? cpu[i] : cmax;
    }
    printf("exec_to_handshake_ms_median %.2f (min %.2f, max %.2f, %d runs, AutoMTLS)\n",
           median_of(start, runs), smin, smax, runs);
    printf("tls_handshake_and_first_reply_ms_median %.2f (line read until GetProviderSchema's "
           "reply)\n",
           median_of(tls, runs));
    printf("exec_to_first_reply_ms_median %.2f (handshake line, TLS handshake, first call)\n",
           median_of(first, runs));
    printf("shutdown_to_exit_ms_median %.2f (Shutdown call until the process is reaped)\n",
           median_of(exitms, runs));
    printf("cpu_ms_per_life_median %.2f (min %.2f, max %.2f; user + system of the provider: "
           "exec, handshake, GetProviderSchema, Shutdown; target <= 3)\n",
           median_of(cpu, runs), cmin, cmax);
    printf("get_provider_schema_rtt_ms_median %.3f\n", median_of(rtt, runs));
    if (failed) printf("FAILED first calls: %d\n", failed);
    free(start);
    free(tls);
    free(rtt);
    free(first);
    free(exitms);
    free(cpu);
    free(client_env);
    client_cert_free(&client);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: tfprobe check|conform|features PROVIDER | tfprobe bench PROVIDER N | "
                "tfprobe health SOCKET CERT_B64 [CERT_PEM KEY_PEM]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    grpc_init();
    int rc;
    if (strcmp(argv[1], "health") == 0 && argc >= 4)
        rc = health(argc, argv);
    else if (strcmp(argv[1], "bench") == 0)
        rc = bench(argv[2], argc > 3 ? atoi(argv[3]) : 50);
    else if (strcmp(argv[1], "conform") == 0)
        rc = conform_all(argv[2]);
    else if (strcmp(argv[1], "features") == 0)
        rc = print_features(argv[2]);
    else if (strcmp(argv[1], "check") == 0)
        rc = check_all(argv[2]);
    else {
        fprintf(stderr, "tfprobe: unknown command %s\n", argv[1]);
        rc = 2;
    }
    grpc_shutdown();
    return rc;
}
