/* engine.c - the phases of a check run (see engine.h). */
#include "engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

/* ---- a tiny fork-join pool over libuv threads ---- */
typedef struct Pool {
    atomic_uint next;
    uint32_t n;
    void (*fn)(uint32_t, void *);
    void *ctx;
} Pool;

static void pool_worker(void *arg) {
    Pool *p = arg;
    for (;;) {
        uint32_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n) return;
        p->fn(i, p->ctx);
    }
}

void sg_parallel_for(int jobs, uint32_t n, void (*fn)(uint32_t, void *), void *ctx) {
    Pool p = {.n = n, .fn = fn, .ctx = ctx};
    atomic_init(&p.next, 0);
    if (jobs < 1) jobs = 1;
    if ((uint32_t)jobs > n) jobs = n ? (int)n : 1;
    if (jobs == 1) {
        pool_worker(&p);
        return;
    }
    uv_thread_t *th = sg_xmalloc(sizeof *th * (size_t)(jobs - 1));
    int started = 0;
    for (int i = 0; i < jobs - 1; i++)
        if (uv_thread_create(&th[started], pool_worker, &p) == 0) started++;
    pool_worker(&p);
    for (int i = 0; i < started; i++) uv_thread_join(&th[i]);
    free(th);
}

/* ---- phase 2: read and parse ---- */
static void init_module_arenas(SgModule *m) {
    sg_arena_init(&m->sig_arena);
    sg_arena_init(&m->tree_arena);
    sg_arena_init(&m->diag_arena);
    m->diags.arena = &m->diag_arena;
}

static void parse_one(uint32_t i, void *ctx) {
    SgProgram *p = ctx;
    SgModule *m = p->mods[i];
    char *data;
    size_t len;
    const char *err;
    if (!sg_read_file(m->path, &data, &len, &err)) {
        m->read_failed = true;
        m->src = sg_xstrdup("");
        m->len = 0;
        sg_diag(&m->diags, 0, 0, "E001", "cannot read %s: %s", m->rel, err);
    } else {
        m->src = data;
        m->len = len > UINT32_MAX - 16 ? UINT32_MAX - 16 : (uint32_t)len;
    }
    sg_parse(&m->tree_arena, m->src, m->len, &m->ast, &m->diags);
    m->parsed = true;
}

/* ---- phase 3: link ---- */
static void link_imports(SgProgram *p, SgModule *m) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->ast.nitems; i++) n += m->ast.items[i]->kind == IT_IMPORT;
    m->imports = SG_NEW_N(&m->sig_arena, SgImport, n + 1);
    for (uint32_t i = 0; i < m->ast.nitems; i++) {
        SgItem *it = m->ast.items[i];
        if (it->kind != IT_IMPORT || !it->path.len) continue;
        SgImport *imp = &m->imports[m->nimports++];
        imp->item = it;
        imp->target = sg_program_find(p, it->path);
        imp->status = imp->target ? IMP_OK : IMP_MISSING;
        if (!imp->target) {
            sg_diag(&m->diags, it->span.start, it->path_span.end, "E101", "module `%.*s` not found",
                    (int)it->path.len, it->path.s);
            imp->has_error = true;
            continue;
        }
        for (uint32_t j = 0; j + 1 < m->nimports; j++)
            if (m->imports[j].target == imp->target) {
                sg_diag(&m->diags, it->span.start, it->path_span.end, "E107", "module `%.*s` is imported twice",
                        (int)it->path.len, it->path.s);
                imp->has_error = true;
                break;
            }
    }
}

/* Tarjan's SCC; emits SCCs dependencies-first into `order`. */
typedef struct Tarjan {
    SgProgram *p;
    uint32_t *index, *low, *stack, *order;
    bool *on;
    uint32_t counter, sp, norder, nscc;
} Tarjan;

typedef struct Frame {
    uint32_t v, edge;
} Frame;

static void strongconnect(Tarjan *t, uint32_t root) {
    /* iterative, so deep import chains cannot overflow the C stack */
    Frame *fs = sg_xmalloc(sizeof *fs * (t->p->n + 1));
    uint32_t fp = 0;
    fs[fp++] = (Frame){root, 0};
    t->index[root] = t->low[root] = ++t->counter;
    t->stack[t->sp++] = root;
    t->on[root] = true;
    while (fp) {
        Frame *f = &fs[fp - 1];
        SgModule *m = t->p->mods[f->v];
        if (f->edge < m->nimports) {
            SgImport *imp = &m->imports[f->edge++];
            if (!imp->target) continue;
            uint32_t w = imp->target->index;
            if (!t->index[w]) {
                t->index[w] = t->low[w] = ++t->counter;
                t->stack[t->sp++] = w;
                t->on[w] = true;
                fs[fp++] = (Frame){w, 0};
            } else if (t->on[w] && t->index[w] < t->low[f->v]) {
                t->low[f->v] = t->index[w];
            }
            continue;
        }
        uint32_t v = f->v;
        fp--;
        if (fp && t->low[v] < t->low[fs[fp - 1].v]) t->low[fs[fp - 1].v] = t->low[v];
        if (t->low[v] == t->index[v]) {
            uint32_t scc = t->nscc++, size = 0, w;
            do {
                w = t->stack[--t->sp];
                t->on[w] = false;
                t->p->mods[w]->scc = scc;
                t->order[t->norder++] = w;
                size++;
            } while (w != v);
            if (size > 1)
                for (uint32_t k = t->norder - size; k < t->norder; k++) t->p->mods[t->order[k]]->cyclic = true;
        }
    }
    free(fs);
}

static uint32_t *import_order(SgProgram *p) {
    Tarjan t = {.p = p};
    t.index = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.low = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.stack = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.order = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.on = sg_xcalloc(p->n + 1, sizeof(bool));
    for (uint32_t i = 0; i < p->n; i++)
        if (!t.index[i]) strongconnect(&t, i);
    /* E102 on each import that points into its own cycle */
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[i];
        for (uint32_t k = 0; k < m->nimports; k++) {
            SgImport *imp = &m->imports[k];
            if (!imp->target) continue;
            bool self = imp->target == m;
            if (self || (m->cyclic && imp->target->scc == m->scc)) {
                m->cyclic = true;
                imp->status = IMP_CYCLE;
                imp->has_error = true;
                sg_diag(&m->diags, imp->item->span.start, imp->item->path_span.end, "E102",
                        "import cycle: `%s` imports `%s`, which depends on `%s`", m->name, imp->target->name, m->name);
            }
        }
    }
    free(t.index);
    free(t.low);
    free(t.stack);
    free(t.on);
    return t.order;
}

/* ---- phase 5: check ---- */
static void check_one(uint32_t i, void *ctx) {
    SgProgram *p = ctx;
    SgModule *m = p->mods[i];
    if (!m->is_std) sg_check_module(p, m);
    sg_diags_locate(&m->diags, m->src, m->len);
    sg_diags_sort(&m->diags);
    /* the tree and checker state die with the check */
    sg_arena_free(&m->tree_arena);
    memset(&m->ast, 0, sizeof m->ast);
}

static double now_ms(void) { return (double)uv_hrtime() / 1e6; }

static SgModule *new_module(SgProgram *p, SgSourceFile *f, bool is_std) {
    SgModule *m = sg_xcalloc(1, sizeof *m);
    m->name = f->module;
    m->mname = sg_name_c(m->name);
    m->path = f->path;
    m->rel = f->rel;
    m->is_std = is_std;
    init_module_arenas(m);
    (void)p;
    return m;
}

static int cmp_mod(const void *a, const void *b) {
    return strcmp((*(SgModule *const *)a)->name, (*(SgModule *const *)b)->name);
}

static void add_stray(SgEngineRun *run, SgSourceFile *f, const char *code, const char *msg) {
    run->strays = sg_xrealloc(run->strays, sizeof *run->strays * (run->nstrays + 1));
    SgStrayFile *s = &run->strays[run->nstrays++];
    memset(s, 0, sizeof *s);
    s->rel = f->rel;
    s->path = f->path;
    sg_arena_init(&s->arena);
    s->diags.arena = &s->arena;
    sg_diag(&s->diags, 0, 0, code, "%s", msg);
    s->diags.items[0].line = s->diags.items[0].col = 1;
    s->diags.items[0].end_line = s->diags.items[0].end_col = 1;
}

bool sg_engine_run(const SgEngineOptions *opt, SgEngineRun *run, char **err) {
    memset(run, 0, sizeof *run);
    double t0 = now_ms();
    if (!sg_workspace_scan(opt->root, &run->ws, err)) return false;
    if (!sg_workspace_scan_std(opt->std_dir, &run->std, err)) return false;
    SgProgram *p = &run->prog;
    sg_arena_init(&p->arena);
    p->mods = sg_xmalloc(sizeof(SgModule *) * (run->ws.nfiles + run->std.nfiles + 1));

    /* module table; first file of a name wins, the others are E107 */
    for (uint32_t i = 0; i < run->std.nfiles; i++) {
        SgSourceFile *f = &run->std.files[i];
        if (!f->module) continue;
        SgModule *m = new_module(p, f, true);
        sg_map_put(&p->by_name, m->mname, m);
        p->mods[p->n++] = m;
    }
    for (uint32_t i = 0; i < run->ws.nfiles; i++) {
        SgSourceFile *f = &run->ws.files[i];
        if (!f->module) {
            char msg[512];
            snprintf(msg, sizeof msg, "`%s` does not form a valid module name: %s; the file is skipped", f->rel, f->why);
            add_stray(run, f, "E100", msg);
            continue;
        }
        SgModule *prev = sg_program_find(p, sg_name_c(f->module));
        if (prev) {
            char msg[512];
            snprintf(msg, sizeof msg, "duplicate module `%s`: also formed by `%s`", f->module, prev->rel);
            add_stray(run, f, "E107", msg);
            snprintf(msg, sizeof msg, "duplicate module `%s`: also formed by `%s`", f->module, f->rel);
            sg_diag(&prev->diags, 0, 0, "E107", "%s", msg);
            continue;
        }
        SgModule *m = new_module(p, f, false);
        sg_map_put(&p->by_name, m->mname, m);
        p->mods[p->n++] = m;
        run->nworkspace++;
    }
    qsort(p->mods, p->n, sizeof *p->mods, cmp_mod);
    for (uint32_t i = 0; i < p->n; i++) p->mods[i]->index = i;
    p->prelude = sg_program_find(p, sg_name_c("std.prelude"));

    sg_parallel_for(opt->jobs, p->n, parse_one, p);
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[i];
        if (m->is_std) continue;
        uint32_t lines = 1;
        for (uint32_t k = 0; k < m->len; k++) lines += m->src[k] == '\n';
        run->lines += lines;
    }

    for (uint32_t i = 0; i < p->n; i++) link_imports(p, p->mods[i]);
    uint32_t *order = import_order(p);
    /* the prelude first: every module's lookups fall back to it */
    if (p->prelude) sg_resolve_module(p, p->prelude);
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[order[i]];
        if (!m->resolved) sg_resolve_module(p, m);
    }
    free(order);

    sg_parallel_for(opt->jobs, p->n, check_one, p);
    for (uint32_t i = 0; i < run->nstrays; i++) sg_diags_sort(&run->strays[i].diags);
    run->elapsed_ms = now_ms() - t0;
    return true;
}

void sg_engine_free(SgEngineRun *run) {
    SgProgram *p = &run->prog;
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[i];
        sg_map_free(&m->values);
        sg_map_free(&m->types);
        sg_diags_free(&m->diags);
        sg_arena_free(&m->sig_arena);
        sg_arena_free(&m->tree_arena);
        sg_arena_free(&m->diag_arena);
        free(m->src);
        free(m);
    }
    free(p->mods);
    sg_map_free(&p->by_name);
    sg_arena_free(&p->arena);
    for (uint32_t i = 0; i < run->nstrays; i++) {
        sg_diags_free(&run->strays[i].diags);
        sg_arena_free(&run->strays[i].arena);
    }
    free(run->strays);
    sg_workspace_free(&run->ws);
    sg_workspace_free(&run->std);
    memset(run, 0, sizeof *run);
}
