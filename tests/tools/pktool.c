/* pktool: a small command-line face of libphalakms's crypto, so the Node cross-checks (and people
 * debugging) can drive our implementation with the same inputs they give Phala's SDKs. Input comes
 * as arguments or on stdin; results go to stdout; errors to stderr with exit status 1. */
#include "phalakms.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: pktool COMMAND ...\n"
    "  encrypt PUBHEX            < [{\"key\":..,\"value\":..},..]  -> encrypted_env hex\n"
    "  decrypt SKHEX             < encrypted_env hex             -> "
    "[{\"key\":..,\"value\":..},..]\n"
    "  dotenv                    < dotenv text                   -> [[key,value],..]\n"
    "  compose-hash [--normalize] < app-compose JSON             -> sha256 hex\n"
    "  verify PUBHEX SIGHEX APPID [TIMESTAMP NOW]                -> 0x<signer>\n"
    "  sig-digest APPID PUBHEX [TIMESTAMP]                       -> keccak hex\n"
    "  sign SKHEX DIGESTHEX                                      -> r||s||v hex\n"
    "  secp256k1-public SKHEX | x25519-public SKHEX              -> public key hex\n"
    "  keccak HEX                                                -> keccak256 hex\n";

static int fail(const char *msg)
{
    fprintf(stderr, "pktool: %s\n", msg);
    return 1;
}

static char *read_stdin(size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return NULL;
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void print_hex(const uint8_t *b, size_t n)
{
    char *hex = malloc(2 * n + 1);
    pk_hex_encode(b, n, hex, 2 * n + 1);
    printf("%s\n", hex);
    free(hex);
}

static int cmd_encrypt(const char *pub)
{
    size_t len;
    char *in = read_stdin(&len), err[512];
    cJSON *doc = in ? cJSON_ParseWithLength(in, len) : NULL;
    free(in);
    if (!cJSON_IsArray(doc)) return fail("stdin must be a JSON array of {key, value}");
    size_t n = (size_t)cJSON_GetArraySize(doc), i = 0;
    pk_env_var *vars = calloc(n ? n : 1, sizeof *vars);
    const cJSON *it;
    cJSON_ArrayForEach(it, doc)
    {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (!cJSON_IsString(k) || !cJSON_IsString(v))
            return fail("each item needs string key and value");
        vars[i++] = (pk_env_var){k->valuestring, v->valuestring, strlen(v->valuestring)};
    }
    char *hex = NULL;
    int rc = pk_encrypt_env(vars, n, pub, &hex, err, sizeof err);
    free(vars);
    cJSON_Delete(doc);
    if (rc != 0) return fail(err);
    printf("%s\n", hex);
    free(hex);
    return 0;
}

static void print_list(const pk_env_list *l, bool pairs)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < l->count; i++) {
        cJSON *item;
        if (pairs) {
            item = cJSON_CreateArray();
            cJSON_AddItemToArray(item, cJSON_CreateString(l->items[i].key));
            cJSON_AddItemToArray(item, cJSON_CreateString(l->items[i].value));
        } else {
            item = cJSON_CreateObject();
            cJSON_AddStringToObject(item, "key", l->items[i].key);
            cJSON_AddStringToObject(item, "value", l->items[i].value);
        }
        cJSON_AddItemToArray(arr, item);
    }
    char *s = cJSON_PrintUnformatted(arr);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(arr);
}

static int cmd_decrypt(const char *skhex)
{
    uint8_t sk[32];
    if (pk_hex_decode_exact(skhex, sk, 32) != 0) return fail("secret key must be 32 bytes of hex");
    size_t len;
    char *in = read_stdin(&len), err[512];
    if (!in) return fail("out of memory");
    while (len && (in[len - 1] == '\n' || in[len - 1] == '\r' || in[len - 1] == ' ')) in[--len] = 0;
    pk_env_list out = {0};
    int rc = pk_decrypt_env(in, sk, &out, err, sizeof err);
    free(in);
    if (rc != 0) return fail(err);
    print_list(&out, false);
    pk_env_list_free(&out);
    return 0;
}

static int cmd_dotenv(void)
{
    size_t len;
    char *in = read_stdin(&len), err[512];
    if (!in) return fail("out of memory");
    pk_env_list out = {0};
    int rc = pk_parse_dotenv(in, len, &out, err, sizeof err);
    free(in);
    if (rc != 0) return fail(err);
    print_list(&out, true);
    pk_env_list_free(&out);
    return 0;
}

static int cmd_compose_hash(bool normalize)
{
    size_t len;
    char *in = read_stdin(&len), out[65], err[512];
    if (!in) return fail("out of memory");
    int rc = pk_compose_hash(in, len, normalize, out, err, sizeof err);
    free(in);
    if (rc != 0) return fail(err);
    printf("%s\n", out);
    return 0;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 2) return fputs(usage, stderr), 2;
    const char *cmd = argv[1];
    if (strcmp(cmd, "encrypt") == 0 && argc == 3) return cmd_encrypt(argv[2]);
    if (strcmp(cmd, "decrypt") == 0 && argc == 3) return cmd_decrypt(argv[2]);
    if (strcmp(cmd, "dotenv") == 0 && argc == 2) return cmd_dotenv();
    if (strcmp(cmd, "compose-hash") == 0 && argc <= 3)
        return cmd_compose_hash(argc == 3 && strcmp(argv[2], "--normalize") == 0);
    if (strcmp(cmd, "verify") == 0 && (argc == 5 || argc == 7)) {
        uint64_t ts = argc == 7 ? strtoull(argv[5], NULL, 10) : 0;
        int64_t now = argc == 7 ? strtoll(argv[6], NULL, 10) : 0;
        uint8_t signer[33];
        if (pk_verify_pubkey_sig(argv[2], argv[3], argv[4], argc == 7 ? &ts : NULL, now, NULL,
                                 signer, err, sizeof err) != 0)
            return fail(err);
        printf("0x");
        print_hex(signer, 33);
        return 0;
    }
    if (strcmp(cmd, "sig-digest") == 0 && (argc == 4 || argc == 5)) {
        uint8_t app[20], pub[32], d[32];
        uint64_t ts = argc == 5 ? strtoull(argv[4], NULL, 10) : 0;
        if (pk_hex_decode_exact(argv[2], app, 20) != 0 ||
            pk_hex_decode_exact(argv[3], pub, 32) != 0)
            return fail("bad app id or public key");
        pk_pubkey_sig_digest(app, pub, argc == 5 ? &ts : NULL, d);
        print_hex(d, 32);
        return 0;
    }
    if (strcmp(cmd, "sign") == 0 && argc == 4) {
        uint8_t sk[32], d[32], sig[65];
        if (pk_hex_decode_exact(argv[2], sk, 32) != 0 || pk_hex_decode_exact(argv[3], d, 32) != 0 ||
            pk_secp256k1_sign_recoverable(sk, d, sig) != 0)
            return fail("bad secret key or digest");
        print_hex(sig, 65);
        return 0;
    }
    if ((strcmp(cmd, "secp256k1-public") == 0 || strcmp(cmd, "x25519-public") == 0) && argc == 3) {
        uint8_t sk[32], pub[33];
        bool secp = cmd[0] == 's';
        if (pk_hex_decode_exact(argv[2], sk, 32) != 0 ||
            (secp ? pk_secp256k1_pubkey_compressed(sk, pub) : pk_x25519_public(sk, pub)) != 0)
            return fail("bad secret key");
        print_hex(pub, secp ? 33 : 32);
        return 0;
    }
    if (strcmp(cmd, "keccak") == 0 && argc == 3) {
        size_t len = strlen(argv[2]), n = 0;
        uint8_t *buf = malloc(len / 2 + 1), d[32];
        if (pk_hex_decode(argv[2], len, buf, len / 2 + 1, &n) != 0) return fail("bad hex");
        pk_keccak256(buf, n, d);
        free(buf);
        print_hex(d, 32);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
