/* seed.c — reads the seed JSON (README "Seed file") into the world state and frees it again: KMS
 * contracts, their replica nodes (a node that names no contract gets a contract of its own), OIDC
 * tokens, on-chain detail and CVMs. Every problem is reported with the JSON path that causes it, so
 * a broken seed is fixed in one look. */
#include "sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, errlen, "cannot open seed file %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = cap > 64u * 1024u * 1024u ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                fail(err, errlen, "seed file %s is too large", path);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (buf && ferror(f)) {
        fail(err, errlen, "cannot read seed file %s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    *len = n;
    return buf;
}

/* A required string member; NULL (with err set) if absent or not a string. */
static const char *req_str(const cJSON *o, const char *key, const char *where, char *err,
                           size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        fail(err, errlen, "seed: %s.%s must be a non-empty string", where, key);
        return NULL;
    }
    return v->valuestring;
}

/* An optional string member: absent or null → *out NULL; anything else but a string is an error. */
static int opt_str(const cJSON *o, const char *key, const char *where, char **out, char *err,
                   size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v))
        return fail(err, errlen, "seed: %s.%s must be a string or null", where, key);
    *out = sim_strdup(v->valuestring);
    return 0;
}

/* Root secret and optional fixed k256_pubkey of a contract (or of a node that is its own contract). */
static int load_keys(struct sim_keys *k, const cJSON *o, const char *where, char *err,
                     size_t errlen)
{
    const char *root = req_str(o, "root_secret", where, err, errlen);
    if (!root) return -1;
    if (sim_hex_decode(sim_strip0x(root), k->root_secret, 32))
        return fail(err, errlen, "seed: %s.root_secret must be 64 hex digits", where);
    if (sim_keys_derive(k)) return fail(err, errlen, "seed: %s: key derivation failed", where);
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(o, "k256_pubkey");
    if (ov && !cJSON_IsNull(ov)) {
        if (!cJSON_IsString(ov) || !sim_is_hex(sim_strip0x(ov->valuestring), 66))
            return fail(err, errlen, "seed: %s.k256_pubkey must be 0x + 66 hex digits", where);
        snprintf(k->k256_pubkey, sizeof k->k256_pubkey, "0x%s", sim_strip0x(ov->valuestring));
        sim_lower(k->k256_pubkey);
        k->k256_overridden = true;
    }
    return 0;
}

static int opt_bool(const cJSON *o, const char *key, bool def, const char *where, bool *out,
                    char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = def;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsBool(v)) return fail(err, errlen, "seed: %s.%s must be a boolean", where, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

static int load_contract(struct sim_contract *c, const cJSON *o, const char *where, char *err,
                         size_t errlen)
{
    const char *id, *addr;
    if (!cJSON_IsObject(o)) return fail(err, errlen, "seed: %s must be an object", where);
    if (!(id = req_str(o, "id", where, err, errlen))) return -1;
    if (!(addr = req_str(o, "contract_address", where, err, errlen))) return -1;
    c->id = sim_strdup(id);
    c->contract_address = sim_strdup(addr);
    if (opt_str(o, "slug", where, &c->slug, err, errlen) ||
        opt_str(o, "label", where, &c->label, err, errlen) ||
        opt_str(o, "ca_pubkey", where, &c->ca_pubkey, err, errlen))
        return -1;
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(o, "chain_id");
    if (!cJSON_IsNumber(chain) || chain->valuedouble != (double)(long long)chain->valuedouble ||
        chain->valuedouble < 0)
        return fail(err, errlen, "seed: %s.chain_id must be an integer (0 for the off-chain KMS)",
                    where);
    c->chain_id = (long long)chain->valuedouble;
    if ((c->chain_id == 0) != (strcmp(addr, "phala") == 0))
        return fail(err, errlen,
                    "seed: %s: chain_id 0 and contract_address \"phala\" go together (the "
                    "off-chain KMS)",
                    where);
    return load_keys(&c->keys, o, where, err, errlen);
}

/* A node of a named contract takes its chain, address and keys from it; a node naming none is a
 * contract of its own (seeds written before contracts existed), keyed by its own root_secret. */
static int load_kms(struct sim_state *st, struct sim_kms *k, const cJSON *o, const char *where,
                    char *err, size_t errlen)
{
    const char *id, *url, *version;
    k->hole_fd = -1;
    if (!cJSON_IsObject(o)) return fail(err, errlen, "seed: %s must be an object", where);
    if (!(id = req_str(o, "id", where, err, errlen))) return -1;
    if (!(url = req_str(o, "url", where, err, errlen))) return -1;
    if (!(version = req_str(o, "version", where, err, errlen))) return -1;
    k->id = sim_strdup(id);
    k->url = sim_strdup(url);
    k->version = sim_strdup(version);
    char *contract = NULL;
    if (opt_str(o, "slug", where, &k->slug, err, errlen) ||
        opt_str(o, "gateway_app_id", where, &k->gateway_app_id, err, errlen) ||
        opt_bool(o, "enabled", true, where, &k->enabled, err, errlen) ||
        opt_bool(o, "blackhole", false, where, &k->blackhole, err, errlen) ||
        opt_str(o, "contract", where, &contract, err, errlen))
        return -1;
    if (k->blackhole && k->enabled)
        return fail(err, errlen,
                    "seed: %s: a blackhole replica never answers, so it must be \"enabled\": "
                    "false (production's operators disabled such replicas)",
                    where);
    if (contract) {
        struct sim_contract *c = sim_find_contract(st, contract);
        if (!c) {
            fail(err, errlen, "seed: %s.contract \"%s\" names no kms_contracts entry", where,
                 contract);
            free(contract);
            return -1;
        }
        free(contract);
        static const char *const own[] = {"root_secret", "k256_pubkey", "chain_id",
                                          "kms_contract_address"};
        for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
            if (cJSON_GetObjectItemCaseSensitive(o, own[i]))
                return fail(err, errlen,
                            "seed: %s.%s: a node of a contract takes it from the contract", where,
                            own[i]);
        k->contract = (size_t)(c - st->contracts);
        k->has_chain = c->chain_id != 0;
        k->chain_id = c->chain_id;
        k->kms_contract_address = k->has_chain ? sim_strdup(c->contract_address) : NULL;
        return 0;
    }
    if (opt_str(o, "kms_contract_address", where, &k->kms_contract_address, err, errlen)) return -1;
    const cJSON *chain = cJSON_GetObjectItemCaseSensitive(o, "chain_id");
    if (chain && !cJSON_IsNull(chain)) {
        if (!cJSON_IsNumber(chain) || chain->valuedouble != (double)(long long)chain->valuedouble ||
            chain->valuedouble <= 0)
            return fail(err, errlen, "seed: %s.chain_id must be a positive integer or null", where);
        k->has_chain = true;
        k->chain_id = (long long)chain->valuedouble;
    }
    struct sim_contract *c = &st->contracts[st->ncontracts++];
    char cid[256];
    snprintf(cid, sizeof cid, "kc_%s", k->id);
    c->id = sim_strdup(cid);
    c->chain_id = k->has_chain ? k->chain_id : 0;
    c->contract_address =
        sim_strdup(k->has_chain && k->kms_contract_address ? k->kms_contract_address : "phala");
    k->contract = (size_t)(c - st->contracts);
    return load_keys(&c->keys, o, where, err, errlen);
}

static int load_token(struct sim_token *t, const cJSON *o, const char *where, char *err,
                      size_t errlen)
{
    const char *tok;
    if (!cJSON_IsObject(o)) return fail(err, errlen, "seed: %s must be an object", where);
    if (!(tok = req_str(o, "token", where, err, errlen))) return -1;
    t->token = sim_strdup(tok);
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(o, "workspaces"), *e;
    if (!cJSON_IsArray(ws) || cJSON_GetArraySize(ws) < 1)
        return fail(err, errlen, "seed: %s.workspaces must be a non-empty list of strings", where);
    t->workspaces = calloc((size_t)cJSON_GetArraySize(ws), sizeof *t->workspaces);
    if (!t->workspaces) return fail(err, errlen, "seed: out of memory");
    cJSON_ArrayForEach(e, ws)
    {
        if (!cJSON_IsString(e) || !e->valuestring[0])
            return fail(err, errlen, "seed: %s.workspaces must be a non-empty list of strings",
                        where);
        t->workspaces[t->nworkspaces++] = sim_strdup(e->valuestring);
    }
    return 0;
}

static bool string_array(const cJSON *a)
{
    const cJSON *e;
    if (!cJSON_IsArray(a)) return false;
    cJSON_ArrayForEach(e, a) if (!cJSON_IsString(e)) return false;
    return true;
}

static int load_cvm(struct sim_state *st, struct sim_cvm *c, const cJSON *o, const char *where,
                    char *err, size_t errlen)
{
    const char *id, *name, *app, *kms;
    if (!cJSON_IsObject(o)) return fail(err, errlen, "seed: %s must be an object", where);
    if (!(id = req_str(o, "id", where, err, errlen))) return -1;
    if (!(name = req_str(o, "name", where, err, errlen))) return -1;
    if (!(app = req_str(o, "app_id", where, err, errlen))) return -1;
    if (!(kms = req_str(o, "kms_id", where, err, errlen))) return -1;
    c->id = sim_strdup(id);
    c->name = sim_strdup(name);
    c->env = cJSON_CreateArray();
    if (!sim_is_hex(sim_strip0x(app), 40))
        return fail(err, errlen, "seed: %s.app_id must be 40 hex digits", where);
    snprintf(c->app_id, sizeof c->app_id, "%s", sim_strip0x(app));
    sim_lower(c->app_id);
    struct sim_kms *k = sim_find_kms(st, kms);
    if (!k) return fail(err, errlen, "seed: %s.kms_id \"%s\" names no KMS of the seed", where, kms);
    c->kms = (size_t)(k - st->kms);

    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(o, "compose_file");
    if (!cJSON_IsObject(cf))
        return fail(err, errlen, "seed: %s.compose_file must be an object", where);
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cf, "docker_compose_file")))
        return fail(err, errlen, "seed: %s.compose_file.docker_compose_file must be a string",
                    where);
    const cJSON *ae = cJSON_GetObjectItemCaseSensitive(cf, "allowed_envs");
    if (ae && !string_array(ae))
        return fail(err, errlen, "seed: %s.compose_file.allowed_envs must be a list of strings",
                    where);
    const cJSON *form = cJSON_GetObjectItemCaseSensitive(o, "hash_form");
    if (form && !cJSON_IsNull(form)) {
        if (cJSON_IsString(form) && strcmp(form->valuestring, "indent4") == 0)
            c->hash_form = SIM_FORM_INDENT4;
        else if (!cJSON_IsString(form) || strcmp(form->valuestring, "compact") != 0)
            return fail(err, errlen, "seed: %s.hash_form must be \"compact\" or \"indent4\"",
                        where);
    }
    c->compose_file = cJSON_Duplicate(cf, true);
    if (!c->compose_file || sim_compose_hash_form(c->compose_file, c->hash_form, c->compose_hash))
        return fail(err, errlen, "seed: %s.compose_file: cannot compute the compose hash", where);

    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(o, "device_id");
    if (dev && !cJSON_IsNull(dev)) {
        if (!cJSON_IsString(dev) || !sim_is_hex(sim_strip0x(dev->valuestring), 64))
            return fail(err, errlen, "seed: %s.device_id must be 64 hex digits", where);
        snprintf(c->device_id, sizeof c->device_id, "%s", sim_strip0x(dev->valuestring));
        sim_lower(c->device_id);
    } else {
        /* No device in the seed: a stable made-up one, so 465 bodies stay reproducible. */
        sim_keccak_hex(c->id, strlen(c->id), c->device_id);
    }

    const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "env");
    if (env && !cJSON_IsNull(env)) {
        const cJSON *e;
        if (!cJSON_IsArray(env))
            return fail(err, errlen, "seed: %s.env must be a list of {\"key\",\"value\"}", where);
        cJSON_ArrayForEach(e, env)
        {
            if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "key")) ||
                !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "value")))
                return fail(err, errlen, "seed: %s.env entries must be {\"key\",\"value\"} strings",
                            where);
        }
        cJSON_Delete(c->env);
        c->env = cJSON_Duplicate(env, true);
    }
    return 0;
}

int sim_seed_load(struct sim_state *st, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = read_file(path, &len, err, errlen);
    if (!text) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    if (!root) {
        long off = end ? (long)(end - text) : -1;
        free(text);
        return fail(err, errlen, "seed file %s is not valid JSON (error near byte %ld)", path, off);
    }
    free(text);
    int rc = -1;
    char where[64];
    if (!cJSON_IsObject(root)) {
        fail(err, errlen, "seed: the top level must be an object");
        goto out;
    }

    const cJSON *key = cJSON_GetObjectItemCaseSensitive(root, "api_key");
    if (key && !cJSON_IsNull(key)) {
        if (!cJSON_IsString(key) || !key->valuestring[0]) {
            fail(err, errlen, "seed: api_key must be a non-empty string");
            goto out;
        }
        st->api_key = sim_strdup(key->valuestring);
    }

    const cJSON *kms = cJSON_GetObjectItemCaseSensitive(root, "kms"), *e;
    const cJSON *contracts = cJSON_GetObjectItemCaseSensitive(root, "kms_contracts");
    if (!cJSON_IsArray(kms)) {
        fail(err, errlen, "seed: \"kms\" must be a list");
        goto out;
    }
    if (contracts && !cJSON_IsArray(contracts)) {
        fail(err, errlen, "seed: \"kms_contracts\" must be a list");
        goto out;
    }
    /* Room for the named contracts and one per node that names none: the array never moves. */
    st->contracts =
        calloc((size_t)cJSON_GetArraySize(contracts) + (size_t)cJSON_GetArraySize(kms) + 1,
               sizeof *st->contracts);
    st->kms = calloc((size_t)cJSON_GetArraySize(kms) + 1, sizeof *st->kms);
    if (!st->kms || !st->contracts) goto out;
    cJSON_ArrayForEach(e, contracts)
    {
        snprintf(where, sizeof where, "kms_contracts[%zu]", st->ncontracts);
        if (load_contract(&st->contracts[st->ncontracts++], e, where, err, errlen)) goto out;
        struct sim_contract *c = &st->contracts[st->ncontracts - 1];
        for (size_t i = 0; i + 1 < st->ncontracts; i++) {
            if (strcmp(st->contracts[i].id, c->id) == 0 ||
                (c->slug && st->contracts[i].slug && strcmp(st->contracts[i].slug, c->slug) == 0)) {
                fail(err, errlen, "seed: %s repeats the id or slug of kms_contracts[%zu]", where,
                     i);
                goto out;
            }
        }
    }
    cJSON_ArrayForEach(e, kms)
    {
        snprintf(where, sizeof where, "kms[%zu]", st->nkms);
        if (load_kms(st, &st->kms[st->nkms++], e, where, err, errlen)) goto out;
        struct sim_kms *k = &st->kms[st->nkms - 1];
        for (size_t i = 0; i + 1 < st->nkms; i++) {
            if (strcmp(st->kms[i].id, k->id) == 0 ||
                (k->slug && st->kms[i].slug && strcmp(st->kms[i].slug, k->slug) == 0)) {
                fail(err, errlen, "seed: %s repeats the id or slug of kms[%zu]", where, i);
                goto out;
            }
        }
    }

    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(root, "oidc_tokens");
    if (tokens && !cJSON_IsArray(tokens)) {
        fail(err, errlen, "seed: \"oidc_tokens\" must be a list");
        goto out;
    }
    st->tokens = calloc((size_t)cJSON_GetArraySize(tokens) + 1, sizeof *st->tokens);
    if (!st->tokens) goto out;
    cJSON_ArrayForEach(e, tokens)
    {
        snprintf(where, sizeof where, "oidc_tokens[%zu]", st->ntokens);
        if (load_token(&st->tokens[st->ntokens++], e, where, err, errlen)) goto out;
    }

    const cJSON *onchain = cJSON_GetObjectItemCaseSensitive(root, "onchain");
    if (onchain && !cJSON_IsNull(onchain)) {
        if (!cJSON_IsObject(onchain)) {
            fail(err, errlen, "seed: \"onchain\" must be an object keyed by chain name");
            goto out;
        }
        cJSON_ArrayForEach(e, onchain)
        {
            if (!cJSON_IsObject(e) ||
                !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "chain_name")) ||
                !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "chain_id")) ||
                !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(e, "contracts"))) {
                fail(err, errlen,
                     "seed: onchain.%s must have chain_name (string), chain_id (number) and "
                     "contracts (list)",
                     e->string);
                goto out;
            }
        }
        st->onchain = cJSON_Duplicate(onchain, true);
    } else {
        st->onchain = cJSON_CreateObject();
    }

    const cJSON *cvms = cJSON_GetObjectItemCaseSensitive(root, "cvms");
    if (cvms && !cJSON_IsArray(cvms)) {
        fail(err, errlen, "seed: \"cvms\" must be a list");
        goto out;
    }
    st->cvms = calloc((size_t)cJSON_GetArraySize(cvms) + 1, sizeof *st->cvms);
    if (!st->cvms) goto out;
    cJSON_ArrayForEach(e, cvms)
    {
        snprintf(where, sizeof where, "cvms[%zu]", st->ncvms);
        if (load_cvm(st, &st->cvms[st->ncvms++], e, where, err, errlen)) goto out;
        struct sim_cvm *c = &st->cvms[st->ncvms - 1];
        for (size_t i = 0; i + 1 < st->ncvms; i++) {
            if (strcmp(st->cvms[i].id, c->id) == 0) {
                fail(err, errlen, "seed: %s repeats the id of cvms[%zu]", where, i);
                goto out;
            }
        }
    }

    const cJSON *base = cJSON_GetObjectItemCaseSensitive(root, "next_app_id_base");
    if (base && !cJSON_IsNull(base)) {
        if (!cJSON_IsNumber(base) || base->valuedouble < 0) {
            fail(err, errlen, "seed: next_app_id_base must be a non-negative integer");
            goto out;
        }
        st->next_app_id_base = (long long)base->valuedouble;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc && !err[0]) fail(err, errlen, "seed: out of memory");
    return rc;
}

static void free_fault_list(struct sim_state *st)
{
    for (size_t i = 0; i < st->nfaults; i++) sim_fault_release(&st->faults[i]);
    free(st->faults);
    st->faults = NULL;
    st->nfaults = 0;
}

void sim_state_free(struct sim_state *st)
{
    sim_replicas_close(st);
    for (size_t i = 0; i < st->nkms; i++) {
        struct sim_kms *k = &st->kms[i];
        free(k->id);
        free(k->slug);
        free(k->url);
        free(k->version);
        free(k->kms_contract_address);
        free(k->gateway_app_id);
    }
    free(st->kms);
    for (size_t i = 0; i < st->ncontracts; i++) {
        struct sim_contract *c = &st->contracts[i];
        free(c->id);
        free(c->slug);
        free(c->label);
        free(c->contract_address);
        free(c->ca_pubkey);
    }
    free(st->contracts);
    for (size_t i = 0; i < st->ntokens; i++) {
        for (size_t j = 0; j < st->tokens[i].nworkspaces; j++) free(st->tokens[i].workspaces[j]);
        free(st->tokens[i].workspaces);
        free(st->tokens[i].token);
    }
    free(st->tokens);
    sim_log_clear(st);
    free(st->log);
    for (size_t i = 0; i < st->ncvms; i++) {
        struct sim_cvm *c = &st->cvms[i];
        free(c->id);
        free(c->name);
        cJSON_Delete(c->compose_file);
        cJSON_Delete(c->env);
        cJSON_Delete(c->env_keys);
        sim_pending_clear(c);
        free(c->hostile.compose_hash);
        free(c->hostile.app_id);
        free(c->hostile.docker_compose_file);
        free(c->hostile.device_id);
        free(c->hostile.answer_as);
    }
    free(st->cvms);
    for (size_t i = 0; i < st->napps; i++) cJSON_Delete(st->apps[i].devices);
    free(st->apps);
    cJSON_Delete(st->onchain);
    free(st->regs);
    free_fault_list(st);
    for (size_t i = 0; i < st->nstats; i++) free(st->stats[i].route);
    free(st->stats);
    free(st->api_key);
    free(st->rpc_url);
    memset(st, 0, sizeof *st);
}
