/* fingerprint.c - item fingerprints, fingerprint tables and export hashes
 * (see fingerprint.h).
 *
 * Order of work inside one module: the type definitions first, one strongly
 * connected group at a time, dependencies before dependents (Tarjan emits
 * them in that order); then aliases, whose targets are expanded and so name
 * only definitions; then functions, constants and constructors. A group's
 * members are hashed together, with references inside the group written by
 * name; each member's fingerprint is the group's hash and its own name. */
#include "fingerprint.h"

#include <stdlib.h>

#define FP_TAG "sigil-fp-1"

typedef struct Node {
    SgTypeEntry *e;
    uint32_t index, low, group;
    bool on_stack, done;
    SgHash fp;
} Node;

typedef struct Fp {
    SgModule *m;
    SgFpTableOf table_of;
    void *ctx;
    Node *nodes;
    uint32_t n;
    SgMap by_name;      /* def name -> Node* */
    uint32_t group;     /* the group being hashed, or UINT32_MAX */
} Fp;

static Node *node_of(Fp *x, const SgTypeDef *d) {
    if (d->module != x->m) return NULL;
    Node *n = sg_map_get(&x->by_name, d->name);
    return n && n->e->def == d ? n : NULL;
}

static void put_u32(SgBuf *b, uint32_t v) { sg_buf_put(b, &v, sizeof v); }
static void put_name(SgBuf *b, const char *s, uint32_t n) {
    put_u32(b, n);
    sg_buf_put(b, s, n);
}

/* The fingerprint of another module's type definition. Its module's table
 * always has one (public or private definition); if not (a damaged table
 * the engine did not catch), a hash that changes with nothing is wrong, so
 * the caller's result must not be trusted: the dependent module's whole
 * table is used instead, which changes with anything in it. */
static void put_foreign(Fp *x, SgBuf *b, const SgTypeDef *d) {
    const SgFpTable *t = x->table_of(x->ctx, d->module);
    const SgFpEntry *e = t ? sg_fp_find(t, SG_NS_TYPE, d->name) : NULL;
    if (e && e->has_fp) {
        sg_buf_put(b, e->fp.b, 16);
        return;
    }
    SgHash h = t ? sg_fp_export_hash(t) : sg_hash(d->module_name, strlen(d->module_name));
    sg_buf_put(b, h.b, 16);
}

static void put_type(Fp *x, SgBuf *b, const SgType *t) {
    sg_buf_putc(b, (char)('a' + t->kind));
    switch (t->kind) {
    case TY_LIST:
        put_type(x, b, t->args[0]);
        return;
    case TY_FN:
        put_u32(b, t->n);
        for (uint32_t i = 0; i < t->n; i++) put_type(x, b, t->args[i]);
        put_type(x, b, t->ret);
        return;
    case TY_PARAM:
        put_u32(b, t->id);
        return;
    case TY_NAMED: {
        const SgTypeDef *d = t->def;
        Node *n = node_of(x, d);
        put_name(b, d->module_name, (uint32_t)strlen(d->module_name));
        put_name(b, d->name.s, d->name.len);
        if (n && n->group == x->group) sg_buf_putc(b, 'G');     /* in the group being hashed: by name */
        else if (n) sg_buf_put(b, n->fp.b, 16);
        else if (d->module == x->m) sg_buf_put(b, "unknown own def!", 16);  /* a duplicate's def: no users */
        else put_foreign(x, b, d);
        put_u32(b, t->n);
        for (uint32_t i = 0; i < t->n; i++) put_type(x, b, t->args[i]);
        return;
    }
    default:
        return;     /* primitives, error, never: the tag says it all */
    }
}

static int cmp_names(SgName a, SgName b) {
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.s, b.s, n);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}
static int cmp_field_ptr(const void *a, const void *b) {
    return cmp_names((*(SgField *const *)a)->name, (*(SgField *const *)b)->name);
}
static int cmp_ctor_ptr(const void *a, const void *b) {
    return cmp_names((*(SgCtor *const *)a)->name, (*(SgCtor *const *)b)->name);
}
static int cmp_node_ptr(const void *a, const void *b) {
    return cmp_names((*(Node *const *)a)->e->name, (*(Node *const *)b)->e->name);
}

/* A definition's canonical form: fields and constructors as sets. */
static void put_def(Fp *x, SgBuf *b, const SgTypeDef *d) {
    sg_buf_putc(b, d->kind == DEF_STRUCT ? 'S' : d->kind == DEF_ENUM ? 'E' : 'X');
    put_name(b, d->name.s, d->name.len);
    put_u32(b, d->ntparams);
    uint32_t n = d->kind == DEF_STRUCT ? d->nfields : d->kind == DEF_ENUM ? d->nctors : 0;
    void **v = sg_xmalloc(sizeof *v * (n + 1));
    for (uint32_t i = 0; i < n; i++) v[i] = d->kind == DEF_STRUCT ? (void *)&d->fields[i] : (void *)&d->ctors[i];
    sg_qsort(v, n, sizeof *v, d->kind == DEF_STRUCT ? cmp_field_ptr : cmp_ctor_ptr);
    put_u32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        if (d->kind == DEF_STRUCT) {
            const SgField *f = v[i];
            put_name(b, f->name.s, f->name.len);
            put_type(x, b, f->type);
        } else {
            const SgCtor *c = v[i];
            put_name(b, c->name.s, c->name.len);
            put_u32(b, c->npayload);
            for (uint32_t k = 0; k < c->npayload; k++) put_type(x, b, c->payload[k]);
        }
    }
    free(v);
}

/* Own definitions that d's fields and payloads mention. */
static void edges_of_type(Fp *x, const SgType *t, SgVec *out) {
    if (t->kind == TY_NAMED) {
        Node *n = node_of(x, t->def);
        if (n) sg_vec_push(out, n);
    }
    for (uint32_t i = 0; i < t->n; i++) edges_of_type(x, t->args[i], out);
    if (t->ret) edges_of_type(x, t->ret, out);
}

static void edges_of(Fp *x, Node *v, SgVec *out) {
    const SgTypeDef *d = v->e->def;
    for (uint32_t i = 0; i < d->nfields; i++) edges_of_type(x, d->fields[i].type, out);
    for (uint32_t i = 0; i < d->nctors; i++)
        for (uint32_t k = 0; k < d->ctors[i].npayload; k++) edges_of_type(x, d->ctors[i].payload[k], out);
}

static void hash_group(Fp *x, Node **members, uint32_t n, uint32_t group) {
    sg_qsort(members, n, sizeof *members, cmp_node_ptr);
    for (uint32_t i = 0; i < n; i++) members[i]->group = group;
    x->group = group;
    SgBuf b = {0};
    sg_buf_puts(&b, FP_TAG "-group");
    for (uint32_t i = 0; i < n; i++) put_def(x, &b, members[i]->e->def);
    SgHash gh = sg_hash(b.data, b.len);
    for (uint32_t i = 0; i < n; i++) {
        SgHasher *h = sg_hasher_new();
        sg_hasher_bytes(h, gh.b, 16);
        sg_hasher_str(h, members[i]->e->name.s, members[i]->e->name.len);
        members[i]->fp = sg_hasher_done(h);
        members[i]->done = true;
    }
    x->group = UINT32_MAX;
    sg_buf_free(&b);
}

/* Tarjan's SCC, iterative (a chain of many definitions must not exhaust
 * the stack); groups come out dependencies first and are hashed at once. */
typedef struct Frame {
    Node *v;
    SgVec edges;
    uint32_t next;
} Frame;

static void hash_defs(Fp *x) {
    uint32_t counter = 0, groups = 0, sp = 0, fp = 0;
    Node **stack = sg_xmalloc(sizeof *stack * (x->n + 1));
    Frame *frames = sg_xcalloc(x->n + 1, sizeof *frames);
    for (uint32_t r = 0; r < x->n; r++) {
        if (x->nodes[r].index) continue;
        Node *root = &x->nodes[r];
        root->index = root->low = ++counter;
        stack[sp++] = root;
        root->on_stack = true;
        frames[fp] = (Frame){.v = root};
        edges_of(x, root, &frames[fp].edges);
        fp++;
        while (fp) {
            Frame *f = &frames[fp - 1];
            if (f->next < f->edges.len) {
                Node *w = f->edges.items[f->next++];
                if (!w->index) {
                    w->index = w->low = ++counter;
                    stack[sp++] = w;
                    w->on_stack = true;
                    frames[fp] = (Frame){.v = w};
                    edges_of(x, w, &frames[fp].edges);
                    fp++;
                } else if (w->on_stack && w->index < f->v->low) {
                    f->v->low = w->index;
                }
                continue;
            }
            Node *v = f->v;
            sg_vec_free(&f->edges);
            fp--;
            if (fp && v->low < frames[fp - 1].v->low) frames[fp - 1].v->low = v->low;
            if (v->low != v->index) continue;
            uint32_t start = sp;
            do start--;
            while (stack[start] != v);
            for (uint32_t i = start; i < sp; i++) stack[i]->on_stack = false;
            hash_group(x, stack + start, sp - start, groups++);
            sp = start;
        }
    }
    free(stack);
    free(frames);
}

static SgHash item_fp(Fp *x, char kind, SgName name, uint32_t ntparams, const SgType *t) {
    SgBuf b = {0};
    sg_buf_puts(&b, FP_TAG);
    sg_buf_putc(&b, kind);
    put_name(&b, name.s, name.len);
    put_u32(&b, ntparams);
    put_type(x, &b, t ? t : &sg_ty_error);
    SgHash h = sg_hash(b.data, b.len);
    sg_buf_free(&b);
    return h;
}

static int cmp_entry(const void *a, const void *b) {
    const SgFpEntry *x = a, *y = b;
    if (x->ns != y->ns) return x->ns < y->ns ? -1 : 1;
    return cmp_names(x->name, y->name);
}

/* Own items, not import bindings. A table decoded from a signature holds
 * placeholders for the names of private items (cache/sig.c): no owner for
 * values, TENT_BAD for types; they are private names like any other. */
static bool own_value(const SgModule *m, const SgValue *v) {
    return !v->import && (v->kind == V_FN || v->kind == V_CONST || v->kind == V_CTOR) && (!v->owner || v->owner == m);
}

static bool own_type(const SgModule *m, const SgTypeEntry *e) { return !e->import && (!e->owner || e->owner == m); }

void sg_fp_compute(SgModule *m, SgFpTable *out, SgFpTableOf table_of, void *ctx) {
    Fp x = {.m = m, .table_of = table_of, .ctx = ctx, .group = UINT32_MAX};
    uint32_t ndefs = 0;
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (m->types.slots[i].key.s && own_type(m, e) && e->kind == TENT_DEF) ndefs++;
    }
    x.nodes = sg_xcalloc(ndefs + 1, sizeof *x.nodes);
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (!m->types.slots[i].key.s || !own_type(m, e) || e->kind != TENT_DEF) continue;
        x.nodes[x.n] = (Node){.e = e, .group = UINT32_MAX};
        sg_map_put(&x.by_name, e->def->name, &x.nodes[x.n]);
        x.n++;
    }
    hash_defs(&x);

    uint32_t cap = m->types.len + m->values.len + 1, n = 0;
    SgFpEntry *items = SG_NEW_N(&m->sig_arena, SgFpEntry, cap);
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (!m->types.slots[i].key.s || !own_type(m, e)) continue;
        SgFpEntry *o = &items[n++];
        *o = (SgFpEntry){.name = e->name, .ns = SG_NS_TYPE, .state = e->pub ? SG_NAME_PUBLIC : SG_NAME_PRIVATE};
        if (e->kind == TENT_DEF) {
            Node *nd = sg_map_get(&x.by_name, e->def->name);
            o->fp = nd->fp;
            o->has_fp = true;
        } else if (e->kind == TENT_ALIAS) {
            o->fp = item_fp(&x, 'A', e->name, e->ntparams, e->alias_cyclic ? &sg_ty_error : e->target);
            o->has_fp = true;
        }
    }
    for (uint32_t i = 0; i < m->values.cap; i++) {
        SgValue *v = m->values.slots[i].value;
        if (!m->values.slots[i].key.s || !own_value(m, v)) continue;
        SgFpEntry *o = &items[n++];
        *o = (SgFpEntry){.name = v->name, .ns = SG_NS_VALUE, .state = v->pub ? SG_NAME_PUBLIC : SG_NAME_PRIVATE};
        if (!v->pub) continue;
        o->has_fp = true;
        if (v->kind == V_CTOR) {    /* a constructor shares its enum's fingerprint */
            Node *nd = node_of(&x, v->ctor->owner);
            o->fp = nd ? nd->fp : item_fp(&x, 'K', v->name, v->ntparams, v->type);
        } else {
            o->fp = item_fp(&x, v->kind == V_FN ? 'F' : 'C', v->name, v->ntparams, v->type);
        }
    }
    /* names point into m's source or sig arena: both live as long as m */
    sg_qsort(items, n, sizeof *items, cmp_entry);
    out->items = items;
    out->n = n;
    sg_map_free(&x.by_name);
    free(x.nodes);
}

const SgFpEntry *sg_fp_find(const SgFpTable *t, SgNs ns, SgName name) {
    SgFpEntry key = {.name = name, .ns = (uint8_t)ns};
    uint32_t lo = 0, hi = t->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = cmp_entry(&t->items[mid], &key);
        if (c == 0) return &t->items[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

SgNameState sg_fp_state(const SgFpTable *t, SgNs ns, SgName name, SgHash *fp) {
    const SgFpEntry *e = sg_fp_find(t, ns, name);
    memset(fp->b, 0, 16);
    if (!e) return SG_NAME_ABSENT;
    if (e->state == SG_NAME_PUBLIC) *fp = e->fp;
    return (SgNameState)e->state;
}

SgHash sg_fp_export_hash(const SgFpTable *t) {
    SgHasher *h = sg_hasher_new();
    sg_hasher_str(h, FP_TAG "-export", strlen(FP_TAG "-export"));
    sg_hasher_u64(h, t->n);
    for (uint32_t i = 0; i < t->n; i++) {
        const SgFpEntry *e = &t->items[i];
        sg_hasher_u64(h, (uint64_t)e->ns << 8 | e->state);
        sg_hasher_str(h, e->name.s, e->name.len);
        if (e->state == SG_NAME_PUBLIC) sg_hasher_bytes(h, e->fp.b, 16);
    }
    return sg_hasher_done(h);
}
