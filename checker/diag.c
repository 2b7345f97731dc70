/* diag.c - collecting, locating and sorting diagnostics. */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>

void sg_diag(SgDiags *d, uint32_t start, uint32_t end, const char *code,
             const char *fmt, ...) {
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->items = sg_xrealloc(d->items, sizeof *d->items * d->cap);
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = sg_arena_alloc(d->arena, (size_t)n + 1);
    vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (end < start) end = start;
    SgDiag *g = &d->items[d->len++];
    memset(g, 0, sizeof *g);
    g->start = start;
    g->end = end;
    g->code = code;
    g->message = msg;
}

/* Every code sigil reports: W004 and W005 are about suppressions (suppress.c). */
static const char *const codes[] = {
    "E001", "E002", "E003", "E010", "E100", "E101", "E102", "E103", "E104", "E105", "E106", "E107",
    "E108", "E109", "E110", "E111", "E201", "E202", "E203", "E204", "E205", "E206", "E207", "E208",
    "E209", "E211", "E212", "W001", "W002", "W003", "W004", "W005",
};

const char *sg_diag_code_known(const char *code, size_t len) {
    for (size_t i = 0; i < SG_ARRAY_LEN(codes); i++)
        if (len == 4 && memcmp(codes[i], code, 4) == 0) return codes[i];
    return NULL;
}

void sg_diags_free(SgDiags *d) {
    free(d->items);
    d->items = NULL;
    d->len = d->cap = 0;
}

static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

void sg_offset_to_line_col(const char *src, uint32_t len, uint32_t off,
                           uint32_t *line, uint32_t *col) {
    if (off > len) off = len;
    uint32_t l = 1, start = 0;
    for (uint32_t i = 0; i < off; i++)
        if (src[i] == '\n') {
            l++;
            start = i + 1;
        }
    uint32_t c = 1;
    for (uint32_t i = start; i < off; i++)
        if (!is_cont((unsigned char)src[i])) c++;
    *line = l;
    *col = c;
}

typedef struct LocReq {
    uint32_t off;
    uint32_t *line, *col;
} LocReq;

static int cmp_req(const void *a, const void *b) {
    const LocReq *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

void sg_diags_locate(SgDiags *d, const char *src, uint32_t len) {
    if (!d->len) return;
    /* One pass over the source for all diagnostics: visit offsets in order. */
    uint32_t n = d->len * 2;
    LocReq *q = sg_xmalloc(sizeof *q * n);
    for (uint32_t i = 0; i < d->len; i++) {
        SgDiag *g = &d->items[i];
        if (g->start > len) g->start = len;
        if (g->end > len) g->end = len;
        q[2 * i] = (LocReq){g->start, &g->line, &g->col};
        q[2 * i + 1] = (LocReq){g->end, &g->end_line, &g->end_col};
    }
    sg_qsort(q, n, sizeof *q, cmp_req);
    uint32_t line = 1, col = 1, pos = 0;
    for (uint32_t k = 0; k < n; k++) {
        while (pos < q[k].off) {
            unsigned char c = (unsigned char)src[pos++];
            if (c == '\n') line++, col = 1;
            else if (!is_cont(c)) col++;
        }
        *q[k].line = line;
        *q[k].col = col;
    }
    free(q);
}

static int cmp_diag(const void *a, const void *b) {
    const SgDiag *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    int c = strcmp(x->code, y->code);
    if (c) return c;
    return strcmp(x->message, y->message);
}

void sg_diags_sort(SgDiags *d) {
    sg_qsort(d->items, d->len, sizeof *d->items, cmp_diag);
}
