/* fuzz_msgpack.c — libFuzzer target: DynamicValue.msgpack decoding against a resource-like type
 * (dynamic, set, map, tuple, nested list of objects); what decodes must re-encode stably. */
#include "tfvalue_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_msgpack_one(data, size);
    return 0;
}
