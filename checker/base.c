/* base.c - allocation, buffers, names and maps. */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

static void oom(void) {
    fputs("sigil: out of memory\n", stderr);
    abort();
}

void *sg_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *sg_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom();
    return p;
}

void *sg_xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) oom();
    return p;
}

char *sg_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(sg_xmalloc(n), s, n);
}

/* ---- arena ---- */
struct SgArenaBlock {
    SgArenaBlock *next;
    size_t size;
    /* data follows, max-aligned */
};

/* Blocks start small (most modules' signatures need a few KB) and double
 * up to ARENA_MAX, so many small arenas stay small and a large one needs
 * few blocks. */
#define ARENA_MIN 512u
#define ARENA_MAX (1u << 20)
#define ARENA_HDR ((sizeof(SgArenaBlock) + 15u) & ~(size_t)15u)

void sg_arena_init(SgArena *a) { memset(a, 0, sizeof *a); }

void sg_arena_free(SgArena *a) {
    SgArenaBlock *b = a->head;
    while (b) {
        SgArenaBlock *n = b->next;
        free(b);
        b = n;
    }
    memset(a, 0, sizeof *a);
}

void *sg_arena_alloc(SgArena *a, size_t n) {
    n = (n + 7u) & ~(size_t)7u;
    if (!a->cur || (size_t)(a->end - a->cur) < n) {
        if (!a->next) a->next = ARENA_MIN;
        size_t size = a->next;
        if (a->next < ARENA_MAX) a->next *= 2;
        if (n > size / 4 && a->head) {
            /* a large allocation gets its own block; keep filling the current one */
            SgArenaBlock *b = sg_xmalloc(ARENA_HDR + n);
            b->size = n;
            a->total += ARENA_HDR + n;
            b->next = a->head->next;
            a->head->next = b;
            char *p = (char *)b + ARENA_HDR;
            memset(p, 0, n);
            return p;
        }
        if (size < n) size = n;
        SgArenaBlock *b = sg_xmalloc(ARENA_HDR + size);
        b->size = size;
        a->total += ARENA_HDR + size;
        b->next = a->head;
        a->head = b;
        a->cur = (char *)b + ARENA_HDR;
        a->end = a->cur + size;
    }
    char *p = a->cur;
    a->cur += n;
    memset(p, 0, n);
    return p;
}

char *sg_arena_strndup(SgArena *a, const char *s, size_t n) {
    char *p = sg_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void *sg_arena_dup(SgArena *a, const void *p, size_t n) {
    void *q = sg_arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *sg_arena_printf(SgArena *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = sg_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

/* ---- buffers ---- */
void sg_buf_reserve(SgBuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->data = sg_xrealloc(b->data, cap);
    b->cap = cap;
}

void sg_buf_put(SgBuf *b, const void *p, size_t n) {
    sg_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sg_buf_puts(SgBuf *b, const char *s) { sg_buf_put(b, s, strlen(s)); }

void sg_buf_putc(SgBuf *b, char c) { sg_buf_put(b, &c, 1); }

void sg_buf_vprintf(SgBuf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    sg_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void sg_buf_printf(SgBuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *sg_buf_cstr(SgBuf *b) {
    sg_buf_reserve(b, 0);
    b->data[b->len] = 0;
    return b->data;
}

void sg_buf_free(SgBuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- vectors ---- */
void sg_vec_push(SgVec *v, void *p) {
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = sg_xrealloc(v->items, sizeof(void *) * v->cap);
    }
    v->items[v->len++] = p;
}

void sg_vec_free(SgVec *v) {
    free(v->items);
    memset(v, 0, sizeof *v);
}

/* ---- names ---- */
uint32_t sg_hash_bytes(const char *s, size_t n) {
    /* FNV-1a: names are short, and this needs no state. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

SgName sg_name(const char *s, size_t n) {
    SgName r = {s, (uint32_t)n, sg_hash_bytes(s, n)};
    return r;
}

SgName sg_name_c(const char *s) { return sg_name(s, strlen(s)); }

/* ---- maps ---- */
static void map_resize(SgMap *m, uint32_t ncap) {
    SgMapEntry *ns = sg_xcalloc(ncap, sizeof *ns);
    for (uint32_t i = 0; i < m->cap; i++) {
        SgMapEntry *e = &m->slots[i];
        if (!e->key.s) continue;
        uint32_t j = e->key.hash & (ncap - 1);
        while (ns[j].key.s) j = (j + 1) & (ncap - 1);
        ns[j] = *e;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
}

static void map_grow(SgMap *m) { map_resize(m, m->cap ? m->cap * 2 : 16); }

void sg_map_reserve(SgMap *m, uint32_t n) {
    uint32_t cap = m->cap ? m->cap : 16;
    while ((uint64_t)(n + 1) * 4 >= (uint64_t)cap * 3) cap *= 2;
    if (cap > m->cap) map_resize(m, cap);
}

void *sg_map_get(const SgMap *m, SgName key) {
    if (!m->cap) return NULL;
    uint32_t j = key.hash & (m->cap - 1);
    for (;;) {
        SgMapEntry *e = &m->slots[j];
        if (!e->key.s) return NULL;
        if (sg_name_eq(e->key, key)) return e->value;
        j = (j + 1) & (m->cap - 1);
    }
}

void *sg_map_put(SgMap *m, SgName key, void *value) {
    if ((m->len + 1) * 4 >= m->cap * 3) map_grow(m);
    uint32_t j = key.hash & (m->cap - 1);
    for (;;) {
        SgMapEntry *e = &m->slots[j];
        if (!e->key.s) {
            e->key = key;
            e->value = value;
            m->len++;
            return value;
        }
        if (sg_name_eq(e->key, key)) return e->value;
        j = (j + 1) & (m->cap - 1);
    }
}

void sg_map_set(SgMap *m, SgName key, void *value) {
    if ((m->len + 1) * 4 >= m->cap * 3) map_grow(m);
    uint32_t j = key.hash & (m->cap - 1);
    while (m->slots[j].key.s && !sg_name_eq(m->slots[j].key, key)) j = (j + 1) & (m->cap - 1);
    if (!m->slots[j].key.s) m->len++;
    m->slots[j].key = key;
    m->slots[j].value = value;
}

void sg_map_free(SgMap *m) {
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void sg_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    /* input that is already in order (file lists, index rows) is common:
     * n - 1 comparisons instead of n log n */
    size_t i = 1;
    while (i < n && cmp((const char *)base + (i - 1) * size, (const char *)base + i * size) <= 0) i++;
    if (i < n) qsort(base, n, size, cmp);
}

/* ---- files ---- */
bool sg_read_file(const char *path, char **data, size_t *len, const char **err) {
    /* O_NOATIME: a check reads every file of a fresh checkout, and an
     * access time update each makes the file system write 10,000 inodes
     * (refused for another owner's files: then opened without it) */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = strerror(errno);
        return false;
    }
    /* read straight into a buffer of the file's size (one more byte to see
     * the end); a file that grows meanwhile is read to its end */
    struct stat sb;
    size_t cap = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 4096;
    char *buf = sg_xmalloc(cap + 1);
    size_t n = 0;
    for (;;) {
        if (n == cap) buf = sg_xrealloc(buf, (cap *= 2) + 1);
        ssize_t r = read(fd, buf + n, cap - n);
        if (r == 0) break;
        if (r > 0) {
            n += (size_t)r;
        } else if (errno != EINTR) {
            *err = strerror(errno);
            free(buf);
            close(fd);
            return false;
        }
    }
    close(fd);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return true;
}
