/* libphalakms umbrella header: the only header a program using the Phala Cloud KMS client needs.
 * Crypto (env encryption, dotenv, signature check, compose hash), the HTTP client and the on-chain
 * code (transaction signing, JSON-RPC, compose-hash registration) live in separate headers included
 * from here. */
#ifndef PHALAKMS_H
#define PHALAKMS_H

#include "phalakms/crypto.h"
#include "phalakms/client.h"
#include "phalakms/eth.h"

#endif
