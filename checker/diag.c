/* diag.c - collecting, locating and sorting diagnostics (see diag.h). */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>

/* Echoed source text between backquotes longer than this is shortened, and
 * a message is at most MAX_MESSAGE bytes (types are printed whole). */
#define MAX_QUOTED 64
#define MAX_MESSAGE 2000

static bool is_more_code(const char *code) { return strcmp(code, "E000") == 0 || strcmp(code, "W000") == 0; }

/* Length of the UTF-8 sequence at p if it is one to escape in a message or
 * a source excerpt (C0 and C1 controls, DEL, bidirectional overrides and
 * isolates, which reorder what a terminal shows), with its code point. */
static int escape_len(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
    if (*p < 0x20 || *p == 0x7f) {
        *cp = *p;
        return 1;
    }
    if (p[0] == 0xC2 && end - p >= 2 && p[1] >= 0x80 && p[1] <= 0x9F) {
        *cp = p[1];
        return 2;
    }
    if (p[0] == 0xE2 && end - p >= 3 &&
        ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) || (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9))) {
        *cp = 0x2000u + ((uint32_t)(p[1] & 0x3F) << 6) + (p[2] & 0x3Fu);
        return 3;
    }
    return 0;
}

size_t sg_escape_char(const char *s, size_t n, char out[16]) {
    uint32_t cp;
    int k = escape_len((const unsigned char *)s, (const unsigned char *)s + n, &cp);
    if (k) snprintf(out, 16, "\\u{%x}", cp);
    return (size_t)k;
}

/* Bytes to keep of s[0..n) so as not to cut a UTF-8 sequence: from the
 * front (at most `max`), or from the back. */
static size_t utf8_head(const char *s, size_t max) {
    while (max && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return max;
}
static size_t utf8_tail(const char *s, size_t n, size_t max) {
    size_t from = n - max;
    while (from < n && ((unsigned char)s[from] & 0xC0) == 0x80) from++;
    return n - from;
}

/* The message as shown: escaped, shortened, bounded. */
static void clean_message(SgBuf *out, const char *m, size_t n) {
    const char *end = m + n;
    while (m < end && out->len < MAX_MESSAGE) {
        char esc[16];
        size_t k = sg_escape_char(m, (size_t)(end - m), esc);
        if (k) {
            sg_buf_puts(out, esc);
            m += k;
            continue;
        }
        const char *close = *m == '`' ? memchr(m + 1, '`', (size_t)(end - m - 1)) : NULL;
        if (close && close - m - 1 <= MAX_QUOTED) {
            /* a short quoted token, whole (its closing backquote opens nothing) */
            sg_buf_putc(out, '`');
            clean_message(out, m + 1, (size_t)(close - m - 1));
            sg_buf_putc(out, '`');
            m = close + 1;
            continue;
        }
        if (*m == '`' && (close ? close : end) - m - 1 > MAX_QUOTED) {
            /* a long echoed token: its start and its end, in at most
             * MAX_QUOTED bytes, so that cleaning again changes nothing (a
             * message cut before the closing backquote: to its end) */
            const char *stop = close ? close : end;
            size_t len = (size_t)(stop - m - 1);
            size_t head = utf8_head(m + 1, MAX_QUOTED / 2), tail = utf8_tail(m + 1, len, 8);
            sg_buf_putc(out, '`');
            clean_message(out, m + 1, head);
            sg_buf_printf(out, "…(%zu bytes)…", len - head - tail);
            clean_message(out, stop - tail, tail);
            if (close) sg_buf_putc(out, '`');
            m = close ? close + 1 : end;
            continue;
        }
        sg_buf_putc(out, *m++);
    }
    if (m < end) {
        out->len = utf8_head(out->data, out->len < MAX_MESSAGE ? out->len : MAX_MESSAGE);
        sg_buf_puts(out, "…");
    }
}

static SgDiag *store(SgDiags *d, uint32_t start, uint32_t end, const char *code, const char *msg) {
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->items = sg_xrealloc(d->items, sizeof *d->items * d->cap);
    }
    if (end < start) end = start;
    SgDiag *g = &d->items[d->len++];
    memset(g, 0, sizeof *g);
    g->start = start;
    g->end = end;
    g->code = code;
    g->message = msg;
    return g;
}

SgDiag *sg_diag(SgDiags *d, uint32_t start, uint32_t end, const char *code,
                const char *fmt, ...) {
    if (is_more_code(code)) {
        /* the count of those left out, decoded from a cached result */
    } else if (d->kept >= SG_DIAG_MAX_PER_FILE) {
        if (code[0] == 'W') d->more_warnings++;
        else d->more_errors++;
        if (d->more_errors + d->more_warnings == 1) store(d, UINT32_MAX, UINT32_MAX, "W000", "");   /* at the end */
        return NULL;
    } else {
        d->kept++;
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *raw = sg_xmalloc((size_t)n + 1);
    vsnprintf(raw, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    SgBuf b = {0};
    clean_message(&b, raw, (size_t)n);
    free(raw);
    SgDiag *g = store(d, start, end, code, sg_arena_strndup(d->arena, b.data ? b.data : "", b.len));
    sg_buf_free(&b);
    return is_more_code(code) ? NULL : g;
}

static const char *arena_str(SgArena *a, const char *s) { return s ? sg_arena_strndup(a, s, strlen(s)) : NULL; }

void sg_diag_related_here(SgDiags *d, SgDiag *g, uint32_t start, uint32_t end, const char *label) {
    if (!g) return;
    SgRelated *r = SG_NEW(d->arena, SgRelated);
    r->label = arena_str(d->arena, label);
    r->at.start = start;
    r->at.end = end < start ? start : end;
    g->related = r;
}

void sg_diag_related_in(SgDiags *d, SgDiag *g, const SgRelated *in) {
    if (!g) return;
    SgRelated *r = SG_NEW(d->arena, SgRelated);
    *r = *in;
    r->label = arena_str(d->arena, in->label);
    r->module = arena_str(d->arena, in->module);
    r->item = arena_str(d->arena, in->item);
    r->field = arena_str(d->arena, in->field);
    g->related = r;
}

void sg_diag_fix(SgDiags *d, SgDiag *g, uint32_t start, uint32_t end, const char *text, size_t len) {
    if (!g) return;
    SgFix *f = SG_NEW(d->arena, SgFix);
    f->at.start = start;
    f->at.end = end < start ? start : end;
    f->text = sg_arena_strndup(d->arena, text, len);
    g->fix = f;
}

bool sg_diag_hidden(const SgDiag *d, uint32_t *errors, uint32_t *warnings) {
    if (!is_more_code(d->code)) return false;
    /* "… and N more in this file (E errors, W warnings) ..." */
    const char *p = strchr(d->message, '(');
    char *q;
    unsigned long e = p ? strtoul(p + 1, &q, 10) : 0;
    const char *c = p ? strstr(p, ", ") : NULL;
    unsigned long w = c ? strtoul(c + 2, &q, 10) : 0;
    *errors = (uint32_t)(e > UINT32_MAX ? UINT32_MAX : e);
    *warnings = (uint32_t)(w > UINT32_MAX ? UINT32_MAX : w);
    return true;
}

/* Every code sigil reports: W004 and W005 are about suppressions (suppress.c). */
static const char *const codes[] = {
    "E001", "E002", "E003", "E010", "E100", "E101", "E102", "E103", "E104", "E105", "E106", "E107",
    "E108", "E109", "E110", "E111", "E201", "E202", "E203", "E204", "E205", "E206", "E207", "E208",
    "E209", "E211", "E212", "E000", "W000", "W001", "W002", "W003", "W004", "W005",
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

/* The two offsets of a range to locate, clamped to the source. */
static void want_span(LocReq *q, uint32_t *n, uint32_t len, uint32_t *start, uint32_t *end, uint32_t *line,
                      uint32_t *col, uint32_t *end_line, uint32_t *end_col) {
    if (*start > len) *start = len;
    if (*end > len) *end = len;
    q[(*n)++] = (LocReq){*start, line, col};
    q[(*n)++] = (LocReq){*end, end_line, end_col};
}

static void want_at(LocReq *q, uint32_t *n, uint32_t len, SgDiagSpan *s) {
    want_span(q, n, len, &s->start, &s->end, &s->line, &s->col, &s->end_line, &s->end_col);
}

void sg_diags_locate(SgDiags *d, const char *src, uint32_t len) {
    if (!d->len) return;
    /* One pass over the source for all diagnostics (and their related
     * ranges and fixes in this module): visit offsets in order. */
    uint32_t n = 0;
    LocReq *q = sg_xmalloc(sizeof *q * d->len * 6);
    for (uint32_t i = 0; i < d->len; i++) {
        SgDiag *g = &d->items[i];
        want_span(q, &n, len, &g->start, &g->end, &g->line, &g->col, &g->end_line, &g->end_col);
        if (g->related && !g->related->module) want_at(q, &n, len, &g->related->at);
        if (g->fix) want_at(q, &n, len, &g->fix->at);
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
    if (d->more_errors || d->more_warnings) {
        for (uint32_t i = 0; i < d->len; i++) {
            SgDiag *g = &d->items[i];
            if (!is_more_code(g->code)) continue;
            uint32_t n = d->more_errors + d->more_warnings;
            g->code = d->more_errors ? "E000" : "W000";
            g->message = sg_arena_printf(d->arena,
                                         "… and %u more in this file (%u error%s, %u warning%s), not shown: sigil "
                                         "reports the first %d diagnostics of a file",
                                         n, d->more_errors, d->more_errors == 1 ? "" : "s", d->more_warnings,
                                         d->more_warnings == 1 ? "" : "s", SG_DIAG_MAX_PER_FILE);
        }
    }
    sg_qsort(d->items, d->len, sizeof *d->items, cmp_diag);
}
