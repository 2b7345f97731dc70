/* xref.h - the cross-reference index of one module: its definitions, and
 * every use it makes of a name of a module (its own included), by name.
 *
 * It is made when the module is checked (from its syntax tree and the
 * facts its check recorded, SgFacts.refs_only) and kept beside the check
 * result, under the same content id (store.h: results.xref): the same
 * source used the same way resolves its names the same way. A use is
 * recorded by what it names, not by where that is defined: the defining
 * module's name, a namespace, the item's name and, for a field, its
 * struct's. So an entry stays true while the defining module changes
 * elsewhere, and "who uses `m.f`" is answered by looking keys up, not by
 * checking anything again (the language server's index, server/lsp/index.c).
 *
 * Spans are byte offsets in the module's source and cover the name alone
 * (`alias.f` records `f`). A use whose text is not the name it resolves to
 * (a struct literal written with an alias of the struct) is not recorded:
 * renaming must never edit another name.
 *
 * The blob is framed like the other cache blobs (cache/sig.h); the decoder
 * checks every length, count, kind and span and never trusts its input.
 * Not read by the engine: a warm check never looks at it. */
#ifndef SG_XREF_H
#define SG_XREF_H

#include "../checker/module.h"

typedef enum SgXrefKind {
    SG_XREF_VALUE,      /* functions, consts, constructors */
    SG_XREF_TYPE,       /* structs, enums, aliases, extern types */
    SG_XREF_FIELD,      /* a struct's field (parent: the struct) */
    SG_XREF_MODULE,     /* the module itself (an import, an alias in `alias.x`) */
} SgXrefKind;

/* What a use names. The names are slices of whatever holds them. */
typedef struct SgXrefKey {
    SgName module;      /* the defining module */
    uint8_t kind;       /* SgXrefKind */
    SgName name;        /* empty for SG_XREF_MODULE */
    SgName parent;      /* a field's struct, else empty */
} SgXrefKey;

typedef enum SgXrefDefKind {
    SG_XDEF_FN, SG_XDEF_CONST, SG_XDEF_STRUCT, SG_XDEF_ENUM, SG_XDEF_ALIAS, SG_XDEF_EXTERN_TYPE, SG_XDEF_EXTERN_FN,
    SG_XDEF_FIELD,      /* parent: its struct */
    SG_XDEF_CTOR,       /* parent: its enum */
    SG_XDEF_IMPORT,     /* the name `import a.b [as x]` binds (values) */
    SG_XDEF_IMPORTED,   /* a name a selective import binds (either namespace) */
    SG_XDEF_NKINDS
} SgXrefDefKind;

typedef struct SgXrefDef {
    SgName name;
    uint8_t kind;       /* SgXrefDefKind */
    bool pub;
    uint32_t parent;    /* fields and constructors: 1 + the index of their struct or enum; else 0 */
    SgSpan span;        /* the name */
    SgSpan full;        /* the whole item, field or constructor */
    uint32_t line;      /* where the name starts: 0-based line, */
    uint32_t col8, col16;   /* and column in bytes and in UTF-16 units */
} SgXrefDef;

typedef struct SgXrefTarget {
    SgXrefKey key;
    uint64_t hash;      /* sg_xref_key_hash(&key) */
    uint32_t first, n;  /* its uses: SgXref.spans[first .. first + n), in source order */
} SgXrefTarget;

/* A decoded entry; names are slices of the blob, which must outlive it. */
typedef struct SgXref {
    SgXrefDef *defs;    /* in source order */
    uint32_t ndefs;
    SgXrefTarget *targets;
    uint32_t ntargets;
    SgSpan *spans;
    uint32_t nspans;
} SgXref;

/* The entry of a module whose check recorded facts (refs_only or full),
 * while its syntax tree is alive. */
void sg_xref_encode(const SgModule *m, SgBuf *out);

/* The key of what a fact of the module whose source is src[0, len) names,
 * and the span of the name there; false for locals, built-in names, and
 * names written otherwise than their definition (through an alias). The
 * key's names point into the tables of the fact's target. A resolver keeps
 * its answers: one per batch of facts, while their targets live. */
typedef struct SgXrefNames SgXrefNames;
SgXrefNames *sg_xref_names_new(void);
bool sg_xref_fact_key(SgXrefNames *r, const SgFact *f, const char *src, uint32_t len, SgXrefKey *out, SgSpan *at);
void sg_xref_names_free(SgXrefNames *r);
/* False, with *out empty, on any invalid input. */
bool sg_xref_decode(const uint8_t *blob, size_t len, SgArena *a, SgXref *out);

uint64_t sg_xref_key_hash(const SgXrefKey *k);
/* Names compared by their bytes (decoded names carry no SgName hash). */
bool sg_xref_name_eq(SgName a, SgName b);
bool sg_xref_key_eq(const SgXrefKey *a, const SgXrefKey *b);
/* The uses of one key in an entry (in a), without decoding the rest:
 * none when it has none; false when the blob is damaged. */
bool sg_xref_uses(const uint8_t *blob, size_t len, const SgXrefKey *k, SgArena *a, SgSpan **out, uint32_t *n);
/* The target of a key in an entry, or NULL. */
const SgXrefTarget *sg_xref_find(const SgXref *x, const SgXrefKey *k, uint64_t hash);
/* The key of a definition of the module named `module` (its struct's name
 * for a field); false for import bindings. */
bool sg_xref_def_key(const SgXref *x, uint32_t i, SgName module, SgXrefKey *out);
/* The innermost top-level item of x whose whole span holds `at` (an index
 * into defs), or -1. */
int32_t sg_xref_container(const SgXref *x, uint32_t at);
/* Whether def kind k is in the values namespace (else types; fields and
 * selective imports are in neither or both: false). */
bool sg_xref_def_is_value(uint8_t k);
bool sg_xref_def_is_type(uint8_t k);

#endif
