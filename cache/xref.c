/* xref.c - a module's cross-reference entry: made from its tree and the
 * facts of its check, encoded, decoded (see xref.h).
 *
 * Payload:
 *   the byte length of defs (a reader looking for uses skips them)
 *   defs:     count, then per definition: kind, pub, name, parent,
 *             name span (start, length), whole span (start, length), and
 *             where the name starts: line, column in bytes, and how many
 *             fewer UTF-16 units than bytes lead to it
 *   modules:  count, then the names of the modules the uses name
 *   targets:  count, then per target: its module (an index into modules),
 *             kind, name, parent, count of uses, then per use: start (the
 *             distance from the previous start of the same target: 0 only
 *             for the first), length
 * Modules and targets come in the order the check first met them, uses by
 * start: the same facts always give the same bytes. */
#include "xref.h"

#include <stdlib.h>

#include "blob.h"

#define MAGIC_XREF "SGU\x02"

/* ---- keys ---- */
bool sg_xref_name_eq(SgName a, SgName b) { return a.len == b.len && (!a.len || memcmp(a.s, b.s, a.len) == 0); }

bool sg_xref_key_eq(const SgXrefKey *a, const SgXrefKey *b) {
    return a->kind == b->kind && sg_xref_name_eq(a->name, b->name) && sg_xref_name_eq(a->module, b->module) &&
           sg_xref_name_eq(a->parent, b->parent);
}

uint64_t sg_xref_key_hash(const SgXrefKey *k) {
    size_t n = (size_t)k->module.len + k->name.len + k->parent.len + 8;
    char stack[512];
    char *b = n <= sizeof stack ? stack : sg_xmalloc(n);
    size_t at = 0;
    if (k->module.len) memcpy(b + at, k->module.s, k->module.len), at += k->module.len;
    b[at++] = 0;
    b[at++] = (char)k->kind;
    if (k->name.len) memcpy(b + at, k->name.s, k->name.len), at += k->name.len;
    b[at++] = 0;
    if (k->parent.len) memcpy(b + at, k->parent.s, k->parent.len), at += k->parent.len;
    uint64_t h = sg_checksum64(b, at);
    if (b != stack) free(b);
    return h;
}

/* ---- what a fact names, by name ----
 * A fact points at its target's record and at the span of the definition
 * there. The name is the one written at the fact (its last identifier),
 * looked up in the target's tables and accepted only if that entry is
 * defined at the fact's target span; a field is found among the fields of
 * the target's structs. Answers are kept per (target, span, kind): a
 * module names few things many times. */
typedef struct Slot {
    const SgModule *t;
    SgSpan span;
    uint8_t kind;       /* SgXrefKind */
    bool found;
    uint32_t id;        /* order of first use, for the encoder */
    uint32_t mod;       /* the target module's number (SgXrefNames.mods) */
    SgXrefKey key;
} Slot;

struct SgXrefNames {
    Slot *items;        /* by id */
    uint32_t len, room;
    uint32_t *table;    /* open addressing: 1 + an id, 0 empty */
    uint32_t cap;       /* a power of two */
    const SgModule **mods;  /* the target modules of the found slots, in order of first use */
    uint32_t nmods, mods_room;
};

SgXrefNames *sg_xref_names_new(void) { return sg_xcalloc(1, sizeof(SgXrefNames)); }

void sg_xref_names_free(SgXrefNames *r) {
    if (!r) return;
    free(r->items);
    free(r->table);
    free(r->mods);
    free(r);
}

static uint32_t slot_hash(const SgModule *t, SgSpan s, uint8_t kind) {
    uint64_t h = (uint64_t)(uintptr_t)t * 0x9E3779B97F4A7C15ull ^ ((uint64_t)s.start << 20) ^ s.end ^ ((uint64_t)kind << 60);
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return (uint32_t)(h ^ (h >> 32));
}

static Slot *slot_of(SgXrefNames *r, const SgModule *t, SgSpan s, uint8_t kind, bool *fresh) {
    if (2 * (r->len + 1) > r->cap) {
        free(r->table);
        r->cap = r->cap ? r->cap * 2 : 64;
        r->table = sg_xcalloc(r->cap, sizeof *r->table);
        for (uint32_t id = 0; id < r->len; id++) {
            uint32_t j = slot_hash(r->items[id].t, r->items[id].span, r->items[id].kind) & (r->cap - 1);
            while (r->table[j]) j = (j + 1) & (r->cap - 1);
            r->table[j] = id + 1;
        }
    }
    uint32_t j = slot_hash(t, s, kind) & (r->cap - 1);
    for (;; j = (j + 1) & (r->cap - 1)) {
        if (!r->table[j]) break;
        Slot *x = &r->items[r->table[j] - 1];
        if (x->t == t && x->kind == kind && x->span.start == s.start && x->span.end == s.end) {
            *fresh = false;
            return x;
        }
    }
    if (r->len == r->room) {
        r->room = r->room ? r->room * 2 : 32;
        r->items = sg_xrealloc(r->items, sizeof *r->items * r->room);
    }
    r->table[j] = r->len + 1;
    Slot *x = &r->items[r->len];
    *x = (Slot){.t = t, .span = s, .kind = kind, .id = r->len++};
    *fresh = true;
    return x;
}

static bool same_span(SgSpan a, SgSpan b) { return a.start == b.start && a.end == b.end; }

/* The definition of `name` (kind) in t whose span is s; with no name, the
 * one whose span is s. */
static bool lookup(const SgModule *t, SgName name, uint8_t kind, SgSpan s, SgXrefKey *key) {
    SgName none = {0};
    if (!name.len && kind != SG_XREF_FIELD) {
        const SgMap *map = kind == SG_XREF_VALUE ? &t->values : &t->types;
        for (uint32_t i = 0; i < map->cap; i++)
            if (map->slots[i].key.s && lookup(t, map->slots[i].key, kind, s, key)) return true;
        return false;
    }
    if (kind == SG_XREF_VALUE) {
        const SgValue *v = sg_map_get(&t->values, name);
        if (!v || v->owner != t || v->import || !same_span(v->span, s)) return false;
        *key = (SgXrefKey){t->mname, kind, v->name, none};
        return true;
    }
    if (kind == SG_XREF_TYPE) {
        const SgTypeEntry *e = sg_map_get(&t->types, name);
        if (!e || e->owner != t || e->import) return false;
        SgSpan at = e->kind == TENT_DEF ? e->def->span : e->span;
        if (!same_span(at, s) || (e->kind == TENT_DEF && e->def->module != t)) return false;
        *key = (SgXrefKey){t->mname, kind, e->name, none};
        return true;
    }
    for (uint32_t i = 0; i < t->types.cap; i++) {
        const SgTypeEntry *e = t->types.slots[i].value;
        if (!t->types.slots[i].key.s || e->kind != TENT_DEF || e->owner != t || e->import || e->def->module != t) continue;
        for (uint32_t k = 0; k < e->def->nfields; k++)
            if (same_span(e->def->fields[k].span, s) && (!name.len || sg_name_eq(e->def->fields[k].name, name))) {
                *key = (SgXrefKey){t->mname, kind, e->def->fields[k].name, e->name};
                return true;
            }
    }
    return false;
}

/* The lexer's identifier characters: [A-Za-z0-9_]. */
static inline bool ident_char(uint8_t c) {
    return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

/* The length of the last identifier of src[s): `alias.name` -> `name`. */
static uint32_t last_ident(const char *src, SgSpan s) {
    uint32_t b = s.end;
    while (b > s.start && ident_char((uint8_t)src[b - 1])) b--;
    return s.end - b;
}

static const Slot *resolve(SgXrefNames *r, const SgFact *f, const char *src, uint32_t len) {
    const SgModule *t = f->target;
    if (!t || f->kind == FACT_LOCAL || f->span.end > len || f->span.start >= f->span.end) return NULL;
    uint8_t kind = f->kind == FACT_MODULE  ? SG_XREF_MODULE
                   : f->kind == FACT_FIELD ? SG_XREF_FIELD
                   : f->kind == FACT_TYPE  ? SG_XREF_TYPE
                                           : SG_XREF_VALUE;
    SgSpan ts = kind == SG_XREF_MODULE ? (SgSpan){0, 0} : f->target_span;
    bool fresh;
    Slot *x = slot_of(r, t, ts, kind, &fresh);
    if (fresh) {
        if (kind == SG_XREF_MODULE) {
            x->key = (SgXrefKey){.module = t->mname, .kind = kind};
            x->found = true;
        } else {
            /* by the name written here, else (an alias of it) by place */
            uint32_t n = last_ident(src, f->span);
            x->found = lookup(t, sg_name(src + f->span.end - n, n), kind, ts, &x->key) ||
                       lookup(t, (SgName){0}, kind, ts, &x->key);
        }
        uint32_t k = 0;
        while (x->found && k < r->nmods && r->mods[k] != t) k++;
        if (x->found && k == r->nmods) {
            if (r->nmods == r->mods_room) {
                r->mods_room = r->mods_room ? 2 * r->mods_room : 8;
                r->mods = sg_xrealloc(r->mods, sizeof *r->mods * r->mods_room);
            }
            r->mods[r->nmods++] = t;
        }
        x->mod = k;
    }
    if (!x->found) return NULL;
    /* the text must be the name itself (not an alias of it) */
    uint32_t n = x->key.name.len, end = f->span.end;
    if (kind != SG_XREF_MODULE && (end - f->span.start < n || memcmp(src + end - n, x->key.name.s, n) != 0 ||
                                   (end - n > f->span.start && ident_char((uint8_t)src[end - n - 1]))))
        return NULL;
    return x;
}

bool sg_xref_fact_key(SgXrefNames *r, const SgFact *f, const char *src, uint32_t len, SgXrefKey *out, SgSpan *at) {
    const Slot *x = resolve(r, f, src, len);
    if (!x) return false;
    *out = x->key;
    *at = x->kind == SG_XREF_MODULE ? f->span : (SgSpan){f->span.end - x->key.name.len, f->span.end};
    return true;
}

/* ---- encoding ---- */
static void put_span(SgBuf *b, SgSpan s) {
    sg_blob_varint(b, s.start);
    sg_blob_varint(b, s.end - s.start);
}

/* Where offsets are as lines and columns (bytes, UTF-16 units), moving
 * forward through the source (definitions come in source order). */
typedef struct Cursor {
    const char *src;
    uint32_t len, at, line, line_start, col16;
} Cursor;

static void cursor_to(Cursor *c, uint32_t off) {
    if (off < c->at) *c = (Cursor){.src = c->src, .len = c->len};
    if (off > c->len) off = c->len;
    /* whole lines at memchr's pace: a module's definitions span its source */
    const char *nl;
    while (c->at < off && (nl = memchr(c->src + c->at, '\n', off - c->at))) {
        c->line++;
        c->at = c->line_start = (uint32_t)(nl - c->src) + 1;
        c->col16 = 0;
    }
    for (; c->at < off; c->at++) {
        unsigned char ch = (unsigned char)c->src[c->at];
        if ((ch & 0xC0) != 0x80) c->col16 += ch >= 0xF0 ? 2 : 1;  /* a code point: two UTF-16 units past U+FFFF */
    }
}

static void put_def(SgBuf *b, uint32_t *n, Cursor *c, uint8_t kind, bool pub, SgName name, uint32_t parent,
                    SgSpan span, SgSpan full) {
    if (!name.len || span.end < span.start || full.end < full.start) return;
    sg_blob_u8(b, kind);
    sg_blob_u8(b, pub);
    sg_blob_str(b, name.s, name.len);
    sg_blob_varint(b, parent);
    put_span(b, span);
    put_span(b, full);
    cursor_to(c, span.start);
    sg_blob_varint(b, c->line);
    sg_blob_varint(b, c->at - c->line_start);
    sg_blob_varint(b, c->at - c->line_start - c->col16);
    (*n)++;
}

static uint8_t item_def_kind(const SgItem *it) {
    switch (it->kind) {
    case IT_STRUCT: return SG_XDEF_STRUCT;
    case IT_ENUM: return SG_XDEF_ENUM;
    case IT_ALIAS: return SG_XDEF_ALIAS;
    case IT_CONST: return SG_XDEF_CONST;
    case IT_EXTERN_TYPE: return SG_XDEF_EXTERN_TYPE;
    default: return it->is_extern ? SG_XDEF_EXTERN_FN : SG_XDEF_FN;
    }
}

static void encode_defs(const SgModule *m, SgBuf *out) {
    SgBuf b = {0}, count = {0};
    uint32_t n = 0;
    Cursor cur = {.src = m->src, .len = m->len}, *c = &cur;
    for (uint32_t i = 0; i < m->ast.nitems; i++) {
        const SgItem *it = m->ast.items[i];
        if (it->kind == IT_IMPORT) {
            if (!it->selective) put_def(&b, &n, c, SG_XDEF_IMPORT, false, it->name, 0, it->name_span, it->span);
            for (uint32_t k = 0; it->selective && k < it->nnames; k++)
                put_def(&b, &n, c, SG_XDEF_IMPORTED, false, it->names[k].name, 0, it->names[k].span, it->names[k].span);
            continue;
        }
        uint32_t before = n;
        put_def(&b, &n, c, item_def_kind(it), it->pub, it->name, 0, it->name_span, it->span);
        if (n == before) continue;
        uint32_t parent = n;    /* 1 + the item's index */
        if (it->kind == IT_STRUCT)
            for (uint32_t k = 0; k < it->nfields; k++) {
                const SgParam *f = &it->fields[k];
                SgSpan full = {f->name_span.start, f->type && f->type->span.end > f->name_span.end ? f->type->span.end
                                                                                                  : f->name_span.end};
                put_def(&b, &n, c, SG_XDEF_FIELD, it->pub, f->name, parent, f->name_span, full);
            }
        if (it->kind == IT_ENUM)
            for (uint32_t k = 0; k < it->nvariants; k++)
                put_def(&b, &n, c, SG_XDEF_CTOR, it->pub, it->variants[k].name, parent, it->variants[k].span,
                        it->variants[k].full);
    }
    sg_blob_varint(&count, n);
    sg_blob_varint(out, count.len + b.len);
    sg_buf_put(out, count.data, count.len);
    sg_buf_put(out, b.data, b.len);
    sg_buf_free(&count);
    sg_buf_free(&b);
}

/* A use: its target (by order of first use) and where it is. */
typedef struct Use {
    uint32_t id, start, len;
} Use;

static void encode_uses(const SgModule *m, SgBuf *out) {
    SgXrefNames *names = sg_xref_names_new();
    uint32_t nf = m->facts ? m->facts->len : 0, n = 0;
    Use *uses = sg_xmalloc(sizeof *uses * (nf + 1));
    for (uint32_t i = 0; i < nf; i++) {
        const SgFact *f = &m->facts->items[i];
        /* declarations are definitions, but for a module's import */
        if (f->decl && f->kind != FACT_MODULE) continue;
        const Slot *x = resolve(names, f, m->src, m->len);
        if (!x) continue;
        uint32_t len = x->kind == SG_XREF_MODULE ? f->span.end - f->span.start : x->key.name.len;
        uses[n++] = (Use){x->id, f->span.end - len, len};
    }
    /* grouped by target (counting sort, stable), each target's uses by
     * start (insertion sort: the check meets them nearly in order) */
    uint32_t nid = names->len;
    uint32_t *at = sg_xcalloc(nid + 1, sizeof *at);
    for (uint32_t i = 0; i < n; i++) at[uses[i].id + 1]++;
    for (uint32_t id = 0; id < nid; id++) at[id + 1] += at[id];
    Use *sorted = sg_xmalloc(sizeof *sorted * (n + 1));
    uint32_t *fill = sg_xmalloc(sizeof *fill * (nid + 1));
    memcpy(fill, at, sizeof *fill * (nid + 1));
    for (uint32_t i = 0; i < n; i++) sorted[fill[uses[i].id]++] = uses[i];
    for (uint32_t id = 0; id < nid; id++)
        for (uint32_t i = at[id] + 1; i < at[id + 1]; i++) {
            Use u = sorted[i];
            uint32_t j = i;
            for (; j > at[id] && sorted[j - 1].start > u.start; j--) sorted[j] = sorted[j - 1];
            sorted[j] = u;
        }
    const Slot *byid = names->items;
    uint32_t ntargets = 0;
    for (uint32_t id = 0; id < nid; id++) ntargets += at[id] != at[id + 1];
    sg_blob_varint(out, names->nmods);
    for (uint32_t i = 0; i < names->nmods; i++) sg_blob_str(out, names->mods[i]->mname.s, names->mods[i]->mname.len);
    sg_blob_varint(out, ntargets);
    for (uint32_t id = 0; id < nid; id++) {
        const Slot *x = &byid[id];
        uint32_t count = 0;
        for (uint32_t k = at[id]; k < at[id + 1]; k++) count += k == at[id] || sorted[k].start != sorted[k - 1].start;
        if (!count) continue;
        sg_blob_varint(out, x->mod);
        sg_blob_u8(out, x->key.kind);
        sg_blob_str(out, x->key.name.s, x->key.name.len);
        sg_blob_str(out, x->key.parent.s, x->key.parent.len);
        sg_blob_varint(out, count);
        uint32_t prev = 0;
        for (uint32_t k = at[id]; k < at[id + 1]; k++) {
            if (k > at[id] && sorted[k].start == sorted[k - 1].start) continue;     /* recorded twice at one place */
            sg_blob_varint(out, sorted[k].start - prev);
            sg_blob_varint(out, sorted[k].len);
            prev = sorted[k].start;
        }
    }
    free(fill);
    free(at);
    free(sorted);
    free(uses);
    sg_xref_names_free(names);
}

void sg_xref_encode(const SgModule *m, SgBuf *out) {
    size_t start = out->len;
    sg_blob_begin(out, MAGIC_XREF);
    encode_defs(m, out);
    encode_uses(m, out);
    sg_blob_end(out, start);
}

/* ---- decoding ---- */
static SgSpan get_span(SgRd *r) {
    uint32_t s = sg_rd_u32(r), l = sg_rd_u32(r);
    if (l > UINT32_MAX - s) r->ok = false;
    return r->ok ? (SgSpan){s, s + l} : (SgSpan){0, 0};
}

static SgName get_name(SgRd *r) {
    uint32_t l;
    const char *s = sg_rd_str(r, &l);
    if (memchr(s, 0, l)) r->ok = false;
    return (SgName){.s = s, .len = l};
}

bool sg_xref_decode(const uint8_t *blob, size_t len, SgArena *a, SgXref *out) {
    memset(out, 0, sizeof *out);
    SgRd r;
    if (!sg_blob_open(&r, blob, len, MAGIC_XREF)) return false;
    uint64_t dlen = sg_rd_varint(&r);
    if (!r.ok || dlen > (uint64_t)(r.end - r.p)) return false;
    const uint8_t *defs_end = r.p + dlen;
    uint32_t nd = sg_rd_count(&r);
    SgXrefDef *defs = SG_NEW_N(a, SgXrefDef, nd + 1);
    for (uint32_t i = 0; i < nd && r.ok; i++) {
        SgXrefDef *d = &defs[i];
        d->kind = sg_rd_u8(&r);
        uint8_t pub = sg_rd_u8(&r);
        d->pub = pub;
        d->name = get_name(&r);
        d->parent = sg_rd_u32(&r);
        d->span = get_span(&r);
        d->full = get_span(&r);
        d->line = sg_rd_u32(&r);
        d->col8 = sg_rd_u32(&r);
        uint32_t narrower = sg_rd_u32(&r);
        if (narrower > d->col8) r.ok = false;
        d->col16 = d->col8 - narrower;
        /* a parent is an earlier struct (of a field) or enum (of a constructor) */
        bool parent_ok = !d->parent;
        if (d->parent && d->parent <= i)
            parent_ok = (d->kind == SG_XDEF_FIELD && defs[d->parent - 1].kind == SG_XDEF_STRUCT) ||
                        (d->kind == SG_XDEF_CTOR && defs[d->parent - 1].kind == SG_XDEF_ENUM);
        if (d->kind >= SG_XDEF_NKINDS || pub > 1 || !d->name.len || !parent_ok ||
            ((d->kind == SG_XDEF_FIELD || d->kind == SG_XDEF_CTOR) && !d->parent))
            r.ok = false;
    }
    if (r.ok && r.p != defs_end) r.ok = false;
    uint32_t nmods = sg_rd_count(&r);
    SgName *mods = SG_NEW_N(a, SgName, nmods + 1);
    for (uint32_t i = 0; i < nmods && r.ok; i++) {
        mods[i] = get_name(&r);
        if (!mods[i].len) r.ok = false;
    }
    uint32_t nt = sg_rd_count(&r);
    SgXrefTarget *targets = SG_NEW_N(a, SgXrefTarget, nt + 1);
    uint32_t nspans = 0, cap = 0;
    SgSpan *spans = NULL;
    for (uint32_t k = 0; k < nt && r.ok; k++) {
        SgXrefTarget *t = &targets[k];
        uint32_t mi = sg_rd_u32(&r);
        if (mi >= nmods) r.ok = false;
        t->key.module = r.ok ? mods[mi] : (SgName){0};
        t->key.kind = sg_rd_u8(&r);
        t->key.name = get_name(&r);
        t->key.parent = get_name(&r);
        t->n = sg_rd_count(&r);
        t->first = nspans;
        bool named = t->key.kind != SG_XREF_MODULE;
        if (t->key.kind > SG_XREF_MODULE || named != (t->key.name.len > 0) ||
            (t->key.kind == SG_XREF_FIELD) != (t->key.parent.len > 0))
            r.ok = false;
        uint32_t prev = 0;
        for (uint32_t j = 0; j < t->n && r.ok; j++) {
            uint32_t d = sg_rd_u32(&r), l = sg_rd_u32(&r);
            if (d > UINT32_MAX - prev || l > UINT32_MAX - (prev + d) || !l || (j && !d)) {
                r.ok = false;
                break;
            }
            if (nspans == cap) {
                cap = cap ? cap * 2 : 64;
                spans = sg_xrealloc(spans, sizeof *spans * cap);
            }
            prev += d;
            spans[nspans++] = (SgSpan){prev, prev + l};
        }
        t->hash = sg_xref_key_hash(&t->key);
    }
    if (r.ok && r.p != r.end) r.ok = false;
    if (r.ok) {
        out->defs = defs;
        out->ndefs = nd;
        out->targets = targets;
        out->ntargets = nt;
        out->nspans = nspans;
        out->spans = SG_NEW_N(a, SgSpan, nspans + 1);
        if (nspans) memcpy(out->spans, spans, sizeof *spans * nspans);
    }
    free(spans);
    return r.ok;
}

bool sg_xref_uses(const uint8_t *blob, size_t len, const SgXrefKey *k, SgArena *a, SgSpan **out, uint32_t *n) {
    *out = NULL;
    *n = 0;
    SgRd r;
    if (!sg_blob_open(&r, blob, len, MAGIC_XREF)) return false;
    uint64_t dlen = sg_rd_varint(&r);
    if (!r.ok || dlen > (uint64_t)(r.end - r.p)) return false;
    r.p += dlen;
    uint32_t nmods = sg_rd_count(&r), want = UINT32_MAX;
    for (uint32_t i = 0; i < nmods && r.ok; i++)
        if (sg_xref_name_eq(get_name(&r), k->module)) want = i;
    uint32_t nt = sg_rd_count(&r);
    for (uint32_t t = 0; t < nt && r.ok; t++) {
        uint32_t mi = sg_rd_u32(&r);
        uint8_t kind = sg_rd_u8(&r);
        SgName name = get_name(&r), parent = get_name(&r);
        uint32_t count = sg_rd_count(&r);
        bool match = r.ok && mi == want && kind == k->kind && sg_xref_name_eq(name, k->name) && sg_xref_name_eq(parent, k->parent);
        SgSpan *s = match ? SG_NEW_N(a, SgSpan, count + 1) : NULL;
        uint32_t prev = 0;
        for (uint32_t j = 0; j < count && r.ok; j++) {
            uint32_t d = sg_rd_u32(&r), l = sg_rd_u32(&r);
            if (d > UINT32_MAX - prev || l > UINT32_MAX - (prev + d) || !l || (j && !d)) r.ok = false;
            prev += d;
            if (s) s[j] = (SgSpan){prev, prev + l};
        }
        if (match && r.ok) {
            *out = s;
            *n = count;
            return true;
        }
    }
    return r.ok;
}

/* ---- queries ---- */
const SgXrefTarget *sg_xref_find(const SgXref *x, const SgXrefKey *k, uint64_t hash) {
    for (uint32_t i = 0; i < x->ntargets; i++)
        if (x->targets[i].hash == hash && sg_xref_key_eq(&x->targets[i].key, k)) return &x->targets[i];
    return NULL;
}

bool sg_xref_def_key(const SgXref *x, uint32_t i, SgName module, SgXrefKey *out) {
    const SgXrefDef *d = &x->defs[i];
    memset(out, 0, sizeof *out);
    out->module = module;
    out->name = d->name;
    switch (d->kind) {
    case SG_XDEF_IMPORT: case SG_XDEF_IMPORTED: return false;
    case SG_XDEF_FIELD:
        out->kind = SG_XREF_FIELD;
        out->parent = x->defs[d->parent - 1].name;
        return true;
    default:
        out->kind = sg_xref_def_is_value(d->kind) ? SG_XREF_VALUE : SG_XREF_TYPE;
        return true;
    }
}

bool sg_xref_def_is_value(uint8_t k) {
    return k == SG_XDEF_FN || k == SG_XDEF_CONST || k == SG_XDEF_EXTERN_FN || k == SG_XDEF_CTOR || k == SG_XDEF_IMPORT;
}

bool sg_xref_def_is_type(uint8_t k) {
    return k == SG_XDEF_STRUCT || k == SG_XDEF_ENUM || k == SG_XDEF_ALIAS || k == SG_XDEF_EXTERN_TYPE;
}

int32_t sg_xref_container(const SgXref *x, uint32_t at) {
    for (uint32_t i = 0; i < x->ndefs; i++) {
        const SgXrefDef *d = &x->defs[i];
        if (d->parent || d->kind == SG_XDEF_IMPORT || d->kind == SG_XDEF_IMPORTED) continue;
        if (d->full.start <= at && at < d->full.end) return (int32_t)i;
    }
    return -1;
}
