/* dirwatch.h - watching a workspace's directories with libuv file-system
 * events (inotify watches one directory at a time, so every directory gets
 * a watcher, and a directory created later gets one when it appears).
 * Used by the language server (when the client does not watch for it) and
 * by `--watch`. Loop thread only. */
#ifndef SG_DIRWATCH_H
#define SG_DIRWATCH_H

#include <uv.h>

#include "../checker/base.h"

struct SgDirWatcher;

typedef struct SgDirWatch {
    uv_loop_t *loop;
    struct SgDirWatcher **w;
    uint32_t n;
    void (*changed)(void *ctx);     /* a source file, sigil.json or a directory changed */
    void *ctx;
} SgDirWatch;

/* Watches dir and every directory below it (not hidden, not node_modules);
 * returns how many watchers were added. */
uint32_t sg_dirwatch_tree(SgDirWatch *dw, const char *dir);
/* Closes the watchers (the loop must run once more to finish closing). */
void sg_dirwatch_close(SgDirWatch *dw);

#endif
