/* rpc_codec.h — what the framework's RPC handlers share (rpc.c: provider, resources and data
 * sources; rpc_schema.c: schema and metadata; rpc_functions.c: provider functions): the provider
 * being served, a request's context, protobuf-c with a wiping allocator, and the encoding of
 * DynamicValues, attribute paths and diagnostics. Internal to the framework. */
#ifndef RPC_CODEC_H
#define RPC_CODEC_H

#include <stdatomic.h>

#include "tfplugin6.pb-c.h"
#include "tfrpc.h"
#include "tfrules.h"

extern const tf_provider_def *tf_rpc_provider;
extern _Atomic(void *) tf_rpc_provider_data; /* what ConfigureProvider returned */

/* A request's context: a fresh arena, the provider data; logs the RPC (when rpc is set). */
void tf_rpc_ctx_init(tf_ctx *c, const char *rpc, const char *type_name);
/* n elements of size bytes in the arena (at least one, so never NULL). */
void *tf_rpc_array(tf_arena *a, size_t n, size_t size);
/* A DynamicValue (msgpack or JSON) of type t; an error diagnostic naming `what` and null if not. */
tf_value tf_rpc_decode(tf_ctx *c, const Tfplugin6__DynamicValue *dv, const tf_type *t,
                       const char *what);
/* An error when v is unknown (or null, unless null_ok) where the protocol carries an object. */
void tf_rpc_require_object(tf_ctx *c, const tf_value *v, const char *what, bool null_ok);
Tfplugin6__DynamicValue *tf_rpc_encode(tf_arena *a, const tf_value *v);
Tfplugin6__AttributePath *tf_rpc_encode_path(tf_arena *a, tf_path p);
Tfplugin6__Diagnostic **tf_rpc_encode_diags(tf_arena *a, const tf_diags *d, size_t *n);
/* Packs m at the end of out (wiped when freed); returns RPC_STATUS_OK. */
int tf_rpc_pack(const ProtobufCMessage *m, tf_buf *out);
const tf_resource_def *tf_rpc_find_resource(const char *name);
const tf_datasource_def *tf_rpc_find_data_source(const char *name);
void tf_rpc_unknown_type(tf_ctx *c, const char *kind, const char *name);

/* Unpacked requests hold configurations and states: protobuf-c frees them through this allocator,
 * which wipes each block first. */
extern ProtobufCAllocator tf_rpc_wiping_allocator;

/* Each handler unpacks its request type or answers INVALID_ARGUMENT. */
#define UNPACK(var, type, desc, req, len)                                                          \
    type *var = (type *)protobuf_c_message_unpack(&desc, &tf_rpc_wiping_allocator, len, req);      \
    if (!var) return RPC_STATUS_INVALID_ARGUMENT

#define DONE(c, var, status)                                                                       \
    do {                                                                                           \
        protobuf_c_message_free_unpacked((ProtobufCMessage *)(var), &tf_rpc_wiping_allocator);     \
        tf_arena_free((c).arena);                                                                  \
        return status;                                                                             \
    } while (0)

/* Provider functions (rpc_functions.c): the schema's functions map, GetFunctions, CallFunction. */
Tfplugin6__GetProviderSchema__Response__FunctionsEntry **tf_rpc_schema_functions(tf_arena *a,
                                                                                 size_t *n);
int tf_rpc_get_functions(const uint8_t *req, size_t len, tf_buf *out);
int tf_rpc_call_function(const uint8_t *req, size_t len, tf_buf *out);

/* GetProviderSchema and GetMetadata (rpc_schema.c). */
int tf_rpc_get_provider_schema(const uint8_t *req, size_t len, tf_buf *out);
int tf_rpc_get_metadata(const uint8_t *req, size_t len, tf_buf *out);

#endif
