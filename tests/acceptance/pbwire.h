/* pbwire.h — protobuf wire format and msgpack written and read by hand, for tfprobe's conformance
 * checks: requests are built field by field (so a test can add fields our .proto does not know,
 * as a newer Terraform would) and replies are walked without the provider's generated code. */
#ifndef PBWIRE_H
#define PBWIRE_H

#include <stddef.h>
#include <stdint.h>

/* A growing byte buffer; every writer below appends to one. Allocation failure aborts. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} pbuf;

void pb_free(pbuf *b);
void pb_raw(pbuf *b, const void *data, size_t len);
void pb_varint_field(pbuf *b, int field, uint64_t v);             /* wire type 0 */
void pb_bytes_field(pbuf *b, int field, const void *d, size_t n); /* wire type 2 */
void pb_str_field(pbuf *b, int field, const char *s);
void pb_msg_field(pbuf *b, int field, const pbuf *sub); /* sub as a nested message */

/* msgpack values (the cty encoding Terraform uses in DynamicValue.msgpack). */
void mp_nil(pbuf *b);
void mp_bool(pbuf *b, int v);
void mp_str(pbuf *b, const char *s);
void mp_map(pbuf *b, uint32_t n);
void mp_array(pbuf *b, uint32_t n);

/* Reading: a slice of a message, walked field by field. */
typedef struct {
    const uint8_t *p;
    size_t n;
} pbslice;

/* The next field of *s: 1 with its number, wire type and value (varint in *v, length-delimited
 * contents in *sub), 0 at the end, -1 on malformed input. Fixed32/64 are skipped over (value 0). */
int pb_next(pbslice *s, int *field, int *wire, uint64_t *v, pbslice *sub);
/* The first length-delimited field number `field` of msg; 1 when found. */
int pb_get(pbslice msg, int field, pbslice *out);
/* The first varint field number `field` of msg (0 when absent, as proto3 reads it). */
uint64_t pb_get_varint(pbslice msg, int field);
/* 1 when s holds exactly the bytes of str. */
int pb_eq_str(pbslice s, const char *str);

#endif
