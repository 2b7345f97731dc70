/* workspace.h - finding a workspace's source files and their module names
 * (LANGUAGE.md section 1). */
#ifndef SG_WORKSPACE_H
#define SG_WORKSPACE_H

#include "base.h"

typedef struct SgSourceFile {
    char *path;         /* openable path */
    char *rel;          /* relative to the root, '/'-separated */
    char *module;       /* module name, or NULL when the path forms none (E100) */
    const char *why;    /* reason the path forms no module name */
    /* The file as the scan found it (the parallel walk stats what it
     * lists); stat_ok false: not known, ask the file system. */
    bool stat_ok;
    int64_t size, mtime_ns, ctime_ns, ino;
} SgSourceFile;

typedef struct SgWorkspace {
    char *root;             /* as given, without trailing '/' */
    SgSourceFile *files;    /* sorted by rel */
    uint32_t nfiles;
    /* What the scan did not follow or could not read, and why (a link out of
     * the root or to a directory already scanned, an unreadable directory):
     * for the user, one line each, without "sigil: warning: ". */
    char **warnings;
    uint32_t nwarnings;
    char *searched;         /* where .sg files were looked for, for "no .sg files in ..." */
} SgWorkspace;

/* Scans the workspace at root. On failure (no root, an unreadable or
 * invalid sigil.json: an unknown field, a source directory that is absolute,
 * leaves the root or does not exist) returns false with a message naming
 * the file and the key in *err (malloc'd). */
bool sg_workspace_scan(const char *root, SgWorkspace *ws, char **err);
/* The same, and the files of `extra` (paths relative to the root) that are
 * not on disk but would be taken if they were: editor buffers not saved
 * yet (in a source directory, not excluded, not hidden, named `*.sg`). */
bool sg_workspace_scan_extra(const char *root, const char *const *extra, uint32_t nextra, SgWorkspace *ws, char **err);
/* Work that needs no scan, for one of the scan's threads: the engine loads
 * its cache while the directories are read. It runs exactly once, on some
 * thread, before the scan returns, whatever the scan returns. */
typedef struct SgScanSide {
    void (*run)(void *arg);
    void *arg;
} SgScanSide;
/* The same, with up to `jobs` threads reading directories (the result is
 * the same as with one), one of which also runs `side` (may be NULL)
 * first: while the first directory is read, there is nothing else for it
 * to do. */
bool sg_workspace_scan_jobs(const char *root, const char *const *extra, uint32_t nextra, int jobs,
                            const SgScanSide *side, SgWorkspace *ws, char **err);
/* The standard library's files as modules std.NAME. */
bool sg_workspace_scan_std(const char *dir, SgWorkspace *ws, char **err);
void sg_workspace_free(SgWorkspace *ws);

/* Glob match of a '/'-separated path: `*` and `?` within a segment, `**`
 * across segments. */
bool sg_glob_match(const char *pat, const char *path);
/* Is `name` (len n) a valid module path segment? */
bool sg_valid_segment(const char *name, size_t n);

#endif
