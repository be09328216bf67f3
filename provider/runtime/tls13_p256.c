/* tls13_p256.c — the TLS 1.3 engine's secp256r1 key share, through OpenSSL's EVP (libsodium has
 * no P-256). Only the project's own test client (gRPC core on OpenSSL, tests/acceptance/tfprobe.c)
 * offers P-256 alone; Terraform (Go) always offers x25519, which the engine prefers. */
#include "tls13_int.h"
#include "tlsinit.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

int tls13_p256_exchange(const uint8_t peer[TLS13_P256_POINT_LEN], uint8_t pub[TLS13_P256_POINT_LEN],
                        uint8_t shared[32])
{
    int rc = -1;
    tls_openssl_init(); /* OpenSSL is set up on first need (tlsinit.h) */
    EVP_PKEY *ours = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *theirs = EVP_PKEY_new();
    EVP_PKEY_CTX *ctx = NULL;
    size_t n = 0;
    if (!ours || !theirs ||
        EVP_PKEY_get_octet_string_param(ours, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
                                        TLS13_P256_POINT_LEN, &n) != 1 ||
        n != TLS13_P256_POINT_LEN || pub[0] != 0x04)
        goto out;
    /* the peer's point decoded on our key's curve: decoding checks it is on the curve */
    if (EVP_PKEY_copy_parameters(theirs, ours) != 1 ||
        EVP_PKEY_set1_encoded_public_key(theirs, peer, TLS13_P256_POINT_LEN) != 1)
        goto out;
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
    n = 32;
    /* validate_peer = 1: the full public-key check (not infinity, on the curve, right order) */
    if (!ctx || EVP_PKEY_derive_init(ctx) != 1 ||
        EVP_PKEY_derive_set_peer_ex(ctx, theirs, 1) != 1 || EVP_PKEY_derive(ctx, shared, &n) != 1 ||
        n != 32)
        goto out;
    rc = 0;
out:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(theirs);
    EVP_PKEY_free(ours); /* OpenSSL clears the private scalar when freeing it */
    return rc;
}
