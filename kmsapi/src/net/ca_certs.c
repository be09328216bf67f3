/* ca_certs.c — see pkx_ca.h. One X509_STORE per process, shared by every connection's SSL_CTX,
 * filled lazily: the files are read once and each certificate is kept as DER, indexed by its raw
 * subject name; a certificate is decoded into the store only when a verification asks for its
 * name. Decoding them all up front — ~290 certificates on Debian, the bundle and /etc/ssl/certs'
 * own files — cost OpenSSL 3 ~500M instructions (~150 ms) in every provider process that made a
 * TLS connection. Names match as raw DER, as Go's CertPool matches a certificate's RawIssuer to a
 * candidate's RawSubject: the trust decision is OpenSSL's, on the same certificates. */
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

/* One certificate of the pool: its DER and, inside it, its raw issuer and subject names. */
typedef struct {
    uint8_t *der;
    size_t len;
    size_t subj_off, subj_len, iss_off, iss_len;
    bool in_store; /* decoded and added (under g_mu) */
} ca_entry;

static ca_entry *g_entries;
static size_t g_n, g_cap;
static size_t g_decoded; /* how many entries were decoded into the store (tests) */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    X509_STORE *store;
    size_t certs;
    dev_t seen_dev[MAX_SEEN];
    ino_t seen_ino[MAX_SEEN];
    int nseen;
    char tried[1024]; /* for the diagnostic */
    int8_t b64[256];  /* each character's base64 value, -1 for none: built once per load */
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

/* One DER TLV at p (n bytes): its tag, header size and content length (definite lengths of up
 * to 4 bytes). Returns 0, or -1 if malformed. */
static int der_tlv(const uint8_t *p, size_t n, uint8_t *tag, size_t *hdr, size_t *len)
{
    if (n < 2) return -1;
    *tag = p[0];
    size_t l = p[1], h = 2;
    if (l & 0x80) {
        size_t k = l & 0x7f;
        if (k == 0 || k > 4 || n < 2 + k) return -1;
        l = 0;
        for (size_t i = 0; i < k; i++) l = l << 8 | p[2 + i];
        h += k;
    }
    if (l > n - h) return -1;
    *hdr = h;
    *len = l;
    return 0;
}

/* Finds the issuer and subject Names of a DER certificate (Certificate ::= SEQUENCE { tbs
 * SEQUENCE { [0] version OPTIONAL, serial, signature, issuer, validity, subject, ... } ... }).
 * Nothing is decoded; a certificate OpenSSL would refuse still fails when decoded on demand. */
static bool locate_names(ca_entry *e)
{
    uint8_t tag;
    size_t hdr, len;
    if (der_tlv(e->der, e->len, &tag, &hdr, &len) != 0 || tag != 0x30 || hdr + len != e->len)
        return false;
    size_t off = hdr;
    if (der_tlv(e->der + off, e->len - off, &tag, &hdr, &len) != 0 || tag != 0x30) return false;
    size_t end = off + hdr + len;
    off += hdr;
    for (int field = 0; field < 6; field++) {
        if (off >= end || der_tlv(e->der + off, end - off, &tag, &hdr, &len) != 0) return false;
        if (field == 0 && tag != 0xa0) field = 1; /* no version: v1 */
        if (field == 3 || field == 5) {
            if (tag != 0x30) return false;
            *(field == 3 ? &e->iss_off : &e->subj_off) = off;
            *(field == 3 ? &e->iss_len : &e->subj_len) = hdr + len;
        }
        off += hdr + len;
    }
    return true;
}

static void add_entry(loader *l, const uint8_t *der, size_t len)
{
    if (g_n == g_cap) {
        size_t cap = g_cap ? 2 * g_cap : 256;
        ca_entry *grown = realloc(g_entries, cap * sizeof *grown);
        if (!grown) return;
        g_entries = grown;
        g_cap = cap;
    }
    ca_entry e = {.der = malloc(len), .len = len};
    if (!e.der) return;
    memcpy(e.der, der, len);
    if (!locate_names(&e)) {
        free(e.der);
        return;
    }
    g_entries[g_n++] = e;
    l->certs++;
}

static void base64_table(int8_t val[256])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(val, -1, 256);
    for (int i = 0; i < 64; i++) val[(unsigned char)abc[i]] = (int8_t)i;
}

/* Standard base64 with '=' padding, whitespace between characters skipped, by the table val of
 * base64_table. libsodium's decoder is constant-time, ~100 instructions a byte, for secrets; these
 * are public certificates (half a MB of them on Debian). Returns 0, or -1 on any other character
 * or a bad length. */
static int base64_decode(const int8_t *val, const char *in, size_t n, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        /* four characters at a time while they are all base64 and the output is byte-aligned:
         * PEM lines are 64 characters, so almost every character takes this path */
        while (bits == 0 && !pad && i + 4 <= n && o + 3 <= cap) {
            const unsigned char *q = (const unsigned char *)in + i;
            int a = val[q[0]], b = val[q[1]], c = val[q[2]], d = val[q[3]];
            if ((a | b | c | d) < 0) break;
            uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
            out[o++] = (uint8_t)(v >> 16);
            out[o++] = (uint8_t)(v >> 8);
            out[o++] = (uint8_t)v;
            i += 4;
        }
        if (i >= n) break;
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || val[c] < 0) return -1; /* data after padding, or not base64 */
        acc = acc << 6 | (uint32_t)val[c];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap) return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6) return -1;
    *out_len = o;
    return 0;
}

/* Every CERTIFICATE (or X509 CERTIFICATE) PEM block of text, as Go's AppendCertsFromPEM takes
 * them: other blocks, and blocks that do not decode, are skipped. */
static void add_pem_blocks(loader *l, const char *text, size_t n)
{
    static const char *const begins[] = {"-----BEGIN CERTIFICATE-----",
                                         "-----BEGIN X509 CERTIFICATE-----"};
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *b = memmem(p, (size_t)(end - p), "-----BEGIN ", 11);
        if (!b) break;
        size_t skip = 0;
        for (size_t i = 0; i < 2 && !skip; i++)
            if ((size_t)(end - b) >= strlen(begins[i]) &&
                memcmp(b, begins[i], strlen(begins[i])) == 0)
                skip = strlen(begins[i]);
        const char *e = memmem(b + 11, (size_t)(end - b - 11), "-----END ", 9);
        if (!e) break;
        if (skip) {
            size_t cap = (size_t)(e - b) * 3 / 4 + 4, len;
            uint8_t *der = malloc(cap);
            if (der && base64_decode(l->b64, b + skip, (size_t)(e - b - skip), der, cap, &len) == 0)
                add_entry(l, der, len);
            free(der);
        }
        p = e + 9;
    }
}

/* Indexes every certificate of the PEM file at path. Returns false when the file cannot be read. */
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
    /* a CA file is a few hundred KiB at most; a larger one is read up to this much */
    size_t cap = st.st_size > 0 && st.st_size < (16 << 20) ? (size_t)st.st_size : (16 << 20);
    char *text = malloc(cap + 1);
    size_t n = text ? fread(text, 1, cap, f) : 0;
    fclose(f);
    if (text) add_pem_blocks(l, text, n);
    free(text);
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
    base64_table(l.b64);
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

/* Decodes into the store every pool certificate whose raw subject is the name (der, len) and not
 * yet there, then, for each, the certificates named as its issuer: what path building may ask the
 * store for, starting from that name. Called with g_mu held. */
static void add_named(const uint8_t *name, size_t len, int depth)
{
    for (size_t i = 0; i < g_n; i++) {
        ca_entry *e = &g_entries[i];
        if (e->in_store || e->subj_len != len || memcmp(e->der + e->subj_off, name, len) != 0)
            continue;
        e->in_store = true;
        const unsigned char *p = e->der;
        X509 *x = d2i_X509(NULL, &p, (long)e->len);
        if (!x) continue; /* as before: a certificate OpenSSL cannot read is not in the pool */
        if (X509_STORE_add_cert(g_store, x) == 1) g_decoded++;
        X509_free(x);
        /* a pool certificate's own issuer (an intermediate in the pool, then its root) */
        if (depth < 8 && (e->iss_len != e->subj_len ||
                          memcmp(e->der + e->iss_off, e->der + e->subj_off, e->iss_len) != 0))
            add_named(e->der + e->iss_off, e->iss_len, depth + 1);
    }
    ERR_clear_error();
}

static void add_names_of(X509 *x)
{
    const X509_NAME *names[2] = {X509_get_subject_name(x), X509_get_issuer_name(x)};
    for (int i = 0; i < 2; i++) {
        const unsigned char *der;
        size_t len;
        if (names[i] && X509_NAME_get0_der((X509_NAME *)names[i], &der, &len) == 1)
            add_named(der, len, 0);
    }
}

/* The connection's certificate verification: first the pool certificates the presented chain can
 * lead to (its certificates' subjects — any pool certificate is an anchor — and issuers), then
 * OpenSSL's own verification, unchanged. */
static int verify_lazily(X509_STORE_CTX *xs, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_mu);
    X509 *leaf = X509_STORE_CTX_get0_cert(xs);
    if (leaf) add_names_of(leaf);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(xs);
    for (int i = 0; chain && i < sk_X509_num(chain); i++) add_names_of(sk_X509_value(chain, i));
    pthread_mutex_unlock(&g_mu);
    return X509_verify_cert(xs);
}

CURLcode pkx_ca_ssl_ctx(CURL *h, void *ssl_ctx, void *user)
{
    (void)h, (void)user;
    pthread_once(&g_once, ca_load);
    if (!g_store) return CURLE_SSL_CACERT_BADFILE;
    SSL_CTX_set1_cert_store(ssl_ctx, g_store); /* takes a reference: the store is never freed */
    SSL_CTX_set_cert_verify_callback(ssl_ctx, verify_lazily, NULL);
    return CURLE_OK;
}

size_t pkx_ca_decoded(void)
{
    pthread_mutex_lock(&g_mu);
    size_t n = g_decoded;
    pthread_mutex_unlock(&g_mu);
    return n;
}

size_t pkx_ca_indexed(void)
{
    pthread_once(&g_once, ca_load);
    return g_n;
}

const char *pkx_ca_problem(void)
{
    /* Asked after a failed transfer: the once also orders g_problem's write before this read. */
    pthread_once(&g_once, ca_load);
    return g_problem[0] ? g_problem : NULL;
}
