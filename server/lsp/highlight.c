/* highlight.c - textDocument/documentHighlight: every name in the open
 * module that means the same definition as the name at the cursor (from the
 * facts of the last check); declarations are Write, uses Read.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

enum { HIGHLIGHT_READ = 2, HIGHLIGHT_WRITE = 3 };

void lsp_on_document_highlight(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && lsp_request_offset(params, m, &off) ? lsp_fact_at(m, off) : NULL;
    if (!f || !f->target || !f->target->st->abs_path) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    char *tpath = sg_xstrdup(f->target->st->abs_path);
    SgSpan ts = f->target_span;
    cJSON *arr = cJSON_CreateArray();
    SgSpan *seen = sg_xcalloc(m->facts->len + 1, sizeof *seen);
    uint32_t nseen = 0;
    for (uint32_t k = 0; k < m->facts->len; k++) {
        SgFact *x = &m->facts->items[k];
        if (!lsp_same_target(x, tpath, ts)) continue;
        SgSpan s = lsp_fact_name_span(x);
        bool dup = false;
        for (uint32_t j = 0; j < nseen && !dup; j++) dup = seen[j].start == s.start && seen[j].end == s.end;
        if (dup) continue;
        seen[nseen++] = s;
        cJSON *h = cJSON_CreateObject();
        cJSON_AddItemToObject(h, "range", lsp_span_range(m->src, m->len, s));
        cJSON_AddNumberToObject(h, "kind", x->decl ? HIGHLIGHT_WRITE : HIGHLIGHT_READ);
        cJSON_AddItemToArray(arr, h);
    }
    free(seen);
    free(tpath);
    lsp_send(lsp_response(id, arr));
}
