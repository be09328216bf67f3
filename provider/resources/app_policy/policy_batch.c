/* policy_batch.c — see policy_batch.h. The same nonce and calls give the same safeTxHash, so a
 * plan repeated while the owners have not executed yet never asks them for a second, different
 * transaction. */
#include "policy_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Writes data to path through path.tmp.<pid> + fsync + rename: a reader sees the old file or the
 * whole new one. */
static int write_atomic(tf_ctx *c, const char *path, const char *data)
{
    char *tmp = tf_arena_printf(c->arena, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(data), off = 0;
    bool ok = fd >= 0;
    while (ok && off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        ok = w > 0;
        if (ok) off += (size_t)w;
    }
    int e = errno;
    if (fd >= 0) {
        ok = ok && fsync(fd) == 0;
        if (!ok) e = errno;
        ok = close(fd) == 0 && ok;
    }
    if (ok && rename(tmp, path) != 0) {
        e = errno;
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        tf_error(c, "batch_file", "Cannot write the batch file", "Writing %s failed: %s.", path,
                 strerror(e));
        return -1;
    }
    return 0;
}

/* The Transaction Builder JSON for an account owner: the calls as plain transactions. */
static char *account_json(tf_ctx *c, const policy_source *s, const pk_policy_call *calls, size_t n)
{
    char app_cs[PK_ETH_ADDRESS_STRLEN], owner_cs[PK_ETH_ADDRESS_STRLEN];
    pk_eth_address_checksum(s->app, app_cs);
    pk_eth_address_checksum(s->policy.owner, owner_cs);
    tf_buf b = {0};
    char head[400];
    snprintf(head, sizeof head,
             "{\n  \"version\": \"1.0\",\n  \"chainId\": \"%" PRIu64 "\",\n  \"createdAt\": %lld,\n"
             "  \"meta\": {\"name\": \"phala_app_policy\", \"description\": \"calls on app %s for "
             "its owner %s\", \"createdFromOwnerAddress\": \"%s\"},\n  \"transactions\": [",
             s->chain_id, (long long)time(NULL) * 1000LL, s->app, owner_cs, owner_cs);
    tf_buf_puts(&b, head);
    for (size_t i = 0; i < n; i++) {
        uint8_t cd[PK_ETH_CALLDATA_BYTES];
        char hex[2 * PK_ETH_CALLDATA_BYTES + 1], line[300];
        pk_policy_calldata(&calls[i], cd);
        pk_hex_encode(cd, sizeof cd, hex, sizeof hex);
        snprintf(line, sizeof line,
                 "%s\n    {\"to\": \"%s\", \"value\": \"0\", \"data\": \"0x%s\"}", i ? "," : "",
                 app_cs, hex);
        tf_buf_puts(&b, line);
    }
    tf_buf_puts(&b, "\n  ],\n  \"calls\": [");
    for (size_t i = 0; i < n; i++) {
        char text[160], line[200];
        pk_policy_call_text(&calls[i], text, sizeof text);
        snprintf(line, sizeof line, "%s\"%s\"", i ? ", " : "", text);
        tf_buf_puts(&b, line);
    }
    tf_buf_puts(&b, "]\n}\n");
    tf_buf_putc(&b, 0);
    char *out = tf_arena_strdup(c->arena, (const char *)b.data);
    tf_buf_free(&b);
    return out;
}

int ap_batch_write(tf_ctx *c, const policy_source *s, const char *path, const char *multisend,
                   const pk_policy_call *calls, size_t n, char safe_tx_hash[PK_ETH_HASH_STRLEN])
{
    safe_tx_hash[0] = '\0';
    if (!s->policy.owner_is_safe) {
        if (!path) return 0;
        return write_atomic(c, path, account_json(c, s, calls, n));
    }
    pk_safe_info info = {0};
    pk_safe_tx tx = {0};
    pk_error err = {0};
    char *json = NULL;
    int rc = -1;
    if (pk_safe_read(s->eth, s->policy.owner, &info, &err) != 0) {
        phala_api_error(c, NULL, "Cannot read the owner Safe's nonce", &err);
        goto out;
    }
    if (pk_safe_tx_build(s->chain_id, s->policy.owner, info.nonce, multisend, s->app, calls, n, &tx,
                         &err) != 0) {
        phala_api_error(c, "multisend", "Cannot build the Safe transaction", &err);
        goto out;
    }
    snprintf(safe_tx_hash, PK_ETH_HASH_STRLEN, "%s", tx.safe_tx_hash);
    if (!path) {
        rc = 0;
        goto out;
    }
    if (pk_safe_batch_json(&tx, s->app, calls, n, &json, &err) != 0) {
        phala_api_error(c, "batch_file", "Cannot write the batch file", &err);
        goto out;
    }
    rc = write_atomic(c, path, json);
out:
    free(json);
    pk_safe_tx_free(&tx);
    pk_safe_info_free(&info);
    pk_error_clear(&err);
    return rc;
}

bool ap_call_parse(const char *text, pk_policy_call *out)
{
    static const struct {
        const char *fn;
        pk_policy_op op;
    } fns[] = {{"addComposeHash(", PK_POLICY_ADD_COMPOSE_HASH},
               {"removeComposeHash(", PK_POLICY_REMOVE_COMPOSE_HASH},
               {"addDevice(", PK_POLICY_ADD_DEVICE},
               {"removeDevice(", PK_POLICY_REMOVE_DEVICE},
               {"setAllowAnyDevice(", PK_POLICY_SET_ALLOW_ANY_DEVICE}};
    memset(out, 0, sizeof *out);
    if (!text) return false;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        size_t k = strlen(fns[i].fn);
        if (strncmp(text, fns[i].fn, k) != 0) continue;
        const char *arg = text + k;
        out->op = fns[i].op;
        if (out->op == PK_POLICY_SET_ALLOW_ANY_DEVICE) {
            out->flag = strcmp(arg, "true)") == 0;
            return out->flag || strcmp(arg, "false)") == 0;
        }
        if (strlen(arg) != 67 || arg[66] != ')') return false;
        snprintf(out->value, sizeof out->value, "%.66s", arg);
        return true;
    }
    return false;
}
