/* dirwatch.c - see dirwatch.h. */
#include "dirwatch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static uint32_t watch_tree(SgDirWatch *dw, const char *dir, int depth);

static void on_fs(uv_fs_event_t *h, const char *name, int events, int status) {
    (void)events;
    SgDirWatch *dw = h->data;
    if (status < 0 || (name && name[0] == '.')) return;    /* the cache, editor swap files */
    size_t n = name ? strlen(name) : 0;
    bool relevant = !name || (n > 3 && strcmp(name + n - 3, ".sg") == 0) || strcmp(name, "sigil.json") == 0;
    if (name && !strchr(name, '.')) {
        /* perhaps a new directory: watch it, and what is already in it */
        char dir[PATH_MAX];
        size_t dn = sizeof dir;
        if (uv_fs_event_getpath(h, dir, &dn) == 0 && dn + n + 2 < sizeof dir) {
            dir[dn] = 0;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", dir, name);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && watch_tree(dw, p, 1)) relevant = true;
            else if (stat(p, &st) != 0) relevant = true;    /* something without a dot went away */
        }
    }
    if (relevant) dw->changed(dw->ctx);
}

static bool watched(SgDirWatch *dw, const char *dir) {
    for (uint32_t i = 0; i < dw->n; i++) {
        char buf[PATH_MAX];
        size_t n = sizeof buf;
        if (uv_fs_event_getpath(dw->w[i], buf, &n) == 0 && n < sizeof buf) {
            buf[n] = 0;
            if (strcmp(buf, dir) == 0) return true;
        }
    }
    return false;
}

static uint32_t watch_tree(SgDirWatch *dw, const char *dir, int depth) {
    uint32_t before = dw->n;
    if (!watched(dw, dir)) {
        uv_fs_event_t *h = sg_xmalloc(sizeof *h);
        if (uv_fs_event_init(dw->loop, h) == 0 && uv_fs_event_start(h, on_fs, dir, 0) == 0) {
            h->data = dw;
            dw->w = sg_xrealloc(dw->w, sizeof *dw->w * (dw->n + 1));
            dw->w[dw->n++] = h;
        } else {
            free(h);
        }
    }
    if (depth > 32) return dw->n - before;
    uv_fs_t req;
    if (uv_fs_scandir(NULL, &req, dir, 0, NULL) >= 0) {
        uv_dirent_t ent;
        while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
            if (ent.type != UV_DIRENT_DIR || ent.name[0] == '.' || strcmp(ent.name, "node_modules") == 0) continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", dir, ent.name);
            watch_tree(dw, p, depth + 1);
        }
    }
    uv_fs_req_cleanup(&req);
    return dw->n - before;
}

uint32_t sg_dirwatch_tree(SgDirWatch *dw, const char *dir) { return watch_tree(dw, dir, 0); }

static void close_free(uv_handle_t *h) { free(h); }

void sg_dirwatch_close(SgDirWatch *dw) {
    for (uint32_t i = 0; i < dw->n; i++)
        if (!uv_is_closing((uv_handle_t *)dw->w[i])) uv_close((uv_handle_t *)dw->w[i], close_free);
    free(dw->w);
    dw->w = NULL;
    dw->n = 0;
}
