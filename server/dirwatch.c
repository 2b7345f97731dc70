/* dirwatch.c - see dirwatch.h.
 *
 * Each watcher remembers its directory's path and identity (device and
 * inode): a directory deleted (or renamed away) loses its watchers, and one
 * created again under the same path is a new directory that gets new ones.
 * Any entry that is a directory is watched when it appears, whatever its
 * name (`my.dir/`, `foo.sg/`), except hidden ones and node_modules, which
 * the workspace scan skips too. */
#include "dirwatch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct SgDirWatcher {
    uv_fs_event_t h;    /* first: the handle is the watcher */
    SgDirWatch *dw;
    char *path;
    dev_t dev;
    ino_t ino;
};

static uint32_t watch_tree(SgDirWatch *dw, const char *dir, int depth);

static void close_free(uv_handle_t *h) {
    struct SgDirWatcher *w = (struct SgDirWatcher *)h;
    free(w->path);
    free(w);
}

static void drop(SgDirWatch *dw, uint32_t i) {
    uv_close((uv_handle_t *)&dw->w[i]->h, close_free);
    dw->w[i] = dw->w[--dw->n];
}

/* Drops the watchers of `dir` and of everything below it (it went away);
 * returns how many. */
static uint32_t drop_tree(SgDirWatch *dw, const char *dir) {
    size_t n = strlen(dir);
    uint32_t dropped = 0;
    for (uint32_t i = dw->n; i-- > 0;) {
        const char *p = dw->w[i]->path;
        if (strncmp(p, dir, n) == 0 && (p[n] == 0 || p[n] == '/')) {
            drop(dw, i);
            dropped++;
        }
    }
    return dropped;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void on_fs(uv_fs_event_t *h, const char *name, int events, int status) {
    (void)events;
    struct SgDirWatcher *w = (struct SgDirWatcher *)h;
    SgDirWatch *dw = w->dw;
    if (status < 0 || (name && name[0] == '.')) return;    /* the cache, editor swap files */
    if (!name) {
        dw->changed(dw->ctx);
        return;
    }
    bool relevant = ends_with(name, ".sg") || strcmp(name, "sigil.json") == 0;
    char p[PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/%s", w->path, name);
    struct stat st;
    if (stat(p, &st) == 0) {
        /* a new directory: watch it, and what is already in it */
        if (S_ISDIR(st.st_mode) && strcmp(name, "node_modules") != 0 && watch_tree(dw, p, 1)) relevant = true;
    } else if (drop_tree(dw, p)) {
        relevant = true;    /* a watched directory went away */
    }
    if (relevant) dw->changed(dw->ctx);
}

/* Is `dir` (which is `st`) watched? A watcher of the same path on another
 * directory (deleted and created again) is stale: dropped. */
static bool watched(SgDirWatch *dw, const char *dir, const struct stat *st) {
    for (uint32_t i = 0; i < dw->n; i++) {
        struct SgDirWatcher *w = dw->w[i];
        if (strcmp(w->path, dir) != 0) continue;
        if (w->dev == st->st_dev && w->ino == st->st_ino) return true;
        drop_tree(dw, dir);
        return false;
    }
    return false;
}

static uint32_t watch_tree(SgDirWatch *dw, const char *dir, int depth) {
    uint32_t added = 0;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    if (!watched(dw, dir, &st)) {
        struct SgDirWatcher *w = sg_xcalloc(1, sizeof *w);
        if (uv_fs_event_init(dw->loop, &w->h) != 0) {
            free(w);
        } else if (uv_fs_event_start(&w->h, on_fs, dir, 0) != 0) {
            uv_close((uv_handle_t *)&w->h, close_free);     /* e.g. out of inotify watches */
        } else {
            w->dw = dw;
            w->path = sg_xstrdup(dir);
            w->dev = st.st_dev;
            w->ino = st.st_ino;
            dw->w = sg_xrealloc(dw->w, sizeof *dw->w * (dw->n + 1));
            dw->w[dw->n++] = w;
            added++;
        }
    }
    if (depth > 32) return added;
    uv_fs_t req;
    if (uv_fs_scandir(NULL, &req, dir, 0, NULL) >= 0) {
        uv_dirent_t ent;
        while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
            if (ent.type != UV_DIRENT_DIR || ent.name[0] == '.' || strcmp(ent.name, "node_modules") == 0) continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", dir, ent.name);
            added += watch_tree(dw, p, depth + 1);
        }
    }
    uv_fs_req_cleanup(&req);
    return added;
}

uint32_t sg_dirwatch_tree(SgDirWatch *dw, const char *dir) { return watch_tree(dw, dir, 0); }

void sg_dirwatch_close(SgDirWatch *dw) {
    for (uint32_t i = 0; i < dw->n; i++)
        if (!uv_is_closing((uv_handle_t *)&dw->w[i]->h)) uv_close((uv_handle_t *)&dw->w[i]->h, close_free);
    free(dw->w);
    dw->w = NULL;
    dw->n = 0;
}
