/* module.h - modules and the program (workspace + standard library).
 *
 * Ownership: a module owns two arenas. `sig_arena` holds what other modules
 * may point at (type definitions, item tables, signature types) and lives as
 * long as the module. `tree_arena` holds the syntax tree and everything the
 * body checker allocates, and is freed as a whole when the module's check is
 * over. Diagnostic messages live in `diag_arena`. */
#ifndef SG_MODULE_H
#define SG_MODULE_H

#include "suggest.h"
#include "types.h"

/* What an editor asks about a name in a module: recorded only for modules
 * an editor has open (SgModule.facts non-NULL), in the diag arena. */
typedef enum SgFactKind { FACT_LOCAL, FACT_VALUE, FACT_FIELD, FACT_TYPE, FACT_MODULE } SgFactKind;

typedef struct SgFact {
    SgSpan span;            /* the name in this module */
    uint8_t kind;
    bool decl;              /* the declaration itself, not a use */
    bool annotated;         /* FACT_LOCAL decl of a `let` with a type annotation */
    bool is_let;
    const char *name;
    const char *type;       /* rendered type (filled when the body is done) */
    SgType *t;              /* the type while its body is checked */
    const char *doc;
    SgModule *target;       /* where the name is defined (NULL: built in) */
    SgSpan target_span;
} SgFact;

typedef struct SgFacts {
    SgFact *items;
    uint32_t len, cap;
    /* Only what the cross-reference index reads (cache/xref.h): the uses of
     * items, fields and modules with their targets; no locals, no names
     * copied, no types rendered, no declarations (the index takes those from
     * the tree). Requested for every module whose result is stored, so it
     * must cost little. */
    bool refs_only;
} SgFacts;

void sg_fact_add(SgModule *m, SgFact f);

/* A name looked up in an import (LANGUAGE.md section 7: the usage record).
 * `name` points into the module's source. */
typedef enum SgNs { SG_NS_VALUE, SG_NS_TYPE } SgNs;

typedef struct SgUse {
    uint32_t import;        /* index into the module's imports */
    uint8_t ns;             /* SgNs */
    bool nearest;           /* a suggestion for `name` among the import's public names in ns: */
    SgName name;
    SgName best;            /* ... the one offered (len 0: none) */
} SgUse;

typedef struct SgUses {
    SgUse *items;           /* malloc'd; duplicates allowed */
    uint32_t len, cap;
} SgUses;

/* Records that m's check looked `name` up in import `imp` of m, in one
 * namespace. Called by resolution and body checking, on the thread that
 * checks m: it writes only to m. */
void sg_use_record(SgModule *m, const SgImport *imp, SgNs ns, SgName name);
/* Records that a message of m's check suggested `best` (len 0: nothing)
 * for `typed`, among the public names of import `imp` in namespace ns: the
 * message depends on that set of names (LANGUAGE.md section 7: what it
 * read), so the record holds while the same suggestion would be made. */
void sg_use_record_nearest(SgModule *m, const SgImport *imp, SgNs ns, SgName typed, SgName best);

/* What the engine keeps of a module between and across runs (hashes, file
 * identity, cached results): defined in cache/engine.h, opaque here. */
typedef struct SgModuleState SgModuleState;

/* The checker's view of a module. Everything here is written by the
 * checker (lexer, parser, resolution, body check) or set once by whoever
 * creates the module; the engine's incremental state is behind `st`. */
struct SgModule {
    /* identity: the workspace file list owns these strings */
    char *name;             /* "geo.point"; "std.list" for the standard library */
    SgName mname;
    char *path;             /* path to open */
    char *rel;              /* path relative to the workspace root, '/'-separated */
    bool is_std;
    uint32_t index;         /* position in SgProgram.mods */

    char *src;              /* source bytes (NUL-terminated), malloc-owned */
    uint32_t len;
    bool read_failed;

    SgArena sig_arena;
    SgArena tree_arena;
    SgArena diag_arena;
    SgAst ast;
    bool parsed;
    SgDiags diags;

    /* item tables: own items and import bindings */
    SgMap values;           /* SgName -> SgValue* */
    SgMap types;            /* SgName -> SgTypeEntry* */
    SgImport *imports;      /* malloc'd, the module's own */
    uint32_t nimports;
    bool resolved;
    SgUses uses;            /* names looked up in imports, by resolution and the body check */

    /* import graph */
    uint32_t scc;           /* strongly connected component id */
    bool cyclic;            /* in an SCC of more than one module, or imports itself */
    char **import_paths;    /* from the tree, or from the file index when not parsed */
    uint32_t nimport_paths;

    SgFacts *facts;         /* requested by an editor for its open module, else NULL */
    SgModuleState *st;      /* the engine's (cache/engine.h) */
};

typedef struct SgProgram {
    SgModule **mods;        /* every module, workspace and std, sorted by name */
    uint32_t n;
    SgMap by_name;          /* module name -> SgModule* */
    SgModule *prelude;
    SgArena arena;
} SgProgram;

SgModule *sg_program_find(SgProgram *p, SgName name);

/* resolve.c */
/* Builds the module's item tables and resolves declared types. The modules
 * it imports must already be resolved (call in import order). */
void sg_resolve_module(SgProgram *p, SgModule *m);

typedef struct SgAliasStack SgAliasStack;

typedef struct SgResolveCtx {
    SgProgram *prog;
    SgModule *m;
    SgArena *a;
    SgDiags *diags;
    SgTypeParam *tparams;
    uint32_t ntparams;
    SgAliasStack *aliases;  /* the aliases being resolved around this type (NULL: none) */
} SgResolveCtx;

SgType *sg_resolve_type(SgResolveCtx *r, SgTypeExpr *te);
/* Looks a value name up in the module's tables, then the prelude. */
SgValue *sg_lookup_value(SgProgram *p, SgModule *m, SgName name);
SgTypeEntry *sg_lookup_type(SgProgram *p, SgModule *m, SgName name);

/* Suggestions for an unknown name (suggest.h): the names it could have
 * meant. Values in scope in m by name (its items and import bindings, the
 * prelude's; not module aliases), or only the constructors; m's module
 * aliases; types in scope (type parameters, built-in, m's, the
 * prelude's); and the public items of module t in namespace ns (what
 * `alias.name` may name: the same set as t's fingerprint table's public
 * names there, which is what a record of the suggestion is checked
 * against). */
void sg_offer_values(SgSuggest *s, SgProgram *p, const SgModule *m, bool ctors_only);
void sg_offer_modules(SgSuggest *s, const SgModule *m);
void sg_offer_types(SgSuggest *s, SgProgram *p, const SgModule *m, const SgTypeParam *tparams, uint32_t ntparams);
void sg_offer_members(SgSuggest *s, const SgModule *t, SgNs ns);
/* The suggestion for `name` among the public items of import imp's module
 * in namespace ns, recorded in m's usage record (sg_use_record_nearest). */
SgSuggest sg_member_suggestion(SgModule *m, const SgImport *imp, SgNs ns, SgName name);

/* check.c: checks the bodies of a resolved module. Thread-safe across
 * modules: writes only to m's tree arena, diagnostics and imports. */
void sg_check_module(SgProgram *p, SgModule *m);

/* Whether messages of module `m` may depend on the declaration order of
 * d's fields or constructors. Another workspace module's order is not part
 * of what a cached result depends on (its fingerprint treats fields and
 * constructors as sets, LANGUAGE.md section 7), so messages list them in
 * name order; m's own types and the standard library's (which belongs to
 * the checker's version) keep their declaration order. */
bool sg_def_order_visible(const SgModule *m, const SgTypeDef *d);
/* The i-th field (constructor) of d in the order m's messages use. */
uint32_t sg_def_nth_field(const SgModule *m, const SgTypeDef *d, uint32_t i);
uint32_t sg_def_nth_ctor(const SgModule *m, const SgTypeDef *d, uint32_t i);

/* Renders a type as the module `m` would write it. */
void sg_type_print(SgBuf *b, SgProgram *p, SgModule *m, SgType *t);

#endif
