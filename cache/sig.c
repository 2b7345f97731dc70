/* sig.c - signature, diagnostics and import-list blobs (see sig.h). */
#include "sig.h"
#include "store.h"

#include <stdlib.h>

#define MAGIC_SIG "SGS\x03"
#define MAGIC_RESULT "SGR\x02"
#define MAGIC_INDEX "SGX\x01"
#define MAX_TYPE_DEPTH SG_TYPE_MAX_DEPTH  /* what the resolver builds at most (types.h) */

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

/* `verified`: the caller already opened this very buffer once (the checksum
 * is not computed again; the frame still is checked). */
static bool frame_check(Rd *r, const uint8_t *blob, size_t len, const char *magic, bool verified) {
    r->ok = false;
    if (!blob || len < 16 || memcmp(blob, magic, 4) != 0) return false;
    uint64_t plen = 0;
    for (int i = 0; i < 4; i++) plen |= (uint64_t)blob[4 + i] << (8 * i);
    if (plen != len - 16) return false;
    uint64_t want = 0;
    for (int i = 0; i < 8; i++) want |= (uint64_t)blob[len - 8 + (size_t)i] << (8 * i);
    if (!verified && sg_checksum64(blob, len - 8) != want) return false;
    r->p = blob + 8;
    r->end = blob + len - 8;
    r->ok = true;
    return true;
}

static bool frame_open(Rd *r, const uint8_t *blob, size_t len, const char *magic) {
    return frame_check(r, blob, len, magic, false);
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
    bool (*need)(void *, SgModule *);
    void *ctx;
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

/* In declaration order, with spans and docs: what importers' messages and
 * editors read. Hashing uses fingerprints (fingerprint.c), not these bytes. */
static void put_export(SgBuf *b, SgModule *m, Export *x) {
    put_varint(b, x->defs.len);
    for (uint32_t i = 0; i < x->defs.len; i++) {
        SgTypeEntry *e = x->defs.items[i];
        put_u8(b, e->def->kind == DEF_STRUCT ? 'S' : e->def->kind == DEF_ENUM ? 'E' : 'X');
        put_u8(b, e->pub);
        put_str(b, e->name.s, e->name.len);
        put_varint(b, e->def->ntparams);
        put_span(b, e->def->span);
        put_doc(b, e->def->doc);
    }
    for (uint32_t i = 0; i < x->defs.len; i++) {
        SgTypeDef *d = ((SgTypeEntry *)x->defs.items[i])->def;
        if (d->kind == DEF_STRUCT) {
            put_varint(b, d->nfields);
            for (uint32_t k = 0; k < d->nfields; k++) {
                put_str(b, d->fields[k].name.s, d->fields[k].name.len);
                put_type(b, d->fields[k].type);
                put_span(b, d->fields[k].span);
            }
        } else if (d->kind == DEF_ENUM) {
            put_varint(b, d->nctors);
            for (uint32_t k = 0; k < d->nctors; k++) {
                SgCtor *c = &d->ctors[k];
                put_str(b, c->name.s, c->name.len);
                put_varint(b, c->npayload);
                for (uint32_t j = 0; j < c->npayload; j++) put_type(b, c->payload[j]);
                put_span(b, c->span);
                /* whether the module's value namespace binds this name to
                 * this constructor (a duplicate definition or import binding
                 * may hold the name instead: the decoded table must agree) */
                SgValue *v = sg_map_get(&m->values, c->name);
                put_u8(b, v && v->kind == V_CTOR && v->ctor == c);
            }
        }
    }
    put_varint(b, x->aliases.len);
    for (uint32_t i = 0; i < x->aliases.len; i++) {
        SgTypeEntry *e = x->aliases.items[i];
        put_str(b, e->name.s, e->name.len);
        put_varint(b, e->ntparams);
        put_type(b, e->alias_cyclic || !e->target ? &sg_ty_error : e->target);
        put_span(b, e->span);
        put_doc(b, e->doc);
    }
    put_varint(b, x->fns.len);
    for (uint32_t i = 0; i < x->fns.len; i++) {
        SgValue *v = x->fns.items[i];
        put_str(b, v->name.s, v->name.len);
        put_varint(b, v->ntparams);
        put_type(b, v->type ? v->type : &sg_ty_error);
        put_span(b, v->span);
        put_doc(b, v->doc);
    }
    put_varint(b, x->consts.len);
    for (uint32_t i = 0; i < x->consts.len; i++) {
        SgValue *v = x->consts.items[i];
        put_str(b, v->name.s, v->name.len);
        put_type(b, v->type ? v->type : &sg_ty_error);
        put_span(b, v->span);
        put_doc(b, v->doc);
    }
    put_varint(b, x->priv_values.len);
    for (uint32_t i = 0; i < x->priv_values.len; i++) {
        SgName *n = x->priv_values.items[i];
        put_str(b, n->s, n->len);
    }
    put_varint(b, x->priv_types.len);
    for (uint32_t i = 0; i < x->priv_types.len; i++) {
        SgName *n = x->priv_types.items[i];
        put_str(b, n->s, n->len);
    }
}

void sg_sig_encode(SgModule *m, SgBuf *out) {
    Export x;
    collect(m, &x);
    size_t start = out->len;
    frame_begin(out, MAGIC_SIG);
    put_export(out, m, &x);
    frame_end(out, start);
    free_export(&x);
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
                   bool (*need)(void *, SgModule *), void *ctx) {
    Dec d = {.p = p, .m = m, .need = need, .ctx = ctx};
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
                uint8_t bound = get_u8(r);
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

/* ---- results ---- */

static void put_hash(SgBuf *b, const SgHash *h) { sg_buf_put(b, h->b, 16); }

static bool get_hash(Rd *r, SgHash *out) {
    if ((size_t)(r->end - r->p) < 16) {
        r->ok = false;
        memset(out->b, 0, 16);
        return false;
    }
    memcpy(out->b, r->p, 16);
    r->p += 16;
    return true;
}

static int cmp_use(const void *a, const void *b) {
    const SgUse *x = a, *y = b;
    if (x->import != y->import) return x->import < y->import ? -1 : 1;
    if (x->ns != y->ns) return x->ns < y->ns ? -1 : 1;
    return cmp_name(&(const SgName *){&x->name}, &(const SgName *){&y->name});
}

/* The usage record: per import its status and, when resolved, the import's
 * export hash and each name looked up there (sorted, once) with its state. */
static void put_usage(SgBuf *b, const SgResultIn *in) {
    const SgModule *m = in->m;
    SgUse *uses = sg_xmalloc(sizeof *uses * (m->uses.len + 1));
    if (m->uses.len) memcpy(uses, m->uses.items, sizeof *uses * m->uses.len);
    sg_qsort(uses, m->uses.len, sizeof *uses, cmp_use);
    put_varint(b, m->nimports);
    uint32_t u = 0;
    for (uint32_t k = 0; k < m->nimports; k++) {
        const SgImport *imp = &m->imports[k];
        put_u8(b, imp->status);
        uint32_t first = u;
        while (u < m->uses.len && uses[u].import == k) u++;
        if (imp->status != IMP_OK) continue;
        put_hash(b, in->import_hashes[k]);
        uint32_t n = 0;
        for (uint32_t i = first; i < u; i++) n += i == first || cmp_use(&uses[i - 1], &uses[i]) != 0;
        put_varint(b, n);
        for (uint32_t i = first; i < u; i++) {
            if (i > first && cmp_use(&uses[i - 1], &uses[i]) == 0) continue;
            SgHash fp;
            SgNameState st = sg_fp_state(in->import_tables[k], (SgNs)uses[i].ns, uses[i].name, &fp);
            put_u8(b, uses[i].ns);
            put_str(b, uses[i].name.s, uses[i].name.len);
            put_u8(b, (uint8_t)st);
            if (st == SG_NAME_PUBLIC) put_hash(b, &fp);
        }
    }
    free(uses);
}

static void put_fp_table(SgBuf *b, const SgFpTable *t) {
    put_varint(b, t->n);
    for (uint32_t i = 0; i < t->n; i++) {
        const SgFpEntry *e = &t->items[i];
        put_u8(b, e->ns);
        put_str(b, e->name.s, e->name.len);
        put_u8(b, e->state);
        put_u8(b, e->has_fp);
        if (e->has_fp) put_hash(b, &e->fp);
    }
}

static SgHash result_id(const SgHash *source_key, const uint8_t *usage, size_t len) {
    SgHasher *h = sg_hasher_new();
    sg_hasher_bytes(h, source_key->b, 16);
    sg_hasher_bytes(h, usage, len);
    return sg_hasher_done(h);
}

/* Payload: source key, export hash, the byte lengths of the three
 * sections, then the sections (diagnostics, usage record, fingerprint
 * table). The lengths let a reader go straight to the section it needs;
 * each section's reader checks its own bytes. */
void sg_result_encode(const SgResultIn *in, SgBuf *out, SgHash *id) {
    SgBuf sec[3] = {{0}};
    const SgDiags *d = in->diags;
    put_varint(&sec[0], d->len);
    for (uint32_t i = 0; i < d->len; i++) {
        const SgDiag *g = &d->items[i];
        put_varint(&sec[0], g->start);
        put_varint(&sec[0], g->end);
        put_varint(&sec[0], g->line);
        put_varint(&sec[0], g->col);
        put_varint(&sec[0], g->end_line);
        put_varint(&sec[0], g->end_col);
        put_str(&sec[0], g->code, strlen(g->code));
        put_str(&sec[0], g->message, strlen(g->message));
    }
    put_usage(&sec[1], in);
    *id = result_id(&in->source_key, (const uint8_t *)sec[1].data, sec[1].len);
    put_fp_table(&sec[2], in->own);
    size_t start = out->len;
    frame_begin(out, MAGIC_RESULT);
    put_hash(out, &in->source_key);
    put_hash(out, &in->export_hash);
    for (int i = 0; i < 3; i++) put_varint(out, sec[i].len);
    for (int i = 0; i < 3; i++) {
        sg_buf_put(out, sec[i].data, sec[i].len);
        sg_buf_free(&sec[i]);
    }
    frame_end(out, start);
}

/* The structure of each section, for sg_result_check. */
static bool skip_diags(Rd *r) {
    uint32_t n = get_count(r);
    for (uint32_t i = 0; i < n && r->ok; i++) {
        for (int k = 0; k < 6; k++)
            if (get_varint(r) > UINT32_MAX) r->ok = false;
        uint32_t cl, ml;
        get_str(r, &cl);
        get_str(r, &ml);
    }
    return r->ok;
}

static bool skip_usage(Rd *r) {
    uint32_t n = get_count(r);
    for (uint32_t k = 0; k < n && r->ok; k++) {
        uint8_t status = get_u8(r);
        if (status > IMP_CYCLE) r->ok = false;
        if (status != IMP_OK || !r->ok) continue;
        SgHash h;
        get_hash(r, &h);
        uint32_t names = get_count(r);
        for (uint32_t i = 0; i < names && r->ok; i++) {
            uint8_t ns = get_u8(r);
            uint32_t l;
            get_str(r, &l);
            uint8_t st = get_u8(r);
            if (ns > SG_NS_TYPE || st > SG_NAME_PUBLIC || !l) r->ok = false;
            if (st == SG_NAME_PUBLIC) get_hash(r, &h);
        }
    }
    return r->ok;
}

static bool skip_fps(Rd *r) {
    uint32_t n = get_count(r);
    for (uint32_t i = 0; i < n && r->ok; i++) {
        uint8_t ns = get_u8(r);
        uint32_t l;
        get_str(r, &l);
        uint8_t st = get_u8(r), has = get_u8(r);
        if (ns > SG_NS_TYPE || (st != SG_NAME_PRIVATE && st != SG_NAME_PUBLIC) || has > 1 || !l ||
            (st == SG_NAME_PUBLIC && !has))
            r->ok = false;
        SgHash h;
        if (has) get_hash(r, &h);
    }
    return r->ok;
}

static bool result_open(const uint8_t *blob, size_t len, SgResultView *v, bool verified) {
    Rd r;
    memset(v, 0, sizeof *v);
    if (!frame_check(&r, blob, len, MAGIC_RESULT, verified)) return false;
    get_hash(&r, &v->source_key);
    get_hash(&r, &v->export_hash);
    uint64_t l[3];
    for (int i = 0; i < 3; i++) l[i] = get_varint(&r);
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
    Rd r = {.p = v->diags, .end = v->usage, .ok = v->blob != NULL};
    if (!skip_diags(&r) || r.p != r.end) return false;
    r = (Rd){.p = v->usage, .end = v->fps, .ok = true};
    if (!skip_usage(&r) || r.p != r.end) return false;
    r = (Rd){.p = v->fps, .end = v->end, .ok = true};
    return skip_fps(&r) && r.p == r.end;
}

static Rd section(const SgResultView *v, const uint8_t *from, const uint8_t *to) {
    return (Rd){.p = from, .end = to, .ok = v->blob != NULL};
}

bool sg_result_diags(const SgResultView *v, SgDiags *out) {
    Rd r = section(v, v->diags, v->usage);
    uint32_t n = get_count(&r);
    uint32_t first = out->len;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        uint64_t x[6];
        for (int k = 0; k < 6; k++) x[k] = get_varint(&r);
        uint32_t cl, ml;
        const char *cs = get_str(&r, &cl);
        const char *ms = get_str(&r, &ml);
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
    }
    if (r.ok && r.p != r.end) r.ok = false;
    if (!r.ok) out->len = first;
    return r.ok;
}

/* Reads one resolved import's record (after its status): whether it holds
 * for the import's export hash and table now. With no hash, it is only
 * read; with no table, only the shortcut can hold. */
static bool import_record_holds(Rd *r, const SgHash *hash, const SgFpTable *table) {
    SgHash then;
    get_hash(r, &then);
    bool holds = hash && sg_hash_eq(&then, hash), compare = hash && !holds;
    uint32_t names = get_count(r);
    for (uint32_t i = 0; i < names && r->ok; i++) {
        uint8_t ns = get_u8(r);
        uint32_t l;
        const char *s = get_str(r, &l);
        uint8_t st = get_u8(r);
        SgHash fp = {{0}}, now;
        if (st == SG_NAME_PUBLIC) get_hash(r, &fp);
        if (!compare || !r->ok) continue;
        if (!table) return false;
        if ((uint8_t)sg_fp_state(table, (SgNs)ns, sg_name(s, l), &now) != st || !sg_hash_eq(&fp, &now)) return false;
    }
    return r->ok && (holds || compare);
}

bool sg_result_usage_holds(const SgResultView *v, uint32_t nimports, const uint8_t *statuses,
                           const SgHash *const *hashes, const SgFpTable *const *tables) {
    Rd r = section(v, v->usage, v->fps);
    if (get_count(&r) != nimports || !r.ok) return false;
    for (uint32_t k = 0; k < nimports; k++) {
        uint8_t status = get_u8(&r);
        if (!r.ok || status != statuses[k]) return false;
        if (status == IMP_OK && !import_record_holds(&r, hashes[k], tables ? tables[k] : NULL)) return false;
    }
    return r.ok && r.p == r.end;
}

bool sg_result_import_holds(const SgResultView *v, uint32_t k, const SgHash *hash, const SgFpTable *table) {
    Rd r = section(v, v->usage, v->fps);
    uint32_t n = get_count(&r);
    if (!r.ok || k >= n) return false;
    for (uint32_t i = 0; i < k && r.ok; i++)
        if (get_u8(&r) == IMP_OK) import_record_holds(&r, NULL, NULL);
    return r.ok && get_u8(&r) == IMP_OK && import_record_holds(&r, hash, table);
}

bool sg_result_fp_table(const SgResultView *v, SgArena *a, SgFpTable *out) {
    Rd r = section(v, v->fps, v->end);
    uint32_t n = get_count(&r);
    out->items = SG_NEW_N(a, SgFpEntry, n + 1);
    out->n = 0;
    for (uint32_t i = 0; i < n && r.ok; i++) {
        SgFpEntry *e = &out->items[i];
        e->ns = get_u8(&r);
        uint32_t l;
        const char *s = get_str(&r, &l);
        e->name = (SgName){.s = s, .len = l};     /* compared by bytes (sg_fp_find), never hashed */
        e->state = get_u8(&r);
        e->has_fp = get_u8(&r);
        if (e->has_fp) get_hash(&r, &e->fp);
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
    frame_begin(out, MAGIC_INDEX);
    put_varint(out, n);
    for (uint32_t i = 0; i < n; i++) {
        const SgFileRow *r = &rows[i];
        put_str(out, r->rel.s, r->rel.len);
        put_varint(out, (uint64_t)r->size);
        put_varint(out, (uint64_t)r->mtime_ns);
        put_varint(out, (uint64_t)r->ctime_ns);
        put_varint(out, (uint64_t)r->ino);
        put_varint(out, (uint64_t)r->indexed_at_ns);
        put_hash(out, &r->source_hash);
        put_varint(out, r->nimports);
        for (uint32_t k = 0; k < r->nimports; k++) put_str(out, r->imports[k].s, r->imports[k].len);
        put_u8(out, r->have_result);
        if (!r->have_result) continue;
        put_hash(out, &r->fast_key);
        put_hash(out, &r->result_id);
        put_hash(out, &r->export_hash);
        put_varint(out, r->ndiags);
    }
    frame_end(out, start);
}

bool sg_index_decode(const uint8_t *blob, size_t len, SgArena *a, SgFileRow **rows, uint32_t *n) {
    Rd r;
    *rows = NULL;
    *n = 0;
    if (!frame_open(&r, blob, len, MAGIC_INDEX)) return false;
    uint32_t count = get_count(&r);
    SgFileRow *out = SG_NEW_N(a, SgFileRow, count + 1);
    for (uint32_t i = 0; i < count && r.ok; i++) {
        SgFileRow *f = &out[i];
        uint32_t l;
        const char *s = get_str(&r, &l);
        f->rel = (SgName){.s = s, .len = l};
        f->size = (int64_t)get_varint(&r);
        f->mtime_ns = (int64_t)get_varint(&r);
        f->ctime_ns = (int64_t)get_varint(&r);
        f->ino = (int64_t)get_varint(&r);
        f->indexed_at_ns = (int64_t)get_varint(&r);
        get_hash(&r, &f->source_hash);
        f->nimports = get_count(&r);
        f->imports = SG_NEW_N(a, SgName, f->nimports + 1);
        for (uint32_t k = 0; k < f->nimports && r.ok; k++) {
            s = get_str(&r, &l);
            if (!l || memchr(s, 0, l)) r.ok = false;
            f->imports[k] = (SgName){.s = s, .len = l};
        }
        uint8_t have = get_u8(&r);
        if (have > 1 || !f->rel.len || memchr(f->rel.s, 0, f->rel.len)) r.ok = false;
        f->have_result = have;
        if (!have || !r.ok) continue;
        get_hash(&r, &f->fast_key);
        get_hash(&r, &f->result_id);
        get_hash(&r, &f->export_hash);
        uint64_t nd = get_varint(&r);
        if (nd > UINT32_MAX) r.ok = false;
        f->ndiags = (uint32_t)nd;
    }
    if (!r.ok || r.p != r.end) return false;
    *rows = out;
    *n = count;
    return true;
}
