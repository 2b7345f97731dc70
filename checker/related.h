/* related.h - finding a related location of another module (SgRelated,
 * diag.h) in that module's text, when a diagnostic is reported or
 * published.
 *
 * A cached result keeps such a location by name, because the other
 * module's layout is not part of its usage record: an edit that only moves
 * lines there leaves the result valid. So the place is looked up each time
 * in the module's text as it is then, as the module's own item table would
 * find it: the first item of that name in its namespace. */
#ifndef SG_RELATED_H
#define SG_RELATED_H

#include "diag.h"

/* Where r (module != NULL) is in src, the text of r->module: a byte range,
 * and its lines and code-point columns. False when the text has no such
 * item or part (the file changed since the check). */
bool sg_related_find(const char *src, uint32_t len, const SgRelated *r, SgDiagSpan *out);

#endif
