/* Fuzz target for pk_compose_hash (app-compose JSON from users and the API): any input either fails
 * with a message or yields 64 lowercase hex digits, with and without normalisation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phalakms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int normalize = 0; normalize < 2; normalize++) {
        char out[PK_SHA256_HEX_LEN + 1], err[256] = "";
        if (pk_compose_hash((const char *)data, size, normalize, out, err, sizeof err) == 0) {
            if (strlen(out) != 64 || strspn(out, "0123456789abcdef") != 64) abort();
        } else if (err[0] == '\0') {
            abort();
        }
    }
    return 0;
}
