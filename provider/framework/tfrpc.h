/* tfrpc.h — the tfplugin6 method table the runtime serves for one provider definition. */
#ifndef TFRPC_H
#define TFRPC_H

#include "rpcserver.h"
#include "tfprovider.h"

void tf_rpc_init(const tf_provider_def *def);
const rpc_method *tf_rpc_methods(size_t *n);
/* The packed GetProviderSchema reply (built once); for benchmarks and tests. */
const uint8_t *tf_rpc_schema_bytes(size_t *len);

#endif
