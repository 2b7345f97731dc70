/* actions.c - textDocument/codeAction: quick fixes for diagnostics (add
 * the missing import for `alias.name`).
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "../../checker/ast.h"
#include "internal.h"

void lsp_on_code_action(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    cJSON *arr = cJSON_CreateArray();
    const cJSON *diags = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "context"), "diagnostics");
    const cJSON *dg;
    cJSON_ArrayForEach(dg, diags) {
        const char *code = lsp_str_at(dg, "code", NULL);
        if (!d || !srv->last || !code || strcmp(code, "E103") != 0) continue;
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dg, "range"), "start");
        double line, ch;
        if (!lsp_num_at(start, "line", &line) || !lsp_num_at(start, "character", &ch) || line < 0 || ch < 0) continue;
        size_t a = lsp_offset_of(d->text, d->len, lsp_u32(line), lsp_u32(ch), srv->enc);
        size_t b = lsp_ident_end(d->text, d->len, a);
        if (b == a || b >= d->len || d->text[b] != '.') continue;   /* only `alias.name` */
        /* modules whose last segment is the alias */
        for (uint32_t i = 0; i < srv->last->prog.n; i++) {
            SgModule *cand = srv->last->prog.mods[i];
            const char *last = strrchr(cand->name, '.');
            last = last ? last + 1 : cand->name;
            if (strlen(last) != b - a || memcmp(last, d->text + a, b - a) != 0) continue;
            /* after the last import line, or at the top */
            uint32_t insert_line = 0;
            SgArena ar;
            sg_arena_init(&ar);
            SgDiags pd = {.arena = &ar};
            SgAst ast;
            sg_parse(&ar, d->text, (uint32_t)d->len, &ast, &pd);
            for (uint32_t k = 0; k < ast.nitems; k++)
                if (ast.items[k]->kind == IT_IMPORT) {
                    uint32_t l, c;
                    lsp_position_of(d->text, d->len, ast.items[k]->span.end, srv->enc, &l, &c);
                    insert_line = l + 1;
                }
            sg_diags_free(&pd);
            sg_arena_free(&ar);
            cJSON *act = cJSON_CreateObject();
            SgBuf title = {0}, text = {0};
            sg_buf_printf(&title, "Add `import %s`", cand->name);
            sg_buf_printf(&text, "import %s\n", cand->name);
            cJSON_AddStringToObject(act, "title", title.data);
            cJSON_AddStringToObject(act, "kind", "quickfix");
            cJSON *dl = cJSON_AddArrayToObject(act, "diagnostics");
            cJSON_AddItemToArray(dl, cJSON_Duplicate(dg, 1));
            cJSON *edit = cJSON_AddObjectToObject(act, "edit");
            cJSON *ch2 = cJSON_AddObjectToObject(edit, "changes");
            cJSON *edits = cJSON_AddArrayToObject(ch2, d->uri);
            cJSON *e = cJSON_CreateObject();
            cJSON *r = cJSON_AddObjectToObject(e, "range");
            cJSON_AddItemToObject(r, "start", lsp_position_json(insert_line, 0));
            cJSON_AddItemToObject(r, "end", lsp_position_json(insert_line, 0));
            cJSON_AddStringToObject(e, "newText", text.data);
            cJSON_AddItemToArray(edits, e);
            cJSON_AddItemToArray(arr, act);
            sg_buf_free(&title);
            sg_buf_free(&text);
        }
    }
    lsp_send(lsp_response(id, arr));
}

