/* suppress.h - inline suppressions: `// sigil: ignore[E201, W002]`.
 *
 * A suppression comment that follows code on its line applies to that
 * line; one alone on its line applies to the next line. It removes the
 * diagnostics of the listed codes that start on that line. Like
 * `@ts-expect-error`, a suppression that removes nothing is itself a
 * warning (W005), and so is one naming an unknown code or not of this
 * form (W004).
 *
 * A module's suppressions depend only on its own source, so they are
 * applied right after its check and the cached result already holds them
 * (sg_eng_finish in cache/engine.c). */
#ifndef SG_SUPPRESS_H
#define SG_SUPPRESS_H

#include "diag.h"

/* Applies the suppressions of `src` to `d`, whose diagnostics must be
 * located (lines known); W004/W005 are added located. */
void sg_suppress_apply(SgDiags *d, const char *src, uint32_t len);

#endif
