/* blob.h - the framing and the primitive fields of every blob the cache
 * stores (signatures, results, file indexes: sig.c; cross-reference
 * entries: xref.c).
 *
 * A blob is: 4-byte magic (kind + format version), u32 payload length
 * (little-endian), payload, u64 XXH3 checksum of everything before it.
 * Fields are LEB128 varints, bytes, length-prefixed strings and 16-byte
 * hashes. Readers never trust their input: every read is bounds-checked,
 * and the first failure clears `ok`, after which reads return zeros. */
#ifndef SG_BLOB_H
#define SG_BLOB_H

#include "../checker/base.h"
#include "hash.h"

/* ---- writing ---- */
static inline void sg_blob_varint(SgBuf *b, uint64_t v) {
    if (b->len + 11 > b->cap) sg_buf_reserve(b, 11);
    uint8_t *p = (uint8_t *)b->data + b->len;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    b->len = (size_t)((char *)p - b->data);
}

static inline void sg_blob_str(SgBuf *b, const char *s, size_t n) {
    sg_blob_varint(b, n);
    sg_buf_put(b, s, n);
}

static inline void sg_blob_u8(SgBuf *b, uint8_t v) {
    if (b->len + 2 > b->cap) sg_buf_reserve(b, 2);
    b->data[b->len++] = (char)v;
}

static inline void sg_blob_hash(SgBuf *b, const SgHash *h) { sg_buf_put(b, h->b, 16); }

static inline void sg_blob_begin(SgBuf *b, const char *magic) {
    sg_buf_put(b, magic, 4);
    sg_buf_put(b, "\0\0\0\0", 4);
}

/* Ends the blob begun at `start` of b: its length and checksum. */
static inline void sg_blob_end(SgBuf *b, size_t start) {
    size_t plen = b->len - start - 8;
    for (int i = 0; i < 4; i++) b->data[start + 4 + (size_t)i] = (char)((plen >> (8 * i)) & 0xFF);
    uint64_t c = sg_checksum64(b->data + start, b->len - start);
    uint8_t cb[8];
    for (int i = 0; i < 8; i++) cb[i] = (uint8_t)(c >> (8 * i));
    sg_buf_put(b, cb, 8);
}

/* ---- reading ---- */
typedef struct SgRd {
    const uint8_t *p, *end;
    bool ok;
} SgRd;

/* Checks the magic, the length and (unless `verified`: the caller opened
 * this very buffer once already) the checksum; r then reads the payload. */
static inline bool sg_blob_check(SgRd *r, const uint8_t *blob, size_t len, const char *magic, bool verified) {
    r->ok = false;
    if (!blob || len < 16 || memcmp(blob, magic, 4) != 0) return false;
    uint64_t plen = 0;
    for (int i = 0; i < 4; i++) plen |= (uint64_t)blob[4 + i] << (8 * i);
    if (plen != len - 16) return false;
    uint64_t want = 0;
    for (int i = 0; i < 8; i++) want |= (uint64_t)blob[len - 8 + (size_t)i] << (8 * i);
    if (!verified && sg_checksum64(blob, len - 8) != want) return false;
    r->p = blob + 8;
    r->end = blob + len - 8;
    r->ok = true;
    return true;
}

static inline bool sg_blob_open(SgRd *r, const uint8_t *blob, size_t len, const char *magic) {
    return sg_blob_check(r, blob, len, magic, false);
}

static inline uint64_t sg_rd_varint(SgRd *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->ok = false;
            return 0;
        }
        uint8_t c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) return v;
    }
    r->ok = false;
    return 0;
}

/* A count that must be plausible for the bytes left (each item >= 1 byte). */
static inline uint32_t sg_rd_count(SgRd *r) {
    uint64_t n = sg_rd_varint(r);
    if (!r->ok || n > (uint64_t)(r->end - r->p) || n > UINT32_MAX / 64) {
        r->ok = false;
        return 0;
    }
    return (uint32_t)n;
}

/* A varint that must fit in 32 bits. */
static inline uint32_t sg_rd_u32(SgRd *r) {
    uint64_t v = sg_rd_varint(r);
    if (v > UINT32_MAX) r->ok = false;
    return r->ok ? (uint32_t)v : 0;
}

static inline uint8_t sg_rd_u8(SgRd *r) {
    if (r->p >= r->end) {
        r->ok = false;
        return 0;
    }
    return *r->p++;
}

static inline const char *sg_rd_str(SgRd *r, uint32_t *len) {
    uint64_t n = sg_rd_varint(r);
    if (!r->ok || n > (uint64_t)(r->end - r->p)) {
        r->ok = false;
        *len = 0;
        return "";
    }
    const char *s = (const char *)r->p;
    r->p += n;
    *len = (uint32_t)n;
    return s;
}

static inline bool sg_rd_hash(SgRd *r, SgHash *out) {
    if ((size_t)(r->end - r->p) < 16) {
        r->ok = false;
        memset(out->b, 0, 16);
        return false;
    }
    memcpy(out->b, r->p, 16);
    r->p += 16;
    return true;
}

#endif
