/* safe_tool.c — a test driver for kmsapi's Safe encoder: builds the Safe transaction for a list of
 * policy calls (pk_safe_tx_build) and prints its batch file (pk_safe_batch_json), so the Node tests
 * can compare it with @safe-global/protocol-kit and execute it on a real Safe. Not shipped.
 *
 *   pk_safe_tool --chain-id N --safe ADDR --app ADDR (--nonce N | --nonce-from RPC_URL)
 *                [--multisend ADDR] [--out FILE] CALL...
 *   CALL: add-hash:HEX  remove-hash:HEX  add-device:HEX  remove-device:HEX  allow-any:true|false
 *
 * --nonce-from reads the Safe's nonce() with one eth_call. Exit 0 and the JSON on stdout (or in
 * FILE), or 1 and the error on stderr. */
#include <phalakms.h>
#include <phalakms/policy.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, const pk_error *err)
{
    fprintf(stderr, "pk_safe_tool: %s: %s\n", what, err ? pk_error_message(err) : "");
    return 1;
}

static int parse_call(const char *arg, pk_policy_call *c)
{
    static const struct {
        const char *prefix;
        pk_policy_op op;
    } ops[] = {
        {"add-hash:", PK_POLICY_ADD_COMPOSE_HASH},
        {"remove-hash:", PK_POLICY_REMOVE_COMPOSE_HASH},
        {"add-device:", PK_POLICY_ADD_DEVICE},
        {"remove-device:", PK_POLICY_REMOVE_DEVICE},
        {"allow-any:", PK_POLICY_SET_ALLOW_ANY_DEVICE},
    };
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].prefix);
        if (strncmp(arg, ops[i].prefix, n) != 0) continue;
        c->op = ops[i].op;
        if (c->op == PK_POLICY_SET_ALLOW_ANY_DEVICE) {
            c->flag = strcmp(arg + n, "true") == 0;
            return c->flag || strcmp(arg + n, "false") == 0 ? 0 : -1;
        }
        /* Too long a value is cut and then refused by the encoder, which is what this tests. */
        snprintf(c->value, sizeof c->value, "%s", arg + n);
        return 0;
    }
    return -1;
}

/* nonce() of the Safe (selector 0xaffed0e0) at "latest". */
static int read_nonce(const char *url, const char *safe, uint64_t *nonce)
{
    pk_eth_config cfg = {.rpc_url = url, .timeout_ms = 10000};
    pk_eth *eth = NULL;
    pk_error err = {0};
    const uint8_t sel[4] = {0xaf, 0xfe, 0xd0, 0xe0};
    uint8_t *out = NULL;
    size_t len = 0;
    int rc =
        pk_eth_new(&cfg, &eth, &err) == 0 ? pk_eth_call(eth, safe, sel, 4, &out, &len, &err) : -1;
    if (rc == 0 && len != 32)
        rc = -1, fprintf(stderr, "pk_safe_tool: nonce() answered %zu bytes\n", len);
    if (rc == 0) {
        *nonce = 0;
        for (int i = 24; i < 32; i++) *nonce = (*nonce << 8) | out[i];
    } else if (err.kind != PK_ERR_NONE) {
        fail("nonce()", &err);
    }
    free(out);
    pk_eth_free(eth);
    pk_error_clear(&err);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t chain_id = 0, nonce = 0;
    const char *safe = NULL, *app = NULL, *multisend = NULL, *nonce_from = NULL, *out = NULL;
    bool have_nonce = false;
    pk_policy_call *calls = calloc((size_t)argc, sizeof *calls);
    size_t n = 0;
    if (!calls) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--chain-id") == 0 && v)
            chain_id = strtoull(v, NULL, 10), i++;
        else if (strcmp(a, "--safe") == 0 && v)
            safe = v, i++;
        else if (strcmp(a, "--app") == 0 && v)
            app = v, i++;
        else if (strcmp(a, "--multisend") == 0 && v)
            multisend = v, i++;
        else if (strcmp(a, "--nonce") == 0 && v)
            nonce = strtoull(v, NULL, 10), have_nonce = true, i++;
        else if (strcmp(a, "--nonce-from") == 0 && v)
            nonce_from = v, i++;
        else if (strcmp(a, "--out") == 0 && v)
            out = v, i++;
        else if (parse_call(a, &calls[n]) == 0)
            n++;
        else {
            fprintf(stderr, "pk_safe_tool: bad argument \"%s\"\n", a);
            free(calls);
            return 2;
        }
    }
    if (!have_nonce && !nonce_from) {
        fprintf(stderr, "pk_safe_tool: --nonce or --nonce-from is required\n");
        free(calls);
        return 2;
    }
    if (nonce_from && read_nonce(nonce_from, safe, &nonce) != 0) {
        free(calls);
        return 1;
    }
    pk_safe_tx tx;
    pk_error err = {0};
    char *json = NULL;
    int rc = 0;
    if (pk_safe_tx_build(chain_id, safe, nonce, multisend, app, calls, n, &tx, &err) != 0) {
        rc = fail("pk_safe_tx_build", &err);
    } else {
        if (pk_safe_batch_json(&tx, app, calls, n, &json, &err) != 0)
            rc = fail("pk_safe_batch_json", &err);
        pk_safe_tx_free(&tx);
    }
    if (json) {
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f || fprintf(f, "%s\n", json) < 0 || (out && fclose(f) != 0)) {
            perror("pk_safe_tool: write");
            rc = 1;
        }
    }
    free(json);
    free(calls);
    pk_error_clear(&err);
    return rc;
}
