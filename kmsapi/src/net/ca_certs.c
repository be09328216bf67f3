/* ca_certs.c — see pkx_ca.h. One X509_STORE per process, filled once and shared by every
 * connection's SSL_CTX (libcurl 7.88 makes an SSL_CTX per connection: parsing the bundle for each
 * would cost milliseconds per connection). */
#include "net/pkx_ca.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Go's certFiles (root_linux.go), in its order: the first one that can be read is used. */
static const char *const k_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Gentoo */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL 6 */
    "/etc/ssl/ca-bundle.pem",                            /* OpenSUSE */
    "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* CentOS, RHEL 7+, Amazon Linux */
    "/etc/ssl/cert.pem",                                 /* Alpine */
};
/* Go's certDirectories (root_linux.go): every file in each is read. */
static const char *const k_dirs[] = {"/etc/ssl/certs", "/etc/pki/tls/certs"};

#define MAX_SEEN 8 /* bundle files already loaded, skipped when met again in a directory */

typedef struct {
    X509_STORE *store;
    size_t certs;
    dev_t seen_dev[MAX_SEEN];
    ino_t seen_ino[MAX_SEEN];
    int nseen;
    char tried[1024]; /* for the diagnostic */
} loader;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static X509_STORE *g_store;
static char g_problem[1400];

static void note_tried(loader *l, const char *fmt, ...)
{
    size_t n = strlen(l->tried);
    if (n + 3 >= sizeof l->tried) return;
    if (n) {
        memcpy(l->tried + n, ", ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->tried + n, sizeof l->tried - n, fmt, ap);
    va_end(ap);
}

static bool seen(const loader *l, const struct stat *st)
{
    for (int i = 0; i < l->nseen; i++)
        if (l->seen_dev[i] == st->st_dev && l->seen_ino[i] == st->st_ino) return true;
    return false;
}

/* Adds every certificate of the PEM file at path (other PEM blocks are skipped; a damaged block
 * ends the file, keeping what came before). Returns false when the file cannot be read. */
static bool load_file(loader *l, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || seen(l, &st)) return false;
    FILE *f = fopen(path, "re");
    if (!f) return false;
    if (l->nseen < MAX_SEEN) {
        l->seen_dev[l->nseen] = st.st_dev;
        l->seen_ino[l->nseen++] = st.st_ino;
    }
    X509 *x;
    while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
        if (X509_STORE_add_cert(l->store, x) == 1) l->certs++;
        X509_free(x);
    }
    ERR_clear_error(); /* the end of the file reads as "no start line" */
    fclose(f);
    return true;
}

/* Go's isSameDirSymlink: a symlink whose target has no slash names another entry of the same
 * directory (OpenSSL's hash links), which is read under its own name. */
static bool same_dir_symlink(const char *path)
{
    char target[512];
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0) return false;
    target[n] = '\0';
    return strchr(target, '/') == NULL;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void load_dir(loader *l, const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) return;
    for (int i = 0; i < n; i++) {
        char path[4096];
        const char *name = names[i]->d_name;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
            snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path &&
            !same_dir_symlink(path))
            load_file(l, path);
        free(names[i]);
    }
    free(names);
}

static void ca_load(void)
{
    loader l = {.store = X509_STORE_new()};
    if (!l.store) {
        snprintf(g_problem, sizeof g_problem, "out of memory loading the CA certificates");
        return;
    }
    const char *file = getenv("SSL_CERT_FILE");
    if (file && *file) {
        note_tried(&l, "SSL_CERT_FILE=%s", file);
        load_file(&l, file);
    } else {
        for (size_t i = 0; i < sizeof k_bundles / sizeof *k_bundles; i++) {
            note_tried(&l, "%s", k_bundles[i]);
            if (load_file(&l, k_bundles[i])) break;
        }
    }
    const char *dirs = getenv("SSL_CERT_DIR");
    if (dirs && *dirs) {
        note_tried(&l, "SSL_CERT_DIR=%s", dirs);
        char *copy = strdup(dirs), *save = NULL;
        for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
            load_dir(&l, d);
        free(copy);
    } else {
        for (size_t i = 0; i < sizeof k_dirs / sizeof *k_dirs; i++) {
            note_tried(&l, "%s/*", k_dirs[i]);
            load_dir(&l, k_dirs[i]);
        }
    }
    if (l.certs == 0) {
        X509_STORE_free(l.store);
        snprintf(
            g_problem, sizeof g_problem,
            "no CA certificates found to verify TLS servers: set SSL_CERT_FILE to a PEM bundle "
            "or SSL_CERT_DIR to a directory of PEM files (colon-separated list). Tried: %s",
            l.tried);
        return;
    }
    /* What libcurl sets on the store it would have used: any certificate of the store is an
     * anchor (as in Go, where every pool certificate is trusted), store certificates first. */
    X509_STORE_set_flags(l.store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_TRUSTED_FIRST);
    g_store = l.store;
}

CURLcode pkx_ca_ssl_ctx(CURL *h, void *ssl_ctx, void *user)
{
    (void)h, (void)user;
    pthread_once(&g_once, ca_load);
    if (!g_store) return CURLE_SSL_CACERT_BADFILE;
    SSL_CTX_set1_cert_store(ssl_ctx, g_store); /* takes a reference: the store is never freed */
    return CURLE_OK;
}

const char *pkx_ca_problem(void)
{
    /* Asked after a failed transfer: the once also orders g_problem's write before this read. */
    pthread_once(&g_once, ca_load);
    return g_problem[0] ? g_problem : NULL;
}
