/* clientcert.c — go-plugin's client certificate, made with OpenSSL's X509 API (see clientcert.h). */
#include "clientcert.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bio_string(BIO *b)
{
    char *data;
    long n = BIO_get_mem_data(b, &data);
    return n > 0 ? strndup(data, (size_t)n) : NULL;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

int client_cert_generate(client_cert *out)
{
    memset(out, 0, sizeof *out);
    EVP_PKEY *key = EVP_EC_gen("P-521");
    X509 *x = X509_new();
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    int ok =
        key && x && kb && cb && X509_set_version(x, 2) &&
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1234567) &&
        X509_gmtime_adj(X509_getm_notBefore(x), -30) &&
        X509_gmtime_adj(X509_getm_notAfter(x), 262980L * 3600L) &&
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"HashiCorp", -1,
                                   -1, 0) &&
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                                   -1, 0) &&
        X509_set_issuer_name(x, name) && X509_set_pubkey(x, key) &&
        add_ext(x, NID_basic_constraints, "critical,CA:TRUE") &&
        add_ext(x, NID_key_usage,
                "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") &&
        add_ext(x, NID_ext_key_usage, "clientAuth,serverAuth") &&
        add_ext(x, NID_subject_alt_name, "DNS:localhost") && X509_sign(x, key, EVP_sha512()) > 0 &&
        PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) && PEM_write_bio_X509(cb, x);
    if (ok) {
        out->key_pem = bio_string(kb);
        out->cert_pem = bio_string(cb);
        ok = out->key_pem && out->cert_pem;
    }
    if (!ok) {
        fprintf(stderr, "cannot make a client certificate: %s\n",
                ERR_reason_error_string(ERR_get_error()));
        client_cert_free(out);
    }
    BIO_free(kb);
    BIO_free(cb);
    X509_free(x);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

int client_cert_issue(const client_cert *ca, client_cert *out)
{
    memset(out, 0, sizeof *out);
    BIO *cab = BIO_new_mem_buf(ca->cert_pem, -1), *cakb = BIO_new_mem_buf(ca->key_pem, -1);
    X509 *cax = cab ? PEM_read_bio_X509(cab, NULL, NULL, NULL) : NULL;
    EVP_PKEY *cakey = cakb ? PEM_read_bio_PrivateKey(cakb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    int ok = cax && cakey && key && x && kb && cb && X509_set_version(x, 2) &&
             ASN1_INTEGER_set(X509_get_serialNumber(x), 7654321) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -30) &&
             X509_gmtime_adj(X509_getm_notAfter(x), 3600) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        (const unsigned char *)"issued-by-terraform", -1, -1, 0) &&
             X509_set_issuer_name(x, X509_get_subject_name(cax)) && X509_set_pubkey(x, key) &&
             add_ext(x, NID_key_usage, "critical,digitalSignature") &&
             add_ext(x, NID_ext_key_usage, "clientAuth") &&
             add_ext(x, NID_subject_alt_name, "DNS:localhost") &&
             X509_sign(x, cakey, EVP_sha512()) > 0 &&
             PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) &&
             PEM_write_bio_X509(cb, x) && PEM_write_bio_X509(cb, cax); /* leaf, then its issuer */
    if (ok) {
        out->key_pem = bio_string(kb);
        out->cert_pem = bio_string(cb);
        ok = out->key_pem && out->cert_pem;
    }
    if (!ok) {
        fprintf(stderr, "cannot issue a client certificate: %s\n",
                ERR_reason_error_string(ERR_get_error()));
        client_cert_free(out);
    }
    BIO_free(cab);
    BIO_free(cakb);
    BIO_free(kb);
    BIO_free(cb);
    X509_free(cax);
    X509_free(x);
    EVP_PKEY_free(cakey);
    EVP_PKEY_free(key);
    return ok ? 0 : -1;
}

void client_cert_free(client_cert *c)
{
    free(c->key_pem);
    free(c->cert_pem);
    memset(c, 0, sizeof *c);
}
