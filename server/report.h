/* report.h - printing a run's diagnostics (human and JSON formats). */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include "../cache/engine.h"

typedef enum SgFormat { FMT_HUMAN, FMT_JSON, FMT_SARIF, FMT_GITHUB } SgFormat;

typedef struct SgReportOptions {
    SgFormat format;
    bool color;
    bool stats;
    bool watch;             /* --watch screen: summary first, diagnostics grouped by file */
    const char *root_abs;
} SgReportOptions;

typedef struct SgReportCounts {
    uint32_t errors, warnings;
} SgReportCounts;

SgReportCounts sg_report(const SgEngineRun *run, const SgReportOptions *opt, FILE *out);

#endif
