/* tlsprov.c — the plugin server's private library context (see tlsprov.h): a built-in provider,
 * "phala-tls", that offers a filtered copy of the default provider's algorithm tables. The
 * implementations are the default provider's own, run with its provider context; only what the
 * context can fetch — and so what OpenSSL constructs on a first fetch — is smaller. */
#include "tlsprov.h"

#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <string.h>

/* Per operation, the algorithms kept, by their first name in the default provider's tables. */
static const char *const KEEP_DIGEST[] = {"SHA2-256", "SHA2-384", "SHA2-512", "SHA1", NULL};
static const char *const KEEP_CIPHER[] = {"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305", NULL};
static const char *const KEEP_MAC[] = {"HMAC", NULL};
static const char *const KEEP_KDF[] = {"HKDF", "TLS13-KDF", "TLS1-PRF", NULL};
static const char *const KEEP_KEYMGMT[] = {"EC", "X25519", "ED25519", NULL};
static const char *const KEEP_KEYEXCH[] = {"ECDH", "X25519", NULL};
static const char *const KEEP_SIGNATURE[] = {"ECDSA", "ED25519", NULL};
/* a certificate's key: DER SubjectPublicKeyInfo → EC or Ed25519 key (and the generic SPKI step
 * before it) */
static const char *const KEEP_DECODER[] = {"EC", "ED25519", "DER", NULL};

static const struct {
    int op;
    const char *const *keep;
} OPS[] = {
    {OSSL_OP_DIGEST, KEEP_DIGEST},
    {OSSL_OP_CIPHER, KEEP_CIPHER},
    {OSSL_OP_MAC, KEEP_MAC},
    {OSSL_OP_KDF, KEEP_KDF},
    {OSSL_OP_KEYMGMT, KEEP_KEYMGMT},
    {OSSL_OP_KEYEXCH, KEEP_KEYEXCH},
    {OSSL_OP_SIGNATURE, KEEP_SIGNATURE},
    {OSSL_OP_DECODER, KEEP_DECODER},
};
#define N_OPS   (sizeof OPS / sizeof OPS[0])
#define MAX_ALG 48

static OSSL_PROVIDER *g_default;
static OSSL_ALGORITHM g_tables[N_OPS][MAX_ALG + 1];

static int kept(const char *names, const char *const *keep)
{
    size_t n = strcspn(names, ":");
    for (; *keep; keep++)
        if (strlen(*keep) == n && strncmp(names, *keep, n) == 0) return 1;
    return 0;
}

static int fill_tables(void)
{
    for (size_t i = 0; i < N_OPS; i++) {
        int no_cache = 0;
        const OSSL_ALGORITHM *all = OSSL_PROVIDER_query_operation(g_default, OPS[i].op, &no_cache);
        if (!all) return -1;
        size_t k = 0;
        for (const OSSL_ALGORITHM *a = all; a->algorithm_names; a++)
            if (kept(a->algorithm_names, OPS[i].keep)) {
                if (k == MAX_ALG) return -1;
                g_tables[i][k++] = *a;
            }
        memset(&g_tables[i][k], 0, sizeof g_tables[i][k]);
        OSSL_PROVIDER_unquery_operation(g_default, OPS[i].op, all);
        if (k == 0) return -1; /* a default provider without it: better the default context */
    }
    return 0;
}

static const OSSL_ALGORITHM *query(void *provctx, int op, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    for (size_t i = 0; i < N_OPS; i++)
        if (OPS[i].op == op) return g_tables[i];
    return NULL;
}

/* TLS groups (X25519, P-256, …) are a provider capability: the default provider's list, of which
 * libssl keeps the groups whose key management this context has. */
static int get_capabilities(void *provctx, const char *capability, OSSL_CALLBACK *cb, void *arg)
{
    (void)provctx;
    return OSSL_PROVIDER_get_capabilities(g_default, capability, cb, arg);
}

static const OSSL_DISPATCH DISPATCH[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))query},
    {OSSL_FUNC_PROVIDER_GET_CAPABILITIES, (void (*)(void))get_capabilities},
    {0, NULL},
};

static int provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                         const OSSL_DISPATCH **out, void **provctx)
{
    (void)handle;
    (void)in;
    *out = DISPATCH;
    *provctx = OSSL_PROVIDER_get0_provider_ctx(g_default);
    return 1;
}

static OSSL_LIB_CTX *g_ctx;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void make_ctx(void)
{
    if (!(g_default = OSSL_PROVIDER_load(NULL, "default")) || fill_tables() != 0) return;
    OSSL_LIB_CTX *c = OSSL_LIB_CTX_new();
    if (!c) return;
    if (!OSSL_PROVIDER_add_builtin(c, "phala-tls", provider_init) ||
        !OSSL_PROVIDER_load(c, "phala-tls")) {
        OSSL_LIB_CTX_free(c);
        return;
    }
    g_ctx = c;
}

OSSL_LIB_CTX *tls_prov_libctx(void)
{
    pthread_once(&g_once, make_ctx);
    return g_ctx;
}
