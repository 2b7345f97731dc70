/* inlay.c - textDocument/inlayHint: the inferred type after each
 * unannotated `let` in the requested range.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

void lsp_on_inlay_hints(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    cJSON *arr = cJSON_CreateArray();
    /* only hints inside the requested range (dispatch checked its shape) */
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(params, "range");
    double l1 = 0, c1 = 0, l2 = 0, c2 = 0;
    lsp_num_at(cJSON_GetObjectItemCaseSensitive(range, "start"), "line", &l1);
    lsp_num_at(cJSON_GetObjectItemCaseSensitive(range, "start"), "character", &c1);
    lsp_num_at(cJSON_GetObjectItemCaseSensitive(range, "end"), "line", &l2);
    lsp_num_at(cJSON_GetObjectItemCaseSensitive(range, "end"), "character", &c2);
    size_t from = m ? lsp_offset_of(m->src, m->len, lsp_u32(l1), lsp_u32(c1), srv->enc) : 0;
    size_t to = m ? lsp_offset_of(m->src, m->len, lsp_u32(l2), lsp_u32(c2), srv->enc) : 0;
    for (uint32_t i = 0; m && i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (f->kind != FACT_LOCAL || !f->decl || !f->is_let || f->annotated || !f->type) continue;
        if (f->span.end < from || f->span.end > to) continue;
        uint32_t line, ch;
        lsp_position_of(m->src, m->len, f->span.end, srv->enc, &line, &ch);
        cJSON *h = cJSON_CreateObject();
        cJSON_AddItemToObject(h, "position", lsp_position_json(line, ch));
        SgBuf b = {0};
        sg_buf_printf(&b, ": %s", f->type);
        cJSON_AddStringToObject(h, "label", b.data);
        sg_buf_free(&b);
        cJSON_AddNumberToObject(h, "kind", 1);
        cJSON_AddBoolToObject(h, "paddingLeft", 0);
        cJSON_AddItemToArray(arr, h);
    }
    lsp_send(lsp_response(id, arr));
}
