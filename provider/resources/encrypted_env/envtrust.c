/* envtrust.c — see envtrust.h. The comparisons are on normalised values (hex without 0x, any case):
 * the API and users spell the same address differently, and only a different value is a change. */
#include "envtrust.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

env_pin env_pin_of(const tf_ctx *c, const tf_value *state, const tf_value *config)
{
    const phala_config *pc = c->provider_data;
    env_pin p = {0};
    if (state) {
        p.state_app = tf_get_string(state, "app_id");
        p.kms = tf_get_string(state, "kms_contract_address");
        p.has_chain = tf_get_int(state, "chain_id", &p.chain_id);
        p.state_signer = tf_get_string(state, "public_key_signer");
    }
    if (config) {
        p.config_app = tf_get_string(config, "app_id");
        p.config_signer = tf_get_string(config, "expected_signer");
    }
    if (!p.config_signer && pc) p.config_signer = pc->expected_signer;
    /* only real addresses pin a KMS ("phala" is the off-chain sentinel) */
    if (p.kms && !phala_is_hex(p.kms, 40, false)) p.kms = NULL;
    return p;
}

static void changed(tf_ctx *c, const char *cvm_id, const char *what, const char *pinned,
                    const char *now, const char *from)
{
    tf_error(c, "cvm_id", "The CVM is not the one this resource manages",
             "CVM %s belongs to %s %s according to %s, but the API now says %s %s. A CVM's %s "
             "does not change: either the API answers for another CVM, or the CVM was replaced. "
             "Nothing was encrypted, signed or sent, and the state was not changed. If the CVM "
             "really moved, remove this resource from the state (terraform state rm) and import "
             "it again.",
             cvm_id ? cvm_id : "?", what, pinned, from, what, now ? now : "(none)", what);
}

/* 0x + lowercase hex, however the state, the configuration or the API spelled it */
static const char *shown(tf_ctx *c, const char *hex)
{
    if (!hex) return NULL;
    char *s = tf_arena_printf(c->arena, "0x%s", phala_strip0x(hex));
    for (char *p = s + 2; *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

int env_pin_check(tf_ctx *c, const env_pin *pin, const char *cvm_id, const pk_cvm *cvm)
{
    const char *app = cvm->app_id;
    if (pin->config_app && !phala_hex_same(pin->config_app, app)) {
        changed(c, cvm_id, "app", shown(c, pin->config_app), shown(c, app),
                "the configuration (app_id)");
        return -1;
    }
    if (pin->state_app && !phala_hex_same(pin->state_app, app)) {
        changed(c, cvm_id, "app", shown(c, pin->state_app), shown(c, app),
                "the state (app_id recorded at create or import)");
        return -1;
    }
    const char *kms = cvm->has_kms_info ? cvm->kms_info.dstack_kms_address : NULL;
    if (pin->kms && !phala_hex_same(pin->kms, kms)) {
        changed(c, cvm_id, "KMS contract", shown(c, pin->kms), shown(c, kms),
                "the state (kms_contract_address)");
        return -1;
    }
    bool has_chain = cvm->has_kms_info && cvm->kms_info.has_chain_id;
    if (pin->has_chain && (!has_chain || cvm->kms_info.chain_id != pin->chain_id)) {
        char was[32], now[32];
        snprintf(was, sizeof was, "%" PRId64, pin->chain_id);
        snprintf(now, sizeof now, "%" PRId64, cvm->kms_info.chain_id);
        changed(c, cvm_id, "chain", was, has_chain ? now : "(none: Phala's off-chain KMS)",
                "the state (chain_id)");
        return -1;
    }
    return 0;
}

int env_pin_read_check(tf_ctx *c, pk_client *client, const env_pin *pin, const char *cvm_id,
                       pk_cvm *out)
{
    pk_error err = {0};
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (pk_cvm_fetch(client, cvm_id, out, &err) != 0)
        phala_api_error(c, "cvm_id", "Cannot read the CVM", &err);
    else
        rc = env_pin_check(c, pin, cvm_id, out);
    pk_error_clear(&err);
    return rc;
}

const char *env_anchor_source(const phala_config *pc, const env_pin *pin)
{
    if (pc && pc->onchain.rpc_url) return ENV_ANCHOR_CHAIN;
    if (pin && pin->config_signer) return ENV_ANCHOR_CONFIG;
    if (pin && pin->state_signer) return ENV_ANCHOR_STATE;
    return ENV_ANCHOR_API;
}

const char *env_app_of_id(tf_ctx *c, const char *s)
{
    if (!s) return NULL;
    if (strncmp(s, "app_", 4) == 0) s += 4;
    if (!pk_app_id_valid(s)) return NULL;
    char *out = tf_arena_printf(c->arena, "%s", phala_strip0x(s));
    for (char *p = out; *p; p++) *p = (char)tolower((unsigned char)*p);
    return out;
}
