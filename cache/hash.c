/* hash.c - thin wrappers over libxxhash's XXH3. */
#include "hash.h"

#include <stdlib.h>
#include <xxhash.h>

static SgHash from128(XXH128_hash_t x) {
    SgHash h;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, x);
    memcpy(h.b, c.digest, 16);
    return h;
}

SgHash sg_hash(const void *data, size_t len) { return from128(XXH3_128bits(data, len)); }

void sg_hash_hex(const SgHash *h, char out[33]) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[h->b[i] >> 4];
        out[2 * i + 1] = hex[h->b[i] & 15];
    }
    out[32] = 0;
}

struct SgHasher {
    XXH3_state_t *st;
};

SgHasher *sg_hasher_new(void) {
    SgHasher *h = malloc(sizeof *h);
    if (!h) abort();
    h->st = XXH3_createState();
    if (!h->st) abort();
    XXH3_128bits_reset(h->st);
    return h;
}

void sg_hasher_bytes(SgHasher *h, const void *p, size_t n) { XXH3_128bits_update(h->st, p, n); }

void sg_hasher_u64(SgHasher *h, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    XXH3_128bits_update(h->st, b, 8);
}

void sg_hasher_str(SgHasher *h, const char *s, size_t n) {
    sg_hasher_u64(h, n);
    XXH3_128bits_update(h->st, s, n);
}

SgHash sg_hasher_done(SgHasher *h) {
    SgHash r = from128(XXH3_128bits_digest(h->st));
    XXH3_freeState(h->st);
    free(h);
    return r;
}

uint64_t sg_checksum64(const void *data, size_t len) { return XXH3_64bits(data, len); }
