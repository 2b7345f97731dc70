/* suggest.c - see suggest.h. */
#include "suggest.h"

#include <stdio.h>
#include <stdlib.h>

uint32_t sg_edit_distance(SgName a, SgName b, uint32_t limit) {
    uint32_t n = a.len, m = b.len;
    if ((n > m ? n - m : m - n) > limit) return limit + 1;
    /* three rows of the usual table: i - 2, i - 1, i */
    uint32_t *rows = sg_xmalloc(sizeof *rows * 3 * (m + 1));
    uint32_t *pp = rows, *p = rows + m + 1, *c = rows + 2 * (m + 1);
    for (uint32_t j = 0; j <= m; j++) p[j] = j;
    for (uint32_t i = 1; i <= n; i++) {
        c[0] = i;
        uint32_t low = c[0];
        for (uint32_t j = 1; j <= m; j++) {
            uint32_t cost = a.s[i - 1] != b.s[j - 1];
            uint32_t v = p[j] + 1;
            if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
            if (p[j - 1] + cost < v) v = p[j - 1] + cost;
            if (i > 1 && j > 1 && a.s[i - 1] == b.s[j - 2] && a.s[i - 2] == b.s[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < low) low = v;
        }
        if (low > limit) {
            free(rows);
            return limit + 1;
        }
        uint32_t *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    uint32_t d = p[m];
    free(rows);
    return d > limit ? limit + 1 : d;
}

uint32_t sg_suggest_limit(uint32_t len) {
    uint32_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    return limit < len ? limit : len ? len - 1 : 0;
}

SgSuggest sg_suggest_start(SgName typed) {
    return (SgSuggest){.typed = typed, .limit = sg_suggest_limit(typed.len)};
}

static int name_cmp(SgName a, SgName b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.s, b.s, n);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

void sg_suggest_offer(SgSuggest *s, SgName cand) {
    if (!s->limit || !cand.len || name_cmp(cand, s->typed) == 0) return;
    uint32_t d = sg_edit_distance(s->typed, cand, s->limit);
    if (d > s->limit) return;
    if (!s->best.len || d < s->dist || (d == s->dist && name_cmp(cand, s->best) < 0)) {
        s->best = cand;
        s->dist = d;
    }
}

void sg_suggest_offer_c(SgSuggest *s, const char *cand) { sg_suggest_offer(s, sg_name_c(cand)); }

SgSpan sg_name_span(const char *src, uint32_t len, SgName n) {
    if (!src || n.s < src || n.s + n.len > src + len) return (SgSpan){0, 0};
    uint32_t start = (uint32_t)(n.s - src);
    return (SgSpan){start, start + n.len};
}

SgDiag *sg_diag_unknown(SgDiags *d, SgSpan at, SgSpan name, const char *code, const SgSuggest *s,
                        const char *fmt, ...) {
    SgBuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    bool have = s && s->best.len;
    if (have) sg_buf_printf(&b, "; did you mean `%.*s`?", (int)s->best.len, s->best.s);
    SgDiag *g = sg_diag(d, at.start, at.end, code, "%s", sg_buf_cstr(&b));
    sg_buf_free(&b);
    if (have && name.end > name.start) sg_diag_fix(d, g, name.start, name.end, s->best.s, s->best.len);
    return g;
}
