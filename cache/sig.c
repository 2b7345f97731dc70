/* sig.c - signature, diagnostics and import-list blobs (see sig.h). */
#include "sig.h"

#include <stdlib.h>

#define MAGIC_SIG "SGS\x02"
#define MAGIC_DIAG "SGD\x02"
#define MAGIC_IMP "SGI\x01"
#define MAX_TYPE_DEPTH 256

/* ---- writing ---- */
static void put_varint(SgBuf *b, uint64_t v) {
    uint8_t tmp[10];
    int n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v) tmp[n] |= 0x80;
        n++;
    } while (v);
    sg_buf_put(b, tmp, (size_t)n);
}

static void put_str(SgBuf *b, const char *s, size_t n) {
    put_varint(b, n);
    sg_buf_put(b, s, n);
}

static void put_u8(SgBuf *b, uint8_t v) { sg_buf_put(b, &v, 1); }

/* Where an item is and what its doc says: stored for editors, never hashed. */
static void put_span(SgBuf *b, SgSpan s) {
    put_varint(b, s.start);
    put_varint(b, s.end);
}

static void put_doc(SgBuf *b, const char *doc) { put_str(b, doc ? doc : "", doc ? strlen(doc) : 0); }

static void frame_begin(SgBuf *b, const char *magic) {
    sg_buf_put(b, magic, 4);
    sg_buf_put(b, "\0\0\0\0", 4);
}

static void frame_end(SgBuf *b, size_t start) {
    size_t plen = b->len - start - 8;
    for (int i = 0; i < 4; i++) b->data[start + 4 + (size_t)i] = (char)((plen >> (8 * i)) & 0xFF);
    uint64_t c = sg_checksum64(b->data + start, b->len - start);
    uint8_t cb[8];
    for (int i = 0; i < 8; i++) cb[i] = (uint8_t)(c >> (8 * i));
    sg_buf_put(b, cb, 8);
}

/* ---- reading ---- */
typedef struct Rd {
    const uint8_t *p, *end;
    bool ok;
} Rd;

static bool frame_open(Rd *r, const uint8_t *blob, size_t len, const char *magic) {
    r->ok = false;
    if (!blob || len < 16 || memcmp(blob, magic, 4) != 0) return false;
    uint64_t plen = 0;
    for (int i = 0; i < 4; i++) plen |= (uint64_t)blob[4 + i] << (8 * i);
    if (plen != len - 16) return false;
    uint64_t want = 0;
    for (int i = 0; i < 8; i++) want |= (uint64_t)blob[len - 8 + (size_t)i] << (8 * i);
    if (sg_checksum64(blob, len - 8) != want) return false;
    r->p = blob + 8;
    r->end = blob + len - 8;
    r->ok = true;
    return true;
}

static uint64_t get_varint(Rd *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->ok = false;
            return 0;
        }
        uint8_t c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) return v;
    }
    r->ok = false;
    return 0;
}

/* A count that must be plausible for the bytes left (each item >= 1 byte). */
static uint32_t get_count(Rd *r) {
    uint64_t n = get_varint(r);
    if (!r->ok || n > (uint64_t)(r->end - r->p) || n > UINT32_MAX / 64) {
        r->ok = false;
        return 0;
    }
    return (uint32_t)n;
}

static uint8_t get_u8(Rd *r) {
    if (r->p >= r->end) {
        r->ok = false;
        return 0;
    }
    return *r->p++;
}

static const char *get_str(Rd *r, uint32_t *len) {
    uint64_t n = get_varint(r);
    if (!r->ok || n > (uint64_t)(r->end - r->p)) {
        r->ok = false;
        *len = 0;
        return "";
    }
    const char *s = (const char *)r->p;
    r->p += n;
    *len = (uint32_t)n;
    return s;
}

/* ---- types ---- */
enum { T_ERROR, T_NEVER, T_INT, T_FLOAT, T_BOOL, T_STRING, T_UNIT, T_LIST, T_FN, T_NAMED, T_PARAM };

static void put_type(SgBuf *b, const SgType *t) {
    switch (t->kind) {
    case TY_ERROR: case TY_VAR: put_u8(b, T_ERROR); return;
    case TY_NEVER: put_u8(b, T_NEVER); return;
    case TY_INT: put_u8(b, T_INT); return;
    case TY_FLOAT: put_u8(b, T_FLOAT); return;
    case TY_BOOL: put_u8(b, T_BOOL); return;
    case TY_STRING: put_u8(b, T_STRING); return;
    case TY_UNIT: put_u8(b, T_UNIT); return;
    case TY_LIST:
        put_u8(b, T_LIST);
        put_type(b, t->args[0]);
        return;
    case TY_FN:
        put_u8(b, T_FN);
        put_varint(b, t->n);
        for (uint32_t i = 0; i < t->n; i++) put_type(b, t->args[i]);
        put_type(b, t->ret);
        return;
    case TY_NAMED:
        put_u8(b, T_NAMED);
        put_str(b, t->def->module_name, strlen(t->def->module_name));
        put_str(b, t->def->name.s, t->def->name.len);
        put_varint(b, t->n);
        for (uint32_t i = 0; i < t->n; i++) put_type(b, t->args[i]);
        return;
    case TY_PARAM:
        put_u8(b, T_PARAM);
        put_varint(b, t->id);
        return;
    }
}

typedef struct Dec {
    SgProgram *p;
    SgModule *m;
    Rd r;
    bool (*need)(SgProgram *, SgModule *);
} Dec;

static SgType *get_type(Dec *d, int depth) {
    Rd *r = &d->r;
    if (depth > MAX_TYPE_DEPTH) r->ok = false;
    uint8_t tag = get_u8(r);
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
        uint32_t n = get_count(r);
        SgType **args = n ? SG_NEW_N(a, SgType *, n) : NULL;
        for (uint32_t i = 0; i < n && r->ok; i++) args[i] = get_type(d, depth + 1);
        SgType *ret = get_type(d, depth + 1);
        return r->ok ? sg_type_fn(a, args, n, ret) : &sg_ty_error;
    }
    case T_NAMED: {
        uint32_t ml, nl;
        const char *ms = get_str(r, &ml);
        const char *ns = get_str(r, &nl);
        uint32_t n = get_count(r);
        if (!r->ok) return &sg_ty_error;
        SgModule *owner = sg_program_find(d->p, sg_name(ms, ml));
        if (!owner || (owner != d->m && !d->need(d->p, owner))) {
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
        uint64_t i = get_varint(r);
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

static int cmp_field(const void *a, const void *b) {
    const SgField *x = *(SgField *const *)a, *y = *(SgField *const *)b;
    return cmp_name(&(const SgName *){&x->name}, &(const SgName *){&y->name});
}
static int cmp_ctor(const void *a, const void *b) {
    const SgCtor *x = *(SgCtor *const *)a, *y = *(SgCtor *const *)b;
    return cmp_name(&(const SgName *){&x->name}, &(const SgName *){&y->name});
}

/* canonical: order-free (sorted fields and constructors), no private names */
static void put_export(SgBuf *b, Export *x, bool canonical) {
    put_varint(b, x->defs.len);
    for (uint32_t i = 0; i < x->defs.len; i++) {
        SgTypeEntry *e = x->defs.items[i];
        put_u8(b, e->def->kind == DEF_STRUCT ? 'S' : e->def->kind == DEF_ENUM ? 'E' : 'X');
        put_u8(b, e->pub);
        put_str(b, e->name.s, e->name.len);
        put_varint(b, e->def->ntparams);
        if (!canonical) {
            put_span(b, e->def->span);
            put_doc(b, e->def->doc);
        }
    }
    for (uint32_t i = 0; i < x->defs.len; i++) {
        SgTypeDef *d = ((SgTypeEntry *)x->defs.items[i])->def;
        if (d->kind == DEF_STRUCT) {
            SgField **fs = sg_xmalloc(sizeof *fs * (d->nfields + 1));
            for (uint32_t k = 0; k < d->nfields; k++) fs[k] = &d->fields[k];
            if (canonical) sg_qsort(fs, d->nfields, sizeof *fs, cmp_field);
            put_varint(b, d->nfields);
            for (uint32_t k = 0; k < d->nfields; k++) {
                put_str(b, fs[k]->name.s, fs[k]->name.len);
                put_type(b, fs[k]->type);
                if (!canonical) put_span(b, fs[k]->span);
            }
            free(fs);
        } else if (d->kind == DEF_ENUM) {
            SgCtor **cs = sg_xmalloc(sizeof *cs * (d->nctors + 1));
            for (uint32_t k = 0; k < d->nctors; k++) cs[k] = &d->ctors[k];
            if (canonical) sg_qsort(cs, d->nctors, sizeof *cs, cmp_ctor);
            put_varint(b, d->nctors);
            for (uint32_t k = 0; k < d->nctors; k++) {
                put_str(b, cs[k]->name.s, cs[k]->name.len);
                put_varint(b, cs[k]->npayload);
                for (uint32_t j = 0; j < cs[k]->npayload; j++) put_type(b, cs[k]->payload[j]);
                if (!canonical) put_span(b, cs[k]->span);
            }
            free(cs);
        }
    }
    put_varint(b, x->aliases.len);
    for (uint32_t i = 0; i < x->aliases.len; i++) {
        SgTypeEntry *e = x->aliases.items[i];
        put_str(b, e->name.s, e->name.len);
        put_varint(b, e->ntparams);
        put_type(b, e->alias_cyclic || !e->target ? &sg_ty_error : e->target);
        if (!canonical) {
            put_span(b, e->span);
            put_doc(b, e->doc);
        }
    }
    put_varint(b, x->fns.len);
    for (uint32_t i = 0; i < x->fns.len; i++) {
        SgValue *v = x->fns.items[i];
        put_str(b, v->name.s, v->name.len);
        put_varint(b, v->ntparams);
        put_type(b, v->type ? v->type : &sg_ty_error);
        if (!canonical) {
            put_span(b, v->span);
            put_doc(b, v->doc);
        }
    }
    put_varint(b, x->consts.len);
    for (uint32_t i = 0; i < x->consts.len; i++) {
        SgValue *v = x->consts.items[i];
        put_str(b, v->name.s, v->name.len);
        put_type(b, v->type ? v->type : &sg_ty_error);
        if (!canonical) {
            put_span(b, v->span);
            put_doc(b, v->doc);
        }
    }
    put_varint(b, canonical ? 0 : x->priv_values.len);
    for (uint32_t i = 0; !canonical && i < x->priv_values.len; i++) {
        SgName *n = x->priv_values.items[i];
        put_str(b, n->s, n->len);
    }
    put_varint(b, canonical ? 0 : x->priv_types.len);
    for (uint32_t i = 0; !canonical && i < x->priv_types.len; i++) {
        SgName *n = x->priv_types.items[i];
        put_str(b, n->s, n->len);
    }
}

void sg_sig_encode(SgModule *m, SgBuf *out) {
    Export x;
    collect(m, &x);
    size_t start = out->len;
    frame_begin(out, MAGIC_SIG);
    put_export(out, &x, false);
    frame_end(out, start);
    free_export(&x);
}

static void note_modules(const SgType *t, SgModule *self, SgVec *mods) {
    if (t->kind == TY_NAMED && t->def->module != self) {
        bool seen = false;
        for (uint32_t i = 0; i < mods->len && !seen; i++) seen = mods->items[i] == t->def->module;
        if (!seen) sg_vec_push(mods, t->def->module);
    }
    for (uint32_t i = 0; i < t->n; i++) note_modules(t->args[i], self, mods);
    if (t->ret) note_modules(t->ret, self, mods);
}

static int cmp_mod(const void *a, const void *b) {
    return strcmp((*(SgModule *const *)a)->name, (*(SgModule *const *)b)->name);
}

SgHash sg_sig_export_hash(SgModule *m, const SgHash *(*hash_of)(SgModule *dep)) {
    Export x;
    collect(m, &x);
    SgBuf b = {0};
    put_export(&b, &x, true);
    /* modules whose named types appear in the signature */
    SgVec mods = {0};
    for (uint32_t i = 0; i < x.defs.len; i++) {
        SgTypeDef *d = ((SgTypeEntry *)x.defs.items[i])->def;
        for (uint32_t k = 0; k < d->nfields; k++) note_modules(d->fields[k].type, m, &mods);
        for (uint32_t k = 0; k < d->nctors; k++)
            for (uint32_t j = 0; j < d->ctors[k].npayload; j++) note_modules(d->ctors[k].payload[j], m, &mods);
    }
    for (uint32_t i = 0; i < x.aliases.len; i++) {
        SgTypeEntry *e = x.aliases.items[i];
        if (e->target) note_modules(e->target, m, &mods);
    }
    for (uint32_t i = 0; i < x.fns.len; i++) note_modules(((SgValue *)x.fns.items[i])->type, m, &mods);
    for (uint32_t i = 0; i < x.consts.len; i++) note_modules(((SgValue *)x.consts.items[i])->type, m, &mods);
    sg_qsort(mods.items, mods.len, sizeof(void *), cmp_mod);
    SgHasher *h = sg_hasher_new();
    sg_hasher_str(h, "sigil-export-1", 14);
    sg_hasher_str(h, b.data ? b.data : "", b.len);
    for (uint32_t i = 0; i < mods.len; i++) {
        SgModule *dep = mods.items[i];
        sg_hasher_str(h, dep->name, strlen(dep->name));
        const SgHash *eh = hash_of(dep);
        sg_hasher_bytes(h, eh->b, 16);
    }
    sg_vec_free(&mods);
    sg_buf_free(&b);
    free_export(&x);
    return sg_hasher_done(h);
}

/* ---- decoding a signature into tables ---- */
static SgName dup_name(SgModule *m, const char *s, uint32_t n) {
    return sg_name(sg_arena_strndup(&m->sig_arena, s, n), n);
}

static SgSpan get_span(Rd *r) {
    uint64_t a = get_varint(r), b = get_varint(r);
    if (a > UINT32_MAX || b > UINT32_MAX || b < a) r->ok = false;
    return r->ok ? (SgSpan){(uint32_t)a, (uint32_t)b} : (SgSpan){0, 0};
}

static const char *get_doc(Rd *r, SgModule *m) {
    uint32_t l;
    const char *s = get_str(r, &l);
    return r->ok && l ? sg_arena_strndup(&m->sig_arena, s, l) : NULL;
}

bool sg_sig_decode(SgProgram *p, SgModule *m, const uint8_t *blob, size_t len,
                   bool (*need)(SgProgram *, SgModule *)) {
    Dec d = {.p = p, .m = m, .need = need};
    Rd *r = &d.r;
    if (!frame_open(r, blob, len, MAGIC_SIG)) return false;
    SgArena *a = &m->sig_arena;
    uint32_t ndefs = get_count(r);
    SgTypeEntry **entries = ndefs ? SG_NEW_N(a, SgTypeEntry *, ndefs) : NULL;
    for (uint32_t i = 0; i < ndefs && r->ok; i++) {
        uint8_t kind = get_u8(r);
        uint8_t pub = get_u8(r);
        uint32_t nl;
        const char *ns = get_str(r, &nl);
        uint64_t ntp = get_varint(r);
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
            def->nfields = get_count(r);
            def->fields = def->nfields ? SG_NEW_N(a, SgField, def->nfields) : NULL;
            for (uint32_t k = 0; k < def->nfields && r->ok; k++) {
                uint32_t fl;
                const char *fs = get_str(r, &fl);
                def->fields[k].name = dup_name(m, fs, fl);
                def->fields[k].type = get_type(&d, 0);
                def->fields[k].span = get_span(r);
            }
        } else if (def->kind == DEF_ENUM) {
            def->nctors = get_count(r);
            def->ctors = def->nctors ? SG_NEW_N(a, SgCtor, def->nctors) : NULL;
            SgType **self_args = def->ntparams ? SG_NEW_N(a, SgType *, def->ntparams) : NULL;
            for (uint32_t k = 0; k < def->ntparams; k++) self_args[k] = sg_type_param(a, k, def->tparam_names[k]);
            SgType *self = sg_type_named(a, def, self_args, def->ntparams);
            for (uint32_t k = 0; k < def->nctors && r->ok; k++) {
                SgCtor *c = &def->ctors[k];
                uint32_t cl;
                const char *cs = get_str(r, &cl);
                c->name = dup_name(m, cs, cl);
                c->owner = def;
                c->index = k;
                c->npayload = get_count(r);
                c->payload = c->npayload ? SG_NEW_N(a, SgType *, c->npayload) : NULL;
                for (uint32_t j = 0; j < c->npayload && r->ok; j++) c->payload[j] = get_type(&d, 0);
                c->span = get_span(r);
                if (!r->ok) break;
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
    uint32_t naliases = r->ok ? get_count(r) : 0;
    for (uint32_t i = 0; i < naliases && r->ok; i++) {
        uint32_t nl;
        const char *ns = get_str(r, &nl);
        uint64_t ntp = get_varint(r);
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
        uint32_t n = get_count(r);
        for (uint32_t i = 0; i < n && r->ok; i++) {
            uint32_t nl;
            const char *ns = get_str(r, &nl);
            uint64_t ntp = kind == 0 ? get_varint(r) : 0;
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
        uint32_t n = get_count(r);
        for (uint32_t i = 0; i < n && r->ok; i++) {
            uint32_t nl;
            const char *ns = get_str(r, &nl);
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
    if (r->ok && r->p != r->end) r->ok = false;
    if (!r->ok) {
        sg_map_free(&m->values);
        sg_map_free(&m->types);
        return false;
    }
    m->resolved = true;
    return true;
}

/* ---- diagnostics ---- */

void sg_result_encode(const SgDiags *d, const SgResultMeta *meta, SgBuf *out) {
    size_t start = out->len;
    frame_begin(out, MAGIC_DIAG);
    put_varint(out, d->len);
    for (uint32_t i = 0; i < d->len; i++) {
        const SgDiag *g = &d->items[i];
        put_varint(out, g->start);
        put_varint(out, g->end);
        put_varint(out, g->line);
        put_varint(out, g->col);
        put_varint(out, g->end_line);
        put_varint(out, g->end_col);
        put_str(out, g->code, strlen(g->code));
        put_str(out, g->message, strlen(g->message));
    }
    static const uint8_t zero[16];
    sg_buf_put(out, meta ? meta->names_hash : zero, 16);
    put_varint(out, meta ? meta->nprobes : 0);
    for (uint32_t i = 0; meta && i < meta->nprobes; i++) {
        put_varint(out, meta->probes[i].import_index);
        sg_buf_put(out, meta->probes[i].names_hash, 16);
    }
    frame_end(out, start);
}

void sg_diags_encode(const SgDiags *d, SgBuf *out) { sg_result_encode(d, NULL, out); }

static bool get_bytes(Rd *r, uint8_t *out, size_t n) {
    if ((size_t)(r->end - r->p) < n) {
        r->ok = false;
        return false;
    }
    memcpy(out, r->p, n);
    r->p += n;
    return true;
}

bool sg_result_decode(const uint8_t *blob, size_t len, SgDiags *out, SgResultMeta *meta) {
    Rd r;
    if (meta) memset(meta, 0, sizeof *meta);
    if (!frame_open(&r, blob, len, MAGIC_DIAG)) return false;
    uint32_t n = get_count(&r);
    uint32_t first = out->len;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        uint64_t v[6];
        for (int k = 0; k < 6; k++) {
            v[k] = get_varint(&r);
            if (v[k] > UINT32_MAX) r.ok = false;
        }
        uint32_t cl, ml;
        const char *cs = get_str(&r, &cl);
        const char *ms = get_str(&r, &ml);
        if (!r.ok) break;
        const char *code = sg_diag_code_known(cs, cl);
        if (!code || !v[2] || !v[3]) {
            r.ok = false;
            break;
        }
        sg_diag(out, (uint32_t)v[0], (uint32_t)v[1], code, "%.*s", (int)ml, ms);
        SgDiag *g = &out->items[out->len - 1];
        g->line = (uint32_t)v[2];
        g->col = (uint32_t)v[3];
        g->end_line = (uint32_t)v[4];
        g->end_col = (uint32_t)v[5];
    }
    uint8_t names[16];
    if (r.ok) get_bytes(&r, names, 16);
    uint32_t np = r.ok ? get_count(&r) : 0;
    SgProbe *probes = np ? sg_xcalloc(np, sizeof *probes) : NULL;
    for (uint32_t i = 0; i < np && r.ok; i++) {
        uint64_t idx = get_varint(&r);
        if (idx > UINT32_MAX) r.ok = false;
        probes[i].import_index = (uint32_t)idx;
        get_bytes(&r, probes[i].names_hash, 16);
    }
    if (r.ok && r.p != r.end) r.ok = false;
    if (!r.ok || !meta) free(probes);
    if (!r.ok) {
        out->len = first;
        return false;
    }
    if (meta) {
        memcpy(meta->names_hash, names, 16);
        meta->probes = probes;
        meta->nprobes = np;
    }
    return true;
}

bool sg_diags_decode(const uint8_t *blob, size_t len, SgDiags *out) { return sg_result_decode(blob, len, out, NULL); }

SgHash sg_sig_names_hash(SgModule *m) {
    SgVec names = {0};
    for (uint32_t i = 0; i < m->values.cap; i++) {
        SgValue *v = m->values.slots[i].value;
        if (m->values.slots[i].key.s && !v->import && !v->pub && v->kind != V_MODULE && v->kind != V_ERROR)
            sg_vec_push(&names, &v->name);
    }
    uint32_t nvalues = names.len;
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (m->types.slots[i].key.s && !e->import && !e->pub) sg_vec_push(&names, &e->name);
    }
    sg_qsort(names.items, nvalues, sizeof(void *), cmp_name);
    if (names.len > nvalues) sg_qsort(names.items + nvalues, names.len - nvalues, sizeof(void *), cmp_name);
    SgHasher *h = sg_hasher_new();
    sg_hasher_u64(h, nvalues);
    for (uint32_t i = 0; i < names.len; i++) {
        SgName *n = names.items[i];
        sg_hasher_str(h, n->s, n->len);
    }
    sg_vec_free(&names);
    return sg_hasher_done(h);
}

/* ---- import lists ---- */
void sg_imports_encode(const SgAst *ast, SgBuf *out) {
    size_t start = out->len;
    frame_begin(out, MAGIC_IMP);
    uint32_t n = 0;
    for (uint32_t i = 0; i < ast->nitems; i++) n += ast->items[i]->kind == IT_IMPORT && ast->items[i]->path.len;
    put_varint(out, n);
    for (uint32_t i = 0; i < ast->nitems; i++) {
        SgItem *it = ast->items[i];
        if (it->kind == IT_IMPORT && it->path.len) put_str(out, it->path.s, it->path.len);
    }
    frame_end(out, start);
}

bool sg_imports_decode(const uint8_t *blob, size_t len, char ***paths, uint32_t *n) {
    Rd r;
    *paths = NULL;
    *n = 0;
    if (!frame_open(&r, blob, len, MAGIC_IMP)) return false;
    uint32_t count = get_count(&r);
    char **ps = sg_xcalloc(count + 1, sizeof(char *));
    uint32_t k = 0;
    for (; k < count && r.ok; k++) {
        uint32_t l;
        const char *s = get_str(&r, &l);
        if (!r.ok || !l) {
            r.ok = false;
            break;
        }
        ps[k] = sg_xmalloc(l + 1);
        memcpy(ps[k], s, l);
        ps[k][l] = 0;
    }
    if (r.ok && r.p != r.end) r.ok = false;
    if (!r.ok) {
        for (uint32_t i = 0; i < k; i++) free(ps[i]);
        free(ps);
        return false;
    }
    *paths = ps;
    *n = count;
    return true;
}
