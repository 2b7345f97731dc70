/* check.c - type checking of bodies (LANGUAGE.md sections 5 and 6).
 *
 * One Ck per module check, on one thread. Types of locals are inferred by
 * unification over type variables that live in `vars`; a variable records
 * where it was introduced (for E205) and whether it appeared only in dropped
 * values (it then defaults to Unit). Expectations flow down (`expected`) so
 * a mismatch is reported at the innermost expression that causes it. The
 * error type unifies with everything, so one mistake gives one diagnostic. */
#include "match.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct VarInfo {
    SgType *bound;
    uint32_t start, end;    /* introducing expression */
    bool dropped;
    uint32_t seen;          /* the walk (Ck.walk) that last passed through its value */
} VarInfo;

typedef enum LocalKind { L_LET, L_PARAM, L_BIND } LocalKind;

typedef struct Local {
    SgName name;
    SgType *type;
    SgSpan span;
    uint8_t kind;
    bool mut, used;
} Local;

/* Where an expectation was declared, for the related location of its E201:
 * a parameter, a field, a return type or an annotation. It applies while
 * the expected type is passed down unchanged (`type`, compared by
 * identity) through blocks, branches and arms, not to the parts of an
 * expression (a condition, an operand, an argument of an inner call). */
typedef struct Origin {
    SgType *type;           /* NULL: no declared origin */
    const char *label;
    SgSpan span;            /* in this module (module NULL) */
    const SgModule *module; /* another module: the item by name (diag.h, SgRelated) */
    SgName item, field;
    uint8_t ns, part;
    uint32_t index;
} Origin;

typedef struct Ck {
    SgProgram *p;
    SgModule *m;
    SgArena *a;
    SgDiags *d;
    VarInfo *vars;
    uint32_t nvars, capvars;
    uint32_t walk;          /* numbers the walks over types through variables (occurs) */
    bool too_large;         /* E212 said for an inferred type (once per module check) */
    Local *locals;
    uint32_t nlocals, caplocals;
    SgItem *item;
    SgType *ret;            /* return type of the innermost function, NULL in a const */
    Origin ret_origin;      /* where that return type is declared */
    Origin origin;          /* of the expectation being checked */
    uint32_t loops;         /* loops enclosing this point in the innermost function */
    bool dropped;           /* checking a value that will be dropped */
} Ck;

/* The expectation "a Unit block whose last value is dropped". */
static SgType drop_t = {.kind = TY_UNIT};
#define DROP (&drop_t)

static SgType *check(Ck *c, SgExpr *e, SgType *expected);
static SgType *check_block(Ck *c, SgBlock *b, SgType *expected);

/* ---- type variables ---- */
static SgType *new_var(Ck *c, SgSpan at) {
    if (c->nvars == c->capvars) {
        c->capvars = c->capvars ? c->capvars * 2 : 64;
        c->vars = sg_xrealloc(c->vars, sizeof *c->vars * c->capvars);
    }
    VarInfo *v = &c->vars[c->nvars];
    v->bound = NULL;
    v->start = at.start;
    v->end = at.end;
    v->dropped = c->dropped;
    v->seen = 0;
    SgType *t = SG_NEW(c->a, SgType);
    t->kind = TY_VAR;
    t->id = c->nvars++;
    return t;
}

static SgType *resolve(Ck *c, SgType *t) {
    while (t->kind == TY_VAR && c->vars[t->id].bound) t = c->vars[t->id].bound;
    return t;
}

/* Copy of t with every bound variable replaced by its value. */
static SgType *zonk(Ck *c, SgType *t) {
    t = resolve(c, t);
    if (t->kind != TY_LIST && t->kind != TY_FN && t->kind != TY_NAMED) return t;
    SgType **args = t->n ? SG_NEW_N(c->a, SgType *, t->n) : NULL;
    bool changed = false;
    for (uint32_t i = 0; i < t->n; i++) {
        args[i] = zonk(c, t->args[i]);
        changed |= args[i] != t->args[i];
    }
    SgType *ret = t->ret ? zonk(c, t->ret) : NULL;
    changed |= ret != t->ret;
    if (!changed) return t;
    SgType *r = SG_NEW(c->a, SgType);
    *r = *t;
    r->args = args;
    r->ret = ret;
    return r;
}

static void poison(Ck *c, SgType *t);

/* Types inferred through variables share their parts: `let y = if c {
 * Ok(x) } else { Err(x) }` makes y's type mention x's twice, so n such lets
 * make a tree of 2^n nodes out of n. A walk passes each variable's value
 * once (VarInfo.seen) and so stays linear in what the variables hold. */
static bool occurs_in(Ck *c, uint32_t id, SgType *t) {
    while (t->kind == TY_VAR && c->vars[t->id].bound) {
        if (c->vars[t->id].seen == c->walk) return false;
        c->vars[t->id].seen = c->walk;
        t = c->vars[t->id].bound;
    }
    if (t->kind == TY_VAR) return t->id == id;
    for (uint32_t i = 0; i < t->n; i++)
        if (occurs_in(c, id, t->args[i])) return true;
    return t->ret && occurs_in(c, id, t->ret);
}

static bool occurs(Ck *c, uint32_t id, SgType *t) {
    c->walk++;
    return occurs_in(c, id, t);
}

/* Nodes of t as a tree, through the variables' values, counted up to
 * `budget` (the walk stops there); also fails past SG_TYPE_MAX_DEPTH. */
static bool fits(Ck *c, SgType *t, uint32_t depth, uint32_t *budget) {
    t = resolve(c, t);
    if (!*budget || depth > SG_TYPE_MAX_DEPTH) return false;
    (*budget)--;
    for (uint32_t i = 0; i < t->n; i++)
        if (!fits(c, t->args[i], depth + 1, budget)) return false;
    return !t->ret || fits(c, t->ret, depth + 1, budget);
}

/* The limits of declared types (types.h) hold for inferred ones too: past
 * them every walk over the type (unifying, printing it in a message) would
 * be out of proportion with the program. E212 once per module check. */
static bool too_large(Ck *c, SgType *t, uint32_t start, uint32_t end) {
    uint32_t budget = SG_TYPE_MAX_SIZE;
    if ((t->depth <= SG_TYPE_MAX_DEPTH && t->size <= SG_TYPE_MAX_SIZE) ? fits(c, t, 0, &budget) : false) return false;
    if (!c->too_large)
        sg_diag(c->d, start, end, "E212", "type too large to check: more than %d parts or %d levels, once inferred",
                SG_TYPE_MAX_SIZE, SG_TYPE_MAX_DEPTH);
    c->too_large = true;
    return true;
}

static bool unify(Ck *c, SgType *a, SgType *b) {
    a = resolve(c, a);
    b = resolve(c, b);
    if (a == b) return true;
    if (a->kind == TY_NEVER || b->kind == TY_NEVER) return true;
    if (a->kind == TY_VAR && b->kind == TY_VAR) {
        VarInfo *va = &c->vars[a->id], *vb = &c->vars[b->id];
        if (va->start < vb->start) vb->start = va->start, vb->end = va->end;
        vb->dropped = vb->dropped && va->dropped;
        va->bound = b;
        return true;
    }
    if (a->kind == TY_VAR || b->kind == TY_VAR) {
        if (b->kind == TY_VAR) {
            SgType *t = a;
            a = b;
            b = t;
        }
        if (occurs(c, a->id, b)) return false;
        VarInfo *va = &c->vars[a->id];
        va->bound = too_large(c, b, va->start, va->end) ? &sg_ty_error : b;
        return true;
    }
    if (a->kind == TY_ERROR || b->kind == TY_ERROR) {
        /* the variables inside the other side are solved to the error
         * type (section 6), so an error never leaves an E205 behind */
        poison(c, a->kind == TY_ERROR ? b : a);
        return true;
    }
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case TY_LIST:
        return unify(c, a->args[0], b->args[0]);
    case TY_FN: {
        if (a->n != b->n) return false;
        bool ok = true;
        for (uint32_t i = 0; i < a->n; i++) ok = unify(c, a->args[i], b->args[i]) && ok;
        return unify(c, a->ret, b->ret) && ok;
    }
    case TY_NAMED: {
        if (!sg_def_same(a->def, b->def) || a->n != b->n) return false;
        bool ok = true;
        for (uint32_t i = 0; i < a->n; i++) ok = unify(c, a->args[i], b->args[i]) && ok;
        return ok;
    }
    case TY_PARAM:
        return a->id == b->id;
    default:
        return true;    /* same primitive */
    }
}

/* Binds every unbound variable inside t to the error type. */
static void poison(Ck *c, SgType *t) {
    t = resolve(c, t);
    if (t->kind == TY_VAR) {
        c->vars[t->id].bound = &sg_ty_error;
        return;
    }
    for (uint32_t i = 0; i < t->n; i++) poison(c, t->args[i]);
    if (t->ret) poison(c, t->ret);
}

static SgType *instantiate(Ck *c, SgType *t, uint32_t n, SgSpan at) {
    if (!n) return t;
    SgType **args = SG_NEW_N(c->a, SgType *, n);
    for (uint32_t i = 0; i < n; i++) args[i] = new_var(c, at);
    return sg_type_subst(c->a, t, args, n);
}

/* ---- printing types as the module writes them ---- */
static void print_def_name(SgBuf *b, SgProgram *p, SgModule *m, SgTypeDef *d) {
    if (d->module == m || (p->prelude && d->module == p->prelude)) {
        sg_buf_put(b, d->name.s, d->name.len);
        return;
    }
    /* selectively imported under its own name? */
    SgTypeEntry *e = sg_map_get(&m->types, d->name);
    if (e && e->kind == TENT_DEF && sg_def_same(e->def, d)) {
        sg_buf_put(b, d->name.s, d->name.len);
        return;
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        SgImport *imp = &m->imports[i];
        if (imp->item && imp->target == d->module && !imp->item->selective) {
            sg_buf_put(b, imp->item->name.s, imp->item->name.len);
            sg_buf_putc(b, '.');
            sg_buf_put(b, d->name.s, d->name.len);
            return;
        }
    }
    sg_buf_printf(b, "%s.%.*s", d->module_name, (int)d->name.len, d->name.s);
}

void sg_type_print(SgBuf *b, SgProgram *p, SgModule *m, SgType *t) {
    switch (t->kind) {
    case TY_ERROR: sg_buf_puts(b, "{unknown}"); return;
    case TY_NEVER: sg_buf_puts(b, "Never"); return;
    case TY_INT: sg_buf_puts(b, "Int"); return;
    case TY_FLOAT: sg_buf_puts(b, "Float"); return;
    case TY_BOOL: sg_buf_puts(b, "Bool"); return;
    case TY_STRING: sg_buf_puts(b, "String"); return;
    case TY_UNIT: sg_buf_puts(b, "Unit"); return;
    case TY_VAR: sg_buf_puts(b, "_"); return;
    case TY_PARAM: sg_buf_put(b, t->pname.s, t->pname.len); return;
    case TY_LIST:
        sg_buf_puts(b, "List[");
        sg_type_print(b, p, m, t->args[0]);
        sg_buf_putc(b, ']');
        return;
    case TY_FN:
        sg_buf_puts(b, "fn(");
        for (uint32_t i = 0; i < t->n; i++) {
            if (i) sg_buf_puts(b, ", ");
            sg_type_print(b, p, m, t->args[i]);
        }
        sg_buf_puts(b, ") -> ");
        sg_type_print(b, p, m, t->ret);
        return;
    case TY_NAMED:
        print_def_name(b, p, m, t->def);
        if (t->n) {
            sg_buf_putc(b, '[');
            for (uint32_t i = 0; i < t->n; i++) {
                if (i) sg_buf_puts(b, ", ");
                sg_type_print(b, p, m, t->args[i]);
            }
            sg_buf_putc(b, ']');
        }
        return;
    }
}

static const char *tstr(Ck *c, SgType *t) {
    SgBuf b = {0};
    sg_type_print(&b, c->p, c->m, zonk(c, t));
    char *s = sg_arena_strndup(c->a, b.data ? b.data : "", b.len);
    sg_buf_free(&b);
    return s;
}

/* ---- diagnostics helpers ---- */
static SgDiag *diag(Ck *c, SgSpan s, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static SgDiag *diag(Ck *c, SgSpan s, const char *code, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return sg_diag(c->d, s.start, s.end, code, "%s", buf);
}

/* ---- where expectations come from ---- */
static const char *cname(Ck *c, SgName n) { return sg_arena_strndup(c->a, n.s, n.len); }

static void attach_origin(Ck *c, SgDiag *g, const Origin *o) {
    if (!o->module) {
        sg_diag_related_here(c->d, g, o->span.start, o->span.end, o->label);
        return;
    }
    SgRelated r = {.label = o->label, .module = o->module->name, .item = cname(c, o->item), .ns = o->ns,
                   .part = o->part, .index = o->index, .field = o->part == SG_REL_FIELD ? cname(c, o->field) : NULL};
    sg_diag_related_in(c->d, g, &r);
}

static Origin origin_here(SgType *t, SgSpan at, const char *label) {
    return (Origin){.type = t, .label = label, .span = at};
}

/* A parameter or a field declared `name: Type`: from its name to the end of its type. */
static SgSpan decl_span(const SgParam *p) {
    return (SgSpan){p->name_span.start, p->type && p->type->span.end > p->name_span.end ? p->type->span.end
                                                                                        : p->name_span.end};
}

/* Parameter i of the named function `fn` (NULL: a local, a lambda, any
 * other callee: no declaration to point at). The standard library's are
 * not pointed at: they belong to the tool, not to the workspace. */
static Origin origin_param(Ck *c, const SgValue *fn, uint32_t i, SgType *t) {
    const char *label = "expected because of this parameter";
    const SgValue *o = fn && fn->kind == V_FN ? (fn->orig ? fn->orig : fn) : NULL;
    if (!o || !o->owner || o->owner->is_std) return (Origin){0};
    if (o->owner != c->m)
        return (Origin){.type = t, .label = label, .module = o->owner, .item = o->name, .ns = SG_NS_VALUE,
                        .part = SG_REL_PARAM, .index = i};
    if (!o->item || i >= o->item->nfields) return (Origin){0};
    return origin_here(t, decl_span(&o->item->fields[i]), label);
}

/* Field k of struct d. */
static Origin origin_field(Ck *c, const SgTypeDef *d, uint32_t k, SgType *t) {
    const char *label = "expected because of this field";
    if (d->module->is_std) return (Origin){0};
    if (d->module != c->m)
        return (Origin){.type = t, .label = label, .module = d->module, .item = d->name, .ns = SG_NS_TYPE,
                        .part = SG_REL_FIELD, .field = d->fields[k].name};
    SgTypeEntry *e = sg_map_get(&c->m->types, d->name);
    const SgItem *it = e && e->kind == TENT_DEF && e->def == d ? e->item : NULL;
    for (uint32_t j = 0; it && j < it->nfields; j++)
        if (sg_name_eq(it->fields[j].name, d->fields[k].name)) return origin_here(t, decl_span(&it->fields[j]), label);
    return origin_here(t, d->fields[k].span, label);
}

/* Checks e against `expected`, which was declared at o. */
static SgType *check_from(Ck *c, SgExpr *e, SgType *expected, Origin o) {
    Origin saved = c->origin;
    c->origin = o;
    SgType *t = check(c, e, expected);
    c->origin = saved;
    return t;
}

static SgType *check_block_from(Ck *c, SgBlock *b, SgType *expected, Origin o) {
    Origin saved = c->origin;
    c->origin = o;
    SgType *t = check_block(c, b, expected);
    c->origin = saved;
    return t;
}

/* Checks e against an expectation of its own (a condition, an operand):
 * not the one declared for the enclosing expression. */
static SgType *check_plain(Ck *c, SgExpr *e, SgType *expected) { return check_from(c, e, expected, (Origin){0}); }

/* After a reported type error, the variables of the types involved are
 * solved to the error type: one mistake, one diagnostic (no E205 later). */
static void mismatch(Ck *c, SgSpan at, SgType *expected, SgType *found) {
    SgDiag *g = diag(c, at, "E201", "type mismatch: expected %s, found %s", tstr(c, expected), tstr(c, found));
    if (c->origin.type && c->origin.type == expected) attach_origin(c, g, &c->origin);
    poison(c, expected);
    poison(c, found);
}

/* Requires `found` to fit `expected`; reports E201 at `at` otherwise. */
static SgType *coerce(Ck *c, SgSpan at, SgType *found, SgType *expected) {
    if (!expected || expected == DROP) return found;
    if (unify(c, found, expected)) return resolve(c, found)->kind == TY_NEVER ? found : expected;
    mismatch(c, at, expected, found);
    return expected;
}

/* The operand must have a known type here (section 6). */
static SgType *known(Ck *c, SgExpr *e, SgType *t) {
    t = resolve(c, t);
    if (t->kind == TY_VAR) {
        diag(c, e->span, "E205", "cannot infer the type of this expression here; add a type annotation");
        c->vars[t->id].bound = &sg_ty_error;
        return &sg_ty_error;
    }
    return t;
}

/* ---- unknown names ---- */
static SgSpan name_span(Ck *c, SgName n) { return sg_name_span(c->m->src, c->m->len, n); }

/* E103 for a value name, with the closest name in scope: locals, items,
 * import bindings, the prelude's; and module aliases for the left side of
 * `alias.name`. */
static void unknown_value(Ck *c, SgSpan at, SgName name, bool modules) {
    SgSuggest s = sg_suggest_start(name);
    for (uint32_t i = 0; i < c->nlocals; i++) sg_suggest_offer(&s, c->locals[i].name);
    sg_offer_values(&s, c->p, c->m, false);
    if (modules) sg_offer_modules(&s, c->m);
    sg_diag_unknown(c->d, at, at, "E103", &s, "unknown name `%.*s`", (int)name.len, name.s);
}

/* E108 for a field of struct d, with the closest of its fields. */
static void unknown_field(Ck *c, SgSpan at, const SgTypeDef *d, SgName name, const char *fmt, const char *type) {
    SgSuggest s = sg_suggest_start(name);
    for (uint32_t i = 0; i < d->nfields; i++) sg_suggest_offer(&s, d->fields[i].name);
    sg_diag_unknown(c->d, at, at, "E108", &s, fmt, type, (int)name.len, name.s);
}

/* ---- facts for editors ---- */
static const char *cstr(Ck *c, SgName n) {
    return c->m->facts && c->m->facts->refs_only ? NULL : sg_arena_strndup(&c->m->diag_arena, n.s, n.len);
}

static void fact_value(Ck *c, SgSpan at, SgName name, SgValue *v, SgType *t) {
    if (!c->m->facts) return;
    const SgValue *o = v->orig ? v->orig : v;
    SgFact f = {.span = at, .kind = v->kind == V_MODULE ? FACT_MODULE : FACT_VALUE, .name = cstr(c, name), .t = t,
                .doc = o->doc, .target = o->owner, .target_span = o->span};
    if (v->kind == V_MODULE) {
        f.target = v->target;
        f.target_span = (SgSpan){0, 0};
        f.t = NULL;
    }
    sg_fact_add(c->m, f);
}

static void fact_local(Ck *c, SgSpan at, SgName name, SgType *t, SgSpan decl, bool is_decl) {
    if (!c->m->facts || c->m->facts->refs_only) return;
    SgFact f = {.span = at, .kind = FACT_LOCAL, .decl = is_decl, .name = cstr(c, name), .t = t, .target = c->m,
                .target_span = decl};
    sg_fact_add(c->m, f);
}

static void fact_field(Ck *c, SgSpan at, SgTypeDef *d, SgField *fd, SgType *t) {
    if (!c->m->facts) return;
    SgFact f = {.span = at, .kind = FACT_FIELD, .name = cstr(c, fd->name), .t = t, .target = d->module,
                .target_span = fd->span};
    sg_fact_add(c->m, f);
}

/* ---- locals ---- */
static Local *push_local(Ck *c, SgName name, SgSpan span, SgType *t, uint8_t kind, bool mut) {
    if (c->nlocals == c->caplocals) {
        c->caplocals = c->caplocals ? c->caplocals * 2 : 32;
        c->locals = sg_xrealloc(c->locals, sizeof *c->locals * c->caplocals);
    }
    Local *l = &c->locals[c->nlocals++];
    l->name = name;
    l->span = span;
    l->type = t;
    l->kind = kind;
    l->mut = mut;
    l->used = false;
    return l;
}

static void pop_locals(Ck *c, uint32_t to) {
    for (uint32_t i = to; i < c->nlocals; i++) {
        Local *l = &c->locals[i];
        if (l->kind == L_LET && !l->used && !(l->name.len && l->name.s[0] == '_') &&
            !(c->item && c->item->had_syntax_error))
            diag(c, l->span, "W002", "unused local variable `%.*s`", (int)l->name.len, l->name.s);
    }
    c->nlocals = to;
}

static Local *find_local(Ck *c, SgName name) {
    for (uint32_t i = c->nlocals; i-- > 0;)
        if (sg_name_eq(c->locals[i].name, name)) return &c->locals[i];
    return NULL;
}

static SgType *resolve_te(Ck *c, SgTypeExpr *te) {
    SgResolveCtx r = {.prog = c->p, .m = c->m, .a = c->a, .diags = c->d,
                      .tparams = c->item ? c->item->tparams : NULL,
                      .ntparams = c->item ? c->item->ntparams : 0};
    return sg_resolve_type(&r, te);
}

/* ---- values ---- */
static SgType *value_type(Ck *c, SgValue *v, SgExpr *at) {
    if (v->import) v->import->used = true;
    switch (v->kind) {
    case V_ERROR:
        return &sg_ty_error;
    case V_MODULE:
        diag(c, at->span, "E103", "`%.*s` is a module, not a value; use `%.*s.name`", (int)v->name.len,
             v->name.s, (int)v->name.len, v->name.s);
        return &sg_ty_error;
    default:
        if (!v->type) return &sg_ty_error;
        return instantiate(c, v->type, v->ntparams, at->span);
    }
}

/* Looks up `alias.name` in an imported module; NULL (after a diagnostic)
 * when there is no such public item. `*silent` is set for failed imports. */
static SgValue *module_member(Ck *c, SgValue *mod, SgName name, SgSpan at) {
    SgModule *t = mod->target;
    SgValue *v = sg_map_get(&t->values, name);
    if (mod->import) sg_use_record(c->m, mod->import, SG_NS_VALUE, name);
    if (v && (v->import || v->kind == V_MODULE || v->kind == V_ERROR)) v = NULL;
    if (!v) {
        SgSuggest s = mod->import ? sg_member_suggestion(c->m, mod->import, SG_NS_VALUE, name) : sg_suggest_start(name);
        sg_diag_unknown(c->d, at, name_span(c, name), "E105", &s, "module `%s` has no item `%.*s`", t->name,
                        (int)name.len, name.s);
        return NULL;
    }
    if (!v->pub) {
        diag(c, at, "E106", "`%.*s` is private to module `%s`", (int)name.len, name.s, t->name);
        return NULL;
    }
    return v;
}

/* If e is `alias.x` with alias an import binding (not shadowed by a local),
 * returns the binding. */
static SgValue *module_ref(Ck *c, SgExpr *lhs) {
    if (lhs->kind != EX_NAME || lhs->paren) return NULL;
    if (find_local(c, lhs->u.name)) return NULL;
    SgValue *v = sg_map_get(&c->m->values, lhs->u.name);
    if (v && (v->kind == V_MODULE || (v->kind == V_ERROR && v->import && v->import->item && !v->import->item->selective))) return v;
    return NULL;
}

/* ---- expressions ---- */
static SgType *check_dropped(Ck *c, SgExpr *e) {
    bool d = c->dropped;
    c->dropped = true;
    SgType *t = check_plain(c, e, NULL);
    c->dropped = d;
    return t;
}

static SgType *check_args_loose(Ck *c, SgExpr **args, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) check(c, args[i], &sg_ty_error);
    return &sg_ty_error;
}

/* The named function a callee refers to, if any (already looked up, and
 * recorded, by the callee's check). */
static const SgValue *callee_fn(Ck *c, SgExpr *callee) {
    const SgValue *v = NULL;
    if (callee->kind == EX_NAME && !find_local(c, callee->u.name)) {
        v = sg_lookup_value(c->p, c->m, callee->u.name);
    } else if (callee->kind == EX_MEMBER) {
        SgValue *mod = module_ref(c, callee->u.member.lhs);
        v = mod && mod->kind == V_MODULE ? sg_map_get(&mod->target->values, callee->u.member.name) : NULL;
        if (v && (v->import || !v->pub)) v = NULL;
    }
    return v && v->kind == V_FN ? v : NULL;
}

static SgType *check_call(Ck *c, SgExpr *e) {
    SgType *ft = known(c, e->u.call.callee, check(c, e->u.call.callee, NULL));
    if (ft->kind == TY_ERROR) return check_args_loose(c, e->u.call.args, e->u.call.nargs);
    if (ft->kind != TY_FN) {
        diag(c, e->span, "E203", "a value of type %s is not callable", tstr(c, ft));
        poison(c, ft);
        return check_args_loose(c, e->u.call.args, e->u.call.nargs);
    }
    if (ft->n != e->u.call.nargs) {
        diag(c, e->span, "E202", "wrong number of arguments: expected %u, found %u", ft->n, e->u.call.nargs);
        for (uint32_t i = 0; i < e->u.call.nargs; i++) check(c, e->u.call.args[i], i < ft->n ? ft->args[i] : &sg_ty_error);
        return ft->ret;
    }
    const SgValue *fn = callee_fn(c, e->u.call.callee);
    for (uint32_t i = 0; i < ft->n; i++) check_from(c, e->u.call.args[i], ft->args[i], origin_param(c, fn, i, ft->args[i]));
    return ft->ret;
}

static const char *op_text(int op) {
    switch (op) {
    case TK_PLUS: return "+"; case TK_MINUS: return "-"; case TK_STAR: return "*";
    case TK_SLASH: return "/"; case TK_PERCENT: return "%"; case TK_LT: return "<";
    case TK_LE: return "<="; case TK_GT: return ">"; case TK_GE: return ">=";
    case TK_EQ: return "=="; case TK_NE: return "!="; case TK_ANDAND: return "&&";
    case TK_OROR: return "||"; case TK_BANG: return "!";
    default: return "?";
    }
}

static bool is_absorbing(SgType *t) { return t->kind == TY_ERROR || t->kind == TY_NEVER; }

static SgType *check_binary(Ck *c, SgExpr *e) {
    int op = e->op;
    SgType *l = known(c, e->u.bin.lhs, check(c, e->u.bin.lhs, NULL));
    SgType *r = known(c, e->u.bin.rhs, check(c, e->u.bin.rhs, NULL));
    bool cmp = op == TK_LT || op == TK_LE || op == TK_GT || op == TK_GE;
    bool eq = op == TK_EQ || op == TK_NE;
    bool logic = op == TK_ANDAND || op == TK_OROR;
    SgType *result = cmp || eq || logic ? &sg_ty_bool : NULL;
    if (is_absorbing(l) || is_absorbing(r)) {
        if (result) return result;
        return is_absorbing(l) ? (is_absorbing(r) ? &sg_ty_error : r) : l;
    }
    bool ok;
    if (logic) ok = l->kind == TY_BOOL && r->kind == TY_BOOL;
    else if (eq) ok = sg_type_is_prim(l) && l->kind == r->kind;
    else if (op == TK_PERCENT) ok = l->kind == TY_INT && r->kind == TY_INT;
    else if (op == TK_PLUS)
        ok = l->kind == r->kind && (l->kind == TY_INT || l->kind == TY_FLOAT || l->kind == TY_STRING);
    else ok = l->kind == r->kind && (l->kind == TY_INT || l->kind == TY_FLOAT);
    if (!ok) {
        diag(c, e->span, "E206", "operator `%s` is not defined for %s and %s", op_text(op), tstr(c, l), tstr(c, r));
        poison(c, l);
        poison(c, r);
        return result ? result : &sg_ty_error;
    }
    return result ? result : l;
}

static SgType *check_unary(Ck *c, SgExpr *e) {
    SgType *t = known(c, e->u.bin.lhs, check(c, e->u.bin.lhs, NULL));
    if (is_absorbing(t)) return e->op == TK_BANG ? &sg_ty_bool : &sg_ty_error;
    bool ok = e->op == TK_BANG ? t->kind == TY_BOOL : (t->kind == TY_INT || t->kind == TY_FLOAT);
    if (!ok) {
        diag(c, e->span, "E206", "operator `%s` is not defined for %s", op_text(e->op), tstr(c, t));
        poison(c, t);
        return e->op == TK_BANG ? &sg_ty_bool : &sg_ty_error;
    }
    return t;
}

static SgType *check_member(Ck *c, SgExpr *e) {
    SgValue *mod = module_ref(c, e->u.member.lhs);
    if (mod) {
        if (mod->import) mod->import->used = true;
        fact_value(c, e->u.member.lhs->span, e->u.member.lhs->u.name, mod, NULL);
        if (mod->kind == V_ERROR) return &sg_ty_error;
        SgValue *v = module_member(c, mod, e->u.member.name, e->u.member.name_span);
        if (!v) return &sg_ty_error;
        SgType *t = value_type(c, v, e);
        fact_value(c, e->u.member.name_span, e->u.member.name, v, t);
        return t;
    }
    SgExpr *lhs = e->u.member.lhs;
    if (lhs->kind == EX_NAME && !lhs->paren && !find_local(c, lhs->u.name) && !sg_lookup_value(c->p, c->m, lhs->u.name)) {
        unknown_value(c, lhs->span, lhs->u.name, true);     /* `gro.area`: perhaps the alias `geo` */
        return &sg_ty_error;
    }
    SgType *t = known(c, lhs, check(c, lhs, NULL));
    if (is_absorbing(t)) return &sg_ty_error;
    SgName f = e->u.member.name;
    if (t->kind == TY_NAMED && t->def->kind == DEF_STRUCT) {
        SgTypeDef *d = t->def;
        for (uint32_t i = 0; i < d->nfields; i++)
            if (sg_name_eq(d->fields[i].name, f)) {
                SgType *ft = sg_type_subst(c->a, d->fields[i].type, t->args, t->n);
                fact_field(c, e->u.member.name_span, d, &d->fields[i], ft);
                return ft;
            }
        unknown_field(c, e->u.member.name_span, d, f, "struct %s has no field `%.*s`", tstr(c, t));
        poison(c, t);
        return &sg_ty_error;
    }
    diag(c, e->u.member.name_span, "E108", "no field `%.*s` on a value of type %s", (int)f.len, f.s, tstr(c, t));
    poison(c, t);
    return &sg_ty_error;
}

static SgType *check_index(Ck *c, SgExpr *e) {
    SgType *t = known(c, e->u.index.lhs, check(c, e->u.index.lhs, NULL));
    if (is_absorbing(t)) {
        check(c, e->u.index.index, &sg_ty_int);
        return &sg_ty_error;
    }
    if (t->kind != TY_LIST) {
        diag(c, e->span, "E206", "cannot index a value of type %s (only lists can be indexed)", tstr(c, t));
        poison(c, t);
        check(c, e->u.index.index, &sg_ty_error);
        return &sg_ty_error;
    }
    check(c, e->u.index.index, &sg_ty_int);
    return t->args[0];
}

static SgType *check_list(Ck *c, SgExpr *e, SgType *expected) {
    SgType *elem = NULL;
    if (expected && expected != DROP) {
        SgType *x = resolve(c, expected);
        if (x->kind == TY_LIST) elem = x->args[0];
    }
    if (!elem && !e->u.list.n) elem = new_var(c, e->span);
    for (uint32_t i = 0; i < e->u.list.n; i++) {
        SgType *t = check(c, e->u.list.items[i], elem);
        if (!elem && resolve(c, t)->kind != TY_NEVER) elem = t;
    }
    if (!elem) elem = &sg_ty_never;
    return sg_type_list(c->a, elem);
}

static SgType *check_struct_lit(Ck *c, SgExpr *e) {
    SgName qual = e->u.lit.qual, name = e->u.lit.name;
    SgTypeEntry *te = NULL;
    bool silent = false;
    if (qual.len) {
        SgValue *mod = find_local(c, qual) ? NULL : sg_map_get(&c->m->values, qual);
        if (mod && mod->import) mod->import->used = true;
        if (mod && mod->kind == V_ERROR) silent = true;
        else if (!mod || mod->kind != V_MODULE) {
            diag(c, e->u.lit.name_span, "E104", "unknown type `%.*s.%.*s`", (int)qual.len, qual.s, (int)name.len, name.s);
            silent = true;
        } else {
            if (mod->import) sg_use_record(c->m, mod->import, SG_NS_TYPE, name);
            te = sg_map_get(&mod->target->types, name);
            if (te && te->import) te = NULL;
            if (!te) {
                SgSuggest s = mod->import ? sg_member_suggestion(c->m, mod->import, SG_NS_TYPE, name) : sg_suggest_start(name);
                sg_diag_unknown(c->d, e->u.lit.name_span, name_span(c, name), "E105", &s, "module `%s` has no type `%.*s`",
                                mod->target->name, (int)name.len, name.s);
                silent = true;
            } else if (!te->pub) {
                diag(c, e->u.lit.name_span, "E106", "type `%.*s` is private to module `%s`", (int)name.len, name.s,
                     mod->target->name);
                silent = true;
                te = NULL;
            }
        }
    } else {
        te = sg_lookup_type(c->p, c->m, name);
        if (!te) {
            SgSuggest s = sg_suggest_start(name);
            sg_offer_types(&s, c->p, c->m, c->item ? c->item->tparams : NULL, c->item ? c->item->ntparams : 0);
            sg_diag_unknown(c->d, e->u.lit.name_span, name_span(c, name), "E104", &s, "unknown type `%.*s`", (int)name.len,
                            name.s);
            silent = true;
        }
    }
    SgType *st = NULL;
    if (te) {
        if (te->import) te->import->used = true;
        if (te->kind == TENT_DEF) {
            SgTypeDef *d = te->def;
            SgType **args = NULL;
            if (d->ntparams) {
                args = SG_NEW_N(c->a, SgType *, d->ntparams);
                for (uint32_t i = 0; i < d->ntparams; i++) args[i] = new_var(c, e->span);
            }
            st = sg_type_named(c->a, d, args, d->ntparams);
        } else if (te->kind == TENT_ALIAS && !te->alias_cyclic && te->target) {
            st = instantiate(c, te->target, te->ntparams, e->span);
        } else {
            silent = true;
        }
    }
    if (st && !silent && (st->kind != TY_NAMED || st->def->kind != DEF_STRUCT)) {
        if (st->kind != TY_ERROR)
            diag(c, e->u.lit.name_span, "E108", "`%.*s` is not a struct", (int)name.len, name.s);
        st = NULL;
        silent = true;
    }
    if (!st) {
        for (uint32_t i = 0; i < e->u.lit.nfields; i++) check(c, e->u.lit.fields[i].value, &sg_ty_error);
        return &sg_ty_error;
    }
    SgTypeDef *d = st->def;
    if (c->m->facts)
        sg_fact_add(c->m, (SgFact){.span = {e->u.lit.name_span.end - name.len, e->u.lit.name_span.end},
                                   .kind = FACT_TYPE, .name = cstr(c, name), .t = st, .doc = d->doc,
                                   .target = d->module, .target_span = d->span});
    bool *seen = d->nfields ? SG_NEW_N(c->a, bool, d->nfields) : NULL;
    for (uint32_t i = 0; i < e->u.lit.nfields; i++) {
        SgFieldInit *f = &e->u.lit.fields[i];
        uint32_t k = 0;
        while (k < d->nfields && !sg_name_eq(d->fields[k].name, f->name)) k++;
        if (k == d->nfields) {
            unknown_field(c, f->name_span, d, f->name, "struct `%s` has no field `%.*s`", cname(c, d->name));
            check(c, f->value, &sg_ty_error);
            continue;
        }
        if (seen[k]) {
            SgDiag *g = diag(c, f->name_span, "E107", "field `%.*s` is given twice", (int)f->name.len, f->name.s);
            uint32_t first = 0;
            while (!sg_name_eq(e->u.lit.fields[first].name, f->name)) first++;
            sg_diag_related_here(c->d, g, e->u.lit.fields[first].name_span.start, e->u.lit.fields[first].name_span.end,
                                 "first given here");
            check(c, f->value, &sg_ty_error);
            continue;
        }
        seen[k] = true;
        SgType *ft = sg_type_subst(c->a, d->fields[k].type, st->args, st->n);
        fact_field(c, f->name_span, d, &d->fields[k], ft);
        check_from(c, f->value, ft, origin_field(c, d, k, ft));
    }
    SgBuf missing = {0};
    for (uint32_t i = 0; i < d->nfields; i++) {
        uint32_t k = sg_def_nth_field(c->m, d, i);
        if (!seen[k]) {
            if (missing.len) sg_buf_puts(&missing, ", ");
            sg_buf_printf(&missing, "`%.*s`", (int)d->fields[k].name.len, d->fields[k].name.s);
        }
    }
    if (missing.len)
        diag(c, (SgSpan){e->span.start, e->u.lit.name_span.end}, "E109", "missing fields in struct literal: %s",
             sg_buf_cstr(&missing));
    sg_buf_free(&missing);
    return st;
}

static SgType *check_lambda(Ck *c, SgExpr *e, SgType *expected) {
    SgType *exp = expected && expected != DROP ? resolve(c, expected) : NULL;
    if (exp && exp->kind != TY_FN) exp = NULL;
    uint32_t np = e->u.lambda.nparams;
    SgType **params = np ? SG_NEW_N(c->a, SgType *, np) : NULL;
    for (uint32_t i = 0; i < np; i++) params[i] = resolve_te(c, e->u.lambda.params[i].type);
    for (uint32_t i = 1; i < np; i++)
        for (uint32_t j = 0; j < i; j++)
            if (sg_name_eq(e->u.lambda.params[i].name, e->u.lambda.params[j].name)) {
                SgDiag *g = diag(c, e->u.lambda.params[i].name_span, "E107", "duplicate parameter `%.*s`",
                                 (int)e->u.lambda.params[i].name.len, e->u.lambda.params[i].name.s);
                sg_diag_related_here(c->d, g, e->u.lambda.params[j].name_span.start,
                                     e->u.lambda.params[j].name_span.end, "first defined here");
                break;
            }
    SgType *ret;
    if (e->u.lambda.ret) ret = resolve_te(c, e->u.lambda.ret);
    else if (exp && exp->n == np) ret = exp->ret;
    else ret = new_var(c, e->span);
    SgType *saved_ret = c->ret;
    Origin saved_origin = c->ret_origin;
    uint32_t saved_loops = c->loops, mark = c->nlocals;
    bool saved_dropped = c->dropped;
    c->ret = ret;
    c->ret_origin = e->u.lambda.ret ? origin_here(ret, e->u.lambda.ret->span, "expected because of this return type")
                                    : (Origin){0};
    c->loops = 0;
    c->dropped = false;
    for (uint32_t i = 0; i < np; i++) {
        push_local(c, e->u.lambda.params[i].name, e->u.lambda.params[i].name_span, params[i], L_PARAM, false);
        fact_local(c, e->u.lambda.params[i].name_span, e->u.lambda.params[i].name, params[i],
                   e->u.lambda.params[i].name_span, true);
    }
    SgType *r = resolve(c, ret);
    SgType *body = check_block_from(c, e->u.lambda.body, r->kind == TY_UNIT ? DROP : ret, c->ret_origin);
    /* a body that never returns normally gives an inferred return type of never */
    r = resolve(c, ret);
    if (r->kind == TY_VAR && resolve(c, body)->kind == TY_NEVER) c->vars[r->id].bound = &sg_ty_never;
    pop_locals(c, mark);
    c->ret = saved_ret;
    c->ret_origin = saved_origin;
    c->loops = saved_loops;
    c->dropped = saved_dropped;
    return sg_type_fn(c->a, params, np, ret);
}

static bool has_final_else(SgExpr *e) {
    while (e && e->kind == EX_IF) e = e->u.if_.els;
    return e != NULL;
}

/* Joins branch types: each branch is checked against `expected`, or, with
 * none, against the first branch that is not never. */
typedef struct Join {
    SgType *expected;
    SgType *first;
    bool all_never;
} Join;

static void join_branch(Ck *c, Join *j, SgType *t) {
    if (resolve(c, t)->kind != TY_NEVER) {
        j->all_never = false;
        if (!j->expected && !j->first) j->first = t;
    }
}
static SgType *join_target(Join *j) { return j->expected ? j->expected : j->first; }
static SgType *join_result(Join *j) {
    if (j->all_never) return &sg_ty_never;
    return j->expected ? j->expected : j->first ? j->first : &sg_ty_never;
}

static SgType *check_if(Ck *c, SgExpr *e, SgType *expected) {
    if (!has_final_else(e)) {
        /* Unit; every branch is dropped */
        for (SgExpr *x = e; x && x->kind == EX_IF; x = x->u.if_.els) {
            check_plain(c, x->u.if_.cond, &sg_ty_bool);
            check_block(c, x->u.if_.then, DROP);
        }
        return coerce(c, e->span, &sg_ty_unit, expected);
    }
    Join j = {.expected = expected == DROP ? NULL : expected, .all_never = true};
    SgExpr *x = e;
    for (;;) {
        check_plain(c, x->u.if_.cond, &sg_ty_bool);
        join_branch(c, &j, check_block(c, x->u.if_.then, join_target(&j)));
        SgExpr *els = x->u.if_.els;
        if (els->kind == EX_IF) {
            x = els;
            continue;
        }
        join_branch(c, &j, check_block(c, els->u.block, join_target(&j)));
        break;
    }
    return join_result(&j);
}

/* ---- patterns ---- */
static SgValue *pattern_ctor(Ck *c, SgPattern *pt, bool *silent) {
    *silent = false;
    SgValue *v;
    if (pt->qual.len) {
        SgValue *mod = find_local(c, pt->qual) ? NULL : sg_map_get(&c->m->values, pt->qual);
        if (mod && mod->import) mod->import->used = true;
        if (mod && mod->kind == V_ERROR) {
            *silent = true;
            return NULL;
        }
        if (!mod || mod->kind != V_MODULE) {
            SgSuggest s = sg_suggest_start(pt->qual);
            sg_offer_modules(&s, c->m);
            sg_diag_unknown(c->d, pt->span, name_span(c, pt->qual), "E103", &s, "unknown module `%.*s`", (int)pt->qual.len,
                            pt->qual.s);
            *silent = true;
            return NULL;
        }
        v = module_member(c, mod, pt->name, pt->span);
        if (!v) {
            *silent = true;
            return NULL;
        }
    } else {
        v = sg_lookup_value(c->p, c->m, pt->name);
    }
    if (v && v->import) v->import->used = true;
    if (v && v->kind == V_ERROR) {
        *silent = true;
        return NULL;
    }
    return v && v->kind == V_CTOR ? v : NULL;
}

static SgMPat *wild_mpat(Ck *c) { return SG_NEW(c->a, SgMPat); }

/* Checks a pattern against type t (resolved), binding its names. Returns the
 * lowered pattern, or NULL when the pattern has an error. */
static SgMPat *check_pattern(Ck *c, SgPattern *pt, SgType *t) {
    t = resolve(c, t);
    switch (pt->kind) {
    case PT_WILD:
        return wild_mpat(c);
    case PT_ERROR:
        return NULL;
    case PT_BIND: {
        bool silent;
        SgValue *v = pattern_ctor(c, pt, &silent);
        if (silent) return NULL;
        if (!v) {
            push_local(c, pt->name, pt->span, t, L_BIND, false);
            fact_local(c, pt->span, pt->name, t, pt->span, true);
            return wild_mpat(c);
        }
        break;  /* a constructor without parentheses */
    }
    case PT_INT: case PT_STRING: case PT_BOOL: {
        SgType *want = pt->kind == PT_INT ? &sg_ty_int : pt->kind == PT_STRING ? &sg_ty_string : &sg_ty_bool;
        if (t->kind == TY_ERROR) return NULL;
        if (t->kind != want->kind) {
            diag(c, pt->span, "E211", "pattern of type %s does not fit the matched type %s", tstr(c, want), tstr(c, t));
            return NULL;
        }
        SgMPat *mp = SG_NEW(c->a, SgMPat);
        if (pt->kind == PT_BOOL) {
            mp->kind = MP_CTOR;
            mp->ctor = pt->bval ? 1 : 0;
        } else if (pt->kind == PT_INT) {
            mp->kind = MP_INT;
            mp->ival = pt->ival;
        } else {
            mp->kind = MP_STR;
            mp->sval = pt->sval;
            mp->slen = pt->slen;
        }
        return mp;
    }
    default:
        break;
    }
    /* constructor pattern */
    bool silent = false;
    SgValue *v = pattern_ctor(c, pt, &silent);
    if (!v) {
        if (!silent) {
            SgSuggest s = sg_suggest_start(pt->name);
            sg_offer_values(&s, c->p, c->m, true);
            sg_diag_unknown(c->d, pt->span, name_span(c, pt->name), "E103", &s, "unknown constructor `%.*s`",
                            (int)pt->name.len, pt->name.s);
        }
        for (uint32_t i = 0; i < pt->nargs; i++) check_pattern(c, pt->args[i], &sg_ty_error);
        return NULL;
    }
    SgCtor *ct = v->ctor;
    fact_value(c, (SgSpan){pt->span.start, pt->span.start + (pt->qual.len ? pt->qual.len + 1 : 0) + pt->name.len},
               pt->name, v, t);
    if (t->kind == TY_ERROR) {
        for (uint32_t i = 0; i < pt->nargs; i++) check_pattern(c, pt->args[i], &sg_ty_error);
        return NULL;
    }
    if (t->kind == TY_NAMED && t->def != ct->owner && sg_def_same(t->def, ct->owner)) {
        /* another record of the same enum: its constructor of that name */
        SgCtor *same = NULL;
        for (uint32_t k = 0; k < t->def->nctors && !same; k++)
            if (sg_name_eq(t->def->ctors[k].name, ct->name)) same = &t->def->ctors[k];
        if (same) ct = same;
    }
    if (t->kind != TY_NAMED || t->def != ct->owner) {
        diag(c, pt->span, "E211", "constructor `%.*s` of `%.*s` does not fit the matched type %s", (int)ct->name.len,
             ct->name.s, (int)ct->owner->name.len, ct->owner->name.s, tstr(c, t));
        for (uint32_t i = 0; i < pt->nargs; i++) check_pattern(c, pt->args[i], &sg_ty_error);
        return NULL;
    }
    uint32_t given = pt->has_parens ? pt->nargs : 0;
    if (given != ct->npayload || (pt->has_parens && !ct->npayload)) {
        diag(c, pt->span, "E211", "constructor `%.*s` has %u fields, but the pattern has %u", (int)ct->name.len,
             ct->name.s, ct->npayload, given);
        for (uint32_t i = 0; i < pt->nargs; i++) check_pattern(c, pt->args[i], &sg_ty_error);
        return NULL;
    }
    SgMPat *mp = SG_NEW(c->a, SgMPat);
    mp->kind = MP_CTOR;
    mp->ctor = ct->index;
    mp->nargs = ct->npayload;
    mp->args = ct->npayload ? SG_NEW_N(c->a, SgMPat *, ct->npayload) : NULL;
    bool bad = false;
    for (uint32_t i = 0; i < ct->npayload; i++) {
        SgType *pty = sg_type_subst(c->a, ct->payload[i], t->args, t->n);
        mp->args[i] = check_pattern(c, pt->args[i], pty);
        if (!mp->args[i]) bad = true;
    }
    return bad ? NULL : mp;
}

static SgType *check_match(Ck *c, SgExpr *e, SgType *expected) {
    SgType *st = known(c, e->u.match.scrut, check_plain(c, e->u.match.scrut, NULL));
    uint32_t n = e->u.match.narms;
    SgMPat **rows = n ? SG_NEW_N(c->a, SgMPat *, n) : NULL;
    bool any_bad = false;
    Join j = {.expected = expected == DROP ? NULL : expected, .all_never = true};
    for (uint32_t i = 0; i < n; i++) {
        SgArm *arm = &e->u.match.arms[i];
        uint32_t mark = c->nlocals;
        rows[i] = check_pattern(c, arm->pat, st);
        if (!rows[i]) any_bad = true;
        join_branch(c, &j, check(c, arm->body, join_target(&j)));
        pop_locals(c, mark);
    }
    if (st->kind != TY_ERROR) {
        SgMatchInput in = {.prog = c->p, .m = c->m, .a = c->a, .type = zonk(c, st), .rows = rows, .nrows = n};
        SgMatchResult res = {0};
        sg_match_analyze(&in, &res);
        for (uint32_t i = 0; i < n; i++)
            if (rows[i] && res.useless[i])
                diag(c, e->u.match.arms[i].pat->span, "W003", "unreachable match arm: earlier arms cover every value it matches");
        if (res.missing && !any_bad)
            diag(c, (SgSpan){e->span.start, e->span.start + 5}, "E207", "non-exhaustive match: `%s` is not covered",
                 res.missing);
        if (res.incomplete && !any_bad)
            diag(c, (SgSpan){e->span.start, e->span.start + 5}, "E212",
                 "match too complex to check for exhaustiveness (sigil's limit is %ld steps); split it into nested matches",
                 SG_MATCH_BUDGET);
        free(res.useless);
    }
    if (!n) return coerce(c, e->span, &sg_ty_never, expected);
    return join_result(&j);
}

static SgType *infer(Ck *c, SgExpr *e, SgType *expected) {
    switch (e->kind) {
    case EX_INT: return &sg_ty_int;
    case EX_FLOAT: return &sg_ty_float;
    case EX_STRING: return &sg_ty_string;
    case EX_BOOL: return &sg_ty_bool;
    case EX_ERROR: return &sg_ty_error;
    case EX_NAME: {
        Local *l = find_local(c, e->u.name);
        if (l) {
            l->used = true;
            fact_local(c, e->span, e->u.name, l->type, l->span, false);
            return l->type;
        }
        SgValue *v = sg_lookup_value(c->p, c->m, e->u.name);
        if (!v) {
            unknown_value(c, e->span, e->u.name, false);
            return &sg_ty_error;
        }
        SgType *t = value_type(c, v, e);
        fact_value(c, e->span, e->u.name, v, t);
        return t;
    }
    case EX_MEMBER: return check_member(c, e);
    case EX_CALL: return check_call(c, e);
    case EX_INDEX: return check_index(c, e);
    case EX_UNARY: return check_unary(c, e);
    case EX_BINARY: return check_binary(c, e);
    case EX_LIST: return check_list(c, e, expected);
    case EX_STRUCT: return check_struct_lit(c, e);
    case EX_LAMBDA: return check_lambda(c, e, expected);
    case EX_RETURN:
        if (!c->ret) {
            diag(c, e->span, "E010", "`return` outside a function");
            return &sg_ty_never;
        }
        if (e->u.ret) {
            check_from(c, e->u.ret, c->ret, c->ret_origin);
        } else {
            Origin saved = c->origin;
            c->origin = c->ret_origin;
            coerce(c, e->span, &sg_ty_unit, c->ret);
            c->origin = saved;
        }
        return &sg_ty_never;
    case EX_BREAK: case EX_CONTINUE:
        if (!c->loops)
            diag(c, e->span, "E209", "`%s` outside a loop", e->kind == EX_BREAK ? "break" : "continue");
        return &sg_ty_never;
    default:
        return &sg_ty_error;
    }
}

static SgType *check(Ck *c, SgExpr *e, SgType *expected) {
    switch (e->kind) {
    case EX_BLOCK: {
        uint32_t mark = c->nlocals;
        SgType *t = check_block(c, e->u.block, expected);
        (void)mark;
        return t;
    }
    case EX_IF: return check_if(c, e, expected);
    case EX_MATCH: return check_match(c, e, expected);
    default: {
        /* the parts of this expression have expectations of their own */
        Origin o = c->origin;
        c->origin = (Origin){0};
        SgType *t = infer(c, e, expected);
        /* a constructed type (a list of lists of ...) grows with the code */
        if (t->depth > SG_TYPE_MAX_DEPTH || t->size > SG_TYPE_MAX_SIZE) {
            too_large(c, t, e->span.start, e->span.end);
            t = &sg_ty_error;
        }
        c->origin = o;
        return coerce(c, e->span, t, expected);
    }
    }
}

/* ---- statements ---- */
static void check_assign(Ck *c, SgStmt *s) {
    SgExpr *tg = s->target;
    if (tg->kind == EX_NAME) {
        Local *l = find_local(c, tg->u.name);
        if (l) {
            fact_local(c, tg->span, tg->u.name, l->type, l->span, false);
            if (!l->mut) {
                diag(c, tg->span, "E208", "cannot assign to `%.*s`: it is not declared with `let mut`",
                     (int)tg->u.name.len, tg->u.name.s);
            }
            check(c, s->expr, l->type);
            return;
        }
        SgValue *v = sg_lookup_value(c->p, c->m, tg->u.name);
        if (!v) {
            unknown_value(c, tg->span, tg->u.name, false);
            check(c, s->expr, &sg_ty_error);
            return;
        }
        SgType *t = value_type(c, v, tg);
        if (v->kind != V_ERROR && v->kind != V_MODULE)
            diag(c, tg->span, "E208", "cannot assign to `%.*s`: only `let mut` locals can be assigned",
                 (int)tg->u.name.len, tg->u.name.s);
        check(c, s->expr, t);
        return;
    }
    SgType *t = check(c, tg, NULL);
    if (tg->kind != EX_ERROR)
        diag(c, tg->span, "E208", "cannot assign to this expression: only `let mut` locals can be assigned");
    check(c, s->expr, t);
}

static void check_loop_body(Ck *c, SgBlock *b) {
    c->loops++;
    check_block(c, b, DROP);
    c->loops--;
}

static void check_stmt(Ck *c, SgStmt *s) {
    switch (s->kind) {
    case ST_LET: {
        SgType *t;
        if (s->wildcard) {
            if (s->type) {
                SgType *t = resolve_te(c, s->type);
                check_from(c, s->expr, t, origin_here(t, s->type->span, "expected because of this annotation"));
            } else {
                check_dropped(c, s->expr);
            }
            return;
        }
        bool d = c->dropped;
        c->dropped = false;
        if (s->type) {
            t = resolve_te(c, s->type);
            check_from(c, s->expr, t, origin_here(t, s->type->span, "expected because of this annotation"));
        } else {
            t = check(c, s->expr, NULL);
        }
        c->dropped = d;
        push_local(c, s->name, s->name_span, t, L_LET, s->mut);
        if (c->m->facts && !c->m->facts->refs_only) {
            fact_local(c, s->name_span, s->name, t, s->name_span, true);
            c->m->facts->items[c->m->facts->len - 1].is_let = true;
            c->m->facts->items[c->m->facts->len - 1].annotated = s->type != NULL;
        }
        return;
    }
    case ST_EXPR:
        check_dropped(c, s->expr);
        return;
    case ST_ASSIGN:
        check_assign(c, s);
        return;
    case ST_WHILE:
        check(c, s->expr, &sg_ty_bool);
        check_loop_body(c, s->body);
        return;
    case ST_FOR: {
        SgType *t = known(c, s->expr, check(c, s->expr, NULL));
        SgType *elem;
        if (t->kind == TY_LIST) elem = t->args[0];
        else if (is_absorbing(t)) elem = &sg_ty_error;
        else {
            diag(c, s->expr->span, "E201", "type mismatch: expected a List, found %s", tstr(c, t));
            poison(c, t);
            elem = &sg_ty_error;
        }
        uint32_t mark = c->nlocals;
        push_local(c, s->name, s->name_span, elem, L_BIND, false);
        fact_local(c, s->name_span, s->name, elem, s->name_span, true);
        check_loop_body(c, s->body);
        pop_locals(c, mark);
        return;
    }
    }
}

static SgType *check_block(Ck *c, SgBlock *b, SgType *expected) {
    uint32_t mark = c->nlocals;
    SgType *result = &sg_ty_unit;
    bool have_value = false;
    for (uint32_t i = 0; i < b->n; i++) {
        SgStmt *s = b->stmts[i];
        bool last = i + 1 == b->n;
        if (last && s->kind == ST_EXPR) {
            if (expected == DROP) {
                SgType *t = check_dropped(c, s->expr);
                result = resolve(c, t)->kind == TY_NEVER ? &sg_ty_never : &sg_ty_unit;
            } else {
                result = check(c, s->expr, expected);
            }
            have_value = true;
        } else {
            Origin o = c->origin;
            c->origin = (Origin){0};
            check_stmt(c, s);
            c->origin = o;
        }
    }
    pop_locals(c, mark);
    if (b->had_error && !have_value) {
        /* its value may be what was dropped: an inferred type waiting for it
         * (a lambda's return type) is the error type, not an E205 */
        if (expected && expected != DROP) poison(c, expected);
        return &sg_ty_error;
    }
    if (!have_value && expected && expected != DROP) {
        SgSpan at = b->n ? b->stmts[b->n - 1]->span : (SgSpan){b->span.end ? b->span.end - 1 : 0, b->span.end};
        if (!unify(c, &sg_ty_unit, expected)) mismatch(c, at, expected, &sg_ty_unit);
        return expected;
    }
    return result;
}

/* ---- items ---- */
static void finish_body(Ck *c, uint32_t first_var) {
    for (uint32_t i = first_var; i < c->nvars; i++) {
        VarInfo *v = &c->vars[i];
        if (v->bound) continue;
        if (v->dropped) {
            v->bound = &sg_ty_unit;
            continue;
        }
        sg_diag(c->d, v->start, v->end, "E205", "cannot infer a type here; add a type annotation");
        v->bound = &sg_ty_error;
    }
}

void sg_check_module(SgProgram *p, SgModule *m) {
    Ck ck = {.p = p, .m = m, .a = &m->tree_arena, .d = &m->diags};
    Ck *c = &ck;
    for (uint32_t i = 0; i < m->ast.nitems; i++) {
        SgItem *it = m->ast.items[i];
        if (it->kind != IT_FN && it->kind != IT_CONST) continue;
        SgValue *self = sg_map_get(&m->values, it->name);
        SgType *ft = self && self->item == it ? self->type : NULL;
        uint32_t first_var = c->nvars;
        c->item = it;
        c->loops = 0;
        c->dropped = false;
        if (it->kind == IT_CONST) {
            c->ret = NULL;
            c->ret_origin = (Origin){0};
            SgType *t = ft;
            if (!t) {
                SgResolveCtx r = {.prog = p, .m = m, .a = c->a, .diags = &(SgDiags){.arena = c->a}};
                t = sg_resolve_type(&r, it->type);
                sg_diags_free(r.diags);
            }
            if (it->value) check_from(c, it->value, t, origin_here(t, it->type ? it->type->span : it->name_span,
                                                                   "expected because of this annotation"));
        } else if (it->body) {
            if (!ft) {
                /* a duplicate definition: check its body against its own signature */
                SgResolveCtx r = {.prog = p, .m = m, .a = c->a, .diags = &(SgDiags){.arena = c->a},
                                  .tparams = it->tparams, .ntparams = it->ntparams};
                SgType **params = it->nfields ? SG_NEW_N(c->a, SgType *, it->nfields) : NULL;
                for (uint32_t k = 0; k < it->nfields; k++) params[k] = sg_resolve_type(&r, it->fields[k].type);
                ft = sg_type_fn(c->a, params, it->nfields, it->type ? sg_resolve_type(&r, it->type) : &sg_ty_unit);
                sg_diags_free(r.diags);
            }
            c->ret = ft->ret;
            for (uint32_t k = 0; k < it->nfields; k++) {
                push_local(c, it->fields[k].name, it->fields[k].name_span, ft->args[k], L_PARAM, false);
                fact_local(c, it->fields[k].name_span, it->fields[k].name, ft->args[k], it->fields[k].name_span, true);
            }
            c->ret_origin = it->type ? origin_here(ft->ret, it->type->span, "expected because of this return type")
                                     : (Origin){0};
            check_block_from(c, it->body, ft->ret->kind == TY_UNIT ? DROP : ft->ret, c->ret_origin);
            pop_locals(c, 0);
        }
        finish_body(c, first_var);
    }
    if (m->facts && !m->facts->refs_only) {
        /* declarations of the module's own items, and every recorded type rendered */
        for (uint32_t i = 0; i < m->ast.nitems; i++) {
            SgItem *it = m->ast.items[i];
            if (it->kind == IT_IMPORT || !it->name.len) continue;
            SgValue *v = sg_map_get(&m->values, it->name);
            SgTypeEntry *te = sg_map_get(&m->types, it->name);
            SgFact f = {.span = it->name_span, .decl = true, .name = cstr(c, it->name), .target = m,
                        .target_span = it->name_span};
            if ((it->kind == IT_FN || it->kind == IT_CONST) && v && v->item == it) {
                f.kind = FACT_VALUE;
                f.t = v->type;
                f.doc = v->doc;
            } else if (te && te->item == it) {
                f.kind = FACT_TYPE;
                f.doc = te->doc;
                f.t = te->kind == TENT_DEF ? (SgType *)NULL : te->target;
            } else {
                continue;
            }
            sg_fact_add(m, f);
        }
        for (uint32_t i = 0; i < m->facts->len; i++) {
            SgFact *f = &m->facts->items[i];
            if (!f->type && f->t) {
                const char *ty = tstr(c, f->t);
                f->type = sg_arena_strndup(&m->diag_arena, ty, strlen(ty));
            }
            f->t = NULL;
        }
    }
    /* W001: imports none of whose names was used */
    for (uint32_t i = 0; i < m->nimports; i++) {
        SgImport *imp = &m->imports[i];
        if (imp->item && !imp->used && !imp->has_error && imp->status == IMP_OK)
            sg_diag(&m->diags, imp->item->span.start, imp->item->span.end, "W001", "unused import `%.*s`",
                    (int)imp->item->path.len, imp->item->path.s);
    }
    free(c->vars);
    free(c->locals);
}
