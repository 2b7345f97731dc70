/* diag.h - diagnostics of one module.
 *
 * While a module is lexed, parsed and checked, diagnostics carry byte
 * offsets; sg_diags_locate turns them into lines and code-point columns
 * once, so that a cached result never needs the source again.
 *
 * Hostile input (issue 10): a file keeps at most SG_DIAG_MAX_PER_FILE
 * diagnostics; the others are counted, and one more diagnostic at the end
 * of the file (E000, or W000 when only warnings were left out) says how
 * many there were, so the count survives the cache and reaches the summary
 * and the exit status (sg_diag_hidden). Messages are cleaned as they are
 * made: control and bidirectional-override characters are escaped, echoed
 * source text between backquotes is shortened, and the whole is bounded. */
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

#define SG_DIAG_MAX_PER_FILE 100

typedef struct SgDiags {
    SgDiag *items;
    uint32_t len, cap;
    SgArena *arena;                 /* where messages live */
    uint32_t kept;                  /* diagnostics stored, but for the E000/W000 one */
    uint32_t more_errors, more_warnings;    /* left out past the cap, in this process */
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
/* Sorts by line, column, code (and gives E000/W000 its final count). */
void sg_diags_sort(SgDiags *d);
/* For the E000/W000 diagnostic that stands for those left out: how many
 * errors and warnings it stands for (false for any other). */
bool sg_diag_hidden(const SgDiag *d, uint32_t *errors, uint32_t *warnings);
/* If s[0..n) starts with a character that is escaped when shown (controls,
 * bidirectional overrides), writes its escape (`\u{1b}`) to out and returns
 * its length in bytes; else 0. */
size_t sg_escape_char(const char *s, size_t n, char out[16]);
/* Code-point column (1-based) of byte offset `off` on its line. */
void sg_offset_to_line_col(const char *src, uint32_t len, uint32_t off,
                           uint32_t *line, uint32_t *col);

#endif
