/* explain.h - the error index (docs/errors.md, built into the binary):
 * `sigil --explain CODE` and the rules of the SARIF report. */
#ifndef SG_EXPLAIN_H
#define SG_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct SgExplain {
    const char *section;    /* "## E201: type mismatch\n..." up to the next code's heading */
    size_t section_len;
    const char *title;      /* "type mismatch" (the heading after "CODE: ") */
    size_t title_len;
    const char *summary;    /* the first paragraph after the heading */
    size_t summary_len;
    char anchor[96];        /* the heading's anchor as GitHub renders it: "e201-type-mismatch" */
} SgExplain;

/* Finds `code`'s section (upper-case code, e.g. "E201"); false if none. */
bool sg_explain(const char *code, SgExplain *out);

/* The URI of the error index to which `#anchor` is appended: the build's
 * DOCS_URL if set, else docs/errors.md found on disk relative to the binary
 * (installed under share/doc/sigil/, or in the source tree), as a file URI;
 * NULL when neither exists. Static storage. */
const char *sg_explain_index_uri(void);

#endif
