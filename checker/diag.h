/* diag.h - diagnostics of one module.
 *
 * While a module is lexed, parsed and checked, diagnostics carry byte
 * offsets; sg_diags_locate turns them into lines and code-point columns
 * once, so that a cached result never needs the source again. */
#ifndef SG_DIAG_H
#define SG_DIAG_H

#include "base.h"

typedef enum SgSeverity { SG_ERROR, SG_WARNING } SgSeverity;

typedef struct SgDiag {
    uint32_t start, end;            /* byte offsets */
    uint32_t line, col;             /* 1-based; col counts code points */
    uint32_t end_line, end_col;     /* end_col exclusive */
    const char *code;               /* "E201": static storage */
    const char *message;            /* owned by the diags' arena */
} SgDiag;

typedef struct SgDiags {
    SgDiag *items;
    uint32_t len, cap;
    SgArena *arena;                 /* where messages live */
} SgDiags;

void sg_diag(SgDiags *d, uint32_t start, uint32_t end, const char *code,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sg_diags_free(SgDiags *d);
static inline SgSeverity sg_diag_severity(const SgDiag *d) {
    return d->code[0] == 'W' ? SG_WARNING : SG_ERROR;
}
/* The static copy of `code` (len bytes) if it is one of the codes sigil
 * reports (docs/errors.md explains each), else NULL. */
const char *sg_diag_code_known(const char *code, size_t len);
/* Fills line/col fields from the source text. */
void sg_diags_locate(SgDiags *d, const char *src, uint32_t len);
/* Sorts by line, column, code. */
void sg_diags_sort(SgDiags *d);
/* Code-point column (1-based) of byte offset `off` on its line. */
void sg_offset_to_line_col(const char *src, uint32_t len, uint32_t off,
                           uint32_t *line, uint32_t *col);

#endif
