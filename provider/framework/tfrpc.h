/* tfrpc.h — the tfplugin6 method table the runtime serves for one provider definition. */
#ifndef TFRPC_H
#define TFRPC_H

#include "rpcserver.h"
#include "tfprovider.h"

void tf_rpc_init(const tf_provider_def *def);
/* Whether PLUGIN_PROTOCOL_VERSIONS ("5,6") offers protocol want. */
bool tf_protocol_offered(const char *versions, int want);
const rpc_method *tf_rpc_methods(size_t *n);
/* The packed GetProviderSchema reply (built once); for benchmarks and tests. */
const uint8_t *tf_rpc_schema_bytes(size_t *len);

#endif
