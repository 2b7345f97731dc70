/* selection.c - textDocument/selectionRange from the document as it is now:
 * for each position, the nodes of the tree that contain it, innermost
 * first (a name, its expression, the statement, the block, the item), then
 * the whole document.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

typedef struct Around {
    size_t off;
    SgSpan *v;
    uint32_t n, cap;
} Around;

static bool visit(void *ctx, LspNodeKind kind, int sub, SgSpan span, const void *node) {
    (void)kind;
    (void)sub;
    (void)node;
    Around *a = ctx;
    if (span.end <= span.start || a->off < span.start || a->off > span.end) return false;
    if (a->n == a->cap) a->v = sg_xrealloc(a->v, sizeof *a->v * (a->cap = a->cap ? a->cap * 2 : 16));
    a->v[a->n++] = span;
    return true;
}

static int cmp_size(const void *x, const void *y) {
    const SgSpan *a = x, *b = y;
    uint32_t la = a->end - a->start, lb = b->end - b->start;
    return la < lb ? -1 : la > lb;
}

void lsp_on_selection_range(const cJSON *id, const cJSON *params) {
    LspParsed p;
    bool parsed = lsp_parse_document(lsp_str_at(params, "textDocument", "uri"), &p);
    cJSON *arr = cJSON_CreateArray();
    const cJSON *pos;
    cJSON_ArrayForEach(pos, cJSON_GetObjectItemCaseSensitive(params, "positions")) {
        double line = 0, ch = 0;
        lsp_num_at(pos, "line", &line);
        lsp_num_at(pos, "character", &ch);
        Around a = {0};
        if (parsed) {
            a.off = lsp_offset_of(p.text, p.len, lsp_u32(line), lsp_u32(ch), srv->enc);
            lsp_walk(&p.ast, visit, &a);
        }
        sg_qsort(a.v, a.n, sizeof *a.v, cmp_size);
        /* innermost first; each range strictly inside its parent */
        cJSON *innermost = NULL, *inner = NULL;
        SgSpan prev = {0, 0};
        for (uint32_t i = 0; i <= a.n; i++) {
            SgSpan s = i < a.n ? a.v[i] : (SgSpan){0, parsed ? (uint32_t)p.len : 0};
            if (inner && (s.start > prev.start || s.end < prev.end || (s.start == prev.start && s.end == prev.end))) continue;
            cJSON *r = cJSON_CreateObject();
            if (parsed) {
                cJSON_AddItemToObject(r, "range", lsp_span_range(p.text, p.len, s));
            } else {
                cJSON *pr = lsp_position_json(lsp_u32(line), lsp_u32(ch));
                cJSON *rg = cJSON_AddObjectToObject(r, "range");
                cJSON_AddItemToObject(rg, "start", pr);
                cJSON_AddItemToObject(rg, "end", cJSON_Duplicate(pr, 1));
            }
            if (inner) cJSON_AddItemToObject(inner, "parent", r);
            else innermost = r;
            inner = r;
            prev = s;
        }
        free(a.v);
        cJSON_AddItemToArray(arr, innermost);
    }
    if (parsed) lsp_parsed_free(&p);
    lsp_send(lsp_response(id, arr));
}
