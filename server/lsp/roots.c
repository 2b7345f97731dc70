/* roots.c - the workspace folders: one LspRoot (and engine) per folder the
 * client names (workspaceFolders, else rootUri, else rootPath, else the
 * current directory), which folder a file belongs to (the longest path
 * that holds it), and folders added and removed
 * (workspace/didChangeWorkspaceFolders). A removed folder's diagnostics are
 * cleared, its open files go to the folder that now holds them, and its
 * root is freed once its jobs are over.
 *
 * Threads: the loop thread only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "internal.h"

bool lsp_in_root(const LspRoot *r, const char *path) {
    size_t n = strlen(r->path);
    return strncmp(path, r->path, n) == 0 && (path[n] == '/' || (n == 1 && r->path[0] == '/'));
}

LspRoot *lsp_root_of(const char *path) {
    LspRoot *best = NULL;
    for (uint32_t i = 0; i < srv->nroots; i++) {
        LspRoot *r = srv->roots[i];
        if (lsp_in_root(r, path) && (!best || strlen(r->path) > strlen(best->path))) best = r;
    }
    /* a file outside every folder: the first one answers for it (it is no
     * module there, so it gets an empty report) */
    return best ? best : srv->nroots ? srv->roots[0] : NULL;
}

SgEngineRun *lsp_run_of(const char *path) {
    LspRoot *r = lsp_root_of(path);
    return r ? r->last : NULL;
}

static void dir_changed(void *ctx) { lsp_changed_root(ctx); }

static void watch_root(LspRoot *r) {
    r->dirs.loop = srv->loop;
    r->dirs.changed = dir_changed;
    r->dirs.ctx = r;
    sg_dirwatch_tree(&r->dirs, r->path);
}

void lsp_roots_watch(void) {
    srv->own_watch = true;
    for (uint32_t i = 0; i < srv->nroots; i++) watch_root(srv->roots[i]);
}

static void reassign_docs(void) {
    for (uint32_t i = 0; i < srv->ndocs; i++) {
        LspDoc *d = srv->docs[i];
        d->root = lsp_root_of(d->path);
        if (!d->root) d->fast_pending = false;
    }
}

LspRoot *lsp_root_add(const char *uri, const char *path) {
    LspRoot *r = sg_xcalloc(1, sizeof *r);
    char real[PATH_MAX];
    r->path = sg_xstrdup(realpath(path, real) ? real : path);
    size_t n = strlen(r->path);
    while (n > 1 && r->path[n - 1] == '/') r->path[--n] = 0;
    r->uri = uri ? sg_xstrdup(uri) : lsp_path_to_uri(r->path);
    const char *env = getenv("SIGIL_CACHE_DIR");
    SgBuf cd = {0};
    sg_buf_printf(&cd, "%s/.sigil-cache", r->path);
    r->cache_dir = env && *env ? sg_xstrdup(env) : sg_xstrdup(cd.data);
    sg_buf_free(&cd);
    if (!srv->sink) {
        lsp_scheduler_root_init(r);
        lsp_index_root_init(r);
    }
    srv->roots = sg_xrealloc(srv->roots, sizeof *srv->roots * (srv->nroots + 1));
    srv->roots[srv->nroots++] = r;
    reassign_docs();
    if (srv->own_watch) watch_root(r);
    struct stat st;
    if (stat(r->path, &st) != 0 || !S_ISDIR(st.st_mode))
        lsp_show_message(LSP_MESSAGE_ERROR, "sigil: cannot open the workspace root %s: %s; no diagnostics until it exists",
                         r->path, stat(r->path, &st) != 0 ? strerror(errno) : "not a directory");
    return r;
}

static void root_free(LspRoot *r) {
    lsp_scheduler_root_free(r);
    free(r->path);
    free(r->uri);
    free(r->cache_dir);
    free(r);
}

void lsp_root_release(LspRoot *r) {
    if (r->removed && lsp_scheduler_root_idle(r)) root_free(r);
}

void lsp_root_remove(LspRoot *r) {
    uint32_t k = 0;
    while (k < srv->nroots && srv->roots[k] != r) k++;
    if (k == srv->nroots) return;
    memmove(&srv->roots[k], &srv->roots[k + 1], sizeof *srv->roots * (srv->nroots - k - 1));
    srv->nroots--;
    r->removed = true;
    sg_dirwatch_close(&r->dirs);
    reassign_docs();
    /* what it showed: cleared, unless another folder holds the file (its
     * next run says what to show) */
    for (uint32_t i = srv->npublished; i-- > 0;) {
        char *p = srv->published[i];
        LspRoot *now = lsp_root_of(p);
        if (lsp_in_root(r, p) && (!now || !lsp_in_root(now, p))) {
            char *path = sg_xstrdup(p);
            lsp_publish(path, path, NULL);
            free(path);
        }
    }
    lsp_log("workspace folder %s removed", r->path);
    if (srv->sink) lsp_root_release(r);     /* fuzzing: no timers, no jobs */
    else lsp_scheduler_root_stop(r);        /* its timers close; freed when its jobs are over */
    lsp_changed_at(NULL);
}

void lsp_roots_from_initialize(const cJSON *params) {
    const cJSON *folders = cJSON_GetObjectItemCaseSensitive(params, "workspaceFolders"), *f;
    cJSON_ArrayForEach(f, folders) {
        char *path = lsp_str_at(f, "uri", NULL) ? lsp_uri_to_path(lsp_str_at(f, "uri", NULL)) : NULL;
        if (path) lsp_root_add(lsp_str_at(f, "uri", NULL), path);
        free(path);
    }
    if (srv->nroots) {
        cJSON_ArrayForEach(f, folders) {
            const char *uri = lsp_str_at(f, "uri", NULL);
            char *path = uri ? lsp_uri_to_path(uri) : NULL;
            if (!path) lsp_show_message(LSP_MESSAGE_ERROR, "sigil: the workspace folder %s is not a file URI; it is not checked",
                                        uri ? uri : "(without a uri)");
            free(path);
        }
        return;
    }
    const char *root_uri = lsp_str_at(params, "rootUri", NULL);
    char *root = root_uri ? lsp_uri_to_path(root_uri) : NULL;
    bool bad_uri = root_uri && !root;
    if (!root && lsp_str_at(params, "rootPath", NULL)) root = sg_xstrdup(lsp_str_at(params, "rootPath", NULL));
    if (!root) {
        char cwd[PATH_MAX];
        root = sg_xstrdup(getcwd(cwd, sizeof cwd) ? cwd : ".");
        if (bad_uri)
            lsp_show_message(LSP_MESSAGE_ERROR, "sigil: the workspace root %s is not a file URI; checking %s (the current directory) instead",
                             root_uri, root);
    }
    lsp_root_add(bad_uri ? NULL : root_uri, root);
    free(root);
}

void lsp_on_workspace_folders(const cJSON *params) {
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(params, "event"), *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ev, "removed")) {
        const char *uri = lsp_str_at(f, "uri", NULL);
        char *path = uri ? lsp_uri_to_path(uri) : NULL;
        char real[PATH_MAX];
        const char *p = path && realpath(path, real) ? real : path;
        for (uint32_t i = 0; p && i < srv->nroots; i++)
            if (strcmp(srv->roots[i]->uri, uri) == 0 || strcmp(srv->roots[i]->path, p) == 0) {
                lsp_root_remove(srv->roots[i]);
                break;
            }
        free(path);
    }
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ev, "added")) {
        const char *uri = lsp_str_at(f, "uri", NULL);
        char *path = uri ? lsp_uri_to_path(uri) : NULL;
        if (path) {
            LspRoot *r = lsp_root_add(uri, path);
            lsp_log("workspace folder %s added", r->path);
            lsp_changed_at(NULL);
        }
        free(path);
    }
}

void lsp_roots_free(void) {
    for (uint32_t i = 0; i < srv->nroots; i++) root_free(srv->roots[i]);
    free(srv->roots);
    srv->roots = NULL;
    srv->nroots = 0;
}
