/* engine.h - one check of a workspace: scan, parse, link, resolve, check.
 *
 * The engine owns an SgProgram for the duration of a run. Phases:
 *   1. scan: workspace files and the standard library (workspace.c);
 *   2. index: stat every file; trust the file index (size, mtime, ctime,
 *      inode, racy-mtime rule) or read and hash; parse what changed;
 *   3. link: imports by path, import cycles (Tarjan SCC);
 *   4. keys and lookups, in import order (below); a module whose result
 *      cannot be reused is parsed, resolved against its imports' tables
 *      (decoded from the cache on demand) and fingerprinted;
 *   5. check: the bodies of the modules that missed, in parallel;
 *   6. store: results and file index in one transaction (a --check that
 *      checks many modules has stored their results already, in a
 *      transaction of its writer's: writer.c, write_behind).
 *
 * Invariants (LANGUAGE.md section 7):
 *   - source key = H(checker version, the prelude's export hash (every
 *     module reads its names unqualified), module name, source hash,
 *     import paths and their statuses). Results are stored
 *     under their id = H(source key, usage record); one source key may have
 *     several.
 *   - A stored result is reused exactly when its source key is the
 *     module's and its usage record holds: for each resolved import, the
 *     import's export hash is the one recorded (shortcut), or every name
 *     the module looked up there has the state recorded. Otherwise the
 *     module is checked. Nothing else decides: no timestamps, no run
 *     history.
 *   - fast key = H(source key, the export hashes of the resolved imports).
 *     The file index keeps each module's last result with its fast key; an
 *     equal fast key is the shortcut for every import at once.
 *   - A module's fingerprint table and export hash are those of the result
 *     it got: computed when checked, decoded from the result when reused.
 *     Both are known before any module that imports it is looked up (import
 *     order; imports in a cycle have failed and are not looked into).
 *   - Results are written only for modules read from disk whose content
 *     was not seen to change during the run; overlays (editor buffers) never
 *     enter the file index. */
#ifndef SG_ENGINE_H
#define SG_ENGINE_H

#include "../checker/module.h"
#include "../checker/workspace.h"
#include "fingerprint.h"
#include "hash.h"
#include "remote.h"

struct SgFileRow;

/* What the engine keeps of a module beside the checker's view (SgModule.st):
 * its file's identity, hashes and cached result. Written by the engine on
 * the thread that runs the key phase, and by the check of the module itself
 * (its result, on a worker thread); read-only afterwards. */
struct SgModuleState {
    char *abs_path;             /* the file index key and editors' identity (NULL: no file) */
    SgName abs_name;            /* abs_path as a map key, hashed once */
    const SgSourceFile *file;   /* what the scan found (the run's workspace owns it) */
    const char *dup_rel;        /* another file forms the same module (E107 on both) */
    int64_t size, mtime_ns, ctime_ns, ino, indexed_at_ns;
    bool stat_ok, read_this_run;
    bool want_parse;            /* read and changed: parsed ahead of the key phase, in parallel */
    bool uncacheable;           /* unreadable, or changed during the run: never stored */
    bool overlay;               /* source from an editor buffer: never recorded in the file index */
    struct SgFileRow *row;      /* the file index entry, if any */
    SgHash source_hash, source_key, fast_key, export_hash;
    bool reused;                /* the result came from the cache */
    bool from_remote;           /* ... from the remote cache (its signature is in sig_blob) */
    bool checked;               /* bodies checked in this run */
    bool sig_bad;               /* the cached signature could not be decoded */
    bool resolving;             /* being resolved from source (guards the prelude's own imports) */
    bool have_fp;
    SgFpTable fp;               /* in the module's sig arena */
    SgHash result_id;
    SgBuf result;               /* the encoded result: this run's, or the cached one */
    SgBuf sig_blob;             /* checked: the encoded signature, until stored */
    SgBuf xref;                 /* checked: the cross-reference entry (xref.h), stored beside the
                                 * result; kept in the run with SgEngineOptions.xrefs */
    bool reachable;             /* sg_engine_collect's mark (false between collections) */
};

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
    /* Decode every module's fingerprint table before returning: a language
     * server's fast path reads them from worker threads, which must not
     * write to the run. */
    bool fp_tables;
    /* Keep each checked module's cross-reference entry in the run after
     * the store (SgModuleState.xref): the language server's index takes
     * them from there. */
    bool xrefs;
    /* Modules whose stored result must not be reused (the language server:
     * results without a cross-reference entry, which checking again makes). */
    bool (*must_check)(const SgModule *m, void *ctx);
    void *must_check_ctx;
    /* Called on the engine's thread after each chunk's checks with the
     * modules checked in it, whose diagnostics are final (but for the E107
     * of a duplicate file): a server can publish before the run is over. */
    void (*checked)(SgModule *const *mods, uint32_t n, void *ctx);
    void *checked_ctx;
    /* A run that checks many modules stores their results on a thread of
     * its own while it checks (cache/writer.c), which a process that exits
     * after the run gains by (the CLI's cold check). Off in the processes
     * that stay: the thread's memory stays with them (8 MiB after a
     * language server's cold start on 10,000 modules), for no time saved
     * where the run shares its cores with publishing. */
    bool write_behind;
    /* The second level (cache/remote.h), owned by the caller; used only
     * with the on-disk cache: looked up in one batch for the modules the
     * file index has no result for, written after the checks if writable. */
    SgRemote *remote;
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
    double elapsed_ms;
    char *root_abs;
    SgMap by_path;              /* abs_path -> module, for the modules that have one */
    /* Records replaced by sg_engine_swap that other modules' tables still
     * point into (they hold the same signature); freed with the run. */
    SgModule **zombies;
    uint32_t nzombies;
    size_t zombie_bytes;
    /* the remote cache in this run: hits and misses count modules (served
     * from it, or looked up and not), the rest is the layer's statistics */
    bool remote_used;
    SgRemoteStats remote;
} SgEngineRun;

/* The standard library built into the binary: `path` is the file's name
 * ("prelude.sg"), `text` its contents. A run whose std_dir is NULL uses
 * these (its std modules then have no abs_path). Set once, before any run;
 * the array must outlive every run. */
void sg_engine_set_builtin_std(const SgOverlay *files, uint32_t n);

/* Is the file at `path` still the one a run indexed: the same size, mtime,
 * ctime and inode, changed long enough before it was indexed (the file
 * index's trust rule, docs/architecture.md)? Then its content is the one
 * the run hashed, without reading it. */
bool sg_file_unchanged(const char *path, int64_t size, int64_t mtime_ns, int64_t ctime_ns, int64_t ino,
                       int64_t indexed_at_ns);

/* Returns false with *err set (malloc'd) when the workspace cannot be read. */
bool sg_engine_run(const SgEngineOptions *opt, SgEngineRun *run, char **err);
void sg_engine_free(SgEngineRun *run);
/* The module of the run whose file is `abs_path`, or NULL. */
SgModule *sg_engine_module_at(const SgEngineRun *run, const char *abs_path);
/* A module with its engine state (zeroed), for file `f` of the workspace or
 * of the standard library (whose list owns the name and paths). */
SgModule *sg_module_new(const SgSourceFile *f, bool is_std, const char *base_abs);
/* Frees a module's tables, arenas, buffers and the module itself (not its
 * name, path and rel, which belong to the workspace file list). */
void sg_module_free(SgModule *m);

/* A result as the cache stores it, copied out of a module so that it can be
 * written later on another thread (the language server's store-behind). */
typedef struct SgStoredResult {
    SgHash id, source_key;
    SgBuf result, sig, xref;
} SgStoredResult;
/* False when m has nothing to store (not checked, or uncacheable). */
bool sg_engine_result_copy(const SgModule *m, SgStoredResult *out);
/* Writes results into the cache at cache_dir, in one transaction. */
void sg_engine_store_results(const char *cache_dir, const SgStoredResult *rs, uint32_t n);
void sg_stored_result_free(SgStoredResult *r);

/* ---- the language server's incremental path (update.c) ----
 *
 * A module's diagnostics depend only on its source and on the states of the
 * names it used in its imports. So when an editor changes an open module
 * without changing its import list, the module can be re-checked against
 * the last run's records alone, and put in place of its old record. If its
 * signature changed (its export hash), the importers whose usage record of
 * it no longer holds are stale and are re-checked the same way, imports
 * before importers; the other results of the run stay valid. The run needs
 * its fingerprint tables decoded (SgEngineOptions.fp_tables). */
typedef enum SgUpdateKind {
    SG_UPDATE_FULL,     /* not possible here (see why): run the whole engine */
    SG_UPDATE_NONE,     /* not a module of the run (outside the workspace, or not a module) */
    SG_UPDATE_SAME,     /* the same source as in the run: nothing to do */
    SG_UPDATE_BODY,     /* re-checked; export hash unchanged */
    SG_UPDATE_SIG,      /* re-checked; its signature changed: see sg_engine_stale_importers */
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
/* Re-checks the module at abs_path because an import changed, even if its
 * source did not: from the open buffer `o` (with facts), or with o == NULL
 * from its file, which must still hold what the run read. Same threads. */
SgUpdate sg_engine_recheck(const SgEngineRun *run, const char *abs_path, const SgOverlay *o);
/* Puts u->m in place of its old record in `run`; the old one is kept (a
 * zombie) until sg_engine_collect. The thread that owns the run, with no
 * update running; records made by updates against the run before this
 * swap may still be swapped in after it. */
bool sg_engine_swap(SgEngineRun *run, SgUpdate *u);
/* Frees the old records nothing reaches any more (through the current
 * records' imports and facts, and the kept records'). Returns false when
 * the run keeps so many that it should be replaced by a whole run. Call
 * after a batch of swaps, when no record of an update is pending. */
bool sg_engine_collect(SgEngineRun *run);
/* After m was swapped in with a new signature: the files of the modules
 * whose usage record of m no longer holds (malloc'd paths). */
uint32_t sg_engine_stale_importers(const SgEngineRun *run, const SgModule *m, char ***paths);
/* Runs fn(i, ctx) for i in [0, n) on `jobs` threads. */
void sg_parallel_for(int jobs, uint32_t n, void (*fn)(uint32_t i, void *ctx), void *ctx);

#endif
