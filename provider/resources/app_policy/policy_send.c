/* policy_send.c — see policy_send.h. The key stays in the provider configuration's memory: it is
 * decoded only to learn its address, and wiped at once; errors never carry it. */
#include "policy_send.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "tflog.h"

bool ap_owner_signs(tf_ctx *c, const policy_source *s)
{
    const phala_config *pc = c->provider_data;
    if (!pc || !pc->onchain.private_key) return false;
    uint8_t sk[32];
    char addr[PK_ETH_ADDRESS_STRLEN];
    bool ok = pk_hex_decode_exact(pc->onchain.private_key, sk, 32) == 0 &&
              pk_eth_address(sk, addr) == 0 && strcmp(addr, s->policy.owner) == 0;
    sodium_memzero(sk, sizeof sk);
    return ok;
}

int ap_send_calls(tf_ctx *c, const policy_source *s, const pk_policy_call *calls, size_t n)
{
    const phala_config *pc = c->provider_data;
    pk_register_req req = {
        .private_key_hex = pc->onchain.private_key,
        .app_contract = s->app,
        .has_expected_chain_id = true,
        .expected_chain_id = s->chain_id,
        .confirmations = pc->onchain.confirmations > 0 ? (unsigned)pc->onchain.confirmations : 0,
        .receipt_timeout_ms = pc->onchain.receipt_timeout_seconds > 0
                                  ? (long)pc->onchain.receipt_timeout_seconds * 1000L
                                  : 0,
    };
    for (size_t i = 0; i < n; i++) {
        char text[160];
        pk_policy_call_text(&calls[i], text, sizeof text);
        pk_register_result r = {0};
        pk_error err = {0};
        if (pk_policy_send_call(s->eth, &req, &calls[i], &r, &err) != 0) {
            if (err.kind == PK_ERR_CANCELLED) {
                tf_log(TF_LOG_WARN, pk_error_message(&err), NULL);
                tf_error_cancelled(c);
            } else {
                tf_error(c, NULL, "Cannot change the app's policy",
                         "%s on app contract %s (call %zu of %zu) failed: %s\n\nThe calls before "
                         "it are on-chain; the next apply makes the rest.",
                         text, s->app, i + 1, n, pk_error_message(&err));
            }
            pk_error_clear(&err);
            return -1;
        }
        tf_log(TF_LOG_INFO, "app policy call", "call", text, "transaction",
               r.tx_hash ? r.tx_hash : "(none: the chain showed it already)", NULL);
        pk_register_result_free(&r);
    }
    return 0;
}

void ap_warn_pending(tf_ctx *c, const policy_source *s, const pk_policy_call *calls, size_t n,
                     const char *file, const char *safe_tx_hash)
{
    tf_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        char text[160];
        pk_policy_call_text(&calls[i], text, sizeof text);
        tf_buf_puts(&b, "  ");
        tf_buf_puts(&b, text);
        tf_buf_putc(&b, '\n');
    }
    tf_buf_putc(&b, 0);
    const phala_config *pc = c->provider_data;
    const char *who = s->policy.owner_is_safe ? "Safe" : "account";
    char where[600];
    if (file)
        snprintf(where, sizeof where, "The batch is in %s%s%s.", file,
                 safe_tx_hash[0] ? "; its safeTxHash is " : "", safe_tx_hash);
    else
        snprintf(where, sizeof where,
                 "Set batch_file to get them as a Safe{Wallet} Transaction Builder file%s%s.",
                 safe_tx_hash[0] ? "; the Safe transaction's safeTxHash is " : "", safe_tx_hash);
    tf_warning(c, NULL,
               s->policy.owner_is_safe ? "The app's Safe must execute these calls"
                                       : "The app's owner account must make these calls",
               "App contract %s is owned by the %s %s, %s. These calls wait for it (status "
               "pending_owner), in this order:\n%s\n%s The next refresh notices when they are "
               "executed.",
               s->app, who, s->policy.owner,
               pc && pc->onchain.private_key ? "not by onchain.private_key's address"
                                             : "and no onchain.private_key is configured",
               (const char *)b.data, where);
    tf_buf_free(&b);
}
