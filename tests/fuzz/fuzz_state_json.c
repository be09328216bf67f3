/* fuzz_state_json.c — libFuzzer target: RawState JSON decoding (removed attributes ignored)
 * against a resource-like type; what decodes must survive msgpack and JSON round trips. */
#include "tfvalue_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_state_json_one(data, size);
    return 0;
}
