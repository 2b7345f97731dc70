/* sig.c - signature, diagnostics and import-list blobs (see sig.h). */
#include "sig.h"
#include "blob.h"
#include "store.h"

#include <stdlib.h>

#define MAGIC_SIG "SGS\x04"
#define MAGIC_RESULT "SGR\x04"
#define MAGIC_INDEX "SGX\x03"
#define MAGIC_KEYS "SGK\x01"
#define MAX_TYPE_DEPTH SG_TYPE_MAX_DEPTH  /* what the resolver builds at most (types.h) */

/* ---- writing (the fields are blob.h's) ---- */
/* Where an item is and what its doc says: stored for editors, never hashed. */
static void put_span(SgBuf *b, SgSpan s) {
    sg_blob_varint(b, s.start);
    sg_blob_varint(b, s.end);
}

static void put_doc(SgBuf *b, const char *doc) { sg_blob_str(b, doc ? doc : "", doc ? strlen(doc) : 0); }

/* ---- types ---- */
enum { T_ERROR, T_NEVER, T_INT, T_FLOAT, T_BOOL, T_STRING, T_UNIT, T_LIST, T_FN, T_NAMED, T_PARAM };

static void put_type(SgBuf *b, const SgType *t) {
    switch (t->kind) {
    case TY_ERROR: case TY_VAR: sg_blob_u8(b, T_ERROR); return;
    case TY_NEVER: sg_blob_u8(b, T_NEVER); return;
    case TY_INT: sg_blob_u8(b, T_INT); return;
    case TY_FLOAT: sg_blob_u8(b, T_FLOAT); return;
    case TY_BOOL: sg_blob_u8(b, T_BOOL); return;
    case TY_STRING: sg_blob_u8(b, T_STRING); return;
    case TY_UNIT: sg_blob_u8(b, T_UNIT); return;
    case TY_LIST:
        sg_blob_u8(b, T_LIST);
        put_type(b, t->args[0]);
        return;
    case TY_FN:
        sg_blob_u8(b, T_FN);
        sg_blob_varint(b, t->n);
        for (uint32_t i = 0; i < t->n; i++) put_type(b, t->args[i]);
        put_type(b, t->ret);
        return;
    case TY_NAMED:
        sg_blob_u8(b, T_NAMED);
        sg_blob_str(b, t->def->module_name, strlen(t->def->module_name));
        sg_blob_str(b, t->def->name.s, t->def->name.len);
        sg_blob_varint(b, t->n);
        for (uint32_t i = 0; i < t->n; i++) put_type(b, t->args[i]);
        return;
    case TY_PARAM:
        sg_blob_u8(b, T_PARAM);
        sg_blob_varint(b, t->id);
        return;
    }
}

typedef struct Dec {
    SgProgram *p;
    SgModule *m;
    SgRd r;
    bool (*need)(void *, SgModule *);
    void *ctx;
} Dec;

static SgType *get_type(Dec *d, int depth) {
    SgRd *r = &d->r;
    if (depth > MAX_TYPE_DEPTH) r->ok = false;
    uint8_t tag = sg_rd_u8(r);
    if (!r->ok) return &sg_ty_error;
    SgArena *a = &d->m->sig_arena;
    switch (tag) {
    case T_ERROR: return &sg_ty_error;
    case T_NEVER: return &sg_ty_never;
    case T_INT: return &sg_ty_int;
    case T_FLOAT: return &sg_ty_float;
    case T_BOOL: return &sg_ty_bool;
    case T_STRING: return &sg_ty_string;
    case T_UNIT: return &sg_ty_unit;
    case T_LIST: return sg_type_list(a, get_type(d, depth + 1));
    case T_FN: {
        uint32_t n = sg_rd_count(r);
        SgType **args = n ? SG_NEW_N(a, SgType *, n) : NULL;
        for (uint32_t i = 0; i < n && r->ok; i++) args[i] = get_type(d, depth + 1);
        SgType *ret = get_type(d, depth + 1);
        return r->ok ? sg_type_fn(a, args, n, ret) : &sg_ty_error;
    }
    case T_NAMED: {
        uint32_t ml, nl;
        const char *ms = sg_rd_str(r, &ml);
        const char *ns = sg_rd_str(r, &nl);
        uint32_t n = sg_rd_count(r);
        if (!r->ok) return &sg_ty_error;
        SgModule *owner = sg_program_find(d->p, sg_name(ms, ml));
        if (!owner || (owner != d->m && !d->need(d->ctx, owner))) {
            r->ok = false;
            return &sg_ty_error;
        }
        SgTypeEntry *e = sg_map_get(&owner->types, sg_name(ns, nl));
        if (!e || e->kind != TENT_DEF || e->import || e->def->ntparams != n) {
            r->ok = false;
            return &sg_ty_error;
        }
        SgType **args = n ? SG_NEW_N(a, SgType *, n) : NULL;
        for (uint32_t i = 0; i < n && r->ok; i++) args[i] = get_type(d, depth + 1);
        return r->ok ? sg_type_named(a, e->def, args, n) : &sg_ty_error;
    }
    case T_PARAM: {
        uint64_t i = sg_rd_varint(r);
        if (i > 4096) r->ok = false;
        return r->ok ? sg_type_param(a, (uint32_t)i, sg_name_c("T")) : &sg_ty_error;
    }
    default:
        r->ok = false;
        return &sg_ty_error;
    }
}

/* ---- collecting a module's exports ---- */
typedef struct Export {
    SgVec defs;         /* SgTypeEntry* (TENT_DEF), pub or reachable private */
    SgVec aliases;      /* SgTypeEntry* */
    SgVec fns, consts;  /* SgValue* */
    SgVec priv_values, priv_types;  /* SgName* of other private items */
    bool complete;      /* every pub constructor belongs to an exported enum */
} Export;

static int cmp_entry(const void *a, const void *b) {
    const SgTypeEntry *x = *(SgTypeEntry *const *)a, *y = *(SgTypeEntry *const *)b;
    uint32_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int c = memcmp(x->name.s, y->name.s, n);
    return c ? c : (x->name.len > y->name.len) - (x->name.len < y->name.len);
}
static int cmp_value(const void *a, const void *b) {
    const SgValue *x = *(SgValue *const *)a, *y = *(SgValue *const *)b;
    uint32_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int c = memcmp(x->name.s, y->name.s, n);
    return c ? c : (x->name.len > y->name.len) - (x->name.len < y->name.len);
}
static int cmp_name(const void *a, const void *b) {
    const SgName *x = *(SgName *const *)a, *y = *(SgName *const *)b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static bool own(SgTypeEntry *e) { return !e->import && e->kind != TENT_BAD; }

static void mark_reachable(SgModule *m, const SgType *t, SgVec *defs);

static void add_def(SgModule *m, SgTypeDef *d, SgVec *defs) {
    SgTypeEntry *e = sg_map_get(&m->types, d->name);
    if (!e || e->kind != TENT_DEF || e->def != d) return;
    for (uint32_t i = 0; i < defs->len; i++)
        if (defs->items[i] == e) return;
    sg_vec_push(defs, e);
    for (uint32_t i = 0; i < d->nfields; i++) mark_reachable(m, d->fields[i].type, defs);
    for (uint32_t i = 0; i < d->nctors; i++)
        for (uint32_t j = 0; j < d->ctors[i].npayload; j++) mark_reachable(m, d->ctors[i].payload[j], defs);
}

static void mark_reachable(SgModule *m, const SgType *t, SgVec *defs) {
    if (t->kind == TY_NAMED && t->def->module == m) add_def(m, t->def, defs);
    for (uint32_t i = 0; i < t->n; i++) mark_reachable(m, t->args[i], defs);
    if (t->ret) mark_reachable(m, t->ret, defs);
}

static void collect(SgModule *m, Export *x) {
    memset(x, 0, sizeof *x);
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (!m->types.slots[i].key.s || !own(e)) continue;
        if (e->pub && e->kind == TENT_DEF) add_def(m, e->def, &x->defs);
    }
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (!m->types.slots[i].key.s || !own(e) || !e->pub || e->kind != TENT_ALIAS) continue;
        sg_vec_push(&x->aliases, e);
        if (e->target && !e->alias_cyclic) mark_reachable(m, e->target, &x->defs);
    }
    for (uint32_t i = 0; i < m->values.cap; i++) {
        SgValue *v = m->values.slots[i].value;
        if (!m->values.slots[i].key.s || v->import || (v->kind != V_FN && v->kind != V_CONST)) continue;
        if (!v->pub) continue;
        sg_vec_push(v->kind == V_FN ? &x->fns : &x->consts, v);
        if (v->type) mark_reachable(m, v->type, &x->defs);
    }
    /* names of private items not otherwise included */
    for (uint32_t i = 0; i < m->values.cap; i++) {
        SgValue *v = m->values.slots[i].value;
        if (!m->values.slots[i].key.s || v->import || v->pub || v->kind == V_MODULE || v->kind == V_ERROR) continue;
        sg_vec_push(&x->priv_values, &v->name);
    }
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (!m->types.slots[i].key.s || !own(e) || e->pub) continue;
        bool included = false;
        for (uint32_t k = 0; k < x->defs.len && !included; k++) included = x->defs.items[k] == e;
        if (!included) sg_vec_push(&x->priv_types, &e->name);
    }
    /* A pub enum defined twice (E107) is not in the type namespace, but its
     * constructors are values all the same (LANGUAGE.md section 4): such
     * constructors have no enum to travel with, so the signature says it
     * cannot stand for the module and importers resolve it from source. */
    x->complete = true;
    for (uint32_t i = 0; i < m->values.cap && x->complete; i++) {
        SgValue *v = m->values.slots[i].value;
        if (!m->values.slots[i].key.s || v->import || v->kind != V_CTOR || !v->pub) continue;
        bool found = false;
        for (uint32_t k = 0; k < x->defs.len && !found; k++) found = ((SgTypeEntry *)x->defs.items[k])->def == v->ctor->owner;
        x->complete = found;
    }
    sg_qsort(x->defs.items, x->defs.len, sizeof(void *), cmp_entry);
    sg_qsort(x->aliases.items, x->aliases.len, sizeof(void *), cmp_entry);
    sg_qsort(x->fns.items, x->fns.len, sizeof(void *), cmp_value);
    sg_qsort(x->consts.items, x->consts.len, sizeof(void *), cmp_value);
    sg_qsort(x->priv_values.items, x->priv_values.len, sizeof(void *), cmp_name);
    sg_qsort(x->priv_types.items, x->priv_types.len, sizeof(void *), cmp_name);
}

static void free_export(Export *x) {
    sg_vec_free(&x->defs);
    sg_vec_free(&x->aliases);
    sg_vec_free(&x->fns);
    sg_vec_free(&x->consts);
    sg_vec_free(&x->priv_values);
    sg_vec_free(&x->priv_types);
}

/* In declaration order, with spans and docs: what importers' messages and
 * editors read. Hashing uses fingerprints (fingerprint.c), not these bytes. */
static void put_export(SgBuf *b, SgModule *m, Export *x) {
    sg_blob_varint(b, x->defs.len);
    for (uint32_t i = 0; i < x->defs.len; i++) {
        SgTypeEntry *e = x->defs.items[i];
        sg_blob_u8(b, e->def->kind == DEF_STRUCT ? 'S' : e->def->kind == DEF_ENUM ? 'E' : 'X');
        sg_blob_u8(b, e->pub);
        sg_blob_str(b, e->name.s, e->name.len);
        sg_blob_varint(b, e->def->ntparams);
        put_span(b, e->def->span);
        put_doc(b, e->def->doc);
    }
    for (uint32_t i = 0; i < x->defs.len; i++) {
        SgTypeDef *d = ((SgTypeEntry *)x->defs.items[i])->def;
        if (d->kind == DEF_STRUCT) {
            sg_blob_varint(b, d->nfields);
            for (uint32_t k = 0; k < d->nfields; k++) {
                sg_blob_str(b, d->fields[k].name.s, d->fields[k].name.len);
                put_type(b, d->fields[k].type);
                put_span(b, d->fields[k].span);
            }
        } else if (d->kind == DEF_ENUM) {
            sg_blob_varint(b, d->nctors);
            for (uint32_t k = 0; k < d->nctors; k++) {
                SgCtor *c = &d->ctors[k];
                sg_blob_str(b, c->name.s, c->name.len);
                sg_blob_varint(b, c->npayload);
                for (uint32_t j = 0; j < c->npayload; j++) put_type(b, c->payload[j]);
                put_span(b, c->span);
                /* whether the module's value namespace binds this name to
                 * this constructor (a duplicate definition or import binding
                 * may hold the name instead: the decoded table must agree) */
                SgValue *v = sg_map_get(&m->values, c->name);
                sg_blob_u8(b, v && v->kind == V_CTOR && v->ctor == c);
            }
        }
    }
    sg_blob_varint(b, x->aliases.len);
    for (uint32_t i = 0; i < x->aliases.len; i++) {
        SgTypeEntry *e = x->aliases.items[i];
        sg_blob_str(b, e->name.s, e->name.len);
        sg_blob_varint(b, e->ntparams);
        put_type(b, e->alias_cyclic || !e->target ? &sg_ty_error : e->target);
        put_span(b, e->span);
        put_doc(b, e->doc);
    }
    sg_blob_varint(b, x->fns.len);
    for (uint32_t i = 0; i < x->fns.len; i++) {
        SgValue *v = x->fns.items[i];
        sg_blob_str(b, v->name.s, v->name.len);
        sg_blob_varint(b, v->ntparams);
        put_type(b, v->type ? v->type : &sg_ty_error);
        put_span(b, v->span);
        put_doc(b, v->doc);
    }
    sg_blob_varint(b, x->consts.len);
    for (uint32_t i = 0; i < x->consts.len; i++) {
        SgValue *v = x->consts.items[i];
        sg_blob_str(b, v->name.s, v->name.len);
        put_type(b, v->type ? v->type : &sg_ty_error);
        put_span(b, v->span);
        put_doc(b, v->doc);
    }
    sg_blob_varint(b, x->priv_values.len);
    for (uint32_t i = 0; i < x->priv_values.len; i++) {
        SgName *n = x->priv_values.items[i];
        sg_blob_str(b, n->s, n->len);
    }
    sg_blob_varint(b, x->priv_types.len);
    for (uint32_t i = 0; i < x->priv_types.len; i++) {
        SgName *n = x->priv_types.items[i];
        sg_blob_str(b, n->s, n->len);
    }
    sg_blob_u8(b, x->complete);
}

void sg_sig_encode(SgModule *m, SgBuf *out) {
    Export x;
    collect(m, &x);
    size_t start = out->len;
    sg_blob_begin(out, MAGIC_SIG);
    put_export(out, m, &x);
    sg_blob_end(out, start);
    free_export(&x);
}

/* ---- decoding a signature into tables ---- */
static SgName dup_name(SgModule *m, const char *s, uint32_t n) {
    return sg_name(sg_arena_strndup(&m->sig_arena, s, n), n);
}

static SgSpan get_span(SgRd *r) {
    uint64_t a = sg_rd_varint(r), b = sg_rd_varint(r);
    if (a > UINT32_MAX || b > UINT32_MAX || b < a) r->ok = false;
    return r->ok ? (SgSpan){(uint32_t)a, (uint32_t)b} : (SgSpan){0, 0};
}

static const char *get_doc(SgRd *r, SgModule *m) {
    uint32_t l;
    const char *s = sg_rd_str(r, &l);
    return r->ok && l ? sg_arena_strndup(&m->sig_arena, s, l) : NULL;
}

bool sg_sig_decode(SgProgram *p, SgModule *m, const uint8_t *blob, size_t len,
                   bool (*need)(void *, SgModule *), void *ctx) {
    Dec d = {.p = p, .m = m, .need = need, .ctx = ctx};
    SgRd *r = &d.r;
    if (!sg_blob_open(r, blob, len, MAGIC_SIG)) return false;
    SgArena *a = &m->sig_arena;
    uint32_t ndefs = sg_rd_count(r);
    SgTypeEntry **entries = ndefs ? SG_NEW_N(a, SgTypeEntry *, ndefs) : NULL;
    for (uint32_t i = 0; i < ndefs && r->ok; i++) {
        uint8_t kind = sg_rd_u8(r);
        uint8_t pub = sg_rd_u8(r);
        uint32_t nl;
        const char *ns = sg_rd_str(r, &nl);
        uint64_t ntp = sg_rd_varint(r);
        if (!r->ok || (kind != 'S' && kind != 'E' && kind != 'X') || pub > 1 || ntp > 4096 || !nl) {
            r->ok = false;
            break;
        }
        SgTypeDef *def = SG_NEW(a, SgTypeDef);
        def->kind = kind == 'S' ? DEF_STRUCT : kind == 'E' ? DEF_ENUM : DEF_EXTERN;
        def->pub = pub;
        def->name = dup_name(m, ns, nl);
        def->module_name = m->name;
        def->module = m;
        def->ntparams = (uint32_t)ntp;
        def->span = get_span(r);
        def->doc = get_doc(r, m);
        if (ntp) {
            def->tparam_names = SG_NEW_N(a, SgName, ntp);
            for (uint32_t k = 0; k < ntp; k++) def->tparam_names[k] = sg_name_c("T");
        }
        SgTypeEntry *e = SG_NEW(a, SgTypeEntry);
        e->kind = TENT_DEF;
        e->pub = pub;
        e->name = def->name;
        e->def = def;
        e->owner = m;
        e->span = def->span;
        e->doc = def->doc;
        if (sg_map_get(&m->types, e->name)) r->ok = false;
        else sg_map_put(&m->types, e->name, e);
        entries[i] = e;
    }
    for (uint32_t i = 0; i < ndefs && r->ok; i++) {
        SgTypeDef *def = entries[i]->def;
        if (def->kind == DEF_STRUCT) {
            def->nfields = sg_rd_count(r);
            def->fields = def->nfields ? SG_NEW_N(a, SgField, def->nfields) : NULL;
            for (uint32_t k = 0; k < def->nfields && r->ok; k++) {
                uint32_t fl;
                const char *fs = sg_rd_str(r, &fl);
                def->fields[k].name = dup_name(m, fs, fl);
                def->fields[k].type = get_type(&d, 0);
                def->fields[k].span = get_span(r);
            }
        } else if (def->kind == DEF_ENUM) {
            def->nctors = sg_rd_count(r);
            def->ctors = def->nctors ? SG_NEW_N(a, SgCtor, def->nctors) : NULL;
            SgType **self_args = def->ntparams ? SG_NEW_N(a, SgType *, def->ntparams) : NULL;
            for (uint32_t k = 0; k < def->ntparams; k++) self_args[k] = sg_type_param(a, k, def->tparam_names[k]);
            SgType *self = sg_type_named(a, def, self_args, def->ntparams);
            for (uint32_t k = 0; k < def->nctors && r->ok; k++) {
                SgCtor *c = &def->ctors[k];
                uint32_t cl;
                const char *cs = sg_rd_str(r, &cl);
                c->name = dup_name(m, cs, cl);
                c->owner = def;
                c->index = k;
                c->npayload = sg_rd_count(r);
                c->payload = c->npayload ? SG_NEW_N(a, SgType *, c->npayload) : NULL;
                for (uint32_t j = 0; j < c->npayload && r->ok; j++) c->payload[j] = get_type(&d, 0);
                c->span = get_span(r);
                uint8_t bound = sg_rd_u8(r);
                if (bound > 1) r->ok = false;
                if (!r->ok) break;
                if (!bound) continue;
                SgValue *v = SG_NEW(a, SgValue);
                v->kind = V_CTOR;
                v->pub = def->pub;
                v->name = c->name;
                v->ctor = c;
                v->ntparams = def->ntparams;
                v->span = c->span;
                v->owner = m;
                v->doc = def->doc;
                v->type = c->npayload ? sg_type_fn(a, c->payload, c->npayload, self) : self;
                if (sg_map_get(&m->values, v->name)) r->ok = false;
                else sg_map_put(&m->values, v->name, v);
            }
        }
    }
    uint32_t naliases = r->ok ? sg_rd_count(r) : 0;
    for (uint32_t i = 0; i < naliases && r->ok; i++) {
        uint32_t nl;
        const char *ns = sg_rd_str(r, &nl);
        uint64_t ntp = sg_rd_varint(r);
        if (ntp > 4096) r->ok = false;
        SgType *t = get_type(&d, 0);
        SgSpan span = get_span(r);
        const char *doc = get_doc(r, m);
        if (!r->ok) break;
        SgTypeEntry *e = SG_NEW(a, SgTypeEntry);
        e->span = span;
        e->doc = doc;
        e->kind = TENT_ALIAS;
        e->pub = true;
        e->alias_state = AL_DONE;
        e->name = dup_name(m, ns, nl);
        e->target = t;
        e->ntparams = (uint32_t)ntp;
        e->owner = m;
        if (sg_map_get(&m->types, e->name)) r->ok = false;
        else sg_map_put(&m->types, e->name, e);
    }
    for (int kind = 0; kind < 2 && r->ok; kind++) {
        uint32_t n = sg_rd_count(r);
        for (uint32_t i = 0; i < n && r->ok; i++) {
            uint32_t nl;
            const char *ns = sg_rd_str(r, &nl);
            uint64_t ntp = kind == 0 ? sg_rd_varint(r) : 0;
            if (ntp > 4096) r->ok = false;
            SgType *t = get_type(&d, 0);
            SgSpan span = get_span(r);
            const char *doc = get_doc(r, m);
            if (!r->ok) break;
            if (kind == 0 && t->kind != TY_FN) {
                r->ok = false;
                break;
            }
            SgValue *v = SG_NEW(a, SgValue);
            v->kind = kind == 0 ? V_FN : V_CONST;
            v->pub = true;
            v->name = dup_name(m, ns, nl);
            v->type = t;
            v->ntparams = (uint32_t)ntp;
            v->span = span;
            v->doc = doc;
            v->owner = m;
            if (sg_map_get(&m->values, v->name)) r->ok = false;
            else sg_map_put(&m->values, v->name, v);
        }
    }
    for (int ns_kind = 0; ns_kind < 2 && r->ok; ns_kind++) {
        uint32_t n = sg_rd_count(r);
        for (uint32_t i = 0; i < n && r->ok; i++) {
            uint32_t nl;
            const char *ns = sg_rd_str(r, &nl);
            if (!r->ok) break;
            SgName name = dup_name(m, ns, nl);
            if (ns_kind == 0) {
                SgValue *v = SG_NEW(a, SgValue);
                v->kind = V_FN;
                v->name = name;
                v->type = &sg_ty_error;
                if (!sg_map_get(&m->values, name)) sg_map_put(&m->values, name, v);
            } else {
                SgTypeEntry *e = SG_NEW(a, SgTypeEntry);
                e->kind = TENT_BAD;
                e->name = name;
                e->owner = m;
                if (!sg_map_get(&m->types, name)) sg_map_put(&m->types, name, e);
            }
        }
    }
    /* not complete: the module is resolved from its source (see collect) */
    if (r->ok && sg_rd_u8(r) != 1) r->ok = false;
    if (r->ok && r->p != r->end) r->ok = false;
    if (!r->ok) {
        sg_map_free(&m->values);
        sg_map_free(&m->types);
        return false;
    }
    m->resolved = true;
    return true;
}

/* ---- results ---- */

/* By import, then the names looked up before the suggestions made, each
 * by namespace and name (a suggestion for one name is the same each time
 * it is made in one check). */
static int cmp_use(const void *a, const void *b) {
    const SgUse *x = a, *y = b;
    if (x->import != y->import) return x->import < y->import ? -1 : 1;
    if (x->nearest != y->nearest) return x->nearest ? 1 : -1;
    if (x->ns != y->ns) return x->ns < y->ns ? -1 : 1;
    return cmp_name(&(const SgName *){&x->name}, &(const SgName *){&y->name});
}

/* The suggestion for `typed` among the public names of namespace ns in a
 * fingerprint table: the same set the checker offers (sg_offer_members). */
static SgName nearest_in(const SgFpTable *t, SgNs ns, SgName typed) {
    SgSuggest s = sg_suggest_start(typed);
    for (uint32_t i = 0; t && i < t->n; i++)
        if (t->items[i].ns == ns && t->items[i].state == SG_NAME_PUBLIC) sg_suggest_offer(&s, t->items[i].name);
    return s.best;
}

/* The usage record: per import its status and, when resolved, the import's
 * export hash, each name looked up there (sorted, once) with its state,
 * and each suggestion made among its public names (namespace, the name
 * typed, the one suggested or ""): what those messages read of it. */
static void put_usage(SgBuf *b, const SgResultIn *in) {
    const SgModule *m = in->m;
    SgUse *uses = sg_xmalloc(sizeof *uses * (m->uses.len + 1));
    if (m->uses.len) memcpy(uses, m->uses.items, sizeof *uses * m->uses.len);
    sg_qsort(uses, m->uses.len, sizeof *uses, cmp_use);
    sg_blob_varint(b, m->nimports);
    uint32_t u = 0;
    for (uint32_t k = 0; k < m->nimports; k++) {
        const SgImport *imp = &m->imports[k];
        sg_blob_u8(b, imp->status);
        uint32_t first = u;
        while (u < m->uses.len && uses[u].import == k) u++;
        if (imp->status != IMP_OK) continue;
        sg_blob_hash(b, in->import_hashes[k]);
        uint32_t mid = first;
        while (mid < u && !uses[mid].nearest) mid++;
        for (int part = 0; part < 2; part++) {
            uint32_t from = part ? mid : first, to = part ? u : mid, n = 0;
            for (uint32_t i = from; i < to; i++) n += i == from || cmp_use(&uses[i - 1], &uses[i]) != 0;
            sg_blob_varint(b, n);
            for (uint32_t i = from; i < to; i++) {
                if (i > from && cmp_use(&uses[i - 1], &uses[i]) == 0) continue;
                sg_blob_u8(b, uses[i].ns);
                sg_blob_str(b, uses[i].name.s, uses[i].name.len);
                if (part) {
                    sg_blob_str(b, uses[i].best.s, uses[i].best.len);
                    continue;
                }
                SgHash fp;
                SgNameState st = sg_fp_state(in->import_tables[k], (SgNs)uses[i].ns, uses[i].name, &fp);
                sg_blob_u8(b, (uint8_t)st);
                if (st == SG_NAME_PUBLIC) sg_blob_hash(b, &fp);
            }
        }
    }
    free(uses);
}

static void put_fp_table(SgBuf *b, const SgFpTable *t) {
    sg_blob_varint(b, t->n);
    for (uint32_t i = 0; i < t->n; i++) {
        const SgFpEntry *e = &t->items[i];
        sg_blob_u8(b, e->ns);
        sg_blob_str(b, e->name.s, e->name.len);
        sg_blob_u8(b, e->state);
        sg_blob_u8(b, e->has_fp);
        if (e->has_fp) sg_blob_hash(b, &e->fp);
    }
}

static SgHash result_id(const SgHash *source_key, const uint8_t *usage, size_t len) {
    SgHasher *h = sg_hasher_new();
    sg_hasher_bytes(h, source_key->b, 16);
    sg_hasher_bytes(h, usage, len);
    return sg_hasher_done(h);
}

/* ---- a diagnostic's related location and fix ----
 * After the message, a byte of flags (1: related, 2: fix). A related
 * location in this module is its range; in another module, its name (see
 * SgRelated): the module's layout is not part of the result. */
enum { DIAG_RELATED = 1, DIAG_FIX = 2 };

static void put_cstr(SgBuf *b, const char *s) { sg_blob_str(b, s ? s : "", s ? strlen(s) : 0); }

static void put_diag_span(SgBuf *b, const SgDiagSpan *s) {
    sg_blob_varint(b, s->start);
    sg_blob_varint(b, s->end);
    sg_blob_varint(b, s->line);
    sg_blob_varint(b, s->col);
    sg_blob_varint(b, s->end_line);
    sg_blob_varint(b, s->end_col);
}

static void put_diag_extra(SgBuf *b, const SgDiag *g) {
    sg_blob_u8(b, (uint8_t)((g->related ? DIAG_RELATED : 0) | (g->fix ? DIAG_FIX : 0)));
    if (g->related) {
        const SgRelated *r = g->related;
        put_cstr(b, r->label);
        sg_blob_u8(b, r->module != NULL);
        if (!r->module) {
            put_diag_span(b, &r->at);
        } else {
            put_cstr(b, r->module);
            put_cstr(b, r->item);
            sg_blob_u8(b, r->ns);
            sg_blob_u8(b, r->part);
            sg_blob_varint(b, r->part == SG_REL_PARAM ? r->index : 0);
            put_cstr(b, r->part == SG_REL_FIELD ? r->field : "");
        }
    }
    if (g->fix) {
        put_diag_span(b, &g->fix->at);
        put_cstr(b, g->fix->text);
    }
}

static bool get_diag_span(SgRd *r, SgDiagSpan *s) {
    uint64_t x[6];
    for (int k = 0; k < 6; k++) {
        x[k] = sg_rd_varint(r);
        if (x[k] > UINT32_MAX) r->ok = false;
    }
    if (!r->ok || x[1] < x[0] || !x[2] || !x[3] || !x[4] || !x[5]) return r->ok = false;
    *s = (SgDiagSpan){(uint32_t)x[0], (uint32_t)x[1], (uint32_t)x[2], (uint32_t)x[3], (uint32_t)x[4], (uint32_t)x[5]};
    return true;
}

/* A string of the section: copied into `a` as a C string, or only checked
 * when `a` is NULL (returns "" then). With `nonempty`, an empty one is
 * invalid. */
static const char *get_cstr(SgRd *r, SgArena *a, bool nonempty) {
    uint32_t l;
    const char *s = sg_rd_str(r, &l);
    if (!r->ok || (nonempty && !l) || memchr(s, 0, l)) {
        r->ok = false;
        return "";
    }
    return a ? sg_arena_strndup(a, s, l) : "";
}

/* Reads what put_diag_extra wrote; with a diagnostic (and its arena),
 * attaches it, else only checks it. */
static bool get_diag_extra(SgRd *r, SgDiags *d, SgDiag *g) {
    SgArena *a = g ? d->arena : NULL;
    uint8_t flags = sg_rd_u8(r);
    if (!r->ok || flags > (DIAG_RELATED | DIAG_FIX)) return r->ok = false;
    if (flags & DIAG_RELATED) {
        SgRelated rel = {.label = get_cstr(r, a, true)};
        uint8_t foreign = sg_rd_u8(r);
        if (!r->ok || foreign > 1) return r->ok = false;
        if (!foreign) {
            if (!get_diag_span(r, &rel.at)) return false;
        } else {
            rel.module = get_cstr(r, a, true);
            rel.item = get_cstr(r, a, true);
            rel.ns = sg_rd_u8(r);
            rel.part = sg_rd_u8(r);
            uint64_t index = sg_rd_varint(r);
            if (!r->ok || rel.ns > SG_NS_TYPE || rel.part > SG_REL_FIELD || index > UINT32_MAX) return r->ok = false;
            rel.index = (uint32_t)index;
            rel.field = get_cstr(r, a, rel.part == SG_REL_FIELD);
            if (!r->ok) return false;
        }
        if (g) {
            g->related = SG_NEW(a, SgRelated);
            *g->related = rel;
        }
    }
    if (flags & DIAG_FIX) {
        SgFix fix;
        if (!get_diag_span(r, &fix.at)) return false;
        fix.text = get_cstr(r, a, true);
        if (!r->ok) return false;
        if (g) {
            g->fix = SG_NEW(a, SgFix);
            *g->fix = fix;
        }
    }
    return r->ok;
}

/* Payload: source key, export hash, the byte lengths of the three
 * sections, then the sections (diagnostics, usage record, fingerprint
 * table). The lengths let a reader go straight to the section it needs;
 * each section's reader checks its own bytes. */
void sg_result_encode(const SgResultIn *in, SgBuf *out, SgHash *id) {
    SgBuf sec[3] = {{0}};
    const SgDiags *d = in->diags;
    sg_blob_varint(&sec[0], d->len);
    for (uint32_t i = 0; i < d->len; i++) {
        const SgDiag *g = &d->items[i];
        sg_blob_varint(&sec[0], g->start);
        sg_blob_varint(&sec[0], g->end);
        sg_blob_varint(&sec[0], g->line);
        sg_blob_varint(&sec[0], g->col);
        sg_blob_varint(&sec[0], g->end_line);
        sg_blob_varint(&sec[0], g->end_col);
        sg_blob_str(&sec[0], g->code, strlen(g->code));
        sg_blob_str(&sec[0], g->message, strlen(g->message));
        put_diag_extra(&sec[0], g);
    }
    put_usage(&sec[1], in);
    *id = result_id(&in->source_key, (const uint8_t *)sec[1].data, sec[1].len);
    put_fp_table(&sec[2], in->own);
    size_t start = out->len;
    sg_blob_begin(out, MAGIC_RESULT);
    sg_blob_hash(out, &in->source_key);
    sg_blob_hash(out, &in->export_hash);
    for (int i = 0; i < 3; i++) sg_blob_varint(out, sec[i].len);
    for (int i = 0; i < 3; i++) {
        sg_buf_put(out, sec[i].data, sec[i].len);
        sg_buf_free(&sec[i]);
    }
    sg_blob_end(out, start);
}

/* The structure of each section, for sg_result_check. */
static bool skip_diags(SgRd *r) {
    uint32_t n = sg_rd_count(r);
    for (uint32_t i = 0; i < n && r->ok; i++) {
        for (int k = 0; k < 6; k++)
            if (sg_rd_varint(r) > UINT32_MAX) r->ok = false;
        uint32_t cl, ml;
        sg_rd_str(r, &cl);
        sg_rd_str(r, &ml);
        get_diag_extra(r, NULL, NULL);
    }
    return r->ok;
}

static bool skip_usage(SgRd *r) {
    uint32_t n = sg_rd_count(r);
    for (uint32_t k = 0; k < n && r->ok; k++) {
        uint8_t status = sg_rd_u8(r);
        if (status > IMP_CYCLE) r->ok = false;
        if (status != IMP_OK || !r->ok) continue;
        SgHash h;
        sg_rd_hash(r, &h);
        uint32_t names = sg_rd_count(r);
        for (uint32_t i = 0; i < names && r->ok; i++) {
            uint8_t ns = sg_rd_u8(r);
            uint32_t l;
            sg_rd_str(r, &l);
            uint8_t st = sg_rd_u8(r);
            if (ns > SG_NS_TYPE || st > SG_NAME_PUBLIC || !l) r->ok = false;
            if (st == SG_NAME_PUBLIC) sg_rd_hash(r, &h);
        }
        uint32_t nearest = sg_rd_count(r);
        for (uint32_t i = 0; i < nearest && r->ok; i++) {
            uint8_t ns = sg_rd_u8(r);
            uint32_t l, bl;
            sg_rd_str(r, &l);
            sg_rd_str(r, &bl);
            if (ns > SG_NS_TYPE || !l) r->ok = false;
        }
    }
    return r->ok;
}

static bool skip_fps(SgRd *r) {
    uint32_t n = sg_rd_count(r);
    for (uint32_t i = 0; i < n && r->ok; i++) {
        uint8_t ns = sg_rd_u8(r);
        uint32_t l;
        sg_rd_str(r, &l);
        uint8_t st = sg_rd_u8(r), has = sg_rd_u8(r);
        if (ns > SG_NS_TYPE || (st != SG_NAME_PRIVATE && st != SG_NAME_PUBLIC) || has > 1 || !l ||
            (st == SG_NAME_PUBLIC && !has))
            r->ok = false;
        SgHash h;
        if (has) sg_rd_hash(r, &h);
    }
    return r->ok;
}

static bool result_open(const uint8_t *blob, size_t len, SgResultView *v, bool verified) {
    SgRd r;
    memset(v, 0, sizeof *v);
    if (!sg_blob_check(&r, blob, len, MAGIC_RESULT, verified)) return false;
    sg_rd_hash(&r, &v->source_key);
    sg_rd_hash(&r, &v->export_hash);
    uint64_t l[3];
    for (int i = 0; i < 3; i++) l[i] = sg_rd_varint(&r);
    size_t left = (size_t)(r.end - r.p);
    if (!r.ok || l[0] > left || l[1] > left - l[0] || l[2] != left - l[0] - l[1]) return false;
    v->diags = r.p;
    v->usage = v->diags + l[0];
    v->fps = v->usage + l[1];
    v->end = r.end;
    v->blob = blob;
    v->len = len;
    return true;
}

bool sg_result_open(const uint8_t *blob, size_t len, SgResultView *v) { return result_open(blob, len, v, false); }

bool sg_result_reopen(const uint8_t *blob, size_t len, SgResultView *v) { return result_open(blob, len, v, true); }

bool sg_result_check(const SgResultView *v) {
    SgRd r = {.p = v->diags, .end = v->usage, .ok = v->blob != NULL};
    if (!skip_diags(&r) || r.p != r.end) return false;
    r = (SgRd){.p = v->usage, .end = v->fps, .ok = true};
    if (!skip_usage(&r) || r.p != r.end) return false;
    r = (SgRd){.p = v->fps, .end = v->end, .ok = true};
    return skip_fps(&r) && r.p == r.end;
}

static SgRd section(const SgResultView *v, const uint8_t *from, const uint8_t *to) {
    return (SgRd){.p = from, .end = to, .ok = v->blob != NULL};
}

bool sg_result_diags(const SgResultView *v, SgDiags *out) {
    SgRd r = section(v, v->diags, v->usage);
    uint32_t n = sg_rd_count(&r);
    uint32_t first = out->len;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        uint64_t x[6];
        for (int k = 0; k < 6; k++) x[k] = sg_rd_varint(&r);
        uint32_t cl, ml;
        const char *cs = sg_rd_str(&r, &cl);
        const char *ms = sg_rd_str(&r, &ml);
        if (!r.ok) break;
        const char *code = sg_diag_code_known(cs, cl);
        if (!code || !x[2] || !x[3]) {
            r.ok = false;
            break;
        }
        sg_diag(out, (uint32_t)x[0], (uint32_t)x[1], code, "%.*s", (int)ml, ms);
        SgDiag *g = &out->items[out->len - 1];
        g->line = (uint32_t)x[2];
        g->col = (uint32_t)x[3];
        g->end_line = (uint32_t)x[4];
        g->end_col = (uint32_t)x[5];
        get_diag_extra(&r, out, g);
    }
    if (r.ok && r.p != r.end) r.ok = false;
    if (!r.ok) out->len = first;
    return r.ok;
}

/* Reads one resolved import's record (after its status): whether it holds
 * for the import's export hash and table now: every name has the same
 * state, and every suggestion made among its public names would be the
 * same. With no hash, it is only read; with no table, only the shortcut
 * can hold. */
static bool import_record_holds(SgRd *r, const SgHash *hash, const SgFpTable *table) {
    SgHash then;
    sg_rd_hash(r, &then);
    bool holds = hash && sg_hash_eq(&then, hash), compare = hash && !holds;
    uint32_t names = sg_rd_count(r);
    for (uint32_t i = 0; i < names && r->ok; i++) {
        uint8_t ns = sg_rd_u8(r);
        uint32_t l;
        const char *s = sg_rd_str(r, &l);
        uint8_t st = sg_rd_u8(r);
        SgHash fp = {{0}}, now;
        if (st == SG_NAME_PUBLIC) sg_rd_hash(r, &fp);
        if (!compare || !r->ok) continue;
        if (!table) return false;
        if ((uint8_t)sg_fp_state(table, (SgNs)ns, sg_name(s, l), &now) != st || !sg_hash_eq(&fp, &now)) return false;
    }
    uint32_t nearest = sg_rd_count(r);
    for (uint32_t i = 0; i < nearest && r->ok; i++) {
        uint8_t ns = sg_rd_u8(r);
        uint32_t l, bl;
        const char *s = sg_rd_str(r, &l);
        const char *best = sg_rd_str(r, &bl);
        if (!compare || !r->ok) continue;
        if (!table || ns > SG_NS_TYPE) return false;
        SgName now = nearest_in(table, (SgNs)ns, sg_name(s, l));
        if (now.len != bl || (bl && memcmp(now.s, best, bl) != 0)) return false;
    }
    return r->ok && (holds || compare);
}

bool sg_result_usage_holds(const SgResultView *v, uint32_t nimports, const uint8_t *statuses,
                           const SgHash *const *hashes, const SgFpTable *const *tables) {
    SgRd r = section(v, v->usage, v->fps);
    if (sg_rd_count(&r) != nimports || !r.ok) return false;
    for (uint32_t k = 0; k < nimports; k++) {
        uint8_t status = sg_rd_u8(&r);
        if (!r.ok || status != statuses[k]) return false;
        if (status == IMP_OK && !import_record_holds(&r, hashes[k], tables ? tables[k] : NULL)) return false;
    }
    return r.ok && r.p == r.end;
}

void sg_result_hashes_differ(const SgResultView *v, uint32_t nimports, const SgHash *const *hashes, bool *differ) {
    for (uint32_t k = 0; k < nimports; k++) differ[k] = true;
    SgRd r = section(v, v->usage, v->fps);
    if (sg_rd_count(&r) != nimports || !r.ok) return;
    for (uint32_t k = 0; k < nimports && r.ok; k++) {
        if (sg_rd_u8(&r) != IMP_OK) continue;
        SgRd at = r;
        SgHash then;
        sg_rd_hash(&at, &then);
        differ[k] = !at.ok || !hashes[k] || !sg_hash_eq(&then, hashes[k]);
        import_record_holds(&r, NULL, NULL);
    }
}

bool sg_result_import_holds(const SgResultView *v, uint32_t k, const SgHash *hash, const SgFpTable *table) {
    SgRd r = section(v, v->usage, v->fps);
    uint32_t n = sg_rd_count(&r);
    if (!r.ok || k >= n) return false;
    for (uint32_t i = 0; i < k && r.ok; i++)
        if (sg_rd_u8(&r) == IMP_OK) import_record_holds(&r, NULL, NULL);
    return r.ok && sg_rd_u8(&r) == IMP_OK && import_record_holds(&r, hash, table);
}

bool sg_result_usage_names(const SgResultView *v,
                           void (*fn)(void *ctx, uint32_t k, uint8_t ns, const char *name, uint32_t len), void *ctx) {
    SgRd r = section(v, v->usage, v->fps);
    uint32_t nimports = sg_rd_count(&r);
    for (uint32_t k = 0; k < nimports && r.ok; k++) {
        if (sg_rd_u8(&r) != IMP_OK) continue;
        SgHash then;
        sg_rd_hash(&r, &then);
        uint32_t names = sg_rd_count(&r);
        for (uint32_t i = 0; i < names && r.ok; i++) {
            uint8_t ns = sg_rd_u8(&r);
            uint32_t l;
            const char *s = sg_rd_str(&r, &l);
            uint8_t st = sg_rd_u8(&r);
            SgHash fp;
            if (st == SG_NAME_PUBLIC) sg_rd_hash(&r, &fp);
            if (r.ok) fn(ctx, k, ns, s, l);
        }
        if (sg_rd_count(&r)) return false;  /* nearest-name answers */
    }
    return r.ok && r.p == r.end;
}

bool sg_result_fp_table(const SgResultView *v, SgArena *a, SgFpTable *out) {
    SgRd r = section(v, v->fps, v->end);
    uint32_t n = sg_rd_count(&r);
    out->items = SG_NEW_N(a, SgFpEntry, n + 1);
    out->n = 0;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        SgFpEntry *e = &out->items[i];
        e->ns = sg_rd_u8(&r);
        uint32_t l;
        const char *s = sg_rd_str(&r, &l);
        e->name = (SgName){.s = s, .len = l};     /* compared by bytes (sg_fp_find), never hashed */
        e->state = sg_rd_u8(&r);
        e->has_fp = sg_rd_u8(&r);
        if (e->has_fp) sg_rd_hash(&r, &e->fp);
        /* sorted and unique, or lookups would miss */
        if (i && (e->ns < e[-1].ns || (e->ns == e[-1].ns && cmp_name(&(const SgName *){&e[-1].name},
                                                                     &(const SgName *){&e->name}) >= 0)))
            r.ok = false;
    }
    if (r.ok && r.p != r.end) r.ok = false;
    if (r.ok) out->n = n;
    return r.ok;
}

SgHash sg_result_id(const SgResultView *v) { return result_id(&v->source_key, v->usage, (size_t)(v->fps - v->usage)); }

/* ---- the file index ----
 * One blob per root: every file's identity, source hash, import paths and
 * last result, sorted by path. A warm run reads it whole, in one row. */
void sg_index_encode(const SgFileRow *rows, uint32_t n, SgBuf *out) {
    size_t start = out->len;
    sg_blob_begin(out, MAGIC_INDEX);
    sg_blob_varint(out, n);
    for (uint32_t i = 0; i < n; i++) {
        const SgFileRow *r = &rows[i];
        sg_blob_str(out, r->rel.s, r->rel.len);
        sg_blob_varint(out, (uint64_t)r->size);
        sg_blob_varint(out, (uint64_t)r->mtime_ns);
        sg_blob_varint(out, (uint64_t)r->ctime_ns);
        sg_blob_varint(out, (uint64_t)r->ino);
        sg_blob_varint(out, (uint64_t)r->indexed_at_ns);
        sg_blob_hash(out, &r->source_hash);
        sg_blob_varint(out, r->nimports);
        for (uint32_t k = 0; k < r->nimports; k++) sg_blob_str(out, r->imports[k].s, r->imports[k].len);
    }
    sg_blob_end(out, start);
}

void sg_index_encode_keys(const SgFileRow *rows, uint32_t n, uint64_t rows_sum, SgBuf *out) {
    size_t start = out->len;
    sg_blob_begin(out, MAGIC_KEYS);
    sg_blob_varint(out, rows_sum);
    sg_blob_varint(out, n);
    for (uint32_t i = 0; i < n; i++) {
        const SgFileRow *r = &rows[i];
        sg_blob_u8(out, r->have_result);
        if (!r->have_result) continue;
        sg_blob_hash(out, &r->fast_key);
        sg_blob_hash(out, &r->result_id);
        sg_blob_hash(out, &r->export_hash);
        sg_blob_varint(out, r->ndiags);
        sg_blob_hash(out, &r->usage_filter);
    }
    sg_blob_end(out, start);
}

bool sg_index_decode_keys(const uint8_t *blob, size_t len, SgFileRow *rows, uint32_t n, uint64_t rows_sum) {
    SgRd r;
    if (!sg_blob_open(&r, blob, len, MAGIC_KEYS) || sg_rd_varint(&r) != rows_sum || sg_rd_varint(&r) != n) return false;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        SgFileRow *f = &rows[i];
        uint8_t have = sg_rd_u8(&r);
        if (have > 1) r.ok = false;
        f->have_result = have == 1;
        if (!f->have_result || !r.ok) continue;
        sg_rd_hash(&r, &f->fast_key);
        sg_rd_hash(&r, &f->result_id);
        sg_rd_hash(&r, &f->export_hash);
        uint64_t nd = sg_rd_varint(&r);
        if (nd > UINT32_MAX) r.ok = false;
        f->ndiags = (uint32_t)nd;
        sg_rd_hash(&r, &f->usage_filter);
    }
    if (!r.ok || r.p != r.end) {
        for (uint32_t i = 0; i < n; i++) rows[i].have_result = false;
        return false;
    }
    return true;
}

bool sg_index_decode(const uint8_t *blob, size_t len, SgArena *a, SgFileRow **rows, uint32_t *n) {
    SgRd r;
    *rows = NULL;
    *n = 0;
    if (!sg_blob_open(&r, blob, len, MAGIC_INDEX)) return false;
    uint32_t count = sg_rd_count(&r);
    SgFileRow *out = SG_NEW_N(a, SgFileRow, count + 1);
    for (uint32_t i = 0; i < count && r.ok; i++) {
        SgFileRow *f = &out[i];
        uint32_t l;
        const char *s = sg_rd_str(&r, &l);
        f->rel = sg_name(s, l);
        f->size = (int64_t)sg_rd_varint(&r);
        f->mtime_ns = (int64_t)sg_rd_varint(&r);
        f->ctime_ns = (int64_t)sg_rd_varint(&r);
        f->ino = (int64_t)sg_rd_varint(&r);
        f->indexed_at_ns = (int64_t)sg_rd_varint(&r);
        sg_rd_hash(&r, &f->source_hash);
        f->nimports = sg_rd_count(&r);
        f->imports = SG_NEW_N(a, SgName, f->nimports + 1);
        for (uint32_t k = 0; k < f->nimports && r.ok; k++) {
            s = sg_rd_str(&r, &l);
            if (!l || memchr(s, 0, l)) r.ok = false;
            f->imports[k] = (SgName){.s = s, .len = l};
        }
        if (!f->rel.len || memchr(f->rel.s, 0, f->rel.len)) r.ok = false;
    }
    if (!r.ok || r.p != r.end) return false;
    *rows = out;
    *n = count;
    return true;
}
