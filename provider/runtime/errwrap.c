/* errwrap.c — OpenSSL's error strings for libcurl's messages, loaded only when libcurl formats one.
 * libcurl quotes OpenSSL's reason in every TLS failure through ERR_error_string_n, its only call
 * into the string table; the provider binaries are linked with -Wl,--wrap=ERR_error_string_n, so
 * that call lands here and loads the tables first (tlserr.h). A read or apply that fails nothing
 * never loads them. */
#include <stddef.h>

#include "tlserr.h"

void __real_ERR_error_string_n(unsigned long e, char *buf, size_t len);
void __wrap_ERR_error_string_n(unsigned long e, char *buf, size_t len);

void __wrap_ERR_error_string_n(unsigned long e, char *buf, size_t len)
{
    tls_err_strings_load();
    __real_ERR_error_string_n(e, buf, len);
}
