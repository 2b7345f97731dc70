/* embedded.h - files built into the binary by tools/embed.c at build time:
 * the standard library (std/NAME.sg) and the error index (docs/errors.md). */
#ifndef SG_EMBEDDED_H
#define SG_EMBEDDED_H

#include <stddef.h>

typedef struct SgEmbedded {
    const char *name;       /* the file's base name: "prelude.sg" */
    const char *text;       /* NUL-terminated */
    size_t len;
} SgEmbedded;

extern const SgEmbedded sg_embedded_std[];
extern const unsigned sg_embedded_std_count;
extern const SgEmbedded sg_embedded_docs[];     /* errors.md */
extern const unsigned sg_embedded_docs_count;

#endif
