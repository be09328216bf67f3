/* fuzz_api_json.c — libFuzzer target: arbitrary bytes as a Phala Cloud API response, fed to every
 * libphalakms response decoder (error bodies of all shapes, KMS info/list/on-chain, pubkey, app
 * ids, CVM, compose file, PATCH envs 200 and 465). Nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>

#include "api/pkx_api_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pkx_fuzz_api_json(data, size);
    return 0;
}
