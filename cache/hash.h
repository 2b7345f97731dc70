/* hash.h - XXH3-128 hashes: source hashes, export hashes, check keys. */
#ifndef SG_HASH_H
#define SG_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct SgHash {
    uint8_t b[16];
} SgHash;

SgHash sg_hash(const void *data, size_t len);
static inline int sg_hash_eq(const SgHash *a, const SgHash *b) { return memcmp(a->b, b->b, 16) == 0; }
void sg_hash_hex(const SgHash *h, char out[33]);

/* Streaming hasher: feed fields, each length-prefixed so boundaries count. */
typedef struct SgHasher SgHasher;
SgHasher *sg_hasher_new(void);
void sg_hasher_bytes(SgHasher *h, const void *p, size_t n);
void sg_hasher_str(SgHasher *h, const char *s, size_t n);
void sg_hasher_u64(SgHasher *h, uint64_t v);
SgHash sg_hasher_done(SgHasher *h);     /* frees the hasher */

uint64_t sg_checksum64(const void *data, size_t len);

#endif
