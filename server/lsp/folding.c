/* folding.c - textDocument/foldingRange from the document as it is now:
 * items, blocks, matches, arms, struct literals, lists and calls that span
 * lines; a run of imports ("imports"); comments over several lines
 * ("comment"). A range ends on the line before a closing bracket that
 * starts its own line, so the bracket stays visible.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

typedef struct Fold {
    uint32_t start, end;
    uint32_t order;     /* ranges starting on one line: the first added wins */
    const char *kind;   /* NULL, "imports", "comment" */
} Fold;

typedef struct Folds {
    const char *text;
    size_t len;
    uint32_t *lines;    /* offset of each line's start: a line is a binary search away */
    uint32_t nlines;
    Fold *v;
    uint32_t n, cap;
} Folds;

static uint32_t line_of(const Folds *f, size_t off) {
    uint32_t lo = 0, hi = f->nlines;     /* the last line starting at or before off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->lines[mid] <= off) lo = mid;
        else hi = mid;
    }
    return lo;
}

static void add(Folds *f, uint32_t start, uint32_t end, const char *kind) {
    if (end <= start) return;
    if (f->n == f->cap) f->v = sg_xrealloc(f->v, sizeof *f->v * (f->cap = f->cap ? f->cap * 2 : 16));
    f->v[f->n] = (Fold){start, end, f->n, kind};
    f->n++;
}

static bool visit(void *ctx, LspNodeKind kind, int sub, SgSpan span, const void *node) {
    (void)node;
    Folds *f = ctx;
    bool folds = (kind == LSP_NODE_ITEM && sub != IT_IMPORT) || kind == LSP_NODE_BLOCK ||
                 (kind == LSP_NODE_PART && sub == 1) ||
                 (kind == LSP_NODE_EXPR && (sub == EX_MATCH || sub == EX_STRUCT || sub == EX_LIST || sub == EX_CALL));
    if (folds && span.end > span.start) {
        uint32_t start = line_of(f, span.start), end = line_of(f, span.end);
        /* a closing bracket at the start of its line stays visible */
        char last = f->text[span.end - 1];
        if (last == '}' || last == ']' || last == ')') {
            size_t b = span.end - 1;
            while (b > span.start && (f->text[b - 1] == ' ' || f->text[b - 1] == '\t')) b--;
            if (b > span.start && f->text[b - 1] == '\n') end--;
        }
        add(f, start, end, NULL);
    }
    return true;
}

static int cmp_fold(const void *a, const void *b) {
    const Fold *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void lsp_on_folding_range(const cJSON *id, const cJSON *params) {
    LspParsed p;
    cJSON *arr = cJSON_CreateArray();
    if (!lsp_parse_document(lsp_str_at(params, "textDocument", "uri"), &p)) {
        lsp_send(lsp_response(id, arr));
        return;
    }
    Folds f = {.text = p.text, .len = p.len};
    f.lines = sg_xmalloc(sizeof *f.lines * (p.len + 2));
    f.lines[f.nlines++] = 0;
    for (size_t i = 0; i < p.len; i++)
        if (p.text[i] == '\n') f.lines[f.nlines++] = (uint32_t)(i + 1);
    /* imports first: a run of them is one range */
    for (uint32_t i = 0; i < p.ast.nitems;) {
        uint32_t k = i;
        while (k < p.ast.nitems && p.ast.items[k]->kind == IT_IMPORT) k++;
        if (k > i + 1) add(&f, line_of(&f, p.ast.items[i]->span.start), line_of(&f, p.ast.items[k - 1]->span.end), "imports");
        i = k > i ? k : i + 1;
    }
    lsp_walk(&p.ast, visit, &f);
    /* comments: a block comment over lines, or consecutive line comments */
    size_t at = 0, cs, ce;
    uint32_t run_start = 0, run_end = 0;
    bool in_run = false;
    while (lsp_next_comment(p.text, p.len, &at, &cs, &ce)) {
        uint32_t l1 = line_of(&f, cs), l2 = line_of(&f, ce);
        if (p.text[cs + 1] == '*') {
            add(&f, l1, l2, "comment");
            continue;
        }
        size_t b = cs;
        while (b > 0 && (p.text[b - 1] == ' ' || p.text[b - 1] == '\t')) b--;
        if (b > 0 && p.text[b - 1] != '\n') {     /* after code: not part of a run */
            if (in_run) add(&f, run_start, run_end, "comment");
            in_run = false;
            continue;
        }
        if (in_run && l1 == run_end + 1) {
            run_end = l1;
            continue;
        }
        if (in_run) add(&f, run_start, run_end, "comment");
        run_start = run_end = l1;
        in_run = true;
    }
    if (in_run) add(&f, run_start, run_end, "comment");
    sg_qsort(f.v, f.n, sizeof *f.v, cmp_fold);
    for (uint32_t i = 0; i < f.n; i++) {
        if (i && f.v[i].start == f.v[i - 1].start) continue;     /* an item and its body: one range */
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "startLine", f.v[i].start);
        cJSON_AddNumberToObject(r, "endLine", f.v[i].end);
        if (f.v[i].kind) cJSON_AddStringToObject(r, "kind", f.v[i].kind);
        cJSON_AddItemToArray(arr, r);
    }
    free(f.v);
    free(f.lines);
    lsp_parsed_free(&p);
    lsp_send(lsp_response(id, arr));
}
