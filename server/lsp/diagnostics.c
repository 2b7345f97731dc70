/* diagnostics.c - diagnostics to the client: pushed (publishDiagnostics of
 * a whole run, of one module re-checked by the fast path, the empty lists
 * that clear what is gone) and pulled (textDocument/diagnostic, answered
 * from a check that has seen every change, waiting until then). Keeps the
 * set of files whose last published list was not empty.
 *
 * Threads: the loop thread only. */
#include <limits.h>
#include <stdlib.h>

#include "../../checker/related.h"
#include "internal.h"

enum { LSP_TAG_UNNECESSARY = 1 };

/* A location in the file at `path` (its buffer's URI when open). */
static cJSON *location(const char *path, cJSON *range) {
    cJSON *loc = cJSON_CreateObject();
    LspDoc *d = lsp_doc_at_path(path);
    char *uri = d ? NULL : lsp_path_to_uri(path);
    cJSON_AddStringToObject(loc, "uri", d ? d->uri : uri);
    free(uri);
    cJSON_AddItemToObject(loc, "range", range);
    return loc;
}

/* The diagnostic's related location, as relatedInformation: in its own
 * file, or found by name in the other module's text as the user sees it
 * now (checker/related.h); NULL when there is none to show. */
static cJSON *related_info(const char *path, const SgRelated *r, const char *text, size_t len) {
    cJSON *loc = NULL;
    if (!r->module) {
        loc = location(path, lsp_columns_range(text, len, r->at.line, r->at.col, r->at.end_line, r->at.end_col));
    } else {
        SgEngineRun *run = lsp_run_of(path);
        SgModule *t = run ? sg_map_get(&run->prog.by_name, sg_name_c(r->module)) : NULL;
        if (!t || t->is_std || !t->st->abs_path) return NULL;
        size_t tlen;
        char *ttext = lsp_module_text(t->st->abs_path, t->path, &tlen);
        SgDiagSpan at;
        if (sg_related_find(ttext, (uint32_t)tlen, r, &at))
            loc = location(t->st->abs_path, lsp_span_range(ttext, tlen, (SgSpan){at.start, at.end}));
        free(ttext);
        if (!loc) return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    cJSON *info = cJSON_CreateObject();
    cJSON_AddItemToObject(info, "location", loc);
    cJSON_AddStringToObject(info, "message", r->label);
    cJSON_AddItemToArray(arr, info);
    return arr;
}

cJSON *lsp_diag_array(const char *path, const SgDiags *ds, const char *text, size_t len) {
    cJSON *arr = cJSON_CreateArray();
    LspRoot *r = lsp_root_of(path);
    for (uint32_t i = 0; i < ds->len; i++) {
        const SgDiag *d = &ds->items[i];
        SgLevel level = sg_severity_of(r ? &r->levels : NULL, d);
        if (level == SG_LEVEL_OFF) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "range", lsp_columns_range(text, len, d->line, d->col, d->end_line, d->end_col));
        cJSON_AddNumberToObject(o, "severity", level == SG_LEVEL_ERROR ? 1 : 2);
        cJSON_AddStringToObject(o, "code", d->code);
        cJSON_AddStringToObject(o, "source", "sigil");
        cJSON_AddStringToObject(o, "message", d->message);
        /* unused import, unused local: editors fade them out */
        if (strcmp(d->code, "W001") == 0 || strcmp(d->code, "W002") == 0) {
            cJSON *tags = cJSON_AddArrayToObject(o, "tags");
            cJSON_AddItemToArray(tags, cJSON_CreateNumber(LSP_TAG_UNNECESSARY));
        }
        cJSON *rel = d->related && srv->client_related ? related_info(path, d->related, text, len) : NULL;
        if (rel) cJSON_AddItemToObject(o, "relatedInformation", rel);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

typedef struct LspFileDiags {
    char *path;         /* absolute */
    const char *disk;   /* path to read */
    const SgDiags *diags;
} LspFileDiags;

/* Every file of the run, workspace modules and files that are not modules. */
static LspFileDiags *run_files(SgEngineRun *run, uint32_t *n) {
    LspFileDiags *fs = sg_xcalloc(run->prog.n + run->nstrays + 1, sizeof *fs);
    uint32_t k = 0;
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (m->is_std || !m->st->abs_path) continue;
        fs[k++] = (LspFileDiags){sg_xstrdup(m->st->abs_path), m->path, &m->diags};
    }
    for (uint32_t i = 0; i < run->nstrays; i++) {
        SgBuf b = {0};
        sg_buf_printf(&b, "%s/%s", run->root_abs, run->strays[i].rel);
        fs[k++] = (LspFileDiags){b.data, run->strays[i].path, &run->strays[i].diags};
    }
    *n = k;
    return fs;
}

const SgDiags *lsp_run_diags(SgEngineRun *run, const char *path, const char **disk) {
    SgModule *m = sg_engine_module_at(run, path);
    if (m && !m->is_std) {
        *disk = m->path;
        return &m->diags;
    }
    size_t rn = strlen(run->root_abs);
    for (uint32_t i = 0; i < run->nstrays; i++)
        if (strncmp(path, run->root_abs, rn) == 0 && path[rn] == '/' && strcmp(path + rn + 1, run->strays[i].rel) == 0) {
            *disk = run->strays[i].path;
            return &run->strays[i].diags;
        }
    return NULL;
}

static uint32_t published_index(const char *path) {
    uint32_t k = 0;
    while (k < srv->npublished && strcmp(srv->published[k], path) != 0) k++;
    return k;
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
    cJSON *arr = lsp_diag_array(path, ds ? ds : &empty, text, len);
    bool shown = cJSON_GetArraySize(arr) > 0;
    cJSON_AddItemToObject(params, "diagnostics", arr);
    lsp_send(lsp_notification("textDocument/publishDiagnostics", params));
    free(uri);
    free(text);
    /* whoever published it (a whole run, early, the fast path), the client
     * shows this list until another replaces it */
    uint32_t k = published_index(path);
    if (shown && k == srv->npublished) {
        srv->published = sg_xrealloc(srv->published, sizeof *srv->published * (srv->npublished + 1));
        srv->published[srv->npublished++] = sg_xstrdup(path);
    } else if (!shown && k < srv->npublished) {
        free(srv->published[k]);
        srv->published[k] = srv->published[--srv->npublished];
    }
}

/* A client that pulls diagnostics gets open files' diagnostics only when
 * it asks (pushing them too would show every diagnostic twice); files that
 * are not open are always pushed. Only the files that belong to the run's
 * folder: a folder nested in it publishes its own. */
void lsp_publish_run(LspRoot *r, uint64_t snapshot_gen) {
    uint32_t n;
    LspFileDiags *fs = run_files(r->last, &n);
    for (uint32_t i = 0; i < n; i++) {
        if (lsp_root_of(fs[i].path) != r) continue;
        LspDoc *d = lsp_doc_at_path(fs[i].path);
        if (d && srv->client_pull) continue;
        if (d && d->changed_gen > snapshot_gen) continue;   /* edited since: the fast path publishes it */
        if (d && d->early_gen == snapshot_gen) continue;    /* the same result, published as it was checked */
        if (fs[i].diags->len || d || published_index(fs[i].path) < srv->npublished)
            lsp_publish(fs[i].path, fs[i].disk, fs[i].diags);
    }
    /* files shown with diagnostics that are not files of the run: gone, or
     * no longer in the workspace (backwards: a publish removes its entry) */
    for (uint32_t i = srv->npublished; i-- > 0;) {
        const char *p = srv->published[i], *disk;
        if (lsp_root_of(p) != r) continue;
        LspDoc *d = lsp_doc_at_path(p);
        if (lsp_run_diags(r->last, p, &disk) || (d && !srv->client_pull)) continue;
        if (d && d->changed_gen > snapshot_gen) continue;
        char *path = sg_xstrdup(p);
        lsp_publish(path, path, NULL);
        free(path);
    }
    /* open documents that are not files of the workspace get an empty report */
    for (uint32_t i = 0; i < srv->ndocs && !srv->client_pull; i++) {
        const char *disk;
        LspDoc *d = srv->docs[i];
        if (d->root == r && !lsp_run_diags(r->last, d->path, &disk)) lsp_publish(d->path, d->path, NULL);
    }
    for (uint32_t i = 0; i < n; i++) free(fs[i].path);
    free(fs);
}

/* Whether r's place in module `now` (text as the user sees it) differs
 * from its place in the record `old` it replaced. */
static bool moved(const SgRelated *r, const SgModule *old, const SgModule *now) {
    SgDiagSpan a, b;
    size_t len;
    char *text = lsp_module_text(now->st->abs_path, now->path, &len);
    bool found_now = sg_related_find(text, (uint32_t)len, r, &b);
    free(text);
    if (!old->src || !sg_related_find(old->src, old->len, r, &a)) return true;
    return !found_now || a.line != b.line || a.col != b.col || a.end_line != b.end_line || a.end_col != b.end_col;
}

static bool related_moved(const SgModule *x, SgModule *const *old, SgModule *const *now, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (x == now[i]) return false;      /* published with its own result */
    for (uint32_t k = 0; k < x->diags.len; k++) {
        const SgRelated *rel = x->diags.items[k].related;
        for (uint32_t i = 0; rel && rel->module && i < n; i++)
            if (strcmp(rel->module, now[i]->name) == 0 && moved(rel, old[i], now[i])) return true;
    }
    return false;
}

void lsp_publish_related_into(LspRoot *r, SgModule *const *old, SgModule *const *now, uint32_t n) {
    if (!n || !srv->client_related) return;
    bool refresh = false;
    for (uint32_t i = 0; i < r->last->prog.n; i++) {
        SgModule *x = r->last->prog.mods[i];
        if (x->is_std || !x->st->abs_path || lsp_is_stale(r, x->st->abs_path) || !related_moved(x, old, now, n)) continue;
        if (srv->client_pull && lsp_doc_at_path(x->st->abs_path)) refresh = true;
        else lsp_publish_file(x->st->abs_path);
    }
    if (refresh && srv->client_refresh) lsp_send_request("workspace/diagnostic/refresh", NULL);
}

void lsp_publish_file(const char *path) {
    if (srv->client_pull && lsp_doc_at_path(path)) return;
    const char *disk = path;
    SgEngineRun *run = lsp_run_of(path);
    const SgDiags *ds = run ? lsp_run_diags(run, path, &disk) : NULL;
    lsp_publish(path, disk, ds);
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
    const char *disk;
    SgEngineRun *run = lsp_run_of(path);
    const SgDiags *ds = run ? lsp_run_diags(run, path, &disk) : NULL;
    if (ds) {
        size_t len;
        char *text = lsp_module_text(path, disk, &len);
        items = lsp_diag_array(path, ds, text, len);
        free(text);
    }
    cJSON_AddItemToObject(res, "items", items ? items : cJSON_CreateArray());
    free(path);
    lsp_send(lsp_response(id, res));
}
