/* base.h - arenas, growable arrays, strings and hash maps shared by every
 * part of sigil.
 *
 * Invariant: everything allocated from an SgArena lives exactly as long as
 * the arena; nothing inside an arena is freed individually. Growable arrays
 * (SgVec) own malloc'd storage and are freed explicitly by their owner. */
#ifndef SG_BASE_H
#define SG_BASE_H

/* Whether memory a process holds until it exits is freed before it exits:
 * only under AddressSanitizer (its leak check must see every free). */
#if defined(__SANITIZE_ADDRESS__)
#define SG_FREE_AT_EXIT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_FREE_AT_EXIT 1
#endif
#endif
#ifndef SG_FREE_AT_EXIT
#define SG_FREE_AT_EXIT 0
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define SG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *sg_xmalloc(size_t n);
void *sg_xcalloc(size_t n, size_t size);
void *sg_xrealloc(void *p, size_t n);
char *sg_xstrdup(const char *s);

/* ---- arena ---- */
/* A time of the file system or the clock, in nanoseconds. */
static inline int64_t sg_ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec; }

typedef struct SgArenaBlock SgArenaBlock;
typedef struct SgArena {
    SgArenaBlock *head;
    char *cur, *end;
    size_t total;       /* bytes obtained from malloc, for statistics */
    size_t next;        /* size of the next block: starts small, doubles */
} SgArena;

void sg_arena_init(SgArena *a);
void sg_arena_free(SgArena *a);
void *sg_arena_alloc(SgArena *a, size_t n);      /* zeroed, 8-aligned */
char *sg_arena_strndup(SgArena *a, const char *s, size_t n);
char *sg_arena_printf(SgArena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void *sg_arena_dup(SgArena *a, const void *p, size_t n);

#define SG_NEW(arena, T) ((T *)sg_arena_alloc((arena), sizeof(T)))
#define SG_NEW_N(arena, T, n) ((T *)sg_arena_alloc((arena), sizeof(T) * (size_t)(n)))

/* ---- growable byte buffer ---- */
typedef struct SgBuf {
    char *data;
    size_t len, cap;
} SgBuf;

void sg_buf_reserve(SgBuf *b, size_t extra);
void sg_buf_put(SgBuf *b, const void *p, size_t n);
void sg_buf_puts(SgBuf *b, const char *s);
void sg_buf_putc(SgBuf *b, char c);
void sg_buf_printf(SgBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sg_buf_vprintf(SgBuf *b, const char *fmt, va_list ap);
const char *sg_buf_cstr(SgBuf *b);   /* NUL-terminates, returns data */
void sg_buf_free(SgBuf *b);

/* ---- growable pointer array (malloc-owned) ---- */
typedef struct SgVec {
    void **items;
    uint32_t len, cap;
} SgVec;

void sg_vec_push(SgVec *v, void *p);
void sg_vec_free(SgVec *v);

/* ---- names ----
 * A name is a slice of some text (usually the source, which outlives the
 * tree) plus its hash, so comparisons are cheap and no copies are made. */
typedef struct SgName {
    const char *s;
    uint32_t len;
    uint32_t hash;
} SgName;

uint32_t sg_hash_bytes(const char *s, size_t n);
SgName sg_name(const char *s, size_t n);
SgName sg_name_c(const char *s);
static inline bool sg_name_eq(SgName a, SgName b) {
    return a.hash == b.hash && a.len == b.len && memcmp(a.s, b.s, a.len) == 0;
}
static inline bool sg_name_is(SgName a, const char *c) {
    size_t n = strlen(c);
    return a.len == n && memcmp(a.s, c, n) == 0;
}

/* ---- hash map from SgName to pointer (open addressing) ----
 * Keys are not copied: the text a key points to must outlive the map. */
typedef struct SgMapEntry {
    SgName key;
    void *value;
} SgMapEntry;

typedef struct SgMap {
    SgMapEntry *slots;
    uint32_t cap, len;  /* cap is 0 or a power of two */
} SgMap;

void *sg_map_get(const SgMap *m, SgName key);
/* Inserts key -> value unless key is present; returns the value now stored. */
void *sg_map_put(SgMap *m, SgName key, void *value);
/* Inserts key -> value, replacing the value if key is present. */
void sg_map_set(SgMap *m, SgName key, void *value);
/* Makes room for n keys in all, so that filling the map never regrows it. */
void sg_map_reserve(SgMap *m, uint32_t n);
void sg_map_free(SgMap *m);

/* qsort that accepts an empty (possibly NULL) array. */
void sg_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* ---- files ---- */
/* Reads a whole file; returns false and sets *err (static text) on failure. */
bool sg_read_file(const char *path, char **data, size_t *len, const char **err);

#endif
