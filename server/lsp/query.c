/* query.c - what every query starts from: the module of an open document
 * in its folder's last run (with its facts), a request's position as a
 * byte offset, the fact at an offset, and a location in another module.
 *
 * Threads: the loop thread only (it reads the folders' `last`, which only
 * the loop thread modifies). */
#include <stdlib.h>

#include "internal.h"

SgModule *lsp_open_module(const char *uri) {
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    if (!path) return NULL;
    LspDoc *d = lsp_doc_of_uri(uri);
    SgEngineRun *run = lsp_run_of(d ? d->path : path);
    SgModule *r = run ? sg_engine_module_at(run, path) : NULL;
    if (!r && run && d) r = sg_engine_module_at(run, d->path);
    free(path);
    return r && r->facts ? r : NULL;
}

bool lsp_request_offset(const cJSON *params, SgModule *m, size_t *off) {
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double line, ch;
    if (!lsp_num_at(pos, "line", &line) || !lsp_num_at(pos, "character", &ch) || line < 0 || ch < 0) return false;
    *off = lsp_offset_of(m->src, m->len, lsp_u32(line), lsp_u32(ch), srv->enc);
    return true;
}

SgFact *lsp_fact_at(SgModule *m, size_t off) {
    SgFact *best = NULL;
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (off < f->span.start || off > f->span.end || f->span.end == f->span.start) continue;
        if (!best || f->span.end - f->span.start < best->span.end - best->span.start ||
            (f->span.end - f->span.start == best->span.end - best->span.start && f->type && !best->type))
            best = f;
    }
    return best;
}

size_t lsp_doc_offset(const LspDoc *d, const cJSON *params) {
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double line = 0, ch = 0;
    lsp_num_at(pos, "line", &line);
    lsp_num_at(pos, "character", &ch);
    return lsp_offset_of(d->text, d->len, lsp_u32(line), lsp_u32(ch), srv->enc);
}

SgSpan lsp_fact_name_span(const SgFact *f) {
    SgSpan s = f->span;
    size_t nl = strlen(f->name);
    if (s.end - s.start > nl) s.start = s.end - (uint32_t)nl;
    return s;
}

bool lsp_same_target(const SgFact *x, const char *target_path, SgSpan target_span) {
    return x->target && x->target->st->abs_path && strcmp(x->target->st->abs_path, target_path) == 0 &&
           x->target_span.start == target_span.start && x->target_span.end == target_span.end;
}

cJSON *lsp_location(SgModule *target, SgSpan span) {
    if (!target || !target->st->abs_path) return NULL;
    size_t len;
    char *text = target->src ? memcpy(sg_xmalloc(target->len + 1), target->src, target->len + 1)
                             : lsp_module_text(target->st->abs_path, target->path, &len);
    if (target->src) len = target->len;
    LspDoc *d = lsp_doc_at_path(target->st->abs_path);
    cJSON *loc = cJSON_CreateObject();
    char *uri = lsp_path_to_uri(target->st->abs_path);
    cJSON_AddStringToObject(loc, "uri", d ? d->uri : uri);
    free(uri);
    cJSON_AddItemToObject(loc, "range", lsp_span_range(text, len, span));
    free(text);
    return loc;
}
