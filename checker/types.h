/* types.h - semantic types, named-type definitions and module item tables.
 *
 * Types are immutable once built, except type variables, which live only in
 * a body checker (check.c) and are resolved through its binding table. The
 * primitive types are static singletons shared by all threads.
 *
 * Type parameters are positional: TY_PARAM i is the i-th type parameter of
 * the item whose signature or body the type belongs to. Uses from elsewhere
 * always go through sg_type_subst (instantiation), so a body never sees
 * another item's parameters. */
#ifndef SG_TYPES_H
#define SG_TYPES_H

#include "ast.h"

typedef enum SgTypeKind {
    TY_ERROR,       /* matches everything; stops cascades */
    TY_NEVER,       /* return / break / continue */
    TY_INT, TY_FLOAT, TY_BOOL, TY_STRING, TY_UNIT,
    TY_LIST,        /* args[0] */
    TY_FN,          /* args = parameters, ret */
    TY_NAMED,       /* def + args */
    TY_PARAM,       /* id = position, pname for messages */
    TY_VAR,         /* id = checker variable */
} SgTypeKind;

typedef struct SgTypeDef SgTypeDef;
typedef struct SgModule SgModule;

struct SgType {
    uint8_t kind;
    bool has_error;         /* the error type is part of it */
    uint16_t depth;         /* levels below this node (0 for a leaf), saturating */
    uint32_t n;             /* number of args */
    uint32_t id;            /* TY_PARAM position, TY_VAR number */
    uint32_t size;          /* nodes of the tree it stands for (shared nodes counted each time), saturating */
    SgType **args;
    SgType *ret;
    SgTypeDef *def;
    SgName pname;
};

extern SgType sg_ty_error, sg_ty_never, sg_ty_int, sg_ty_float, sg_ty_bool,
    sg_ty_string, sg_ty_unit;

typedef struct SgField {
    SgName name;
    SgType *type;
    SgSpan span;            /* of the name, in the owner's source */
} SgField;

typedef struct SgCtor {
    SgName name;
    SgType **payload;
    uint32_t npayload;
    SgTypeDef *owner;
    uint32_t index;
    SgSpan span;
} SgCtor;

typedef enum SgDefKind { DEF_STRUCT, DEF_ENUM, DEF_EXTERN } SgDefKind;

/* A nominal type: struct, enum or extern type. Owned by its module. */
struct SgTypeDef {
    uint8_t kind;
    bool pub;
    SgName name;
    const char *module_name;    /* defining module, e.g. "geo.point" */
    SgModule *module;
    uint32_t ntparams;
    SgName *tparam_names;
    SgField *fields;
    uint32_t nfields;
    SgCtor *ctors;
    uint32_t nctors;
    SgSpan span;
    const char *doc;        /* `///` text or NULL */
};

/* ---- module item tables (the two namespaces) ---- */
typedef struct SgImport SgImport;

typedef enum SgValueKind {
    V_FN, V_CONST, V_CTOR,
    V_MODULE,       /* import binding of a module */
    V_ERROR,        /* binding of a failed import: the error type */
} SgValueKind;

typedef struct SgValue {
    uint8_t kind;
    bool pub;
    SgName name;
    SgSpan span;
    SgType *type;           /* V_FN: TY_FN; V_CONST; V_CTOR: fn or named */
    uint32_t ntparams;      /* generic parameters to instantiate */
    SgCtor *ctor;           /* V_CTOR */
    SgModule *target;       /* V_MODULE */
    SgImport *import;       /* binding made by this import (for W001) */
    const struct SgValue *orig;   /* imported: the item in its module */
    SgItem *item;           /* own items: the declaration */
    SgModule *owner;        /* the module that defines the item */
    const char *doc;        /* `///` text or NULL */
} SgValue;

typedef enum SgTypeEntryKind {
    TENT_DEF,       /* struct / enum / extern type */
    TENT_ALIAS,
    TENT_BAD,       /* binding of a failed import */
} SgTypeEntryKind;

typedef enum SgAliasState { AL_TODO, AL_BUSY, AL_DONE } SgAliasState;

typedef struct SgTypeEntry {
    uint8_t kind;
    bool pub;
    uint8_t alias_state;
    bool alias_cyclic;
    SgName name;
    SgSpan span;
    SgTypeDef *def;         /* TENT_DEF */
    SgType *target;         /* TENT_ALIAS: expansion (with TY_PARAMs) */
    uint32_t ntparams;      /* TENT_ALIAS */
    SgItem *item;           /* own items */
    SgImport *import;
    SgModule *owner;
    const char *doc;
} SgTypeEntry;

typedef enum SgImportStatus { IMP_OK, IMP_MISSING, IMP_CYCLE } SgImportStatus;

struct SgImport {
    SgItem *item;           /* NULL when the module was not parsed */
    SgName path;
    SgModule *target;       /* NULL when missing */
    uint8_t status;
    bool used;
    bool has_error;         /* E10x given at this import: no W001 */
};

/* Named types are nominal: one module's definition of one name. Two
 * records of a definition (a language server keeps the one a dependent was
 * checked against while the module is re-checked, when the names the
 * dependent used kept their fingerprints) are the same type. */
static inline bool sg_def_same(const SgTypeDef *a, const SgTypeDef *b) {
    return a == b || (sg_name_eq(a->name, b->name) && strcmp(a->module_name, b->module_name) == 0);
}

/* ---- type construction and queries ----
 * The constructors record each type's depth and size. Types share nodes, so
 * a few aliases can stand for a tree far larger than memory (each
 * `type A2 = fn(A1, A1) -> A1` triples it); everything that walks a type
 * (printing, hashing, encoding) walks that tree. The resolver refuses types
 * past these limits (E212), so no signature type is larger. */
#define SG_TYPE_MAX_DEPTH 256
#define SG_TYPE_MAX_SIZE 4096
SgType *sg_type_list(SgArena *a, SgType *elem);
SgType *sg_type_fn(SgArena *a, SgType **params, uint32_t n, SgType *ret);
SgType *sg_type_named(SgArena *a, SgTypeDef *def, SgType **args, uint32_t n);
SgType *sg_type_param(SgArena *a, uint32_t index, SgName name);
/* Replaces TY_PARAM i by args[i] (i < n). Shares unchanged subtrees. */
SgType *sg_type_subst(SgArena *a, SgType *t, SgType **args, uint32_t n);
bool sg_type_is_prim(const SgType *t);

#endif
