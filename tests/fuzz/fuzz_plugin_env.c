/* fuzz_plugin_env.c — libFuzzer target: what the provider reads from its environment at start
 * (go-plugin's handshake variables and Terraform's log level) and the log lines it writes.
 * The input is split at newlines: PLUGIN_PROTOCOL_VERSIONS, the socket directory, TF_LOG, a log
 * message, then the rest as PLUGIN_CLIENT_CERT. Properties: the socket template fits sun_path,
 * and every log line is one complete JSON object (go-plugin parses each line). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugsock.h"
#include "tflog.h"
#include "tfrpc.h"
#include "tlsctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    char *field[5] = {"", "", "", "", ""};
    char *p = s;
    for (int i = 0; i < 4 && p; i++) {
        field[i] = p;
        p = strchr(p, '\n');
        if (p) *p++ = 0;
    }
    if (p) field[4] = p;

    (void)tf_protocol_offered(field[0], 6);

    char path[108], err[512];
    int n = plugsock_template(field[1], path, sizeof path, err, sizeof err);
    if (n >= 0 && (strlen(path) != (size_t)n || n > 107)) abort();

    tf_log_level lv = tf_log_level_parse(field[2]);
    tf_buf line = {0};
    const char *kv[] = {field[1], field[4], "pem", field[4]};
    tf_log_format(&line, lv, field[0], field[3], kv, 4);
    if (line.len < 2 || line.data[line.len - 1] != '\n') abort();
    cJSON *j = cJSON_ParseWithLength((const char *)line.data, line.len - 1);
    if (!j || !cJSON_IsObject(j)) abort(); /* a log line go-plugin could not parse */
    cJSON_Delete(j);
    tf_buf_free(&line);

    uint8_t der[TLS_CLIENT_CERT_MAX];
    size_t der_len = 0;
    if (tls_client_cert_check(field[4], err, sizeof err) == 0 &&
        tls_client_cert_der(field[4], der, sizeof der, &der_len) == 0 &&
        (der_len < 2 || der_len > sizeof der || der[0] != 0x30))
        abort(); /* accepted something that is not one whole DER SEQUENCE */
    free(s);
    return 0;
}
