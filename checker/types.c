/* types.c - construction and substitution of types. */
#include "types.h"

SgType sg_ty_error = {.kind = TY_ERROR};
SgType sg_ty_never = {.kind = TY_NEVER};
SgType sg_ty_int = {.kind = TY_INT};
SgType sg_ty_float = {.kind = TY_FLOAT};
SgType sg_ty_bool = {.kind = TY_BOOL};
SgType sg_ty_string = {.kind = TY_STRING};
SgType sg_ty_unit = {.kind = TY_UNIT};

/* Depth and size from the children (leaves have size 1). */
static void measure(SgType *t) {
    uint32_t depth = 0;
    uint64_t size = 1;
    for (uint32_t i = 0; i <= t->n; i++) {
        SgType *c = i < t->n ? t->args[i] : t->ret;
        if (!c) continue;
        if (c->depth + 1u > depth) depth = c->depth + 1u;
        size += c->size ? c->size : 1;
        t->has_error |= c->kind == TY_ERROR || c->has_error;
    }
    t->depth = (uint16_t)(depth > UINT16_MAX ? UINT16_MAX : depth);
    t->size = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
}

SgType *sg_type_list(SgArena *a, SgType *elem) {
    SgType *t = SG_NEW(a, SgType);
    t->kind = TY_LIST;
    t->n = 1;
    t->args = SG_NEW_N(a, SgType *, 1);
    t->args[0] = elem;
    measure(t);
    return t;
}

SgType *sg_type_fn(SgArena *a, SgType **params, uint32_t n, SgType *ret) {
    SgType *t = SG_NEW(a, SgType);
    t->kind = TY_FN;
    t->n = n;
    t->args = params;
    t->ret = ret;
    measure(t);
    return t;
}

SgType *sg_type_named(SgArena *a, SgTypeDef *def, SgType **args, uint32_t n) {
    SgType *t = SG_NEW(a, SgType);
    t->kind = TY_NAMED;
    t->def = def;
    t->n = n;
    t->args = args;
    measure(t);
    return t;
}

SgType *sg_type_param(SgArena *a, uint32_t index, SgName name) {
    SgType *t = SG_NEW(a, SgType);
    t->kind = TY_PARAM;
    t->id = index;
    t->pname = name;
    t->size = 1;
    return t;
}

bool sg_type_is_prim(const SgType *t) {
    return t->kind == TY_INT || t->kind == TY_FLOAT || t->kind == TY_BOOL ||
           t->kind == TY_STRING || t->kind == TY_UNIT;
}

SgType *sg_type_subst(SgArena *a, SgType *t, SgType **args, uint32_t n) {
    switch (t->kind) {
    case TY_PARAM:
        return t->id < n ? args[t->id] : &sg_ty_error;
    case TY_LIST: case TY_FN: case TY_NAMED: {
        SgType *r = NULL;
        SgType *ret = t->ret ? sg_type_subst(a, t->ret, args, n) : NULL;
        bool changed = ret != t->ret;
        SgType **nargs = NULL;
        for (uint32_t i = 0; i < t->n; i++) {
            SgType *x = sg_type_subst(a, t->args[i], args, n);
            if (x != t->args[i] && !nargs) {
                nargs = SG_NEW_N(a, SgType *, t->n);
                memcpy(nargs, t->args, sizeof(SgType *) * i);
            }
            if (nargs) nargs[i] = x;
        }
        if (!nargs && !changed) return t;
        r = SG_NEW(a, SgType);
        *r = *t;
        if (nargs) r->args = nargs;
        r->ret = ret;
        measure(r);
        return r;
    }
    default:
        return t;
    }
}
