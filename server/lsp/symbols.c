/* symbols.c - textDocument/documentSymbol (from a parse of the buffer or
 * the file) and workspace/symbol (every module of the workspace, parsed).
 *
 * Threads: the loop thread only. */
#include <limits.h>
#include <stdlib.h>

#include "../../checker/ast.h"
#include "internal.h"

static cJSON *symbol(const char *text, size_t len, SgName name, int kind, SgSpan full, SgSpan sel) {
    cJSON *s = cJSON_CreateObject();
    char *n = sg_xmalloc(name.len + 1);
    memcpy(n, name.s, name.len);
    n[name.len] = 0;
    cJSON_AddStringToObject(s, "name", n);
    free(n);
    cJSON_AddNumberToObject(s, "kind", kind);
    cJSON_AddItemToObject(s, "range", lsp_span_range(text, len, full));
    cJSON_AddItemToObject(s, "selectionRange", lsp_span_range(text, len, sel));
    return s;
}

void lsp_on_document_symbol(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    if (!path) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "textDocument.uri must be a file URI"));
        return;
    }
    free(path);
    LspParsed p;
    if (!lsp_parse_document(uri, &p)) {
        lsp_send(lsp_response(id, cJSON_CreateArray()));
        return;
    }
    const char *text = p.text;
    size_t len = p.len;
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < p.ast.nitems; i++) {
        SgItem *it = p.ast.items[i];
        if (it->kind == IT_IMPORT || !it->name.len) continue;
        cJSON *s = symbol(text, len, it->name, lsp_item_symbol_kind(it), it->span, it->name_span);
        cJSON *kids = NULL;
        if (it->kind == IT_STRUCT && it->nfields) {
            kids = cJSON_AddArrayToObject(s, "children");
            for (uint32_t k = 0; k < it->nfields; k++) {
                SgParam *f = &it->fields[k];
                SgSpan full = {f->name_span.start, f->type ? f->type->span.end : f->name_span.end};
                cJSON_AddItemToArray(kids, symbol(text, len, f->name, LSP_SK_FIELD, full, f->name_span));
            }
        } else if (it->kind == IT_ENUM && it->nvariants) {
            kids = cJSON_AddArrayToObject(s, "children");
            for (uint32_t k = 0; k < it->nvariants; k++)
                cJSON_AddItemToArray(kids, symbol(text, len, it->variants[k].name, LSP_SK_ENUM_MEMBER, it->variants[k].full,
                                                  it->variants[k].span));
        }
        cJSON_AddItemToArray(arr, s);
    }
    lsp_parsed_free(&p);
    lsp_send(lsp_response(id, arr));
}

static bool contains_ci(const char *hay, size_t hn, const char *needle) {
    size_t nn = strlen(needle);
    if (!nn) return true;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && (hay[i + k] | 0x20) == (needle[k] | 0x20)) k++;
        if (k == nn) return true;
    }
    return false;
}

/* The items of one folder's modules whose name holds q (its nested
 * folders answer for their own files). */
static void folder_symbols(LspRoot *r, const char *q, cJSON *arr) {
    SgWorkspace ws;
    char *err = NULL;
    if (sg_workspace_scan(r->path, &ws, &err)) {
        for (uint32_t i = 0; i < ws.nfiles && cJSON_GetArraySize(arr) < 1000; i++) {
            if (!ws.files[i].module) continue;
            char real[PATH_MAX];
            const char *abs = realpath(ws.files[i].path, real) ? real : ws.files[i].path;
            if (lsp_root_of(abs) != r) continue;
            size_t len;
            char *text = lsp_module_text(abs, ws.files[i].path, &len);
            if (!contains_ci(text, len, q)) {   /* cheap filter before parsing */
                free(text);
                continue;
            }
            LspParsed p;
            lsp_parse_text(&p, text, len);
            char *uri = lsp_path_to_uri(abs);
            for (uint32_t k = 0; k < p.ast.nitems; k++) {
                SgItem *it = p.ast.items[k];
                if (it->kind == IT_IMPORT || !it->name.len || !contains_ci(it->name.s, it->name.len, q)) continue;
                cJSON *s = cJSON_CreateObject();
                char *nm = sg_xmalloc(it->name.len + 1);
                memcpy(nm, it->name.s, it->name.len);
                nm[it->name.len] = 0;
                cJSON_AddStringToObject(s, "name", nm);
                free(nm);
                cJSON_AddNumberToObject(s, "kind", lsp_item_symbol_kind(it));
                cJSON_AddStringToObject(s, "containerName", ws.files[i].module);
                cJSON *loc = cJSON_AddObjectToObject(s, "location");
                cJSON_AddStringToObject(loc, "uri", uri);
                cJSON_AddItemToObject(loc, "range", lsp_span_range(text, len, it->name_span));
                cJSON_AddItemToArray(arr, s);
            }
            free(uri);
            lsp_parsed_free(&p);
        }
        sg_workspace_free(&ws);
    }
    free(err);
}

void lsp_on_workspace_symbol(const cJSON *id, const cJSON *params) {
    const char *q = lsp_str_at(params, "query", NULL);
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < srv->nroots && !srv->sink; i++) folder_symbols(srv->roots[i], q ? q : "", arr);
    lsp_send(lsp_response(id, arr));
}
