/* engine.h - one check of a workspace: scan, parse, link, resolve, check.
 *
 * The engine owns an SgProgram for the duration of a run. Phases:
 *   1. scan: workspace files and the standard library (workspace.c);
 *   2. index: stat every file; trust the file index (size, mtime, inode,
 *      racy-mtime rule) or read and hash; parse what changed (parallel);
 *   3. link: imports by path, import cycles (Tarjan SCC);
 *   4. keys, in import order: check key = checker version, module name,
 *      source hash, and per import its status and export hash. A key found
 *      in the cache reuses diagnostics and export hash; otherwise the
 *      module is parsed, resolved against its imports' tables (decoded from
 *      the cache on demand) and its export hash computed;
 *   5. check: the bodies of the modules that missed, in parallel;
 *   6. store: results and file index in one transaction. */
#ifndef SG_ENGINE_H
#define SG_ENGINE_H

#include "../checker/module.h"
#include "../checker/workspace.h"

/* Text that replaces a file's contents on disk (an editor's open buffer). */
typedef struct SgOverlay {
    const char *path;           /* absolute, as realpath gives it */
    const char *text;
    size_t len;
} SgOverlay;

typedef struct SgEngineOptions {
    const char *root;
    const char *std_dir;        /* NULL: the built-in standard library */
    int jobs;
    const char *cache_dir;      /* NULL: no on-disk cache (--no-cache) */
    int64_t cache_keep;         /* results kept beyond those in use (LRU cap) */
    const SgOverlay *overlays;  /* open editor buffers: they win over the disk */
    uint32_t noverlays;
    bool overlay_facts;         /* check the overlays' modules and record SgFacts for them */
    bool all_facts;             /* ... and every workspace module (for a rename) */
    /* Called on the engine's thread after each chunk's checks with the
     * modules checked in it, whose diagnostics are final (but for the E107
     * of a duplicate file): a server can publish before the run is over. */
    void (*checked)(SgModule *const *mods, uint32_t n, void *ctx);
    void *checked_ctx;
} SgEngineOptions;

/* A file that is not a module (E100) or lost a duplicate-name contest
 * (E107): reported, not checked. */
typedef struct SgStrayFile {
    char *rel;
    char *path;
    SgDiags diags;
    SgArena arena;
} SgStrayFile;

typedef struct SgEngineRun {
    SgWorkspace ws, std;
    SgProgram prog;
    SgStrayFile *strays;
    uint32_t nstrays;
    uint32_t nworkspace;        /* workspace modules in prog */
    uint32_t nreused;           /* workspace modules whose result came from the cache */
    uint64_t lines;             /* source lines of the workspace modules read this run */
    double elapsed_ms;
    char *root_abs;
    SgMap by_path;              /* abs_path -> module, for the modules that have one */
    /* Records replaced by sg_engine_swap that other modules' tables still
     * point into (they hold the same signature); freed with the run. */
    SgModule **zombies;
    uint32_t nzombies;
    size_t zombie_bytes;
    bool sig_changed;           /* a swap changed an export hash: dependents are stale */
} SgEngineRun;

/* The standard library built into the binary: `path` is the file's name
 * ("prelude.sg"), `text` its contents. A run whose std_dir is NULL uses
 * these (its std modules then have no abs_path). Set once, before any run;
 * the array must outlive every run. */
void sg_engine_set_builtin_std(const SgOverlay *files, uint32_t n);

/* Returns false with *err set (malloc'd) when the workspace cannot be read. */
bool sg_engine_run(const SgEngineOptions *opt, SgEngineRun *run, char **err);
void sg_engine_free(SgEngineRun *run);
/* The module of the run whose file is `abs_path`, or NULL. */
SgModule *sg_engine_module_at(const SgEngineRun *run, const char *abs_path);
/* Frees a module's tables, arenas, buffers and the module itself (not its
 * name, path and rel, which belong to the workspace file list). */
void sg_module_free(SgModule *m);

/* ---- the language server's fast path (update.c) ----
 *
 * A module's diagnostics depend only on its source and on the signatures of
 * what it imports (that is what its check key covers). So when an editor
 * changes an open module without changing its import list, the module can
 * be re-checked against the last run's modules alone, and put in place of
 * its old record. If its export hash and private-name hash are also
 * unchanged, no other module's key changes: every other result of the run
 * stays valid. Otherwise the dependents need a whole run. */
typedef enum SgUpdateKind {
    SG_UPDATE_FULL,     /* not possible here (see why): run the whole engine */
    SG_UPDATE_NONE,     /* not a module of the run (outside the workspace, or not a module) */
    SG_UPDATE_SAME,     /* the same source as in the run: nothing to do */
    SG_UPDATE_BODY,     /* re-checked; export and private-name hashes unchanged */
    SG_UPDATE_SIG,      /* re-checked; its signature changed: dependents are stale */
} SgUpdateKind;

typedef struct SgUpdate {
    SgUpdateKind kind;
    SgModule *m;        /* BODY, SIG: the new record, for sg_engine_swap */
    const char *why;    /* FULL: a static explanation */
} SgUpdate;

/* Re-checks the module of overlay `o` (with facts) against `run`. Reads
 * `run` and writes nothing it can reach, so it may run on a worker thread
 * while another thread reads `run`, but not while `run` is modified. */
SgUpdate sg_engine_update(const SgEngineRun *run, const SgOverlay *o);
/* Puts u->m in place of its old record in `run` (the old one is freed, or
 * kept as a zombie while other modules point into it). Returns false when
 * the run now needs a whole run to be right for every module: a changed
 * signature, or too many zombies. */
bool sg_engine_swap(SgEngineRun *run, SgUpdate *u);
/* Runs fn(i, ctx) for i in [0, n) on `jobs` threads. */
void sg_parallel_for(int jobs, uint32_t n, void (*fn)(uint32_t i, void *ctx), void *ctx);

#endif
