/* helpers.h - lexing, parsing and checking from the unit tests, with the
 * results rendered as short strings so that assertions read like the
 * behaviour they pin down. Everything returned lives until the test ends. */
#ifndef SG_UNIT_HELPERS_H
#define SG_UNIT_HELPERS_H

#include "test.h"

#include "../../cache/engine.h"
#include "../../checker/ast.h"
#include "../../checker/diag.h"
#include "../../checker/lex.h"

/* ---- lexer ---- */
typedef struct Lexed {
    SgArena arena;          /* tokens and diagnostic messages */
    SgDiags diags;
    SgTokens toks;
    char *src;              /* copy, NUL-terminated */
    uint32_t len;
} Lexed;

Lexed *lex_bytes(const char *src, size_t n);
Lexed *lex_src(const char *src);
/* Token kinds, space-separated: `IDENT`, `INT`, `FLOAT`, `STRING`, `NL` (a
 * statement end), `EOF`, keywords and punctuation as written (`let`, `(`). */
const char *tok_kinds(const Lexed *lx);
const char *kind_str(int kind);
/* Text of token i. */
const char *tok_text(const Lexed *lx, uint32_t i);

/* ---- diagnostics ---- */
/* Codes in the order reported, space-separated ("" when none). */
const char *diag_codes(const SgDiags *d);
/* Codes with their start offsets: "E001@3 E002@10". */
const char *diag_codes_at(const SgDiags *d);
/* Number of diagnostics with this code. */
uint32_t count_code(const SgDiags *d, const char *code);

/* ---- parser ---- */
typedef struct Parsed {
    SgArena arena;
    SgArena diag_arena;
    SgDiags diags;
    SgAst ast;
    char *src;
    uint32_t len;
} Parsed;

Parsed *parse_src(const char *src);
SgItem *find_item(const Parsed *p, const char *name);
const char *name_str(SgName n);
/* The expression as an S-expression: `(+ a (* b c))`, `(call f a)`,
 * `(. a f)`, `(neg x)`, `(! x)`, `(list 1 2)`, `(struct P x y)`, `(if c ..)`,
 * `(block N)`, `(index a i)`, `(match x N)`, `(fn N)`, `error`. */
const char *sexpr(const SgExpr *e);

/* ---- whole workspaces through the engine ---- */
typedef struct Checked {
    SgEngineRun run;
    bool ok;
    char *err;
    const char *root;
} Checked;

/* The standard library directory: $SIGIL_STD, else "std" (the tests run
 * from the repository root). Fails the test when it has no prelude.sg. */
const char *std_dir(void);
/* Writes files {rel, text, rel, text, ..., NULL} into a fresh temporary
 * workspace and checks it with `jobs` threads. NULL (test failed) when the
 * workspace could not be written or the engine refused it. */
Checked *check_ws_jobs(const char *const *files, int jobs);
Checked *check_ws(const char *const *files);
/* Every diagnostic of the run (workspace modules, stray files and the
 * standard library), as "FILE:LINE:CODE" sorted by file, line, column and
 * code, space-separated. */
const char *check_summary(const Checked *c);
/* Same with columns: "FILE:LINE:COL:CODE". */
const char *check_summary_cols(const Checked *c);
/* Every diagnostic with its range and message, one per line. */
const char *check_full(const Checked *c);
/* The diagnostic with this code at this file and line, or NULL. */
const SgDiag *find_diag(const Checked *c, const char *rel, uint32_t line, const char *code);
/* A diagnostic's related location: "" when none; "LINE:COL-LINE:COL label"
 * in its own module; "module.item VALUE|TYPE param N|field F label" in
 * another. */
const char *related_str(const SgDiag *d);
/* The related location of the diagnostic with this code at this file and
 * line ("<no such diagnostic>" when there is none). */
const char *related_at(const Checked *c, const char *rel, uint32_t line, const char *code);
/* The module with this name, or NULL. */
SgModule *find_module(const Checked *c, const char *name);

/* The expected diagnostics written in the sources as trailing comments
 * `//~ CODE [CODE ...]` on the line where each starts (the conformance
 * cases' convention), as "FILE:LINE:CODE" sorted by file, line and code. */
const char *annotations(const char *const *files);
/* "unexpected: A B; missing: C" between two space-separated lists. */
const char *list_diff(const char *got, const char *want);
/* The run's diagnostics in the same form and order. */
const char *check_lines(const Checked *c);

/* Checks the files and asserts that their diagnostics are exactly the
 * annotated ones. Sets `var` (a Checked *) for further assertions. */
#define ASSERT_CHECK_AS(var, files)                                  \
    Checked *var = check_ws(files);                                  \
    ASSERT_OK_HELPER();                                              \
    do {                                                             \
        const char *got_ = check_lines(var), *want_ = annotations(files); \
        if (strcmp(got_, want_) != 0)                                \
            FAIL("diagnostics differ from the //~ annotations: %s", list_diff(got_, want_)); \
    } while (0)
#define ASSERT_CHECK(files)                                          \
    do {                                                             \
        ASSERT_CHECK_AS(c_, files);                                  \
    } while (0)

#define FILES(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
