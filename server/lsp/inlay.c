/* inlay.c - textDocument/inlayHint: the inferred type after each
 * unannotated `let`.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

void lsp_on_inlay_hints(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; m && i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (f->kind != FACT_LOCAL || !f->decl || !f->is_let || f->annotated || !f->type) continue;
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

