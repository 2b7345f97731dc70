/* report.h - printing a run's diagnostics (human, json, sarif, github). */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <stdio.h>

#include "../cache/engine.h"
#include "../checker/severity.h"

typedef enum SgFormat { FMT_HUMAN, FMT_JSON, FMT_SARIF, FMT_GITHUB } SgFormat;

typedef struct SgReportOptions {
    SgFormat format;
    bool color;
    bool stats;
    bool werror;            /* -W error: warnings fail the check (said in the summary) */
    bool watch;             /* --watch screen: diagnostics grouped by file, no summary line */
    const char *root_abs;
    const char *cwd_abs;    /* human and github paths are relative to it (NULL: to the root) */
    const char *only_rel;   /* a file argument: report only this file (relative to the root) */
    uint32_t max_lines;     /* watch mode: diagnostics beyond this many lines are not printed */
    const SgSeverityConfig *levels;     /* sigil.json's "diagnostics" (NULL: the defaults) */
} SgReportOptions;

typedef struct SgReportCounts {
    uint32_t errors, warnings;
    uint32_t hidden;        /* watch mode: diagnostics left out for lack of lines */
} SgReportCounts;

SgReportCounts sg_report(const SgEngineRun *run, const SgReportOptions *opt, FILE *out);
/* The summary line, without its newline: "checked 6 modules (4 from cache) in
 * 3.2 ms: 1 error, 0 warnings" (watch mode: "6 modules, 1 error, ..."). */
void sg_report_summary(const SgEngineRun *run, const SgReportOptions *opt, SgReportCounts c, FILE *out);
/* Is `rel` (relative to the root) a file of the run, module or not? */
bool sg_report_has_file(const SgEngineRun *run, const char *rel);
/* `path` (absolute) as seen from `from` (absolute): "a/b.sg", "../x/b.sg". Malloc'd. */
char *sg_report_relpath(const char *path, const char *from);

#endif
