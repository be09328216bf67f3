/* pktool: a small command-line face of libphalakms's crypto and Ethereum signing, so the Node
 * cross-checks (and people debugging) can drive our implementation with the same inputs they give
 * Phala's SDKs and viem. Input comes as arguments or on stdin; results go to stdout; errors to stderr
 * with exit status 1. */
#include "phalakms.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: pktool COMMAND ...\n"
    "  encrypt PUBHEX            < [{\"key\":..,\"value\":..},..]  -> encrypted_env hex\n"
    "  decrypt SKHEX             < encrypted_env hex             -> "
    "[{\"key\":..,\"value\":..},..]\n"
    "  dotenv                    < dotenv text                   -> [[key,value],..]\n"
    "  compose-hash [--normalize|--indent4] < app-compose JSON   -> sha256 hex\n"
    "  verify PUBHEX SIGHEX APPID [TIMESTAMP NOW]                -> 0x<signer>\n"
    "  sig-digest APPID PUBHEX [TIMESTAMP]                       -> keccak hex\n"
    "  sign SKHEX DIGESTHEX                                      -> r||s||v hex\n"
    "  secp256k1-public SKHEX | x25519-public SKHEX              -> public key hex\n"
    "  keccak HEX                                                -> keccak256 hex\n"
    "  eth-address SKHEX                                         -> 0x<address>\n"
    "  eth-calldata HASH                                         -> 0x<addComposeHash calldata>\n"
    "  eth-sign-tx JSON  {type:\"eip1559\"|\"legacy\",privateKey,chainId,nonce,gas,gasPrice,\n"
    "                    maxFeePerGas,maxPriorityFeePerGas,to,value,data}\n"
    "                                       -> {\"raw\":\"0x..\",\"hash\":\"0x..\"}\n"
    "                    (numbers: JSON integers, decimal strings or 0x-hex strings)\n";

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

static int cmd_compose_hash(bool normalize, pk_compose_form form)
{
    size_t len;
    char *in = read_stdin(&len), out[65], err[512];
    if (!in) return fail("out of memory");
    int rc = pk_compose_hash_form(in, len, form, normalize, out, err, sizeof err);
    free(in);
    if (rc != 0) return fail(err);
    printf("%s\n", out);
    return 0;
}

/* A uint256 from a JSON integer, a decimal string or a 0x-hex string (big-endian out). */
static int json_u256(const cJSON *obj, const char *key, uint8_t out[32])
{
    memset(out, 0, 32);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return 0; /* absent = 0 */
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble < 0 || v->valuedouble > 9007199254740991.0) return -1;
        uint64_t n = (uint64_t)v->valuedouble;
        for (int i = 0; i < 8; i++) out[31 - i] = (uint8_t)(n >> (8 * i));
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0]) return -1;
    const char *s = v->valuestring;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        size_t n = strlen(s + 2);
        if (n == 0 || n > 64) return -1;
        char buf[66] = "";
        if (n % 2) strcat(buf, "0"); /* odd digit count: pad for the byte decoder */
        strcat(buf, s + 2);
        size_t got;
        uint8_t tmp[32];
        if (pk_hex_decode(buf, strlen(buf), tmp, 32, &got) != 0) return -1;
        memcpy(out + 32 - got, tmp, got);
        return 0;
    }
    for (; *s; s++) { /* out = out * 10 + digit */
        if (*s < '0' || *s > '9') return -1;
        unsigned carry = (unsigned)(*s - '0');
        for (int i = 31; i >= 0; i--) {
            unsigned cur = out[i] * 10u + carry;
            out[i] = (uint8_t)cur;
            carry = cur >> 8;
        }
        if (carry) return -1; /* overflow */
    }
    return 0;
}

static int json_u64(const cJSON *obj, const char *key, uint64_t *out)
{
    uint8_t b[32];
    if (json_u256(obj, key, b) != 0) return -1;
    for (int i = 0; i < 24; i++)
        if (b[i]) return -1;
    *out = 0;
    for (int i = 24; i < 32; i++) *out = (*out << 8) | b[i];
    return 0;
}

static int cmd_eth_sign_tx(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    if (!cJSON_IsObject(j)) return fail("argument must be a JSON object");
    pk_eth_tx tx = {0};
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(j, "privateKey");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(j, "to");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
    tx.type = cJSON_IsString(type) && strcmp(type->valuestring, "legacy") == 0 ? PK_ETH_TX_LEGACY
                                                                               : PK_ETH_TX_EIP1559;
    uint8_t sk[32], *bytes = NULL, *raw = NULL, hash[32];
    size_t n = 0, raw_len = 0;
    if (!cJSON_IsString(to) || pk_eth_address_parse(to->valuestring, tx.to) != 0)
        return cJSON_Delete(j), fail("to must be an address");
    if (json_u64(j, "chainId", &tx.chain_id) || json_u64(j, "nonce", &tx.nonce) ||
        json_u64(j, "gas", &tx.gas_limit) || json_u64(j, "gasPrice", &tx.gas_price) ||
        json_u64(j, "maxFeePerGas", &tx.max_fee_per_gas) ||
        json_u64(j, "maxPriorityFeePerGas", &tx.max_priority_fee_per_gas) ||
        json_u256(j, "value", tx.value))
        return cJSON_Delete(j), fail("a numeric field is not a uint64 (value: uint256)");
    if (cJSON_IsString(data)) {
        size_t len = strlen(data->valuestring);
        bytes = malloc(len / 2 + 1);
        if (!bytes || pk_hex_decode(data->valuestring, len, bytes, len / 2 + 1, &n) != 0)
            return cJSON_Delete(j), free(bytes), fail("data must be hex");
        tx.data = bytes;
        tx.data_len = n;
    }
    /* The key is decoded last so that no early return leaves it in memory. */
    if (!cJSON_IsString(key) || pk_hex_decode_exact(key->valuestring, sk, 32) != 0) {
        free(bytes);
        cJSON_Delete(j);
        return fail("privateKey must be 32 bytes of hex");
    }
    int rc = pk_eth_sign_tx(&tx, sk, &raw, &raw_len, hash);
    sodium_memzero(sk, sizeof sk);
    free(bytes);
    cJSON_Delete(j);
    if (rc != 0) return fail("signing failed");
    char *rh = malloc(2 * raw_len + 1), hh[65];
    pk_hex_encode(raw, raw_len, rh, 2 * raw_len + 1);
    pk_hex_encode(hash, 32, hh, sizeof hh);
    printf("{\"raw\":\"0x%s\",\"hash\":\"0x%s\"}\n", rh, hh);
    free(rh);
    free(raw);
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
        return cmd_compose_hash(argc == 3 && strcmp(argv[2], "--normalize") == 0,
                                argc == 3 && strcmp(argv[2], "--indent4") == 0
                                    ? PK_COMPOSE_INDENT4
                                    : PK_COMPOSE_COMPACT);
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
    if (strcmp(cmd, "eth-address") == 0 && argc == 3) {
        uint8_t sk[32];
        char addr[PK_ETH_ADDRESS_STRLEN];
        if (pk_hex_decode_exact(argv[2], sk, 32) != 0 || pk_eth_address(sk, addr) != 0)
            return fail("bad secret key");
        printf("%s\n", addr);
        return 0;
    }
    if (strcmp(cmd, "eth-calldata") == 0 && argc == 3) {
        uint8_t cd[PK_ETH_CALLDATA_BYTES];
        if (pk_eth_calldata_add_compose_hash(argv[2], cd) != 0)
            return fail("the compose hash must be 64 hex digits (optional 0x)");
        printf("0x");
        print_hex(cd, sizeof cd);
        return 0;
    }
    if (strcmp(cmd, "eth-sign-tx") == 0 && argc == 3) return cmd_eth_sign_tx(argv[2]);
    fputs(usage, stderr);
    return 2;
}
