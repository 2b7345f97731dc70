/* hover.c - textDocument/hover and textDocument/definition, from the
 * facts of the open module (name, kind, rendered type, doc, definition).
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

void lsp_on_hover(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    size_t off;
    if (!m || !lsp_request_offset(params, m, &off)) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    SgFact *f = lsp_fact_at(m, off);
    if (!f) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    SgBuf b = {0};
    sg_buf_puts(&b, "```sigil\n");
    switch (f->kind) {
    case FACT_MODULE: sg_buf_printf(&b, "module %s", f->target ? f->target->name : f->name); break;
    case FACT_TYPE: sg_buf_printf(&b, "type %s", f->type ? f->type : f->name); break;
    case FACT_FIELD: sg_buf_printf(&b, "(field) %s: %s", f->name, f->type ? f->type : "?"); break;
    case FACT_LOCAL: sg_buf_printf(&b, "%s%s: %s", f->is_let ? "let " : "", f->name, f->type ? f->type : "?"); break;
    default: sg_buf_printf(&b, "%s: %s", f->name, f->type ? f->type : "?"); break;
    }
    sg_buf_puts(&b, "\n```");
    if (f->target && f->target != m && f->kind != FACT_MODULE && f->kind != FACT_LOCAL)
        sg_buf_printf(&b, "\n\nfrom `%s`", f->target->name);
    if (f->doc && *f->doc) sg_buf_printf(&b, "\n\n%s", f->doc);
    cJSON *res = cJSON_CreateObject();
    cJSON *contents = cJSON_AddObjectToObject(res, "contents");
    cJSON_AddStringToObject(contents, "kind", "markdown");
    cJSON_AddStringToObject(contents, "value", b.data);
    sg_buf_free(&b);
    cJSON_AddItemToObject(res, "range", lsp_span_range(m->src, m->len, f->span));
    lsp_send(lsp_response(id, res));
}

void lsp_on_definition(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && lsp_request_offset(params, m, &off) ? lsp_fact_at(m, off) : NULL;
    cJSON *loc = f ? lsp_location(f->target, f->target_span) : NULL;
    lsp_send(lsp_response(id, loc));
}
