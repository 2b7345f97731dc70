/* engine.h - one check of a workspace: scan, parse, link, resolve, check.
 *
 * The engine owns an SgProgram for the duration of a run. Phases:
 *   1. scan: workspace files and the standard library (workspace.c);
 *   2. parse: every module, in parallel (one tree arena per module);
 *   3. link: module table, imports, import cycles (Tarjan SCC);
 *   4. resolve: item tables and declared types, in import order;
 *   5. check: bodies, in parallel; diagnostics located and sorted. */
#ifndef SG_ENGINE_H
#define SG_ENGINE_H

#include "../checker/module.h"
#include "../checker/workspace.h"

typedef struct SgEngineOptions {
    const char *root;
    const char *std_dir;
    int jobs;
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
    uint64_t lines;             /* source lines of workspace modules */
    double elapsed_ms;
} SgEngineRun;

/* Returns false with *err set (malloc'd) when the workspace cannot be read. */
bool sg_engine_run(const SgEngineOptions *opt, SgEngineRun *run, char **err);
void sg_engine_free(SgEngineRun *run);

/* Runs fn(i, ctx) for i in [0, n) on `jobs` threads. */
void sg_parallel_for(int jobs, uint32_t n, void (*fn)(uint32_t i, void *ctx), void *ctx);

#endif
