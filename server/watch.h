/* watch.h - `sigil --watch`: re-check on every change, redraw the terminal. */
#ifndef SG_WATCH_H
#define SG_WATCH_H

#include "report.h"

/* Runs until `q` (or end of input, or SIGINT); returns the exit status. */
/* `ro` says the format (human or json), colour, -W error and paths. */
int sg_watch_main(const SgEngineOptions *opt, const SgReportOptions *ro);

#endif
