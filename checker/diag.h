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

/* A range of the diagnostic's own module: byte offsets, then (once
 * located) lines and code-point columns. */
typedef struct SgDiagSpan {
    uint32_t start, end;            /* byte offsets */
    uint32_t line, col;             /* 1-based; col counts code points */
    uint32_t end_line, end_col;     /* end_col exclusive */
} SgDiagSpan;

/* Which part of an item of another module a related location is. */
typedef enum SgRelPart {
    SG_REL_PARAM,       /* parameter `index` of a function (its name and type) */
    SG_REL_FIELD,       /* field `field` of a struct (its name and type) */
} SgRelPart;

/* One more place a diagnostic points at, with a short label ("first
 * defined here"). In the diagnostic's own module it is a range (`module`
 * NULL): its offsets depend only on that module's source, like the
 * diagnostic's. In another module it is kept by name (module, item and
 * namespace, part), never as offsets: that module's layout is not part of
 * the usage record, so a cached result must not depend on it. It is found
 * in that module's text when reported (checker/related.h). */
typedef struct SgRelated {
    const char *label;
    SgDiagSpan at;                  /* module == NULL */
    const char *module;             /* another module's name */
    const char *item;               /* the item, in namespace `ns` (SgNs) */
    uint8_t ns, part;               /* part: SgRelPart */
    uint32_t index;                 /* SG_REL_PARAM */
    const char *field;              /* SG_REL_FIELD */
} SgRelated;

/* A suggested replacement of a range of the diagnostic's own module ("did
 * you mean `count`?"): what a quick fix applies. */
typedef struct SgFix {
    SgDiagSpan at;
    const char *text;
} SgFix;

typedef struct SgDiag {
    uint32_t start, end;            /* byte offsets */
    uint32_t line, col;             /* 1-based; col counts code points */
    uint32_t end_line, end_col;     /* end_col exclusive */
    const char *code;               /* "E201": static storage */
    const char *message;            /* owned by the diags' arena */
    SgRelated *related;             /* or NULL; in the diags' arena */
    SgFix *fix;                     /* or NULL; in the diags' arena */
} SgDiag;

#define SG_DIAG_MAX_PER_FILE 100

typedef struct SgDiags {
    SgDiag *items;
    uint32_t len, cap;
    SgArena *arena;                 /* where messages live */
    uint32_t kept;                  /* diagnostics stored, but for the E000/W000 one */
    uint32_t more_errors, more_warnings;    /* left out past the cap, in this process */
} SgDiags;

/* Adds a diagnostic; returns it (valid until the next one is added) to
 * attach a related location or a fix, or NULL when it was left out (past
 * SG_DIAG_MAX_PER_FILE). */
SgDiag *sg_diag(SgDiags *d, uint32_t start, uint32_t end, const char *code,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Attach to g (when not NULL): a related range of the same module; a
 * related location in another module (r's strings are copied); a fix. */
void sg_diag_related_here(SgDiags *d, SgDiag *g, uint32_t start, uint32_t end, const char *label);
void sg_diag_related_in(SgDiags *d, SgDiag *g, const SgRelated *r);
void sg_diag_fix(SgDiags *d, SgDiag *g, uint32_t start, uint32_t end, const char *text, size_t len);
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
