/* ast.h - the syntax tree of one module.
 *
 * All nodes live in the module's parse arena and die with it. Spans are
 * byte offsets into the module's source text, which outlives the tree.
 * Names (SgName) point into the source too. */
#ifndef SG_AST_H
#define SG_AST_H

#include "base.h"
#include "lex.h"

typedef struct SgSpan {
    uint32_t start, end;
} SgSpan;

typedef struct SgType SgType;      /* types.h */
typedef struct SgExpr SgExpr;
typedef struct SgBlock SgBlock;
typedef struct SgPattern SgPattern;

/* ---- type expressions ---- */
typedef enum SgTypeExprKind {
    TE_NAME,        /* Name, Name[args], alias.Name[args] (Int, List, ... too) */
    TE_FN,          /* fn(args) -> ret */
    TE_ERROR,       /* unparsable: resolves to the error type silently */
} SgTypeExprKind;

typedef struct SgTypeExpr {
    uint8_t kind;
    bool has_args;              /* `[...]` written (possibly empty) */
    SgSpan span;
    SgName qual;                /* import alias, or len 0 */
    SgName name;
    SgSpan name_span;           /* of qual.name */
    struct SgTypeExpr **args;   /* type arguments, or fn parameter types */
    uint32_t nargs;
    struct SgTypeExpr *ret;     /* TE_FN: NULL means Unit */
} SgTypeExpr;

/* ---- patterns ---- */
typedef enum SgPatternKind {
    PT_WILD, PT_BIND, PT_INT, PT_STRING, PT_BOOL, PT_CTOR, PT_ERROR,
} SgPatternKind;

struct SgPattern {
    uint8_t kind;
    bool has_parens;            /* PT_CTOR: `C(...)` rather than `C` */
    bool bval;
    SgSpan span;
    SgName qual, name;          /* PT_CTOR (qual may be empty), PT_BIND */
    int64_t ival;
    const char *sval;           /* PT_STRING: decoded */
    uint32_t slen;
    SgPattern **args;
    uint32_t nargs;
    /* filled by the checker */
    const struct SgCtorRef *ctor_ref;
};

/* ---- expressions ---- */
typedef enum SgExprKind {
    EX_INT, EX_FLOAT, EX_STRING, EX_BOOL,
    EX_NAME,        /* name */
    EX_MEMBER,      /* lhs.name: module member or struct field */
    EX_CALL, EX_INDEX, EX_UNARY, EX_BINARY,
    EX_LIST,        /* [a, b] */
    EX_STRUCT,      /* Name { f: e } or alias.Name { ... } */
    EX_LAMBDA, EX_BLOCK, EX_IF, EX_MATCH,
    EX_RETURN, EX_BREAK, EX_CONTINUE,
    EX_ERROR,
} SgExprKind;

typedef struct SgFieldInit {
    SgName name;
    SgSpan name_span;
    SgExpr *value;
} SgFieldInit;

typedef struct SgParam {
    SgName name;
    SgSpan name_span;
    SgTypeExpr *type;
} SgParam;

typedef struct SgArm {
    SgPattern *pat;
    SgExpr *body;
} SgArm;

struct SgExpr {
    uint8_t kind;
    uint8_t op;                 /* EX_UNARY / EX_BINARY: a TK_ operator */
    bool bval;
    bool paren;                 /* written in parentheses */
    SgSpan span;
    uint16_t depth;             /* levels of the tree below (leaves: 0), bounded by the parser */
    union {
        int64_t ival;
        double fval;
        struct { const char *s; uint32_t len; } str;
        SgName name;                                    /* EX_NAME */
        struct { SgExpr *lhs; SgName name; SgSpan name_span; } member;
        struct { SgExpr *callee; SgExpr **args; uint32_t nargs; } call;
        struct { SgExpr *lhs, *index; } index;
        struct { SgExpr *lhs, *rhs; } bin;              /* EX_UNARY uses lhs */
        struct { SgExpr **items; uint32_t n; } list;
        struct {
            SgName qual, name;
            SgSpan name_span;
            SgFieldInit *fields;
            uint32_t nfields;
        } lit;                                          /* EX_STRUCT */
        struct {
            SgParam *params;
            uint32_t nparams;
            SgTypeExpr *ret;                            /* NULL: inferred */
            SgBlock *body;
        } lambda;
        SgBlock *block;                                 /* EX_BLOCK */
        struct { SgExpr *cond; SgBlock *then; SgExpr *els; } if_;   /* els: EX_BLOCK or EX_IF or NULL */
        struct { SgExpr *scrut; SgArm *arms; uint32_t narms; } match;
        SgExpr *ret;                                    /* EX_RETURN value or NULL */
    } u;
};

/* ---- statements ---- */
typedef enum SgStmtKind { ST_LET, ST_EXPR, ST_ASSIGN, ST_WHILE, ST_FOR } SgStmtKind;

typedef struct SgStmt {
    uint8_t kind;
    bool mut;                   /* ST_LET */
    bool wildcard;              /* ST_LET: `let _ = e` */
    SgSpan span;
    SgName name;                /* ST_LET, ST_FOR variable */
    SgSpan name_span;
    SgTypeExpr *type;           /* ST_LET annotation or NULL */
    SgExpr *expr;               /* init / expression / assigned value / cond / iterable */
    SgExpr *target;             /* ST_ASSIGN left side */
    SgBlock *body;              /* ST_WHILE, ST_FOR */
} SgStmt;

struct SgBlock {
    SgSpan span;
    SgStmt **stmts;
    uint32_t n;
    bool had_error;             /* a statement was dropped after a syntax error */
    uint16_t depth;             /* 1 + the deepest statement's depth */
};

/* ---- items ---- */
typedef enum SgItemKind {
    IT_IMPORT, IT_STRUCT, IT_ENUM, IT_ALIAS, IT_CONST, IT_FN, IT_EXTERN_TYPE,
} SgItemKind;

typedef struct SgImportName {
    SgName name;
    SgSpan span;
} SgImportName;

typedef struct SgVariant {
    SgName name;
    SgSpan span;                /* the name */
    SgSpan full;                /* name and payload */
    SgTypeExpr **payload;
    uint32_t npayload;
} SgVariant;

typedef struct SgTypeParam {
    SgName name;
    SgSpan span;
} SgTypeParam;

typedef struct SgItem {
    uint8_t kind;
    bool pub;
    bool is_extern;
    bool selective;             /* IT_IMPORT: `.{...}` form */
    bool misplaced;             /* IT_IMPORT after another item (E010 given) */
    bool had_syntax_error;      /* some statement inside was dropped: no W002 here */
    SgSpan span;                /* whole item */
    SgName name;                /* IT_IMPORT: the bound alias (plain/`as` forms) */
    SgSpan name_span;
    SgDoc *doc;                 /* `///` comment or NULL */
    SgTypeParam *tparams;
    uint32_t ntparams;
    /* IT_IMPORT */
    SgName path;                /* "a.b.c" (points into the source if contiguous) */
    SgSpan path_span;
    SgImportName *names;
    uint32_t nnames;
    /* IT_STRUCT fields / IT_FN params */
    SgParam *fields;
    uint32_t nfields;
    /* IT_ENUM */
    SgVariant *variants;
    uint32_t nvariants;
    /* IT_ALIAS target, IT_CONST type, IT_FN return type (NULL: Unit) */
    SgTypeExpr *type;
    SgExpr *value;              /* IT_CONST */
    SgBlock *body;              /* IT_FN (NULL when extern) */
} SgItem;

typedef struct SgAst {
    SgItem **items;
    uint32_t nitems;
    SgTokens toks;      /* after sg_parse: only the doc comments (toks.toks is NULL) */
} SgAst;

/* Parses the tokens of `src` into a tree in `arena`; syntax errors go to
 * `diags`. Never fails: a broken item is dropped, a broken statement is
 * skipped to the next statement end at its depth. */
void sg_parse(SgArena *arena, const char *src, uint32_t len, SgAst *out, SgDiags *diags);

#endif
