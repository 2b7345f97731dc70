/* diagnostics.c - diagnostics to the client: pushed (publishDiagnostics of
 * a whole run, of one module re-checked by the fast path, the empty lists
 * that clear what is gone) and pulled (textDocument/diagnostic, answered
 * from a check that has seen every change, waiting until then). Keeps the
 * set of files whose last published list was not empty.
 *
 * Threads: the loop thread only. */
#include <limits.h>
#include <stdlib.h>

#include "internal.h"

cJSON *lsp_diag_array(const SgDiags *ds, const char *text, size_t len) {
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < ds->len; i++) {
        const SgDiag *d = &ds->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "range", lsp_columns_range(text, len, d->line, d->col, d->end_line, d->end_col));
        cJSON_AddNumberToObject(o, "severity", sg_diag_severity(d) == SG_ERROR ? 1 : 2);
        cJSON_AddStringToObject(o, "code", d->code);
        cJSON_AddStringToObject(o, "source", "sigil");
        cJSON_AddStringToObject(o, "message", d->message);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

LspFileDiags *lsp_run_files(SgEngineRun *run, uint32_t *n) {
    LspFileDiags *fs = sg_xcalloc(run->prog.n + run->nstrays + 1, sizeof *fs);
    uint32_t k = 0;
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (m->is_std || !m->abs_path) continue;
        fs[k++] = (LspFileDiags){sg_xstrdup(m->abs_path), m->path, &m->diags};
    }
    for (uint32_t i = 0; i < run->nstrays; i++) {
        SgBuf b = {0};
        sg_buf_printf(&b, "%s/%s", run->root_abs, run->strays[i].rel);
        fs[k++] = (LspFileDiags){b.data, run->strays[i].path, &run->strays[i].diags};
    }
    *n = k;
    return fs;
}

void lsp_publish(const char *path, const char *disk, const SgDiags *ds) {
    size_t len;
    char *text = lsp_module_text(path, disk, &len);
    cJSON *params = cJSON_CreateObject();
    char *uri = lsp_path_to_uri(path);
    LspDoc *d = lsp_doc_at_path(path);
    cJSON_AddStringToObject(params, "uri", d ? d->uri : uri);
    if (d) cJSON_AddNumberToObject(params, "version", (double)d->version);
    static const SgDiags empty = {0};
    cJSON_AddItemToObject(params, "diagnostics", lsp_diag_array(ds ? ds : &empty, text, len));
    lsp_send(lsp_notification("textDocument/publishDiagnostics", params));
    free(uri);
    free(text);
}

/* A client that pulls diagnostics gets open files' diagnostics only when
 * it asks (pushing them too would show every diagnostic twice); files that
 * are not open are always pushed. */
void lsp_publish_run(uint64_t snapshot_gen) {
    uint32_t n;
    LspFileDiags *fs = lsp_run_files(srv->last, &n);
    char **now = sg_xcalloc(n + srv->npublished + 1, sizeof(char *));
    uint32_t nnow = 0;
    for (uint32_t i = 0; i < n; i++) {
        LspDoc *d = lsp_doc_at_path(fs[i].path);
        bool open = d != NULL;
        if (open && srv->client_pull) continue;
        if (d && d->changed_gen > snapshot_gen) continue;   /* edited since: the fast path publishes it */
        bool early = d && d->early_gen == snapshot_gen;     /* the same result, published as it was checked */
        if ((fs[i].diags->len || open) && !early) lsp_publish(fs[i].path, fs[i].disk, fs[i].diags);
        if (fs[i].diags->len) now[nnow++] = sg_xstrdup(fs[i].path);
    }
    /* files that had diagnostics and have none now (or are gone) */
    for (uint32_t i = 0; i < srv->npublished; i++) {
        bool still = false;
        for (uint32_t k = 0; k < nnow && !still; k++) still = strcmp(now[k], srv->published[i]) == 0;
        LspDoc *d = lsp_doc_at_path(srv->published[i]);
        bool open = d != NULL;
        bool in_run = false;
        for (uint32_t k = 0; k < n && !in_run; k++) in_run = strcmp(fs[k].path, srv->published[i]) == 0;
        if (!still && d && d->changed_gen > snapshot_gen) {
            now[nnow++] = srv->published[i];  /* left as the fast path published it */
            continue;
        }
        if (!still && !(open && in_run)) lsp_publish(srv->published[i], srv->published[i], NULL);
        free(srv->published[i]);
    }
    free(srv->published);
    srv->published = now;
    srv->npublished = nnow;
    /* open documents that are not modules of the workspace get an empty report */
    for (uint32_t i = 0; i < srv->ndocs && !srv->client_pull; i++) {
        bool in_run = false;
        for (uint32_t k = 0; k < n && !in_run; k++) in_run = strcmp(fs[k].path, srv->docs[i]->path) == 0;
        if (!in_run) lsp_publish(srv->docs[i]->path, srv->docs[i]->path, NULL);
    }
    for (uint32_t i = 0; i < n; i++) free(fs[i].path);
    free(fs);
}

/* The published diagnostics of one open module (the fast path). */
void lsp_publish_module(const SgModule *m) {
    if (!srv->client_pull) lsp_publish(m->abs_path, m->path, &m->diags);
    uint32_t k = 0;
    while (k < srv->npublished && strcmp(srv->published[k], m->abs_path) != 0) k++;
    if (m->diags.len && k == srv->npublished) {
        srv->published = sg_xrealloc(srv->published, sizeof *srv->published * (srv->npublished + 1));
        srv->published[srv->npublished++] = sg_xstrdup(m->abs_path);
    } else if (!m->diags.len && k < srv->npublished) {
        free(srv->published[k]);
        srv->published[k] = srv->published[--srv->npublished];
    }
}

static void answer_pull(const cJSON *id, const cJSON *params);

/* Pull requests are answered from a check that has seen every change so
 * far; until then they wait (and may be cancelled). */
void lsp_on_pull_diagnostics(const cJSON *id, const cJSON *params) {
    if (lsp_is_current()) {
        answer_pull(id, params);
        return;
    }
    cJSON *req = cJSON_CreateObject();
    cJSON_AddItemToObject(req, "id", cJSON_Duplicate(id, 1));
    cJSON_AddItemToObject(req, "params", params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject());
    srv->pending = sg_xrealloc(srv->pending, sizeof *srv->pending * (srv->npending + 1));
    srv->pending[srv->npending++] = req;
}

void lsp_answer_pending(void) {
    for (uint32_t i = 0; i < srv->npending; i++) {
        answer_pull(cJSON_GetObjectItemCaseSensitive(srv->pending[i], "id"),
                    cJSON_GetObjectItemCaseSensitive(srv->pending[i], "params"));
        cJSON_Delete(srv->pending[i]);
    }
    srv->npending = 0;
}

/* Only pull requests wait; every other request is answered at once. */
bool lsp_cancel_pending(const cJSON *id) {
    for (uint32_t i = 0; id && i < srv->npending; i++) {
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(srv->pending[i], "id");
        if (!cJSON_Compare(pid, id, 1)) continue;
        lsp_send(lsp_error(pid, LSP_REQUEST_CANCELLED, "request cancelled"));
        cJSON_Delete(srv->pending[i]);
        srv->pending[i] = srv->pending[--srv->npending];
        return true;
    }
    return false;
}

static void answer_pull(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    char *path = uri ? lsp_uri_to_path(uri) : NULL;
    if (!path) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "textDocument.uri must be a file URI"));
        return;
    }
    char real[PATH_MAX];
    if (realpath(path, real)) {
        free(path);
        path = sg_xstrdup(real);
    }
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "kind", "full");
    cJSON *items = NULL;
    if (srv->last) {
        uint32_t n;
        LspFileDiags *fs = lsp_run_files(srv->last, &n);
        for (uint32_t i = 0; i < n; i++) {
            if (!items && strcmp(fs[i].path, path) == 0) {
                size_t len;
                char *text = lsp_module_text(fs[i].path, fs[i].disk, &len);
                items = lsp_diag_array(fs[i].diags, text, len);
                free(text);
            }
            free(fs[i].path);
        }
        free(fs);
    }
    cJSON_AddItemToObject(res, "items", items ? items : cJSON_CreateArray());
    free(path);
    lsp_send(lsp_response(id, res));
}
