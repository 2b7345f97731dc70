/* references.c - textDocument/references, prepareRename and rename. A
 * local stays in its module; an item may be used anywhere, so one engine
 * pass with facts for every module runs on the loop thread (until the
 * project-wide index replaces it).
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

void lsp_on_references(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && lsp_request_offset(params, m, &off) ? lsp_fact_at(m, off) : NULL;
    cJSON *arr = cJSON_CreateArray();
    SgEngineRun *own = NULL;
    if (f && f->target && f->kind != FACT_LOCAL && f->target->st->abs_path && !srv->sink) own = lsp_facts_run(lsp_root_of(m->st->abs_path));
    if (f && f->target && f->target->st->abs_path) {
        bool decl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "context"),
                                                                   "includeDeclaration"));
        char *tpath = sg_xstrdup(f->target->st->abs_path);
        SgSpan ts = f->target_span;
        SgEngineRun *run = own ? own : lsp_run_of(m->st->abs_path);
        /* every module's facts that name the same definition (by path: the
         * modules of `own` are not those of `last`) */
        for (uint32_t i = 0; i < run->prog.n; i++) {
            SgModule *om = run->prog.mods[i];
            if (!om->facts) continue;
            for (uint32_t k = 0; k < om->facts->len; k++) {
                SgFact *x = &om->facts->items[k];
                if (!lsp_same_target(x, tpath, ts)) continue;
                bool is_decl = om->st->abs_path && strcmp(om->st->abs_path, tpath) == 0 && x->span.start == ts.start;
                if (is_decl && !decl) continue;
                bool dup = false;
                for (uint32_t j = 0; j < k && !dup; j++)
                    dup = om->facts->items[j].span.start == x->span.start && om->facts->items[j].target == x->target &&
                          om->facts->items[j].target_span.start == ts.start;
                if (!dup) cJSON_AddItemToArray(arr, lsp_location(om, x->span));
            }
        }
        free(tpath);
    }
    lsp_free_run(own);
    lsp_send(lsp_response(id, arr));
}

static bool renamable(const SgFact *f) {
    /* locals, and items of the workspace (not the standard library) */
    if (!f || !f->target || f->kind == FACT_MODULE) return false;
    return !f->target->is_std;
}

void lsp_on_prepare_rename(const cJSON *id, const cJSON *params) {
    SgModule *m = lsp_open_module(lsp_str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && lsp_request_offset(params, m, &off) ? lsp_fact_at(m, off) : NULL;
    if (!renamable(f)) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    SgSpan s = lsp_fact_name_span(f);
    cJSON *res = cJSON_CreateObject();
    cJSON_AddItemToObject(res, "range", lsp_span_range(m->src, m->len, s));
    cJSON_AddStringToObject(res, "placeholder", f->name);
    lsp_send(lsp_response(id, res));
}

void lsp_on_rename(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    const char *new_name = lsp_str_at(params, "newName", NULL);
    SgModule *m = lsp_open_module(uri);
    size_t off;
    SgFact *f = m && lsp_request_offset(params, m, &off) ? lsp_fact_at(m, off) : NULL;
    if (!new_name || !lsp_valid_identifier(new_name)) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "the new name must be an identifier that is not a keyword"));
        return;
    }
    if (!renamable(f)) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "nothing to rename here"));
        return;
    }
    /* A local stays in its module; an item may be used anywhere, so every
     * workspace module is checked with facts (on this thread, once). */
    char *target_path = f->target->st->abs_path ? sg_xstrdup(f->target->st->abs_path) : NULL;
    SgSpan ts = f->target_span;
    bool local = f->kind == FACT_LOCAL;
    SgEngineRun *run = lsp_run_of(m->st->abs_path), *own = NULL;
    if (!local && srv->sink) {    /* fuzzing: no workspace runs */
        free(target_path);
        lsp_send(lsp_response(id, NULL));
        return;
    }
    if (!local) {
        own = lsp_facts_run(lsp_root_of(m->st->abs_path));
        if (!own) {
            free(target_path);
            lsp_send(lsp_error(id, LSP_INTERNAL_ERROR, "could not check the workspace"));
            return;
        }
        run = own;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON *changes = cJSON_AddObjectToObject(res, "changes");
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *om = run->prog.mods[i];
        if (!om->facts || (local && om != m)) continue;
        cJSON *edits = NULL;
        for (uint32_t k = 0; k < om->facts->len; k++) {
            SgFact *x = &om->facts->items[k];
            if (!target_path || !lsp_same_target(x, target_path, ts)) continue;
            SgSpan s = lsp_fact_name_span(x);
            bool dup = false;
            for (int e = 0; edits && e < cJSON_GetArraySize(edits) && !dup; e++) {
                cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(edits, e), "range");
                cJSON *nr = lsp_span_range(om->src, om->len, s);
                char *a = cJSON_PrintUnformatted(r), *b = cJSON_PrintUnformatted(nr);
                dup = strcmp(a, b) == 0;
                cJSON_free(a);
                cJSON_free(b);
                cJSON_Delete(nr);
            }
            if (dup) continue;
            if (!edits) {
                LspDoc *d = lsp_doc_at_path(om->st->abs_path);
                char *u = lsp_path_to_uri(om->st->abs_path);
                edits = cJSON_AddArrayToObject(changes, d ? d->uri : u);
                free(u);
            }
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToObject(e, "range", lsp_span_range(om->src, om->len, s));
            cJSON_AddStringToObject(e, "newText", new_name);
            cJSON_AddItemToArray(edits, e);
        }
    }
    free(target_path);
    lsp_free_run(own);
    lsp_send(lsp_response(id, res));
}
