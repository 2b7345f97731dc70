/* match.c - exhaustiveness (E207) and reachability (W003) of `match` arms,
 * in one pass over the pattern matrix (the shape of rustc's usefulness
 * algorithm, after Maranget, "Warnings for pattern matching", 2007).
 *
 * The first column's heads split the values: one branch per constructor or
 * literal that appears (rows with that head or a wildcard, the head's
 * fields becoming columns), plus, unless every constructor appears, a
 * branch for the other values (the wildcard rows). Every value lands in
 * exactly one leaf; the first row of a leaf is the first arm to match those
 * values, so it is reachable, and an empty leaf is a missing value.
 *
 * Rows are grouped by head in one pass (a hash table for literals), so a
 * column of n literals costs O(n), not O(n^2); rows after one that is all
 * wildcards can never be first and are dropped. Enums and Bool have finitely
 * many constructors; Int and String are infinite, so only a wildcard covers
 * the other values. A step budget bounds the work on pathological input
 * (nested patterns can make any algorithm exponential): past it no W003 is
 * given, a second pass looks for a missing value only (E207 is then
 * certain), and failing that the result is `incomplete` and the checker
 * says so (E212) rather than guess.
 *
 * Matrices live on the heap only while their branch is explored; witness
 * strings are built only for the first missing value, in a scratch arena. */
#include "match.h"

#include <stdlib.h>

typedef struct Row {
    SgMPat **p;             /* the matrix's columns */
    uint32_t idx;           /* the arm */
} Row;

typedef struct Mat {
    Row *rows;
    uint32_t n;
    bool covered;           /* the last row is all wildcards: nothing escapes */
} Mat;

typedef struct Ctx {
    SgMatchInput *in;
    SgArena *a;             /* substituted types */
    SgArena scratch;        /* witness strings */
    bool *useful;
    long budget;
    bool witness_only;      /* stop at the first missing value; mark nothing */
} Ctx;

static SgMPat wild = {.kind = MP_WILD};

/* Constructors of a type: -1 when infinite. */
static int ctor_count(SgType *t) {
    if (t->kind == TY_BOOL) return 2;
    if (t->kind == TY_NAMED && t->def->kind == DEF_ENUM) return (int)t->def->nctors;
    return -1;
}

static uint32_t ctor_arity(SgType *t, uint32_t k) {
    return t->kind == TY_NAMED && t->def->kind == DEF_ENUM && k < t->def->nctors ? t->def->ctors[k].npayload : 0;
}

/* Column types after specialising by constructor k of arity a. */
static SgType **ctor_types(Ctx *x, SgType *t, uint32_t k, uint32_t a, SgType **rest, uint32_t nrest) {
    SgType **v = SG_NEW_N(x->a, SgType *, a + nrest + 1);
    for (uint32_t i = 0; i < a; i++) v[i] = sg_type_subst(x->a, t->def->ctors[k].payload[i], t->args, t->n);
    for (uint32_t i = 0; i < nrest; i++) v[a + i] = rest[i];
    return v;
}

static bool lit_eq(const SgMPat *a, const SgMPat *b) {
    if (a->kind != b->kind) return false;
    if (a->kind == MP_INT) return a->ival == b->ival;
    if (a->kind == MP_CTOR) return a->ctor == b->ctor;
    return a->slen == b->slen && memcmp(a->sval, b->sval, a->slen) == 0;
}

static uint32_t lit_hash(const SgMPat *h) {
    if (h->kind == MP_INT) {
        uint64_t v = (uint64_t)h->ival * 0x9E3779B97F4A7C15ull;
        return (uint32_t)(v >> 32);
    }
    if (h->kind == MP_CTOR) return h->ctor * 0x9E3779B1u;
    return sg_hash_bytes(h->sval, h->slen);
}

/* ---- grouping the first column by head ---- */
typedef struct Groups {
    uint32_t nclass;        /* distinct heads */
    SgMPat **head;          /* per class: a pattern with that head */
    uint32_t *start, *pos;  /* rows of class c: pos[start[c] .. start[c + 1]) */
    uint32_t *wild, nwild;  /* rows with a wildcard head */
} Groups;

/* The constructors in the order witnesses try them (sg_def_nth_ctor: by
 * name for another module's enum, whose fingerprint covers names, not
 * declaration order). */
static uint32_t witness_ctor(const Ctx *x, SgType *t, uint32_t i) {
    return t->kind == TY_NAMED ? sg_def_nth_ctor(x->in->m, t->def, i) : i;
}

/* `finite`: heads are constructor indexes below `count`, of type t. */
static void group(const Ctx *x, const Mat *m, SgType *t, bool finite, int count, Groups *g) {
    uint32_t n = m->n;
    uint32_t *cls = sg_xmalloc(sizeof *cls * (n + 1));
    g->head = sg_xmalloc(sizeof *g->head * (n + 1));
    g->wild = sg_xmalloc(sizeof *g->wild * (n + 1));
    g->nclass = g->nwild = 0;
    uint32_t *by_ctor = NULL, cap = 0, *table = NULL;
    if (finite) {
        /* classes in witness order, so witnesses do not depend on arm order */
        by_ctor = sg_xmalloc(sizeof *by_ctor * ((size_t)count + 1));
        for (int k = 0; k < count; k++) by_ctor[k] = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            SgMPat *h = m->rows[i].p[0];
            if (h->kind == MP_CTOR && (int)h->ctor < count && by_ctor[h->ctor] == UINT32_MAX) by_ctor[h->ctor] = i;
        }
        for (uint32_t i = 0; i < (uint32_t)count; i++) {
            uint32_t k = witness_ctor(x, t, i);
            if (by_ctor[k] != UINT32_MAX) {
                g->head[g->nclass] = m->rows[by_ctor[k]].p[0];
                by_ctor[k] = g->nclass++;
            }
        }
    } else {
        for (cap = 16; cap < 2 * n; cap *= 2) {}
        table = sg_xmalloc(sizeof *table * cap);
        for (uint32_t i = 0; i < cap; i++) table[i] = UINT32_MAX;
    }
    for (uint32_t i = 0; i < n; i++) {
        SgMPat *h = m->rows[i].p[0];
        cls[i] = UINT32_MAX;
        if (h->kind == MP_WILD) {
            g->wild[g->nwild++] = i;
            continue;
        }
        if (finite) {
            if (h->kind == MP_CTOR && (int)h->ctor < count) cls[i] = by_ctor[h->ctor];
            continue;   /* anything else cannot happen after E211 */
        }
        uint32_t j = lit_hash(h) & (cap - 1);
        while (table[j] != UINT32_MAX && !lit_eq(g->head[table[j]], h)) j = (j + 1) & (cap - 1);
        if (table[j] == UINT32_MAX) {
            table[j] = g->nclass;
            g->head[g->nclass++] = h;
        }
        cls[i] = table[j];
    }
    /* counting sort: each class's rows, in row order */
    g->start = sg_xcalloc(g->nclass + 2, sizeof *g->start);
    for (uint32_t i = 0; i < n; i++)
        if (cls[i] != UINT32_MAX) g->start[cls[i] + 1]++;
    for (uint32_t c = 0; c < g->nclass; c++) g->start[c + 1] += g->start[c];
    g->pos = sg_xmalloc(sizeof *g->pos * (n + 1));
    uint32_t *fill = sg_xmalloc(sizeof *fill * (g->nclass + 1));
    memcpy(fill, g->start, sizeof *fill * g->nclass);
    for (uint32_t i = 0; i < n; i++)
        if (cls[i] != UINT32_MAX) g->pos[fill[cls[i]]++] = i;
    free(fill);
    free(cls);
    free(by_ctor);
    free(table);
}

static void groups_free(Groups *g) {
    free(g->head);
    free(g->start);
    free(g->pos);
    free(g->wild);
}

/* Rows of class c and the wildcard rows, in row order, specialised: the
 * head replaced by its `a` fields (wildcards for a wildcard head). A row
 * that becomes all wildcards ends the matrix: no later row can be first. */
static Mat specialize(const Mat *m, const Groups *g, uint32_t c, uint32_t a, uint32_t ncols, SgMPat ***store) {
    uint32_t nc = c == UINT32_MAX ? 0 : g->start[c + 1] - g->start[c];
    const uint32_t *cp = c == UINT32_MAX ? NULL : g->pos + g->start[c];
    uint32_t total = nc + g->nwild, width = a + ncols - 1;
    Mat r = {sg_xmalloc(sizeof *r.rows * (total + 1)), 0, false};
    SgMPat **cells = sg_xmalloc(sizeof *cells * ((size_t)total * width + 1));
    *store = cells;
    uint32_t i = 0, j = 0;
    while (i < nc || j < g->nwild) {
        uint32_t at = j >= g->nwild || (i < nc && cp[i] < g->wild[j]) ? cp[i++] : g->wild[j++];
        const Row *src = &m->rows[at];
        SgMPat *h = src->p[0];
        SgMPat **p = cells + (size_t)r.n * width;
        bool all_wild = true;
        for (uint32_t k = 0; k < a; k++) {
            p[k] = h->kind == MP_CTOR && k < h->nargs ? h->args[k] : &wild;
            all_wild &= p[k]->kind == MP_WILD;
        }
        for (uint32_t k = 1; k < ncols; k++) {
            p[a + k - 1] = src->p[k];
            all_wild &= src->p[k]->kind == MP_WILD;
        }
        r.rows[r.n++] = (Row){p, src->idx};
        if (all_wild) {
            r.covered = true;
            break;
        }
    }
    return r;
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
        bool bare = v && v->kind == V_CTOR && sg_def_same(v->ctor->owner, c->owner) && sg_name_eq(v->ctor->name, c->name);
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

/* Witness for the head: constructor k applied to args[0..a), or `_`. */
static const char *witness_head(Ctx *x, SgType *t, int k, uint32_t a, const char **args) {
    if (k < 0) return "_";
    SgBuf b = {0};
    ctor_name(x, &b, t, (uint32_t)k);
    if (a) {
        sg_buf_putc(&b, '(');
        for (uint32_t i = 0; i < a; i++) sg_buf_printf(&b, "%s%s", i ? ", " : "", args ? args[i] : "_");
        sg_buf_putc(&b, ')');
    }
    const char *r = sg_arena_strndup(&x->scratch, b.data, b.len);
    sg_buf_free(&b);
    return r;
}

static const char *no_witness_wanted[1] = {"_"};   /* never read */

/* Explores every value of the matrix's columns: marks the rows that are
 * first to match some value, and returns a witness (one string per column)
 * of a value no row matches, or NULL when there is none. With want false
 * it returns a non-NULL placeholder instead of building strings. */
static const char **explore(Ctx *x, const Mat *m, SgType **types, uint32_t ncols, bool want) {
    x->budget -= (long)m->n + 1;
    if (x->budget < 0) return NULL;
    if (ncols == 0 || (m->covered && (x->witness_only || m->n == 1))) {
        if (m->n) {
            if (!x->witness_only) x->useful[m->rows[0].idx] = true;
            return NULL;
        }
        return want ? SG_NEW_N(&x->scratch, const char *, 1) : no_witness_wanted;
    }
    SgType *t = types[0];
    int count = ctor_count(t);
    bool finite = count >= 0;
    Groups g;
    group(x, m, t, finite, count, &g);
    bool all_present = finite && g.nclass == (uint32_t)count;
    const char **found = NULL;
    /* the values whose head appears in the column (looking for a witness
     * only, they matter only when every constructor appears) */
    for (uint32_t c = 0; c < g.nclass && x->budget >= 0 && !(x->witness_only && (found || !all_present)); c++) {
        SgMPat *h = g.head[c];
        bool is_ctor = h->kind == MP_CTOR;
        uint32_t a = is_ctor ? ctor_arity(t, h->ctor) : 0;
        SgType **sub = is_ctor && a ? ctor_types(x, t, h->ctor, a, types + 1, ncols - 1) : types + 1;
        SgMPat **cells;
        Mat s = specialize(m, &g, c, a, ncols, &cells);
        /* with a constructor missing, the witness comes from the other values
         * (whatever this branch misses, the wildcard rows miss too) */
        bool w = want && !found && all_present;
        const char **sw = explore(x, &s, sub, a + ncols - 1, w);
        free(s.rows);
        free(cells);
        if (sw && !found && all_present) {
            found = sw;
            if (w) {
                const char **r = SG_NEW_N(&x->scratch, const char *, ncols);
                r[0] = witness_head(x, t, (int)h->ctor, a, sw);
                for (uint32_t i = 1; i < ncols; i++) r[i] = sw[a + i - 1];
                found = r;
            }
        }
    }
    /* the other values: only the wildcard rows match them */
    if (!all_present && x->budget >= 0 && !(x->witness_only && found)) {
        SgMPat **cells;
        Mat d = specialize(m, &g, UINT32_MAX, 0, ncols, &cells);
        const char **dw = explore(x, &d, types + 1, ncols - 1, want);
        free(d.rows);
        free(cells);
        if (dw) {
            found = dw;
            if (want) {
                int missing_ctor = -1;
                if (finite) {
                    bool *seen = sg_xcalloc((size_t)count + 1, sizeof *seen);
                    for (uint32_t c = 0; c < g.nclass; c++) seen[g.head[c]->ctor] = true;
                    for (uint32_t i = 0; i < (uint32_t)count && missing_ctor < 0; i++)
                        if (!seen[witness_ctor(x, t, i)]) missing_ctor = (int)witness_ctor(x, t, i);
                    free(seen);
                }
                const char **r = SG_NEW_N(&x->scratch, const char *, ncols);
                r[0] = witness_head(x, t, missing_ctor, missing_ctor >= 0 ? ctor_arity(t, (uint32_t)missing_ctor) : 0,
                                    NULL);
                for (uint32_t i = 1; i < ncols; i++) r[i] = dw[i - 1];
                found = r;
            }
        }
    }
    groups_free(&g);
    return found;
}

void sg_match_analyze(SgMatchInput *in, SgMatchResult *out) {
    Ctx x = {.in = in, .a = in->a, .budget = SG_MATCH_BUDGET};
    sg_arena_init(&x.scratch);
    x.useful = sg_xcalloc(in->nrows + 1, sizeof(bool));
    Mat m = {sg_xmalloc(sizeof *m.rows * (in->nrows + 1)), 0, false};
    for (uint32_t i = 0; i < in->nrows && !m.covered; i++) {
        if (!in->rows[i]) continue;
        m.rows[m.n++] = (Row){&in->rows[i], i};
        m.covered = in->rows[i]->kind == MP_WILD;   /* nothing after a catch-all is reachable */
    }
    SgType *types[1] = {in->type};
    const char **w = explore(&x, &m, types, 1, true);
    bool reachability_known = x.budget >= 0;
    if (!reachability_known) {
        /* a missing value may still be found quickly: then E207 is certain */
        x.budget = SG_MATCH_BUDGET;
        x.witness_only = true;
        w = explore(&x, &m, types, 1, true);
    }
    free(m.rows);
    out->incomplete = x.budget < 0;
    out->missing = w && !out->incomplete ? sg_arena_strndup(in->a, w[0], strlen(w[0])) : NULL;
    /* past the budget, reachability is unknown: no W003 rather than a wrong one */
    out->useless = sg_xcalloc(in->nrows + 1, sizeof(bool));
    if (reachability_known)
        for (uint32_t i = 0; i < in->nrows; i++) out->useless[i] = in->rows[i] && !x.useful[i];
    free(x.useful);
    sg_arena_free(&x.scratch);
}
