/* suppress.c - see suppress.h. Pure function of one module's source and
 * diagnostics: safe on any thread. */
#include "suppress.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct Code {
    const char *code;       /* static; NULL: unknown */
    uint32_t off, len;      /* where it is written */
    bool used;
} Code;

typedef struct Suppression {
    uint32_t start, end;    /* the comment */
    uint32_t line;          /* the line it applies to */
    Code codes[16];
    uint32_t ncodes;
    bool malformed;
} Suppression;

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* Parses the comment text after `//` at src[from..to): false if it is not
 * meant as a suppression (does not start with `sigil:`). */
static bool parse(const char *src, uint32_t from, uint32_t to, Suppression *s) {
    uint32_t p = from;
    while (p < to && is_space(src[p])) p++;
    if (to - p < 6 || memcmp(src + p, "sigil:", 6) != 0) return false;
    p += 6;
    while (p < to && is_space(src[p])) p++;
    if (to - p < 7 || memcmp(src + p, "ignore[", 7) != 0) {
        s->malformed = true;
        return true;
    }
    p += 7;
    for (;;) {
        while (p < to && is_space(src[p])) p++;
        uint32_t a = p;
        while (p < to && ((src[p] >= 'A' && src[p] <= 'Z') || (src[p] >= '0' && src[p] <= '9'))) p++;
        if (p == a || s->ncodes == SG_ARRAY_LEN(s->codes)) {
            s->malformed = true;
            return true;
        }
        s->codes[s->ncodes++] = (Code){sg_diag_code_known(src + a, p - a), a, p - a, false};
        while (p < to && is_space(src[p])) p++;
        if (p < to && src[p] == ',') {
            p++;
            continue;
        }
        if (p < to && src[p] == ']') return true;   /* anything after `]` is the reason */
        s->malformed = true;
        return true;
    }
}

/* Finds the `//` comments that start with `sigil:`, skipping strings and
 * block comments. */
static Suppression *find(const char *src, uint32_t len, uint32_t *count) {
    Suppression *v = NULL;
    uint32_t n = 0, cap = 0, line = 1;
    bool code_on_line = false;
    for (uint32_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '\n') {
            line++;
            code_on_line = false;
        } else if (c == '"') {
            for (i++; i < len && src[i] != '"' && src[i] != '\n'; i++)
                if (src[i] == '\\' && i + 1 < len && src[i + 1] != '\n') i++;
            if (i < len && src[i] == '\n') i--;   /* an unterminated string ends at its line */
            code_on_line = true;
        } else if (c == '/' && i + 1 < len && src[i + 1] == '*') {
            for (i += 2; i + 1 < len && !(src[i] == '*' && src[i + 1] == '/'); i++)
                if (src[i] == '\n') line++, code_on_line = false;
            i++;
        } else if (c == '/' && i + 1 < len && src[i + 1] == '/') {
            uint32_t end = i;
            while (end < len && src[end] != '\n') end++;
            Suppression s = {.start = i, .end = end, .line = code_on_line ? line : line + 1};
            bool doc = i + 2 < len && src[i + 2] == '/';
            if (!doc && parse(src, i + 2, end, &s)) {
                if (n == cap) v = sg_xrealloc(v, sizeof *v * (cap = cap ? cap * 2 : 4));
                v[n++] = s;
            }
            i = end - 1;
        } else if (!is_space(c) && c != '\r') {
            code_on_line = true;
        }
    }
    *count = n;
    return v;
}

static void add_located(SgDiags *d, const char *src, uint32_t len, uint32_t start, uint32_t end, const char *code,
                        const char *fmt, const char *arg) {
    sg_diag(d, start, end, code, fmt, arg);
    SgDiag *g = &d->items[d->len - 1];
    sg_offset_to_line_col(src, len, start, &g->line, &g->col);
    sg_offset_to_line_col(src, len, end, &g->end_line, &g->end_col);
}

void sg_suppress_apply(SgDiags *d, const char *src, uint32_t len) {
    if (!src || !memmem(src, len, "sigil:", 6)) return;
    uint32_t n;
    Suppression *v = find(src, len, &n);
    if (!n) return;
    /* drop the suppressed diagnostics, in place */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < d->len; i++) {
        SgDiag *g = &d->items[i];
        bool drop = false;
        for (uint32_t k = 0; k < n && !drop; k++) {
            if (v[k].line != g->line || v[k].malformed) continue;
            for (uint32_t j = 0; j < v[k].ncodes; j++)
                if (v[k].codes[j].code && strcmp(v[k].codes[j].code, g->code) == 0) {
                    v[k].codes[j].used = drop = true;
                    break;
                }
        }
        if (!drop) d->items[kept++] = *g;
    }
    d->len = kept;
    for (uint32_t k = 0; k < n; k++) {
        Suppression *s = &v[k];
        if (s->malformed) {
            add_located(d, src, len, s->start, s->end, "W004",
                        "malformed suppression: write `// sigil: ignore[CODE, ...]`%s", "");
            continue;
        }
        for (uint32_t j = 0; j < s->ncodes; j++) {
            Code *c = &s->codes[j];
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(c->len < 32 ? c->len : 32), src + c->off);
            if (!c->code)
                add_located(d, src, len, c->off, c->off + c->len, "W004",
                            "unknown diagnostic code `%s` in a suppression", name);
            else if (!c->used)
                add_located(d, src, len, c->off, c->off + c->len, "W005",
                            "unused suppression: no %s to ignore on the line it applies to", name);
        }
    }
    free(v);
}
