/* sigil.h - the one public header: version and the stable entry points.
 *
 * Internal headers live beside their sources (checker/, cache/, server/);
 * this header is what an embedder or the test runner may rely on. */
#ifndef SIGIL_H
#define SIGIL_H

#define SIGIL_VERSION "0.1.0"

/* The checker version that goes into every cache key: bump whenever a change
 * can alter any diagnostic or signature, so old cache entries are not used. */
#define SIGIL_CHECKER_VERSION "sigil-checker-4"

#endif
