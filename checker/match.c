/* match.c - usefulness over pattern matrices (Maranget, "Warnings for
 * pattern matching", 2007), for E207 and W003.
 *
 * Enums and Bool have finitely many constructors; every other type (Int,
 * String, ...) is treated as infinite, so only a catch-all covers it. A step
 * budget bounds the work on pathological input: past it, matches are
 * assumed exhaustive and arms reachable (no diagnostic rather than a wrong one). */
#include "match.h"

#include <stdlib.h>

typedef struct Row {
    SgMPat **p;
    uint32_t n;
} Row;

typedef struct Mat {
    Row *rows;
    uint32_t n;
} Mat;

typedef struct Ctx {
    SgMatchInput *in;
    SgArena *a;
    long budget;
} Ctx;

static SgMPat wild = {.kind = MP_WILD};

/* Constructors of a type: -1 when infinite. */
static int ctor_count(SgType *t) {
    if (t->kind == TY_BOOL) return 2;
    if (t->kind == TY_NAMED && t->def->kind == DEF_ENUM) return (int)t->def->nctors;
    return -1;
}

static uint32_t ctor_arity(SgType *t, uint32_t k) {
    return t->kind == TY_NAMED ? t->def->ctors[k].npayload : 0;
}

static SgType **ctor_types(Ctx *x, SgType *t, uint32_t k, SgType **rest, uint32_t nrest) {
    uint32_t a = ctor_arity(t, k);
    SgType **v = SG_NEW_N(x->a, SgType *, a + nrest + 1);
    for (uint32_t i = 0; i < a; i++) v[i] = sg_type_subst(x->a, t->def->ctors[k].payload[i], t->args, t->n);
    for (uint32_t i = 0; i < nrest; i++) v[a + i] = rest[i];
    return v;
}

/* Row r specialised by constructor k of arity a; false if r does not match it. */
static bool spec_row(Ctx *x, Row *r, uint32_t k, uint32_t a, Row *out) {
    SgMPat *h = r->p[0];
    if (h->kind == MP_CTOR && h->ctor != k) return false;
    if (h->kind != MP_CTOR && h->kind != MP_WILD) return false;
    out->n = a + r->n - 1;
    out->p = SG_NEW_N(x->a, SgMPat *, out->n + 1);
    for (uint32_t i = 0; i < a; i++) out->p[i] = h->kind == MP_CTOR ? h->args[i] : &wild;
    for (uint32_t i = 1; i < r->n; i++) out->p[a + i - 1] = r->p[i];
    return true;
}

static bool lit_eq(SgMPat *a, SgMPat *b) {
    if (a->kind != b->kind) return false;
    if (a->kind == MP_INT) return a->ival == b->ival;
    return a->slen == b->slen && memcmp(a->sval, b->sval, a->slen) == 0;
}

static Mat spec(Ctx *x, Mat *m, uint32_t k, uint32_t a) {
    Mat r = {SG_NEW_N(x->a, Row, m->n + 1), 0};
    for (uint32_t i = 0; i < m->n; i++)
        if (spec_row(x, &m->rows[i], k, a, &r.rows[r.n])) r.n++;
    return r;
}

static Mat spec_lit(Ctx *x, Mat *m, SgMPat *lit) {
    Mat r = {SG_NEW_N(x->a, Row, m->n + 1), 0};
    for (uint32_t i = 0; i < m->n; i++) {
        SgMPat *h = m->rows[i].p[0];
        if (h->kind == MP_WILD || lit_eq(h, lit)) r.rows[r.n++] = (Row){m->rows[i].p + 1, m->rows[i].n - 1};
    }
    return r;
}

static Mat deflt(Ctx *x, Mat *m) {
    Mat r = {SG_NEW_N(x->a, Row, m->n + 1), 0};
    for (uint32_t i = 0; i < m->n; i++)
        if (m->rows[i].p[0]->kind == MP_WILD) r.rows[r.n++] = (Row){m->rows[i].p + 1, m->rows[i].n - 1};
    return r;
}

/* Which constructors appear in column 0; returns how many distinct. */
static uint32_t head_ctors(Mat *m, bool *seen, int count) {
    uint32_t d = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        SgMPat *h = m->rows[i].p[0];
        if (h->kind == MP_CTOR && (int)h->ctor < count && !seen[h->ctor]) {
            seen[h->ctor] = true;
            d++;
        }
    }
    return d;
}

static bool useful(Ctx *x, Mat *m, Row *q, SgType **types) {
    if (--x->budget < 0) return true;
    if (q->n == 0) return m->n == 0;
    SgMPat *h = q->p[0];
    SgType *t = types[0];
    if (h->kind == MP_CTOR) {
        uint32_t a = ctor_arity(t, h->ctor);
        Mat s = spec(x, m, h->ctor, a);
        Row sq;
        spec_row(x, q, h->ctor, a, &sq);
        return useful(x, &s, &sq, ctor_types(x, t, h->ctor, types + 1, q->n - 1));
    }
    if (h->kind == MP_INT || h->kind == MP_STR) {
        Mat s = spec_lit(x, m, h);
        Row sq = {q->p + 1, q->n - 1};
        return useful(x, &s, &sq, types + 1);
    }
    int count = ctor_count(t);
    if (count > 0) {
        bool *seen = SG_NEW_N(x->a, bool, (size_t)count);
        if ((int)head_ctors(m, seen, count) == count) {
            for (uint32_t k = 0; k < (uint32_t)count; k++) {
                uint32_t a = ctor_arity(t, k);
                Mat s = spec(x, m, k, a);
                Row sq;
                spec_row(x, q, k, a, &sq);
                if (useful(x, &s, &sq, ctor_types(x, t, k, types + 1, q->n - 1))) return true;
            }
            return false;
        }
    }
    Mat d = deflt(x, m);
    Row sq = {q->p + 1, q->n - 1};
    return useful(x, &d, &sq, types + 1);
}

/* ---- witnesses ---- */
static void ctor_name(Ctx *x, SgBuf *b, SgType *t, uint32_t k) {
    if (t->kind == TY_BOOL) {
        sg_buf_puts(b, k ? "true" : "false");
        return;
    }
    SgCtor *c = &t->def->ctors[k];
    SgModule *m = x->in->m, *owner = t->def->module;
    SgProgram *p = x->in->prog;
    if (owner != m && owner != p->prelude) {
        SgValue *v = sg_map_get(&m->values, c->name);
        bool bare = v && v->kind == V_CTOR && v->ctor == c;
        if (!bare) {
            const char *q = owner->name;
            uint32_t qlen = (uint32_t)strlen(q);
            for (uint32_t i = 0; i < m->nimports; i++)
                if (m->imports[i].item && m->imports[i].target == owner && !m->imports[i].item->selective) {
                    q = m->imports[i].item->name.s;
                    qlen = m->imports[i].item->name.len;
                    break;
                }
            sg_buf_printf(b, "%.*s.", (int)qlen, q);
        }
    }
    sg_buf_put(b, c->name.s, c->name.len);
}

/* The constructors in the order witnesses try them (sg_def_nth_ctor). */
static uint32_t witness_ctor(Ctx *x, SgType *t, uint32_t i) {
    return t->kind == TY_NAMED ? sg_def_nth_ctor(x->in->m, t->def, i) : i;
}

/* Returns n witness strings for values no row matches, or NULL. */
static const char **missing(Ctx *x, Mat *m, SgType **types, uint32_t n) {
    if (--x->budget < 0) return NULL;
    if (n == 0) return m->n == 0 ? SG_NEW_N(x->a, const char *, 1) : NULL;
    SgType *t = types[0];
    int count = ctor_count(t);
    bool *seen = count > 0 ? SG_NEW_N(x->a, bool, (size_t)count) : NULL;
    uint32_t present = count > 0 ? head_ctors(m, seen, count) : 0;
    if (count > 0 && (int)present == count) {
        for (uint32_t i = 0; i < (uint32_t)count; i++) {
            uint32_t k = witness_ctor(x, t, i);
            uint32_t a = ctor_arity(t, k);
            Mat s = spec(x, m, k, a);
            const char **w = missing(x, &s, ctor_types(x, t, k, types + 1, n - 1), a + n - 1);
            if (!w) continue;
            SgBuf b = {0};
            ctor_name(x, &b, t, k);
            if (a) {
                sg_buf_putc(&b, '(');
                for (uint32_t i = 0; i < a; i++) sg_buf_printf(&b, "%s%s", i ? ", " : "", w[i]);
                sg_buf_putc(&b, ')');
            }
            const char **r = SG_NEW_N(x->a, const char *, n);
            r[0] = sg_arena_strndup(x->a, b.data, b.len);
            sg_buf_free(&b);
            for (uint32_t i = 1; i < n; i++) r[i] = w[a + i - 1];
            return r;
        }
        return NULL;
    }
    Mat d = deflt(x, m);
    const char **w = missing(x, &d, types + 1, n - 1);
    if (!w) return NULL;
    const char **r = SG_NEW_N(x->a, const char *, n);
    for (uint32_t i = 1; i < n; i++) r[i] = w[i - 1];
    r[0] = "_";
    if (count > 0) {
        for (uint32_t i = 0; i < (uint32_t)count; i++) {
            uint32_t k = witness_ctor(x, t, i);
            if (seen[k]) continue;
            SgBuf b = {0};
            ctor_name(x, &b, t, k);
            uint32_t a = ctor_arity(t, k);
            if (a) {
                sg_buf_putc(&b, '(');
                for (uint32_t i = 0; i < a; i++) sg_buf_puts(&b, i ? ", _" : "_");
                sg_buf_putc(&b, ')');
            }
            r[0] = sg_arena_strndup(x->a, b.data, b.len);
            sg_buf_free(&b);
            break;
        }
    }
    return r;
}

void sg_match_analyze(SgMatchInput *in, SgMatchResult *out) {
    Ctx x = {.in = in, .a = in->a, .budget = 200000};
    out->useless = sg_xcalloc(in->nrows + 1, sizeof(bool));
    out->missing = NULL;
    Mat m = {SG_NEW_N(x.a, Row, in->nrows + 1), 0};
    SgType *types[1] = {in->type};
    for (uint32_t i = 0; i < in->nrows; i++) {
        if (!in->rows[i]) continue;
        Row q = {&in->rows[i], 1};
        if (!useful(&x, &m, &q, types)) out->useless[i] = true;
        m.rows[m.n++] = q;
    }
    x.budget = 200000;
    const char **w = missing(&x, &m, types, 1);
    if (w && x.budget >= 0) out->missing = w[0];
}
