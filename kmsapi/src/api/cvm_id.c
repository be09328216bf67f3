/* cvm_id.c — identifiers as the SDKs send them: CVM id normalisation (JS types/cvm_id.ts, Go
 * ResolveCVMID: UUID v4 with or without dashes → dashes removed, 40 hex → "app_" prefix, else
 * verbatim) and the app id rule of getAppEnvEncryptPubKey (40 hex, optional 0x). */
#include "phalakms/client.h"

#include <ctype.h>
#include <string.h>

static bool is_hex(char ch)
{
    return isxdigit((unsigned char)ch) != 0;
}

/* /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i — each dash is
 * optional on its own, exactly as the SDK regex. */
static bool is_uuid_v4(const char *s)
{
    static const int groups[5] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++) {
            if (!is_hex(*s)) return false;
            if (g == 2 && i == 0 && *s != '4') return false;
            if (g == 3 && i == 0 && !strchr("89abAB", *s)) return false;
        }
        if (g < 4 && *s == '-') s++;
    }
    return *s == '\0';
}

static bool is_hex40(const char *s)
{
    size_t n = strlen(s);
    if (n != 40) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_hex(s[i])) return false;
    return true;
}

bool pk_path_segment_valid(const char *id)
{
    return id && id[0] && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

int pk_cvm_id_normalize(const char *id, char *out, size_t out_len)
{
    if (!id || !id[0] || !out || out_len == 0) return -1;
    size_t n = strlen(id);
    if (is_uuid_v4(id)) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (id[i] == '-') continue;
            if (o + 1 >= out_len) return -1;
            out[o++] = id[i];
        }
        out[o] = '\0';
        return 0;
    }
    if (is_hex40(id)) {
        if (n + 4 + 1 > out_len) return -1;
        memcpy(out, "app_", 4);
        memcpy(out + 4, id, n + 1);
        return 0;
    }
    if (n + 1 > out_len) return -1;
    memcpy(out, id, n + 1);
    return 0;
}

bool pk_app_id_valid(const char *app_id)
{
    if (!app_id) return false;
    if (app_id[0] == '0' && app_id[1] == 'x') app_id += 2; /* the SDK accepts only a lowercase 0x */
    return is_hex40(app_id);
}
