/* watch.h - `sigil --watch`: re-check on every change, redraw the terminal. */
#ifndef SG_WATCH_H
#define SG_WATCH_H

#include "../cache/engine.h"

/* Runs until `q` (or end of input, or SIGINT); returns the exit status. */
int sg_watch_main(const SgEngineOptions *opt, bool color);

#endif
