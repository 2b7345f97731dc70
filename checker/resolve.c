/* resolve.c - item tables, imports and declared types (types-first).
 *
 * sg_resolve_module runs once per module, in import order, before any body
 * is checked. It reads only the module's own tree and the tables of modules
 * it imports successfully, which are complete by then; afterwards the
 * module's tables are read-only, so bodies can be checked in parallel. */
#include "module.h"

#include <stdio.h>

static const char *const builtin_names[] = {"Int", "Float", "Bool", "String", "Unit"};
static SgType *const builtin_types[] = {&sg_ty_int, &sg_ty_float, &sg_ty_bool, &sg_ty_string, &sg_ty_unit};

SgModule *sg_program_find(SgProgram *p, SgName name) { return sg_map_get(&p->by_name, name); }

static void use_add(SgModule *m, SgUse use) {
    SgUses *u = &m->uses;
    if (u->len == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 16;
        u->items = sg_xrealloc(u->items, sizeof *u->items * u->cap);
    }
    u->items[u->len++] = use;
}

void sg_use_record(SgModule *m, const SgImport *imp, SgNs ns, SgName name) {
    use_add(m, (SgUse){.import = (uint32_t)(imp - m->imports), .ns = (uint8_t)ns, .name = name});
}

void sg_use_record_nearest(SgModule *m, const SgImport *imp, SgNs ns, SgName typed, SgName best) {
    use_add(m, (SgUse){.import = (uint32_t)(imp - m->imports), .ns = (uint8_t)ns, .nearest = true, .name = typed,
                       .best = best});
}

void sg_fact_add(SgModule *m, SgFact f) {
    SgFacts *fs = m->facts;
    if (!fs) return;
    if (fs->len == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 64;
        fs->items = sg_xrealloc(fs->items, sizeof *fs->items * fs->cap);
    }
    fs->items[fs->len++] = f;
}

bool sg_def_order_visible(const SgModule *m, const SgTypeDef *d) { return d->module == m || d->module->is_std; }

static int name_cmp(SgName a, SgName b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.s, b.s, n);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* The i-th of n names in name order: the one with exactly i names before
 * it. Quadratic, but only messages call it, on one type's members. */
static uint32_t nth_by_name(const SgModule *m, const SgTypeDef *d, uint32_t i, uint32_t n, SgName (*name)(const SgTypeDef *, uint32_t)) {
    if (sg_def_order_visible(m, d)) return i;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t before = 0;
        for (uint32_t j = 0; j < n; j++) before += name_cmp(name(d, j), name(d, k)) < 0;
        if (before == i) return k;
    }
    return i;
}
static SgName field_name(const SgTypeDef *d, uint32_t k) { return d->fields[k].name; }
static SgName ctor_name_of(const SgTypeDef *d, uint32_t k) { return d->ctors[k].name; }
uint32_t sg_def_nth_field(const SgModule *m, const SgTypeDef *d, uint32_t i) { return nth_by_name(m, d, i, d->nfields, field_name); }
uint32_t sg_def_nth_ctor(const SgModule *m, const SgTypeDef *d, uint32_t i) { return nth_by_name(m, d, i, d->nctors, ctor_name_of); }

static const char *name_str(SgModule *m, SgName n) {
    return m->facts && m->facts->refs_only ? NULL : sg_arena_strndup(&m->diag_arena, n.s, n.len);
}

/* A use of a type name (for hover and go to definition). */
static void type_fact(SgResolveCtx *r, SgSpan at, SgName name, SgTypeEntry *e, SgType *t) {
    if (!r->m->facts) return;
    SgFact f = {.span = at, .kind = FACT_TYPE, .name = name_str(r->m, name), .t = t};
    if (e && e->kind == TENT_DEF) {
        f.target = e->def->module;
        f.target_span = e->def->span;
        f.doc = e->def->doc;
    } else if (e && e->kind == TENT_ALIAS) {
        /* an import's binding carries the importer's span: the alias is
         * where its module defines it */
        const SgTypeEntry *o = e->import ? sg_map_get(&e->owner->types, e->name) : e;
        if (!o || o->import || o->kind != TENT_ALIAS) o = e;
        f.target = o->owner;
        f.target_span = o->span;
        f.doc = o->doc;
    }
    sg_fact_add(r->m, f);
}

SgValue *sg_lookup_value(SgProgram *p, SgModule *m, SgName name) {
    SgValue *v = sg_map_get(&m->values, name);
    if (v) return v;
    if (p->prelude && p->prelude != m) {
        v = sg_map_get(&p->prelude->values, name);
        if (v && v->pub && v->kind != V_MODULE && !v->import) return v;
    }
    return NULL;
}

SgTypeEntry *sg_lookup_type(SgProgram *p, SgModule *m, SgName name) {
    SgTypeEntry *e = sg_map_get(&m->types, name);
    if (e) return e;
    if (p->prelude && p->prelude != m) {
        e = sg_map_get(&p->prelude->types, name);
        if (e && e->pub && !e->import) return e;
    }
    return NULL;
}

/* ---- suggestions (module.h) ---- */
void sg_offer_values(SgSuggest *s, SgProgram *p, const SgModule *m, bool ctors_only) {
    for (uint32_t i = 0; i < m->values.cap; i++) {
        const SgValue *v = m->values.slots[i].value;
        if (m->values.slots[i].key.s && v->kind != V_MODULE && v->kind != V_ERROR && (!ctors_only || v->kind == V_CTOR))
            sg_suggest_offer(s, v->name);
    }
    const SgModule *pre = p->prelude;
    for (uint32_t i = 0; pre && pre != m && i < pre->values.cap; i++) {
        const SgValue *v = pre->values.slots[i].value;
        if (pre->values.slots[i].key.s && v->pub && !v->import && v->kind != V_MODULE && (!ctors_only || v->kind == V_CTOR))
            sg_suggest_offer(s, v->name);
    }
}

void sg_offer_modules(SgSuggest *s, const SgModule *m) {
    for (uint32_t i = 0; i < m->values.cap; i++) {
        const SgValue *v = m->values.slots[i].value;
        if (m->values.slots[i].key.s && v->kind == V_MODULE) sg_suggest_offer(s, v->name);
    }
}

void sg_offer_types(SgSuggest *s, SgProgram *p, const SgModule *m, const SgTypeParam *tparams, uint32_t ntparams) {
    for (uint32_t i = 0; i < ntparams; i++) sg_suggest_offer(s, tparams[i].name);
    for (size_t i = 0; i < SG_ARRAY_LEN(builtin_names); i++) sg_suggest_offer_c(s, builtin_names[i]);
    sg_suggest_offer_c(s, "List");
    for (uint32_t i = 0; i < m->types.cap; i++) {
        const SgTypeEntry *e = m->types.slots[i].value;
        if (m->types.slots[i].key.s && e->kind != TENT_BAD) sg_suggest_offer(s, e->name);
    }
    const SgModule *pre = p->prelude;
    for (uint32_t i = 0; pre && pre != m && i < pre->types.cap; i++) {
        const SgTypeEntry *e = pre->types.slots[i].value;
        if (pre->types.slots[i].key.s && e->pub && !e->import) sg_suggest_offer(s, e->name);
    }
}

void sg_offer_members(SgSuggest *s, const SgModule *t, SgNs ns) {
    if (ns == SG_NS_VALUE) {
        for (uint32_t i = 0; i < t->values.cap; i++) {
            const SgValue *v = t->values.slots[i].value;
            if (t->values.slots[i].key.s && v->pub && !v->import &&
                (v->kind == V_FN || v->kind == V_CONST || v->kind == V_CTOR))
                sg_suggest_offer(s, v->name);
        }
        return;
    }
    for (uint32_t i = 0; i < t->types.cap; i++) {
        const SgTypeEntry *e = t->types.slots[i].value;
        if (t->types.slots[i].key.s && e->pub && !e->import) sg_suggest_offer(s, e->name);
    }
}

SgSuggest sg_member_suggestion(SgModule *m, const SgImport *imp, SgNs ns, SgName name) {
    SgSuggest s = sg_suggest_start(name);
    sg_offer_members(&s, imp->target, ns);
    sg_use_record_nearest(m, imp, ns, name, s.best);
    return s;
}

/* The aliases being resolved, innermost last: every alias of a cycle is
 * reported (E110), and a chain is bounded. Carried by SgResolveCtx. */
struct SgAliasStack {
    SgTypeEntry *v[SG_TYPE_MAX_DEPTH];
    uint32_t n;
};

static void resolve_alias(SgProgram *p, SgModule *m, SgTypeEntry *e, SgDiags *diags, SgAliasStack *stack);

static SgType *instantiate_entry(SgResolveCtx *r, SgTypeEntry *e, SgTypeExpr *te, SgType **args, uint32_t nargs) {
    if (e->import) e->import->used = true;
    switch (e->kind) {
    case TENT_BAD:
        return &sg_ty_error;
    case TENT_DEF: {
        SgTypeDef *d = e->def;
        if (nargs != d->ntparams) {
            sg_diag(r->diags, te->span.start, te->span.end, "E204",
                    "wrong number of type arguments: `%.*s` takes %u, found %u", (int)te->name.len,
                    te->name.s, d->ntparams, nargs);
            return &sg_ty_error;
        }
        return sg_type_named(r->a, d, args, nargs);
    }
    case TENT_ALIAS: {
        if (e->alias_state != AL_DONE) {
            if (e->owner == r->m) resolve_alias(r->prog, r->m, e, r->diags, r->aliases);
            if (e->alias_state != AL_DONE) return &sg_ty_error;   /* cycle in progress */
        }
        if (e->alias_cyclic) return &sg_ty_error;
        if (nargs != e->ntparams) {
            sg_diag(r->diags, te->span.start, te->span.end, "E204",
                    "wrong number of type arguments: `%.*s` takes %u, found %u", (int)te->name.len,
                    te->name.s, e->ntparams, nargs);
            return &sg_ty_error;
        }
        return nargs ? sg_type_subst(r->a, e->target, args, nargs) : e->target;
    }
    }
    return &sg_ty_error;
}

static SgType *resolve_type_expr(SgResolveCtx *r, SgTypeExpr *te);

/* Has this module's check already said E212? One is enough: past a limit,
 * what is built on the refused type tends to reach the limit again. */
static bool said_too_large(const SgDiags *d) {
    for (uint32_t i = 0; i < d->len; i++)
        if (strcmp(d->items[i].code, "E212") == 0) return true;
    return false;
}

/* A type past the limits (types.h) is refused: at the smallest type
 * expression that builds it, since its parts were within them. */
SgType *sg_resolve_type(SgResolveCtx *r, SgTypeExpr *te) {
    SgType *t = resolve_type_expr(r, te);
    if (t->depth <= SG_TYPE_MAX_DEPTH && t->size <= SG_TYPE_MAX_SIZE) return t;
    if (t->has_error || said_too_large(r->diags)) return &sg_ty_error;
    if (t->depth > SG_TYPE_MAX_DEPTH)
        sg_diag(r->diags, te->span.start, te->span.end, "E212",
                "type too large to check: nested more than %d levels deep once aliases are expanded", SG_TYPE_MAX_DEPTH);
    else
        sg_diag(r->diags, te->span.start, te->span.end, "E212",
                "type too large to check: more than %d parts once aliases are expanded", SG_TYPE_MAX_SIZE);
    return &sg_ty_error;
}

static SgType *resolve_type_expr(SgResolveCtx *r, SgTypeExpr *te) {
    if (!te || te->kind == TE_ERROR) return &sg_ty_error;
    SgType **args = NULL;
    if (te->nargs) {
        args = SG_NEW_N(r->a, SgType *, te->nargs);
        for (uint32_t i = 0; i < te->nargs; i++) args[i] = sg_resolve_type(r, te->args[i]);
    }
    if (te->kind == TE_FN) {
        SgType *ret = te->ret ? sg_resolve_type(r, te->ret) : &sg_ty_unit;
        return sg_type_fn(r->a, args, te->nargs, ret);
    }
    if (te->qual.len) {
        SgValue *v = sg_map_get(&r->m->values, te->qual);
        if (v && v->kind == V_ERROR) {
            if (v->import) v->import->used = true;
            return &sg_ty_error;
        }
        if (!v || v->kind != V_MODULE) {
            sg_diag(r->diags, te->name_span.start, te->name_span.end, "E104", "unknown type `%.*s.%.*s`",
                    (int)te->qual.len, te->qual.s, (int)te->name.len, te->name.s);
            return &sg_ty_error;
        }
        if (v->import) {
            v->import->used = true;
            sg_use_record(r->m, v->import, SG_NS_TYPE, te->name);
        }
        SgTypeEntry *e = sg_map_get(&v->target->types, te->name);
        if (!e || e->import) {
            SgSuggest s = v->import ? sg_member_suggestion(r->m, v->import, SG_NS_TYPE, te->name) : sg_suggest_start(te->name);
            sg_diag_unknown(r->diags, te->name_span, sg_name_span(r->m->src, r->m->len, te->name), "E105", &s,
                            "module `%s` has no type `%.*s`", v->target->name, (int)te->name.len, te->name.s);
            return &sg_ty_error;
        }
        if (!e->pub) {
            sg_diag(r->diags, te->name_span.start, te->name_span.end, "E106",
                    "type `%.*s` is private to module `%s`", (int)te->name.len, te->name.s, v->target->name);
            return &sg_ty_error;
        }
        SgType *t = instantiate_entry(r, e, te, args, te->nargs);
        type_fact(r, te->name_span, te->name, e, t);
        return t;
    }
    for (uint32_t i = r->ntparams; i-- > 0;) {
        if (sg_name_eq(r->tparams[i].name, te->name)) {
            if (te->has_args) {
                sg_diag(r->diags, te->span.start, te->span.end, "E204",
                        "type parameter `%.*s` takes no type arguments", (int)te->name.len, te->name.s);
                return &sg_ty_error;
            }
            return sg_type_param(r->a, i, te->name);
        }
    }
    for (size_t i = 0; i < SG_ARRAY_LEN(builtin_names); i++) {
        if (sg_name_is(te->name, builtin_names[i])) {
            if (te->has_args) {
                sg_diag(r->diags, te->span.start, te->span.end, "E204",
                        "wrong number of type arguments: `%s` takes 0, found %u", builtin_names[i], te->nargs);
                return &sg_ty_error;
            }
            return builtin_types[i];
        }
    }
    if (sg_name_is(te->name, "List")) {
        if (te->nargs != 1) {
            sg_diag(r->diags, te->span.start, te->span.end, "E204",
                    "wrong number of type arguments: `List` takes 1, found %u", te->nargs);
            return &sg_ty_error;
        }
        return sg_type_list(r->a, args[0]);
    }
    SgTypeEntry *e = sg_lookup_type(r->prog, r->m, te->name);
    if (!e) {
        SgSuggest s = sg_suggest_start(te->name);
        sg_offer_types(&s, r->prog, r->m, r->tparams, r->ntparams);
        sg_diag_unknown(r->diags, te->name_span, te->name_span, "E104", &s, "unknown type `%.*s`", (int)te->name.len,
                        te->name.s);
        return &sg_ty_error;
    }
    SgType *t = instantiate_entry(r, e, te, args, te->nargs);
    type_fact(r, te->name_span, te->name, e, t);
    return t;
}

static void resolve_alias(SgProgram *p, SgModule *m, SgTypeEntry *e, SgDiags *diags, SgAliasStack *stack) {
    if (e->alias_state == AL_DONE) return;
    SgAliasStack outermost;
    if (!stack) {
        outermost.n = 0;
        stack = &outermost;
    }
    SgAliasStack *alias_stack = stack;
    if (e->alias_state == AL_BUSY) {
        /* a cycle: every alias on the stack from e upwards is part of it */
        uint32_t i = alias_stack->n;
        while (i > 0 && alias_stack->v[i - 1] != e) i--;
        for (uint32_t j = i ? i - 1 : 0; j < alias_stack->n; j++) {
            SgTypeEntry *c = alias_stack->v[j];
            if (!c->alias_cyclic) {
                c->alias_cyclic = true;
                sg_diag(diags, c->span.start, c->span.end, "E110", "type alias `%.*s` refers to itself",
                        (int)c->name.len, c->name.s);
            }
        }
        return;
    }
    if (alias_stack->n >= SG_ARRAY_LEN(alias_stack->v)) {
        /* the resolution recurses along the chain: past the limit, said once */
        if (!said_too_large(diags))
            sg_diag(diags, e->span.start, e->span.end, "E212",
                    "type alias `%.*s` is too deep in a chain of aliases to check (sigil's limit is %d)",
                    (int)e->name.len, e->name.s, SG_TYPE_MAX_DEPTH);
        e->alias_cyclic = true;
        e->alias_state = AL_DONE;
        e->target = &sg_ty_error;
        return;
    }
    e->alias_state = AL_BUSY;
    alias_stack->v[alias_stack->n++] = e;
    SgResolveCtx r = {.prog = p, .m = m, .a = &m->sig_arena, .diags = diags,
                      .tparams = e->item->tparams, .ntparams = e->item->ntparams, .aliases = stack};
    SgType *t = sg_resolve_type(&r, e->item->type);
    alias_stack->n--;
    e->target = e->alias_cyclic ? &sg_ty_error : t;
    e->alias_state = AL_DONE;
}

/* ---- building the tables ---- */

/* The text of an item's `///` comment, markers removed. */
static const char *doc_text(SgModule *m, SgItem *it) {
    if (!it->doc) return NULL;
    SgBuf b = {0};
    const char *s = m->src + it->doc->off, *end = m->src + it->doc->end;
    while (s < end) {
        const char *e = memchr(s, '\n', (size_t)(end - s));
        if (!e) e = end;
        const char *t = s;
        while (t < e && (*t == ' ' || *t == '\t')) t++;
        if (e - t >= 3 && memcmp(t, "///", 3) == 0) t += 3;
        if (t < e && *t == ' ') t++;
        const char *te = e;
        if (te > t && te[-1] == '\r') te--;
        if (b.len) sg_buf_putc(&b, '\n');
        sg_buf_put(&b, t, (size_t)(te - t));
        s = e + 1;
    }
    char *r = sg_arena_strndup(&m->sig_arena, b.data ? b.data : "", b.len);
    sg_buf_free(&b);
    return r;
}

/* E107 at `at`, pointing at the first definition (always in m's own
 * source: own items and import bindings alike). */
static void dup(SgModule *m, SgSpan at, SgName name, const char *what, SgSpan first) {
    SgDiag *g = sg_diag(&m->diags, at.start, at.end, "E107", "duplicate definition of %s `%.*s`", what,
                        (int)name.len, name.s);
    sg_diag_related_here(&m->diags, g, first.start, first.end, "first defined here");
}

static bool add_value(SgModule *m, SgValue *v) {
    SgValue *first = sg_map_get(&m->values, v->name);
    if (first) {
        dup(m, v->span, v->name, "value", first->span);
        return false;
    }
    sg_map_put(&m->values, v->name, v);
    return true;
}

static bool add_type(SgModule *m, SgTypeEntry *e) {
    SgTypeEntry *first = sg_map_get(&m->types, e->name);
    if (first) {
        dup(m, e->span, e->name, "type", first->span);
        return false;
    }
    sg_map_put(&m->types, e->name, e);
    return true;
}

static void bind_error(SgModule *m, SgImport *imp, SgName name, SgSpan span) {
    SgValue *v = SG_NEW(&m->sig_arena, SgValue);
    v->kind = V_ERROR;
    v->name = name;
    v->span = span;
    v->import = imp;
    v->type = &sg_ty_error;
    bool ok = add_value(m, v);
    SgTypeEntry *e = SG_NEW(&m->sig_arena, SgTypeEntry);
    e->kind = TENT_BAD;
    e->name = name;
    e->span = span;
    e->import = imp;
    e->owner = m;
    if (ok) sg_map_put(&m->types, name, e);
}

static void bind_import(SgProgram *p, SgModule *m, SgImport *imp) {
    SgItem *it = imp->item;
    if (!it) return;
    SgArena *a = &m->sig_arena;
    (void)p;
    if (!it->selective) {
        if (imp->status != IMP_OK) {
            SgValue *v = SG_NEW(a, SgValue);
            v->kind = V_ERROR;
            v->name = it->name;
            v->span = it->name_span;
            v->import = imp;
            v->type = &sg_ty_error;
            add_value(m, v);
            return;
        }
        SgValue *v = SG_NEW(a, SgValue);
        v->kind = V_MODULE;
        v->name = it->name;
        v->span = it->name_span;
        v->target = imp->target;
        v->import = imp;
        add_value(m, v);
        if (m->facts)
            sg_fact_add(m, (SgFact){.span = it->name_span, .kind = FACT_MODULE, .decl = true,
                                    .name = name_str(m, it->name), .target = imp->target});
        return;
    }
    for (uint32_t i = 0; i < it->nnames; i++) {
        SgImportName *n = &it->names[i];
        if (imp->status != IMP_OK) {
            bind_error(m, imp, n->name, n->span);
            continue;
        }
        SgModule *t = imp->target;
        /* a selective import binds the name in whichever namespaces it is */
        sg_use_record(m, imp, SG_NS_VALUE, n->name);
        sg_use_record(m, imp, SG_NS_TYPE, n->name);
        SgValue *tv = sg_map_get(&t->values, n->name);
        SgTypeEntry *tt = sg_map_get(&t->types, n->name);
        /* import bindings of the target are not its items */
        if (tv && (tv->import || tv->kind == V_MODULE || tv->kind == V_ERROR)) tv = NULL;
        if (tt && tt->import) tt = NULL;
        bool vpub = tv && tv->pub, tpub = tt && tt->pub;
        if (!vpub && !tpub) {
            if (tv || tt) {
                sg_diag(&m->diags, n->span.start, n->span.end, "E106", "`%.*s` is private to module `%s`",
                        (int)n->name.len, n->name.s, t->name);
            } else {
                /* the name may be of either namespace: the better of the two */
                SgSuggest both = sg_suggest_start(n->name);
                sg_suggest_offer(&both, sg_member_suggestion(m, imp, SG_NS_VALUE, n->name).best);
                sg_suggest_offer(&both, sg_member_suggestion(m, imp, SG_NS_TYPE, n->name).best);
                sg_diag_unknown(&m->diags, n->span, n->span, "E105", &both, "module `%s` has no item `%.*s`", t->name,
                                (int)n->name.len, n->name.s);
            }
            imp->has_error = true;
            bind_error(m, imp, n->name, n->span);
            continue;
        }
        /* the name imports the type and the value when both are pub: a
         * fact for each (the value's last, so that hover shows it) */
        if (tpub && m->facts)
            sg_fact_add(m, (SgFact){.span = n->span, .kind = FACT_TYPE, .name = name_str(m, n->name), .doc = tt->doc,
                                    .target = tt->kind == TENT_DEF ? tt->def->module : tt->owner,
                                    .target_span = tt->kind == TENT_DEF ? tt->def->span : tt->span});
        if (vpub) {
            SgValue *v = SG_NEW(a, SgValue);
            *v = *tv;
            v->span = n->span;
            v->import = imp;
            v->orig = tv;
            v->item = NULL;
            add_value(m, v);
            if (m->facts)
                sg_fact_add(m, (SgFact){.span = n->span, .kind = FACT_VALUE, .name = name_str(m, n->name),
                                        .t = tv->type, .doc = tv->doc, .target = tv->owner, .target_span = tv->span});
        }
        if (tpub) {
            SgTypeEntry *e = SG_NEW(a, SgTypeEntry);
            *e = *tt;
            e->span = n->span;
            e->import = imp;
            e->item = NULL;
            SgTypeEntry *first = vpub ? sg_map_get(&m->types, n->name) : NULL;
            if (!first) add_type(m, e);
            else dup(m, n->span, n->name, "type", first->span);
        }
    }
}

static SgTypeDef *new_def(SgModule *m, SgItem *it, uint8_t kind) {
    SgTypeDef *d = SG_NEW(&m->sig_arena, SgTypeDef);
    d->kind = kind;
    d->pub = it->pub;
    d->name = it->name;
    d->module_name = m->name;
    d->module = m;
    d->ntparams = it->ntparams;
    d->span = it->name_span;
    if (it->ntparams) {
        d->tparam_names = SG_NEW_N(&m->sig_arena, SgName, it->ntparams);
        for (uint32_t i = 0; i < it->ntparams; i++) d->tparam_names[i] = it->tparams[i].name;
    }
    return d;
}

static SgType *self_type(SgModule *m, SgTypeDef *d) {
    SgType **args = NULL;
    if (d->ntparams) {
        args = SG_NEW_N(&m->sig_arena, SgType *, d->ntparams);
        for (uint32_t i = 0; i < d->ntparams; i++) args[i] = sg_type_param(&m->sig_arena, i, d->tparam_names[i]);
    }
    return sg_type_named(&m->sig_arena, d, args, d->ntparams);
}

static void check_dup_tparams(SgModule *m, SgItem *it) {
    for (uint32_t i = 1; i < it->ntparams; i++)
        for (uint32_t j = 0; j < i; j++)
            if (sg_name_eq(it->tparams[i].name, it->tparams[j].name)) {
                dup(m, it->tparams[i].span, it->tparams[i].name, "type parameter", it->tparams[j].span);
                break;
            }
}

static void check_dup_params(SgModule *m, SgParam *ps, uint32_t n, const char *what) {
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (sg_name_eq(ps[i].name, ps[j].name)) {
                dup(m, ps[i].name_span, ps[i].name, what, ps[j].name_span);
                break;
            }
}

/* E111: does the type expression name a private type of this module? */
static bool names_private(SgModule *m, SgItem *it, SgTypeExpr *te) {
    if (!te || te->kind == TE_ERROR) return false;
    for (uint32_t i = 0; i < te->nargs; i++)
        if (names_private(m, it, te->args[i])) return true;
    if (te->kind == TE_FN) return names_private(m, it, te->ret);
    if (te->qual.len) return false;
    for (uint32_t i = 0; i < it->ntparams; i++)
        if (sg_name_eq(it->tparams[i].name, te->name)) return false;
    SgTypeEntry *e = sg_map_get(&m->types, te->name);
    return e && !e->import && e->kind != TENT_BAD && !e->pub;
}

static void check_exposure(SgModule *m, SgItem *it) {
    if (!it->pub) return;
    bool bad = false;
    switch (it->kind) {
    case IT_FN:
        for (uint32_t i = 0; i < it->nfields && !bad; i++) bad = names_private(m, it, it->fields[i].type);
        if (!bad) bad = names_private(m, it, it->type);
        break;
    case IT_STRUCT:
        for (uint32_t i = 0; i < it->nfields && !bad; i++) bad = names_private(m, it, it->fields[i].type);
        break;
    case IT_ENUM:
        for (uint32_t i = 0; i < it->nvariants && !bad; i++)
            for (uint32_t j = 0; j < it->variants[i].npayload && !bad; j++)
                bad = names_private(m, it, it->variants[i].payload[j]);
        break;
    case IT_ALIAS: case IT_CONST:
        bad = names_private(m, it, it->type);
        break;
    default:
        break;
    }
    if (bad)
        sg_diag(&m->diags, it->span.start, it->name_span.end, "E111",
                "public item `%.*s` exposes a private type of its module", (int)it->name.len, it->name.s);
}

static SgTypeEntry *own_type_entry(SgModule *m, SgItem *it, uint8_t kind) {
    SgTypeEntry *e = SG_NEW(&m->sig_arena, SgTypeEntry);
    e->kind = kind;
    e->pub = it->pub;
    e->name = it->name;
    e->span = it->name_span;
    e->item = it;
    e->owner = m;
    e->doc = doc_text(m, it);
    return e;
}

void sg_resolve_module(SgProgram *p, SgModule *m) {
    SgArena *a = &m->sig_arena;
    SgAst *ast = &m->ast;
    m->resolved = true;

    /* 1. imports (they come first in the value namespace) */
    for (uint32_t i = 0; i < m->nimports; i++) bind_import(p, m, &m->imports[i]);

    /* 2. names of own items, in source order */
    for (uint32_t i = 0; i < ast->nitems; i++) {
        SgItem *it = ast->items[i];
        switch (it->kind) {
        case IT_STRUCT: case IT_ENUM: case IT_EXTERN_TYPE: {
            SgTypeEntry *e = own_type_entry(m, it, TENT_DEF);
            e->def = new_def(m, it, it->kind == IT_STRUCT ? DEF_STRUCT : it->kind == IT_ENUM ? DEF_ENUM : DEF_EXTERN);
            e->def->doc = e->doc;
            add_type(m, e);
            if (it->kind == IT_ENUM) {
                SgTypeDef *d = e->def;
                d->nctors = it->nvariants;
                d->ctors = SG_NEW_N(a, SgCtor, it->nvariants);
                for (uint32_t k = 0; k < it->nvariants; k++) {
                    SgCtor *c = &d->ctors[k];
                    c->name = it->variants[k].name;
                    c->owner = d;
                    c->index = k;
                    c->span = it->variants[k].span;
                    SgValue *v = SG_NEW(a, SgValue);
                    v->kind = V_CTOR;
                    v->pub = it->pub;
                    v->name = c->name;
                    v->span = c->span;
                    v->ctor = c;
                    v->ntparams = d->ntparams;
                    v->item = it;
                    v->owner = m;
                    add_value(m, v);
                }
            }
            check_dup_tparams(m, it);
            break;
        }
        case IT_ALIAS: {
            SgTypeEntry *e = own_type_entry(m, it, TENT_ALIAS);
            e->ntparams = it->ntparams;
            add_type(m, e);
            check_dup_tparams(m, it);
            break;
        }
        case IT_FN: case IT_CONST: {
            SgValue *v = SG_NEW(a, SgValue);
            v->kind = it->kind == IT_FN ? V_FN : V_CONST;
            v->pub = it->pub;
            v->name = it->name;
            v->span = it->name_span;
            v->ntparams = it->ntparams;
            v->item = it;
            v->owner = m;
            v->doc = doc_text(m, it);
            add_value(m, v);
            check_dup_tparams(m, it);
            if (it->kind == IT_FN) check_dup_params(m, it->fields, it->nfields, "parameter");
            break;
        }
        default:
            break;
        }
    }

    /* 3. declared types */
    for (uint32_t i = 0; i < ast->nitems; i++) {
        SgItem *it = ast->items[i];
        if (it->kind == IT_ALIAS) {
            SgTypeEntry *e = sg_map_get(&m->types, it->name);
            if (e && e->item == it) resolve_alias(p, m, e, &m->diags, NULL);
            else {  /* a duplicate: still resolve its target for diagnostics */
                SgTypeEntry tmp = {.kind = TENT_ALIAS, .item = it, .owner = m, .name = it->name, .span = it->name_span};
                resolve_alias(p, m, &tmp, &m->diags, NULL);
            }
        }
    }
    for (uint32_t i = 0; i < ast->nitems; i++) {
        SgItem *it = ast->items[i];
        SgResolveCtx r = {.prog = p, .m = m, .a = a, .diags = &m->diags,
                          .tparams = it->tparams, .ntparams = it->ntparams};
        switch (it->kind) {
        case IT_STRUCT: {
            SgTypeEntry *e = sg_map_get(&m->types, it->name);
            SgTypeDef *d = e && e->item == it ? e->def : new_def(m, it, DEF_STRUCT);
            d->fields = SG_NEW_N(a, SgField, it->nfields);
            d->nfields = 0;
            for (uint32_t k = 0; k < it->nfields; k++) {
                SgType *ft = sg_resolve_type(&r, it->fields[k].type);
                bool seen = false;   /* a repeated field (E107) keeps its first declaration */
                for (uint32_t j = 0; j < d->nfields && !seen; j++) seen = sg_name_eq(d->fields[j].name, it->fields[k].name);
                if (seen) continue;
                d->fields[d->nfields].name = it->fields[k].name;
                d->fields[d->nfields].span = it->fields[k].name_span;
                d->fields[d->nfields++].type = ft;
            }
            check_dup_params(m, it->fields, it->nfields, "field");
            break;
        }
        case IT_ENUM: {
            SgTypeEntry *e = sg_map_get(&m->types, it->name);
            SgTypeDef *d = e && e->item == it ? e->def : NULL;
            SgType *self = d ? self_type(m, d) : &sg_ty_error;
            for (uint32_t k = 0; k < it->nvariants; k++) {
                SgVariant *vr = &it->variants[k];
                SgType **payload = NULL;
                if (vr->npayload) payload = SG_NEW_N(a, SgType *, vr->npayload);
                for (uint32_t j = 0; j < vr->npayload; j++) payload[j] = sg_resolve_type(&r, vr->payload[j]);
                if (!d) continue;
                SgCtor *c = &d->ctors[k];
                c->payload = payload;
                c->npayload = vr->npayload;
                SgValue *v = sg_map_get(&m->values, c->name);
                if (v && v->ctor == c)
                    v->type = vr->npayload ? sg_type_fn(a, payload, vr->npayload, self) : self;
            }
            break;
        }
        case IT_FN: {
            SgType **params = it->nfields ? SG_NEW_N(a, SgType *, it->nfields) : NULL;
            for (uint32_t k = 0; k < it->nfields; k++) params[k] = sg_resolve_type(&r, it->fields[k].type);
            SgType *ret = it->type ? sg_resolve_type(&r, it->type) : &sg_ty_unit;
            SgValue *v = sg_map_get(&m->values, it->name);
            SgType *ft = sg_type_fn(a, params, it->nfields, ret);
            if (v && v->item == it) v->type = ft;
            break;
        }
        case IT_CONST: {
            SgType *t = sg_resolve_type(&r, it->type);
            SgValue *v = sg_map_get(&m->values, it->name);
            if (v && v->item == it) v->type = t;
            break;
        }
        default:
            break;
        }
    }
    for (uint32_t i = 0; i < ast->nitems; i++) check_exposure(m, ast->items[i]);
}
