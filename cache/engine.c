/* engine.c - the phases of a check run (see engine.h).
 *
 * The rule above all others: a cache fault costs a re-check, never a wrong
 * result. Every value taken from the cache is verified (checksums, file
 * identity, the racy-mtime rule) or keyed by everything it depends on. */
#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <uv.h>

#include "../checker/suppress.h"
#include "../include/sigil.h"
#include "engine_impl.h"
#include "remote.h"
#include "sig.h"
#include "store.h"
#include "xref.h"

/* A file modified less than this before it was indexed is re-hashed on the
 * next run: file timestamps are coarser than the clock we index with. */
#define RACY_NS 2000000000LL

/* Modules keyed and checked together: enough to keep the threads busy,
 * few enough that their syntax trees are a small part of the memory. */
#define CHUNK 128

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

static double now_ms(void) { return (double)uv_hrtime() / 1e6; }

/* SIGIL_TIMING=1 prints where a run's time goes, phase by phase, on stderr.
 * Read once for the process: runs may go on in several threads at once (the
 * language server checks each workspace folder on its own). */
static uv_once_t timing_once = UV_ONCE_INIT;
static bool timing_enabled;

static void timing_init(void) { timing_enabled = getenv("SIGIL_TIMING") && *getenv("SIGIL_TIMING") == '1'; }

static void phase_took(const char *name, double ms) {
    uv_once(&timing_once, timing_init);
    if (timing_enabled) fprintf(stderr, "sigil: timing: %-10s %8.2f ms\n", name, ms);
}

static void phase(const char *name, double *t) {
    double n = now_ms();
    phase_took(name, n - *t);
    *t = n;
}

typedef struct Ctx {
    const SgEngineOptions *opt;
    SgEngineRun *run;
    SgProgram *p;
    SgStore *store;
    SgArena rows_arena;
    /* the file indexes: the workspace's, and the standard library's when it
     * is read from a directory */
    SgIndexRoot index[2];
    uint32_t nindex;
    SgModule **todo;        /* modules whose bodies are checked this run */
    uint32_t ntodo;
    const uint32_t *chunk;  /* the import-order slice being parsed ahead */
    int64_t now_ns;
    SgRemoteFetch remote;   /* the entries fetched from the remote cache, if any */
    SgWriter *writer;       /* stores results during the run (writer.c), or NULL */
    uint32_t queued;        /* todo[..queued] went to the writer */
    struct ChangedNames *changed;   /* by module: see usage filters */
    bool *imports_pending;  /* with a remote cache: read and changed, import list not known yet */
} Ctx;

static int64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return sg_ns(ts);
}

/* A module's import paths live in one malloc'd block (pointers, then the
 * strings), owned by the module: small, and no arena block per module. */
static void set_import_paths(SgModule *m, char *const *paths, const SgName *names, uint32_t n) {
    size_t bytes = sizeof(char *) * (n + 1);
    for (uint32_t k = 0; k < n; k++) bytes += (paths ? strlen(paths[k]) : names[k].len) + 1;
    char **block = sg_xmalloc(bytes);
    char *s = (char *)(block + n + 1);
    for (uint32_t k = 0; k < n; k++) {
        size_t l = paths ? strlen(paths[k]) : names[k].len;
        memcpy(s, paths ? paths[k] : names[k].s, l);
        s[l] = 0;
        block[k] = s;
        s += l + 1;
    }
    block[n] = NULL;
    free(m->import_paths);
    m->import_paths = block;
    m->nimport_paths = n;
}

void sg_eng_import_paths_from_ast(SgModule *m, const SgAst *ast) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < ast->nitems; i++) n += ast->items[i]->kind == IT_IMPORT && ast->items[i]->path.len;
    SgName *names = sg_xmalloc(sizeof *names * (n + 1));
    n = 0;
    for (uint32_t i = 0; i < ast->nitems; i++)
        if (ast->items[i]->kind == IT_IMPORT && ast->items[i]->path.len) names[n++] = ast->items[i]->path;
    set_import_paths(m, NULL, names, n);
    free(names);
}

/* Import paths from the file index. */
static bool set_import_paths_from_row(SgModule *m, const SgFileRow *row) {
    set_import_paths(m, NULL, row->imports, row->nimports);
    return true;
}

static bool read_source(SgModule *m) {
    char *data;
    size_t len;
    const char *err;
    free(m->src);
    if (!sg_read_file(m->path, &data, &len, &err)) {
        m->read_failed = true;
        m->st->uncacheable = true;
        m->src = sg_xstrdup("");
        m->len = 0;
        sg_diag(&m->diags, 0, 0, "E001", "cannot read %s: %s", m->rel, err);
        return false;
    }
    m->src = data;
    m->len = len > UINT32_MAX - 16 ? UINT32_MAX - 16 : (uint32_t)len;
    m->st->read_this_run = true;
    return true;
}

void sg_eng_parse(SgModule *m) {
    if (m->parsed) return;
    sg_parse(&m->tree_arena, m->src, m->len, &m->ast, &m->diags);
    m->parsed = true;
}

/* ---- phase 2: index (parallel; each call touches only its module) ---- */

/* The import list of a module read this run. The tree is not kept: all of
 * them at once would be most of a cold run's memory. The module is parsed
 * again, in parallel with the rest of its chunk, if it must be checked. */
static void index_imports(SgModule *m) {
    SgArena a;
    sg_arena_init(&a);
    SgDiags scratch = {.arena = &a};
    SgAst ast;
    sg_parse(&a, m->src, m->len, &ast, &scratch);
    sg_eng_import_paths_from_ast(m, &ast);
    sg_diags_free(&scratch);
    sg_arena_free(&a);
    m->st->want_parse = true;
}

/* ---- the built-in standard library (sg_engine_set_builtin_std) ---- */
static const SgOverlay *builtin_std;
static uint32_t nbuiltin_std;

void sg_engine_set_builtin_std(const SgOverlay *files, uint32_t n) {
    builtin_std = files;
    nbuiltin_std = n;
}

/* The std "workspace" of the built-in files: rel "std/NAME.sg", module std.NAME. */
static bool scan_builtin_std(SgWorkspace *ws, char **err) {
    memset(ws, 0, sizeof *ws);
    if (!nbuiltin_std) {
        *err = sg_xstrdup("no standard library: none is built in, and SIGIL_STD is not set");
        return false;
    }
    ws->root = sg_xstrdup("<built-in std>");
    ws->files = sg_xcalloc(nbuiltin_std, sizeof *ws->files);
    for (uint32_t i = 0; i < nbuiltin_std; i++) {
        const char *name = builtin_std[i].path;
        size_t n = strlen(name);
        if (n <= 3 || strcmp(name + n - 3, ".sg") != 0) continue;
        SgSourceFile *f = &ws->files[ws->nfiles++];
        SgBuf b = {0};
        sg_buf_printf(&b, "<built-in std>/%s", name);
        f->path = b.data;
        memset(&b, 0, sizeof b);
        sg_buf_printf(&b, "std/%s", name);
        f->rel = b.data;
        memset(&b, 0, sizeof b);
        sg_buf_printf(&b, "std.%.*s", (int)(n - 3), name);
        f->module = b.data;
    }
    return true;
}

/* A built-in std module's text: from memory, like an editor's overlay, but
 * cached like any module (it has no file, hence no file index row). */
static bool index_builtin(SgModule *m) {
    for (uint32_t k = 0; k < nbuiltin_std; k++) {
        if (strcmp(builtin_std[k].path, m->rel + 4) != 0) continue;
        const SgOverlay *o = &builtin_std[k];
        m->src = sg_xmalloc(o->len + 1);
        memcpy(m->src, o->text, o->len);
        m->src[o->len] = 0;
        m->len = (uint32_t)o->len;
        m->st->read_this_run = true;
        m->st->source_hash = sg_hash(m->src, m->len);
        index_imports(m);
        return true;
    }
    return false;
}

/* The file index row of the file at abs_path, from the first index whose
 * root it is under that has one (a standard library inside the workspace
 * is under both roots). */
static SgFileRow *row_of(const Ctx *c, const char *abs_path) {
    for (uint32_t k = 0; k < c->nindex; k++) {
        size_t rl = strlen(c->index[k].root);
        SgFileRow *row = strncmp(abs_path, c->index[k].root, rl) == 0 && abs_path[rl] == '/'
                             ? sg_map_get(&c->index[k].by_rel, sg_name_c(abs_path + rl + 1))
                             : NULL;
        if (row) return row;
    }
    return NULL;
}

static void index_one(uint32_t i, void *arg) {
    Ctx *c = arg;
    SgModule *m = c->p->mods[i];
    SgModuleState *st = m->st;
    if (m->is_std && !c->opt->std_dir && index_builtin(m)) return;
    for (uint32_t k = 0; st->abs_path && k < c->opt->noverlays; k++) {
        const SgOverlay *o = &c->opt->overlays[k];
        if (strcmp(o->path, st->abs_path) != 0) continue;
        st->overlay = true;
        m->src = sg_xmalloc(o->len + 1);
        memcpy(m->src, o->text, o->len);
        m->src[o->len] = 0;
        m->len = o->len > UINT32_MAX - 16 ? UINT32_MAX - 16 : (uint32_t)o->len;
        st->read_this_run = true;
        st->source_hash = sg_hash(m->src, m->len);
        index_imports(m);
        return;
    }
    struct stat sb;
    const SgSourceFile *f = st->file;
    if (f && f->stat_ok) {
        st->stat_ok = true;     /* stated by the scan, after c->now_ns */
        st->size = f->size;
        st->mtime_ns = f->mtime_ns;
        st->ctime_ns = f->ctime_ns;
        st->ino = f->ino;
    } else if ((st->stat_ok = stat(m->path, &sb) == 0)) {
        st->size = (int64_t)sb.st_size;
        st->mtime_ns = sg_ns(sb.st_mtim);
        st->ctime_ns = sg_ns(sb.st_ctim);
        st->ino = (int64_t)sb.st_ino;
    }
    SgFileRow *row = st->abs_path ? row_of(c, st->abs_path) : NULL;
    st->row = row;
    /* The file's identity: what no edit can leave unchanged. A same-size
     * edit may restore the old mtime (touch -r, some editors and tools), but
     * not the ctime, which only the kernel sets: git's index relies on it
     * for the same reason. A timestamp too close to the indexing may hide a
     * later write in the same tick (racy-mtime rule). */
    int64_t changed_ns = st->ctime_ns > st->mtime_ns ? st->ctime_ns : st->mtime_ns;
    if (row && st->stat_ok && row->size == st->size && row->mtime_ns == st->mtime_ns &&
        row->ctime_ns == st->ctime_ns && row->ino == st->ino && changed_ns + RACY_NS < row->indexed_at_ns &&
        set_import_paths_from_row(m, row)) {
        st->source_hash = row->source_hash;
        st->indexed_at_ns = row->indexed_at_ns;
        return;     /* trusted: not read, not parsed */
    }
    read_source(m);
    st->source_hash = sg_hash(m->src, m->len);
    st->indexed_at_ns = c->now_ns;
    if (row && sg_hash_eq(&st->source_hash, &row->source_hash) && set_import_paths_from_row(m, row))
        return;     /* same content: parsed only if it must be checked */
    if (c->imports_pending && !m->is_std && !st->uncacheable) {
        c->imports_pending[i] = true;   /* the remote cache's entry may have the import list */
        return;
    }
    index_imports(m);
}

static void index_pending(uint32_t i, void *arg) {
    Ctx *c = arg;
    if (c->imports_pending[i]) index_imports(c->p->mods[i]);
}

bool sg_file_unchanged(const char *path, int64_t size, int64_t mtime_ns, int64_t ctime_ns, int64_t ino,
                       int64_t indexed_at_ns) {
    struct stat sb;
    if (stat(path, &sb) != 0) return false;
    int64_t m = sg_ns(sb.st_mtim);
    int64_t c = sg_ns(sb.st_ctim);
    return (int64_t)sb.st_size == size && m == mtime_ns && c == ctime_ns && (int64_t)sb.st_ino == ino &&
           (c > m ? c : m) + RACY_NS < indexed_at_ns;
}

/* ---- phase 3: link ---- */
static void link_imports(SgProgram *p, SgModule *m) {
    /* its own block, not the signature arena's first: a module that is
     * only reused never needs that arena */
    m->imports = sg_xcalloc(m->nimport_paths + 1, sizeof *m->imports);
    m->nimports = m->nimport_paths;
    for (uint32_t i = 0; i < m->nimport_paths; i++) {
        SgImport *imp = &m->imports[i];
        imp->path = sg_name_c(m->import_paths[i]);
        imp->target = sg_program_find(p, imp->path);
        imp->status = imp->target ? IMP_OK : IMP_MISSING;
        if (!imp->target) imp->has_error = true;
    }
}

/* In parallel: each module's imports are its own, the name map is only read. */
static void link_one(uint32_t i, void *arg) {
    SgProgram *p = arg;
    link_imports(p, p->mods[i]);
}

/* Tarjan's SCC, iterative; emits SCCs dependencies-first into `order`. */
typedef struct Tarjan {
    SgProgram *p;
    uint32_t *index, *low, *stack, *order;
    bool *on;
    uint32_t counter, sp, norder, nscc;
} Tarjan;

typedef struct Frame {
    uint32_t v, edge;
} Frame;

static void strongconnect(Tarjan *t, uint32_t root, Frame *fs) {
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
}

/* Import order (dependencies first), and the status of imports in cycles. */
static uint32_t *import_order(SgProgram *p) {
    Tarjan t = {.p = p};
    t.index = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.low = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.stack = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.order = sg_xcalloc(p->n + 1, sizeof(uint32_t));
    t.on = sg_xcalloc(p->n + 1, sizeof(bool));
    Frame *fs = sg_xmalloc(sizeof *fs * (p->n + 1));
    for (uint32_t i = 0; i < p->n; i++)
        if (!t.index[i]) strongconnect(&t, i, fs);
    free(fs);
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[i];
        for (uint32_t k = 0; k < m->nimports; k++) {
            SgImport *imp = &m->imports[k];
            if (!imp->target) continue;
            if (imp->target == m || (m->cyclic && imp->target->scc == m->scc)) {
                m->cyclic = true;
                imp->status = IMP_CYCLE;
                imp->has_error = true;
            }
        }
    }
    free(t.index);
    free(t.low);
    free(t.stack);
    free(t.on);
    return t.order;
}

/* Diagnostics of linking, for a module that is checked in this run. The
 * import items are matched to the imports by position: both come from the
 * same source. */
void sg_eng_link_diags(SgModule *m) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->ast.nitems && k < m->nimports; i++) {
        SgItem *it = m->ast.items[i];
        if (it->kind != IT_IMPORT || !it->path.len) continue;
        SgImport *imp = &m->imports[k++];
        imp->item = it;
        imp->has_error = imp->status != IMP_OK;
        if (imp->status == IMP_MISSING) {
            sg_diag(&m->diags, it->span.start, it->path_span.end, "E101", "module `%.*s` not found",
                    (int)it->path.len, it->path.s);
        } else if (imp->status == IMP_CYCLE) {
            sg_diag(&m->diags, it->span.start, it->path_span.end, "E102",
                    "import cycle: `%s` imports `%s`, which depends on `%s`", m->name, imp->target->name, m->name);
        } else {
            for (uint32_t j = 0; j + 1 < k; j++)
                if (m->imports[j].target == imp->target) {
                    SgDiag *g = sg_diag(&m->diags, it->span.start, it->path_span.end, "E107",
                                        "module `%.*s` is imported twice", (int)it->path.len, it->path.s);
                    const SgItem *first = m->imports[j].item;
                    if (first) sg_diag_related_here(&m->diags, g, first->span.start, first->path_span.end, "first imported here");
                    imp->has_error = true;
                    break;
                }
        }
    }
}

/* ---- phase 4: keys, lookups and tables on demand (one thread) ---- */

/* Length-prefixed fields in one buffer, hashed at once (a warm run keys
 * every module: one hash call each, not one per field). */
typedef struct KeyBuf {
    uint8_t *p, *at;
} KeyBuf;

static void key_put(KeyBuf *k, const void *s, size_t n) {
    memcpy(k->at, s, n);
    k->at += n;
}

static void key_str(KeyBuf *k, const char *s, size_t n) {
    uint32_t l = (uint32_t)n;
    key_put(k, &l, sizeof l);
    key_put(k, s, n);
}

/* The fast key: H(source key, the export hash of each import that
 * resolved, in order). With `stored`, the export hashes of the imports'
 * file index rows (what the run that wrote them saw); false when one has
 * none. */
static bool fast_key_of(const SgModule *m, bool stored, SgHash *out) {
    uint8_t stack[1024];
    size_t need = 16 * ((size_t)m->nimports + 1);
    uint8_t *p = need <= sizeof stack ? stack : sg_xmalloc(need), *at = p;
    memcpy(at, m->st->source_key.b, 16);
    at += 16;
    bool ok = true;
    for (uint32_t i = 0; i < m->nimports && ok; i++) {
        if (m->imports[i].status != IMP_OK) continue;
        const SgModuleState *t = m->imports[i].target->st;
        ok = !stored || (t->row && t->row->have_result);
        if (ok) memcpy(at, (stored ? &t->row->export_hash : &t->export_hash)->b, 16);
        at += 16;
    }
    if (ok) *out = sg_hash(p, (size_t)(at - p));
    if (p != stack) free(p);
    return ok;
}

void sg_eng_keys(const SgProgram *p, SgModule *m) {
    SgModuleState *st = m->st;
    size_t need = 64 + strlen(SIGIL_CHECKER_VERSION) + strlen(m->name) + 16 * (m->nimports + 4);
    for (uint32_t i = 0; i < m->nimports; i++) need += m->imports[i].path.len + 8;
    uint8_t stack[1024];
    KeyBuf k = {.p = need <= sizeof stack ? stack : sg_xmalloc(need)};
    k.at = k.p;
    key_str(&k, SIGIL_CHECKER_VERSION, strlen(SIGIL_CHECKER_VERSION));
    /* every module reads the prelude's names unqualified */
    if (p->prelude && p->prelude != m) key_put(&k, p->prelude->st->export_hash.b, 16);
    key_str(&k, m->name, strlen(m->name));
    key_put(&k, st->source_hash.b, 16);
    key_put(&k, &m->nimports, sizeof m->nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        SgImport *imp = &m->imports[i];
        key_str(&k, imp->path.s, imp->path.len);
        *k.at++ = imp->status;
    }
    st->source_key = sg_hash(k.p, (size_t)(k.at - k.p));
    if (k.p != stack) free(k.p);
    fast_key_of(m, false, &st->fast_key);
}

static bool ensure_tables(Ctx *c, SgModule *m);
static bool need_tables(void *ctx, SgModule *m) { return ensure_tables(ctx, m); }

static void ensure_parsed(SgModule *m) {
    if (m->parsed) return;
    if (!m->src) {
        SgHash want = m->st->source_hash;
        read_source(m);
        SgHash got = sg_hash(m->src, m->len);
        if (!sg_hash_eq(&got, &want)) {
            /* changed on disk since it was indexed: check what is there now,
             * but never store a result under the old source hash */
            m->st->uncacheable = true;
            m->st->source_hash = got;
        }
    }
    sg_eng_parse(m);
}

/* Resolves m from its source. Diagnostics of resolution are kept only when
 * m is checked in this run (a reused module has its cached ones). */
static void resolve_from_source(Ctx *c, SgModule *m) {
    SgProgram *p = c->p;
    m->st->resolving = true;
    ensure_parsed(m);
    for (uint32_t i = 0; i < m->nimports; i++)
        if (m->imports[i].status == IMP_OK) ensure_tables(c, m->imports[i].target);
    /* the prelude, unless it is itself being resolved (a prelude that
     * imports a module of the standard library: that module sees no
     * prelude, rather than waiting for itself) */
    if (p->prelude && p->prelude != m && !p->prelude->st->resolving) ensure_tables(c, p->prelude);
    if (m->st->reused) {
        SgDiags saved = m->diags;
        m->diags = (SgDiags){.arena = saved.arena};
        sg_eng_link_diags(m);
        sg_resolve_module(p, m);
        sg_diags_free(&m->diags);
        m->diags = saved;
    } else {
        sg_eng_link_diags(m);
        sg_resolve_module(p, m);
    }
    m->st->resolving = false;
}

static bool ensure_tables(Ctx *c, SgModule *m) {
    if (m->resolved) return true;
    if (m->st->resolving) return false;
    SgModuleState *st = m->st;
    if (st->reused && !st->sig_bad && c->store) {
        uint8_t *blob;
        size_t len;
        st->resolving = true;   /* guards against a corrupt blob that refers to itself */
        bool ok;
        if (st->from_remote) {  /* not in the store before the end of the run */
            ok = sg_sig_decode(c->p, m, (const uint8_t *)st->sig_blob.data, st->sig_blob.len, need_tables, c);
        } else if ((ok = sg_store_get_signature(c->store, &st->result_id, &blob, &len))) {
            ok = sg_sig_decode(c->p, m, blob, len, need_tables, c);
            free(blob);
        }
        st->resolving = false;
        if (ok) return true;
        st->sig_bad = true;
    }
    resolve_from_source(c, m);
    return true;
}

/* The fingerprint table of a module processed before: computed when it was
 * checked, decoded from its result when reused. A result whose table does
 * not decode (a damaged row with a valid checksum) gets one computed from
 * the module's tables, which is what a check would give. */
static const SgFpTable *table_of(void *ctx, SgModule *dep) {
    Ctx *c = ctx;
    SgModuleState *st = dep->st;
    if (st->have_fp) return &st->fp;
    SgResultView v;
    if (st->reused && !st->result.len && c->store) {
        /* taken from the file index without being read */
        uint8_t *blob;
        size_t len;
        if (sg_store_get_result(c->store, &st->result_id, &blob, &len)) {
            if (sg_result_open(blob, len, &v) && sg_hash_eq(&v.source_key, &st->source_key))
                st->result = (SgBuf){.data = (char *)blob, .len = len, .cap = len + 1};   /* adopted */
            else
                free(blob);
        }
    }
    /* the table's names are slices of the result, which the module keeps */
    /* st->result was opened when it was taken or fetched */
    if (st->reused && sg_result_reopen((const uint8_t *)st->result.data, st->result.len, &v) &&
        sg_result_fp_table(&v, &dep->sig_arena, &st->fp)) {
        st->have_fp = true;
        return &st->fp;
    }
    ensure_tables(c, dep);
    sg_fp_compute(dep, &st->fp, table_of, c);
    st->have_fp = true;
    return &st->fp;
}

const SgFpTable *sg_eng_table_if_known(void *ctx, SgModule *dep) {
    (void)ctx;
    return dep->st->have_fp ? &dep->st->fp : NULL;
}

void sg_eng_fingerprint(SgModule *m, SgFpTableOf tables, void *ctx) {
    sg_fp_compute(m, &m->st->fp, tables, ctx);
    m->st->have_fp = true;
    m->st->export_hash = sg_fp_export_hash(&m->st->fp);
}

/* The state of m's imports now, for a usage record to be compared with. */
typedef struct Now {
    uint8_t *statuses;
    const SgHash **hashes;
    const SgFpTable **tables;
} Now;

/* Statuses and export hashes; the tables are filled by now_tables. */
static void now_of(const SgModule *m, Now *n) {
    n->statuses = sg_xcalloc(m->nimports + 1, 1);
    n->hashes = sg_xcalloc(m->nimports + 1, sizeof *n->hashes);
    n->tables = sg_xcalloc(m->nimports + 1, sizeof *n->tables);
    for (uint32_t k = 0; k < m->nimports; k++) {
        const SgImport *imp = &m->imports[k];
        n->statuses[k] = imp->status;
        if (imp->status == IMP_OK) n->hashes[k] = &imp->target->st->export_hash;
    }
}

/* The imports' fingerprint tables: decoded on demand (with a run's
 * context), or only those already known (c NULL: no writes); with `need`,
 * only those of the imports it marks (the others are not compared). */
static void now_tables(Ctx *c, const SgModule *m, Now *n, const bool *need) {
    for (uint32_t k = 0; k < m->nimports; k++)
        if (m->imports[k].status == IMP_OK && (!need || need[k]))
            n->tables[k] = c ? table_of(c, m->imports[k].target) : sg_eng_table_if_known(NULL, m->imports[k].target);
}

static void now_free(Now *n) {
    free(n->statuses);
    free(n->hashes);
    free(n->tables);
}

/* Takes a stored result for m if it belongs to m's source key and, unless
 * `trusted` (the fast key matched), its usage record holds now. */
static bool take_result(Ctx *c, SgModule *m, const uint8_t *blob, size_t len, bool trusted) {
    SgModuleState *st = m->st;
    SgResultView v;
    if (!sg_result_open(blob, len, &v) || !sg_hash_eq(&v.source_key, &st->source_key)) return false;
    if (!trusted) {
        /* the tables are decoded only when an export hash changed */
        Now n;
        now_of(m, &n);
        bool ok = sg_result_usage_holds(&v, m->nimports, n.statuses, n.hashes, NULL);
        if (!ok) {
            /* only the tables of imports whose export hash moved are read */
            bool *differ = sg_xcalloc(m->nimports + 1, sizeof *differ);
            sg_result_hashes_differ(&v, m->nimports, n.hashes, differ);
            now_tables(c, m, &n, differ);
            free(differ);
            ok = sg_result_usage_holds(&v, m->nimports, n.statuses, n.hashes, n.tables);
        }
        now_free(&n);
        if (!ok) return false;
    }
    /* A cached result is the module's whole list: it replaces what a parse
     * ahead of this lookup reported (its lexical and syntax errors are in
     * it), which stays in place if the result cannot be used. */
    SgDiags got = {.arena = m->diags.arena};
    if (!sg_result_diags(&v, &got)) {
        sg_diags_free(&got);
        return false;
    }
    sg_diags_free(&m->diags);
    m->diags = got;
    st->export_hash = v.export_hash;
    st->result_id = sg_result_id(&v);     /* not the row's: a damaged row must not name another result */
    sg_buf_free(&st->result);
    sg_buf_put(&st->result, blob, len);     /* the file index keeps a copy; dependents may read its table */
    st->reused = true;
    return true;
}

typedef struct Candidate {
    Ctx *c;
    SgModule *m;
    const SgHash *skip;
    bool hit;
} Candidate;

static bool try_candidate(void *arg, const SgHash *id, const uint8_t *blob, size_t len) {
    Candidate *k = arg;
    if (k->skip && sg_hash_eq(id, k->skip)) return false;
    k->hit = take_result(k->c, k->m, blob, len, false);
    return k->hit;
}

/* A result the file index says has no diagnostics, under the same fast
 * key: taken without reading it (its fingerprint table is read if a
 * dependent needs it, table_of). */
static void take_empty_result(SgModule *m, const SgFileRow *r) {
    SgModuleState *st = m->st;
    sg_diags_free(&m->diags);     /* what a parse ahead reported is in the result: none */
    st->export_hash = r->export_hash;
    st->result_id = r->result_id;
    sg_buf_free(&st->result);
    st->reused = true;
}

/* Takes the stored result `id` if it holds for m (take_result). */
static bool take_stored(Ctx *c, SgModule *m, const SgHash *id, bool trusted) {
    uint8_t *blob;
    size_t len;
    if (!sg_store_get_result(c->store, id, &blob, &len)) return false;
    bool ok = take_result(c, m, blob, len, trusted);
    free(blob);
    return ok;
}

/* A result of the remote cache: validated like a local one; its signature
 * is kept for the tables and for the store. */
static bool try_remote(void *arg, const uint8_t *res, size_t rlen, const uint8_t *sig, size_t slen) {
    Candidate *k = arg;
    if (!slen || !take_result(k->c, k->m, res, rlen, false)) return false;
    k->hit = k->m->st->from_remote = true;
    sg_buf_free(&k->m->st->sig_blob);
    sg_buf_put(&k->m->st->sig_blob, sig, slen);
    return true;
}

/* Worth looking up on the remote: a workspace module that may be cached and
 * that the file index has no result for under its current source. (A warm
 * run asks nothing; the standard library is checked locally once; an
 * editor's open module is always checked, but its source still counts in
 * its pack's key, as it does for the writer.) */
static SgRemoteRole remote_role(const SgModule *m, void *ctx) {
    (void)ctx;
    const SgModuleState *st = m->st;
    if (m->is_std || st->uncacheable) return SG_REMOTE_NONE;
    bool local = st->row && st->row->have_result && sg_hash_eq(&st->row->source_hash, &st->source_hash);
    return local || st->overlay ? SG_REMOTE_KNOWN : SG_REMOTE_WANT;
}

static int64_t cache_keep(const SgEngineOptions *opt) { return opt->cache_keep > 0 ? opt->cache_keep : 100000; }

/* The remote cache's answers are written to the local one by the writer
 * while the run goes on: each fetched entry's newest result, before it is
 * known to hold (results are content-addressed and validated on every
 * lookup, so a result that does not hold here is only a row the GC will
 * drop). Reads c->remote, which no one writes until the writer is joined. */
static bool newest_result(void *arg, const uint8_t *res, size_t rlen, const uint8_t *sig, size_t slen) {
    void **out = arg;
    SgStore *s = out[0];
    SgHash *id = out[1];
    SgResultView v;
    if (!slen || !sg_result_open(res, rlen, &v)) return true;
    *id = sg_result_id(&v);
    SgBuf r = {.data = (char *)res, .len = rlen}, g = {.data = (char *)sig, .len = slen};
    sg_store_put_result(s, id, &v.source_key, &r, &g, NULL);
    return true;
}

static void write_remote(SgStore *s, SgHash *ids, void *ctx) {
    Ctx *c = ctx;
    for (uint32_t i = 0; i < c->p->n; i++)
        if (c->remote.wanted[i]) sg_remote_each_result(&c->remote, c->p->mods[i], newest_result, (void *[]){s, &ids[i]});
}

static void write_remote_start(Ctx *c) {
    bool any = false;
    for (uint32_t i = 0; i < c->p->n && !any; i++) any = c->remote.items[i].found;
    if (any && c->opt->jobs > 1 && c->opt->cache_dir)
        c->writer = sg_writer_start(c->opt->cache_dir, c->p->n, cache_keep(c->opt), write_remote, c);
}

/* Modules checked: a run that checks enough of them (a cold one) hands
 * their results to a writer as each chunk is checked, so that storing them
 * overlaps checking (SgEngineOptions.write_behind; a writer started for
 * the remote cache's entries takes them in any case); below that, a
 * thread, a connection and a transaction of their own would cost more
 * than they save. */
#define WRITER_MIN 256

static void write_checked(Ctx *c) {
    if (!c->store || c->opt->jobs < 2 || c->ntodo == c->queued) return;
    if (!c->writer && c->opt->write_behind && c->ntodo - c->queued >= WRITER_MIN)
        c->writer = sg_writer_start(c->opt->cache_dir, c->p->n, cache_keep(c->opt), NULL, NULL);
    if (!c->writer) return;
    sg_writer_queue(c->writer, c->todo + c->queued, c->ntodo - c->queued);
    c->queued = c->ntodo;
}

/* The results checked in this run go to the remote cache (if writable). */
static void remote_publish(Ctx *c) {
    SgRemotePublish *ps = sg_xcalloc(c->ntodo + 1, sizeof *ps);
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->ntodo; i++) {
        const SgModule *m = c->todo[i];
        const SgModuleState *st = m->st;
        if (m->is_std || st->uncacheable || st->overlay || !st->result.len || !st->sig_blob.len) continue;
        ps[n++] = (SgRemotePublish){m, (const uint8_t *)st->result.data, (const uint8_t *)st->sig_blob.data,
                                    st->result.len, st->sig_blob.len};
    }
    sg_remote_publish(&c->remote, ps, n);
    free(ps);
}

/* ---- usage filters ----
 *
 * A new `pub fn` in a module that 1,500 modules import changes its export
 * hash, hence their fast keys, and each of their results would be read to
 * check its usage record. So a file index row also holds a Bloom filter
 * (128 bits, 3 bits per key) of the names its result's usage record holds a
 * state of, each keyed by the imported module's name, namespace and name.
 * When a module's source key is the same and its fast key moved only
 * because imports' export hashes moved (the fast key recomputed from the
 * imports' stored rows is the row's), and no name whose state changed in
 * those imports may be in its filter, every recorded state is the same:
 * the result holds (LANGUAGE.md section 7) without being read. The names
 * whose state changed come from the import's previous table (its stored
 * result, checked against the export hash its row holds) and its table
 * now. A record with a nearest-name answer, or a result that cannot be
 * read, gets a filter of all ones: it is always read. */

/* The keys of the names whose state differs between x's table when its
 * row was written and its table now; known false when that cannot be told. */
typedef struct ChangedNames {
    bool done, known;
    uint64_t *keys;
    uint32_t n;
} ChangedNames;

static const ChangedNames *changed_names(Ctx *c, SgModule *x) {
    if (!c->changed) c->changed = sg_xcalloc(c->p->n + 1, sizeof *c->changed);
    ChangedNames *ch = &c->changed[x->index];
    if (ch->done) return ch->known ? ch : NULL;
    ch->done = true;
    const SgFileRow *r = x->st->row;
    uint8_t *blob;
    size_t len;
    if (!r || !r->have_result || !sg_store_get_result(c->store, &r->result_id, &blob, &len)) return NULL;
    SgArena a;
    sg_arena_init(&a);
    SgResultView v;
    SgFpTable then;
    bool ok = sg_result_open(blob, len, &v) && sg_result_fp_table(&v, &a, &then);
    if (ok) {
        SgHash eh = sg_fp_export_hash(&then);
        ok = sg_hash_eq(&eh, &r->export_hash);
    }
    if (ok) sg_filter_changed(&then, table_of(c, x), x->name, &ch->keys, &ch->n);
    sg_arena_free(&a);
    free(blob);
    ch->known = ok;
    return ok ? ch : NULL;
}

/* Whether r's result holds for m without reading it (see above). */
static bool filter_clears(Ctx *c, SgModule *m, const SgFileRow *r) {
    SgHash then;
    if (!memcmp(&r->usage_filter, &SG_FILTER_ALL, sizeof SG_FILTER_ALL) || !fast_key_of(m, true, &then) ||
        !sg_hash_eq(&then, &r->fast_key))
        return false;
    for (uint32_t k = 0; k < m->nimports; k++) {
        if (m->imports[k].status != IMP_OK) continue;
        SgModule *x = m->imports[k].target;
        if (sg_hash_eq(&x->st->row->export_hash, &x->st->export_hash)) continue;
        const ChangedNames *ch = changed_names(c, x);
        if (!ch) return false;
        for (uint32_t i = 0; i < ch->n; i++)
            if (sg_filter_may_have(&r->usage_filter, ch->keys[i])) return false;
    }
    return true;
}

/* The result of m's last run (file index) under the same fast key; else
 * the remote cache's results for its source; else any stored result of its
 * source key whose usage record holds now. */
static bool lookup(Ctx *c, SgModule *m) {
    SgModuleState *st = m->st;
    SgFileRow *r = st->row;
    if (r && r->have_result) {
        if (sg_hash_eq(&r->fast_key, &st->fast_key) || filter_clears(c, m, r)) {
            if (!r->ndiags) {
                take_empty_result(m, r);
                return true;
            }
            if (take_stored(c, m, &r->result_id, true)) return true;
        } else if (take_stored(c, m, &r->result_id, false)) {
            return true;
        }
    }
    /* the remote cache's answer first: it was asked because the file index
     * had none, and the writer may have put it in the store already
     * (which must not make it count as a local hit) */
    Candidate k = {.c = c, .m = m, .skip = r && r->have_result ? &r->result_id : NULL};
    sg_remote_each_result(&c->remote, m, try_remote, &k);
    if (!k.hit) sg_store_each_result(c->store, &st->source_key, try_candidate, &k);
    return k.hit;
}

static void process(Ctx *c, SgModule *m) {
    SgModuleState *st = m->st;
    if (st->reused || st->checked) return;
    sg_eng_keys(c->p, m);
    /* an editor's open module is always checked, recording facts for queries */
    if (st->overlay && c->opt->overlay_facts)
        m->facts = sg_xcalloc(1, sizeof *m->facts);
    bool again = c->opt->must_check && c->opt->must_check(m, c->opt->must_check_ctx);
    if (c->store && !st->uncacheable && !m->facts && !again && lookup(c, m)) return;
    st->checked = true;
    /* results are kept (a cache, or a language server's run): they need
     * fingerprints and usage records; a --no-cache check needs neither */
    bool keep = c->store || c->opt->fp_tables;
    if (keep && !st->uncacheable) sg_eng_want_xref(m);
    resolve_from_source(c, m);
    if (keep) {
        sg_eng_fingerprint(m, table_of, c);
        /* the check encodes the states of the names it used: every table
         * it may read must exist before the parallel phase, which only reads */
        for (uint32_t k = 0; k < m->nimports; k++)
            if (m->imports[k].status == IMP_OK) table_of(c, m->imports[k].target);
    }
    c->todo[c->ntodo++] = m;
}

/* ---- phase 5: check (parallel) ---- */
typedef struct CheckSlice {
    Ctx *c;
    uint32_t from;
} CheckSlice;

static void parse_ahead(uint32_t i, void *arg) {
    SgModule *m = ((Ctx *)arg)->p->mods[((Ctx *)arg)->chunk[i]];
    if (m->st->want_parse && !m->parsed) sg_eng_parse(m);
}

/* A tree parsed ahead for a module that turned out to be reused. */
static void drop_tree(SgModule *m) {
    if (!m->parsed || m->st->checked) return;
    sg_arena_free(&m->tree_arena);
    memset(&m->ast, 0, sizeof m->ast);
    m->parsed = false;
}

static void check_one(uint32_t i, void *arg) {
    Ctx *c = ((CheckSlice *)arg)->c;
    SgModule *m = c->todo[((CheckSlice *)arg)->from + i];
    sg_check_module(c->p, m);
    /* the usage record is kept for the language server too (SgEngineOptions.fp_tables) */
    sg_eng_finish(m, (c->store || c->opt->fp_tables) && !m->st->uncacheable);
}

void sg_eng_want_xref(SgModule *m) {
    if (m->facts) return;
    m->facts = sg_xcalloc(1, sizeof *m->facts);
    m->facts->refs_only = true;
}

void sg_eng_finish(SgModule *m, bool encode) {
    SgModuleState *st = m->st;
    sg_diags_locate(&m->diags, m->src, m->len);
    sg_suppress_apply(&m->diags, m->src, m->len);     /* its own source only: cached with the result */
    sg_diags_sort(&m->diags);
    if (encode) {
        Now n;
        now_of(m, &n);
        now_tables(NULL, m, &n, NULL);
        bool complete = st->have_fp;
        for (uint32_t k = 0; k < m->nimports; k++) complete &= n.statuses[k] != IMP_OK || n.tables[k] != NULL;
        if (complete) {
            sg_buf_free(&st->sig_blob);
            sg_buf_free(&st->result);
            sg_sig_encode(m, &st->sig_blob);
            SgResultIn in = {.source_key = st->source_key, .export_hash = st->export_hash, .diags = &m->diags,
                             .m = m, .import_tables = n.tables, .import_hashes = n.hashes, .own = &st->fp};
            sg_result_encode(&in, &st->result, &st->result_id);
            sg_buf_free(&st->xref);
            if (m->facts) sg_xref_encode(m, &st->xref);
        } else {
            st->uncacheable = true;     /* cannot say what it used: never stored */
        }
        now_free(&n);
    }
    /* the tree and the checker's state die with the check */
    sg_arena_free(&m->tree_arena);
    memset(&m->ast, 0, sizeof m->ast);
    if (m->facts && m->facts->refs_only) {
        free(m->facts->items);
        free(m->facts);
        m->facts = NULL;
    }
}

/* ---- phase 6: store ---- */
/* A warm run that changed nothing writes nothing (not even a transaction). */
static bool nothing_to_store(Ctx *c) {
    if (c->ntodo) return false;
    for (uint32_t i = 0; i < c->p->n; i++)
        if (c->p->mods[i]->st->from_remote) return false;
    for (uint32_t i = 0; i < c->p->n; i++)
        if (c->p->mods[i]->st->sig_bad) return false;
    for (uint32_t i = 0; i < c->p->n; i++) {
        SgModule *m = c->p->mods[i];
        if (sg_eng_row_wanted(m) && !sg_eng_row_same(m)) return false;
    }
    uint32_t live = 0, rows = 0;
    for (uint32_t i = 0; i < c->p->n; i++) live += c->p->mods[i]->st->row != NULL;
    for (uint32_t k = 0; k < c->nindex; k++) rows += c->index[k].n;
    if (live != rows) return false;     /* some files are gone */
    char *hits = sg_store_get_meta(c->store, "last_hits"), *mods = sg_store_get_meta(c->store, "last_modules");
    bool same = hits && mods && (uint32_t)atol(hits) == c->run->nreused && (uint32_t)atol(mods) == c->run->nworkspace;
    free(hits);
    free(mods);
    return same;
}

static void store_results(Ctx *c, const SgEngineOptions *opt) {
    SgStore *s = c->store;
    if (nothing_to_store(c) || !sg_store_begin(s)) return;
    for (uint32_t i = 0; i < c->p->n; i++) {
        SgModule *m = c->p->mods[i];
        SgModuleState *st = m->st;
        if (st->reused && st->sig_bad && m->resolved && !st->result.len) table_of(c, m);  /* reads the result */
        if (st->uncacheable || !st->result.len) continue;
        if ((st->checked || st->from_remote) && st->sig_blob.len && !sg_writer_wrote(c->writer, m)) {
            sg_store_put_result(s, &st->result_id, &st->source_key, &st->result, &st->sig_blob,
                                st->xref.len ? &st->xref : NULL);
        } else if (st->reused && st->sig_bad && m->resolved) {
            /* a reused module whose stored signature was damaged was resolved
             * from its source: store the signature again, with its result */
            SgBuf sig = {0};
            sg_sig_encode(m, &sig);
            sg_store_put_result(s, &st->result_id, &st->source_key, &st->result, &sig, NULL);
            sg_buf_free(&sig);
        }
    }
    for (uint32_t k = 0; k < c->nindex; k++) sg_eng_write_index(s, c->p, &c->index[k], &c->rows_arena, c->opt->jobs);
    char buf[32];
    snprintf(buf, sizeof buf, "%u", c->run->nreused);
    sg_store_set_meta(s, "last_hits", buf);
    snprintf(buf, sizeof buf, "%u", c->run->nworkspace);
    sg_store_set_meta(s, "last_modules", buf);
    int64_t keep = cache_keep(opt);
    if (c->ntodo && sg_store_gc_due(s, keep)) sg_store_gc(s, keep);
    sg_store_commit(s);
}

/* ---- module records ---- */
typedef struct ModuleBlock {
    SgModule m;
    SgModuleState st;
} ModuleBlock;

SgModule *sg_module_new(const SgSourceFile *f, bool is_std, const char *base_abs) {
    ModuleBlock *b = sg_xcalloc(1, sizeof *b);
    SgModule *m = &b->m;
    m->st = &b->st;
    m->st->file = f;
    m->name = f->module;
    m->mname = sg_name_c(m->name);
    m->path = f->path;
    m->rel = f->rel;
    m->is_std = is_std;
    sg_arena_init(&m->sig_arena);
    sg_arena_init(&m->tree_arena);
    sg_arena_init(&m->diag_arena);
    m->diags.arena = &m->diag_arena;
    if (base_abs) {
        const char *tail = f->rel;
        if (is_std && strncmp(tail, "std/", 4) == 0) tail += 4;
        size_t nb = strlen(base_abs), nt = strlen(tail);
        char *abs = sg_xmalloc(nb + nt + 2);
        memcpy(abs, base_abs, nb);
        abs[nb] = '/';
        memcpy(abs + nb + 1, tail, nt + 1);
        m->st->abs_path = abs;
        m->st->abs_name = sg_name(abs, nb + 1 + nt);
    }
    return m;
}

void sg_module_free(SgModule *m) {
    if (!m) return;
    sg_map_free(&m->values);
    sg_map_free(&m->types);
    sg_diags_free(&m->diags);
    sg_arena_free(&m->sig_arena);
    sg_arena_free(&m->tree_arena);
    sg_arena_free(&m->diag_arena);
    free(m->uses.items);
    free(m->imports);
    if (m->facts) free(m->facts->items);
    free(m->facts);
    free(m->import_paths);
    free(m->src);
    sg_buf_free(&m->st->result);
    sg_buf_free(&m->st->sig_blob);
    sg_buf_free(&m->st->xref);
    free(m->st->abs_path);
    free((ModuleBlock *)m);     /* m is the block's first member */
}

bool sg_engine_result_copy(const SgModule *m, SgStoredResult *out) {
    const SgModuleState *st = m->st;
    memset(out, 0, sizeof *out);
    if (!st->checked || st->uncacheable || !st->result.len || !st->sig_blob.len) return false;
    out->id = st->result_id;
    out->source_key = st->source_key;
    sg_buf_put(&out->result, st->result.data, st->result.len);
    sg_buf_put(&out->sig, st->sig_blob.data, st->sig_blob.len);
    if (st->xref.len) sg_buf_put(&out->xref, st->xref.data, st->xref.len);
    return true;
}

void sg_stored_result_free(SgStoredResult *r) {
    sg_buf_free(&r->result);
    sg_buf_free(&r->sig);
    sg_buf_free(&r->xref);
}

void sg_engine_store_results(const char *cache_dir, const SgStoredResult *rs, uint32_t n) {
    SgStore *s = sg_store_open(cache_dir);
    if (!s) return;
    if (sg_store_begin(s)) {
        for (uint32_t i = 0; i < n; i++)
            sg_store_put_result(s, &rs[i].id, &rs[i].source_key, &rs[i].result, &rs[i].sig,
                                rs[i].xref.len ? &rs[i].xref : NULL);
        sg_store_commit(s);
    }
    sg_store_close(s);
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

/* Opens the on-disk cache and loads the file indexes of c->index[]. It
 * needs only the roots' real paths, not the scan: with more than one job
 * one of the scan's threads runs it while the others read directories
 * (c->store, c->index[] and c->rows_arena are that thread's until the scan
 * returns; nothing else touches them meanwhile). */
static void open_cache(void *arg) {
    Ctx *c = arg;
    c->store = sg_store_open(c->opt->cache_dir);
    for (uint32_t k = 0; c->store && k < c->nindex; k++) {
        if (!sg_store_load_index(c->store, c->index[k].root, &c->rows_arena, &c->index[k].rows, &c->index[k].n,
                                 c->index[k].chunk_rows, c->index[k].chunk_sum, &c->index[k].damaged))
            c->index[k].n = 0;
        SgIndexRoot *ix = &c->index[k];
        sg_map_reserve(&ix->by_rel, ix->n);
        for (uint32_t i = 0; i < ix->n; i++) sg_map_put(&ix->by_rel, ix->rows[i].rel, &ix->rows[i]);
    }
}

typedef struct NewModules {
    const SgWorkspace *ws;
    SgModule **made;            /* by file; NULL for a file that forms no module */
    const char *base;
} NewModules;

static void new_module(uint32_t i, void *arg) {
    NewModules *nm = arg;
    const SgSourceFile *f = &nm->ws->files[i];
    nm->made[i] = f->module ? sg_module_new(f, false, nm->base) : NULL;
}

bool sg_engine_run(const SgEngineOptions *opt, SgEngineRun *run, char **err) {
    memset(run, 0, sizeof *run);
    double t0 = now_ms(), t = t0;
    char real[PATH_MAX], std_real[PATH_MAX] = "";
    if (!realpath(opt->root, real)) snprintf(real, sizeof real, "%s", opt->root);
    if (opt->std_dir && !realpath(opt->std_dir, std_real)) snprintf(std_real, sizeof std_real, "%s", opt->std_dir);
    /* Taken before anything is read: a file changed after this instant is
     * never trusted by the index rows this run writes (RACY_NS). */
    Ctx c = {.opt = opt, .run = run, .p = &run->prog, .now_ns = wall_ns()};
    sg_arena_init(&c.rows_arena);
    SgScanSide opener = {open_cache, &c};
    if (opt->cache_dir) {
        c.index[c.nindex++].root = real;
        if (opt->std_dir) c.index[c.nindex++].root = std_real;
    }
    /* open buffers under the root are files of the workspace, saved or not */
    size_t rn = strlen(real);
    const char **unsaved = sg_xcalloc(opt->noverlays + 1, sizeof *unsaved);
    uint32_t nunsaved = 0;
    for (uint32_t i = 0; i < opt->noverlays; i++)
        if (strncmp(opt->overlays[i].path, real, rn) == 0 && opt->overlays[i].path[rn] == '/')
            unsaved[nunsaved++] = opt->overlays[i].path + rn + 1;
    bool scanned = sg_workspace_scan_jobs(opt->root, unsaved, nunsaved, opt->jobs, opt->cache_dir ? &opener : NULL,
                                          &run->ws, err) &&
                   (opt->std_dir ? sg_workspace_scan_std(opt->std_dir, &run->std, err) : scan_builtin_std(&run->std, err));
    free(unsaved);
    phase("scan", &t);
    if (!scanned) {
        sg_store_close(c.store);
        for (uint32_t k = 0; k < c.nindex; k++) sg_map_free(&c.index[k].by_rel);
        sg_arena_free(&c.rows_arena);
        return false;
    }
    run->root_abs = sg_xstrdup(real);

    SgProgram *p = &run->prog;
    sg_arena_init(&p->arena);
    p->mods = sg_xmalloc(sizeof(SgModule *) * (run->ws.nfiles + run->std.nfiles + 1));

    /* module table; the first file of a name wins, the others are E107 */
    for (uint32_t i = 0; i < run->std.nfiles; i++) {
        SgSourceFile *f = &run->std.files[i];
        if (!f->module) continue;
        SgModule *m = sg_module_new(f, true, opt->std_dir ? std_real : NULL);
        sg_map_put(&p->by_name, m->mname, m);
        p->mods[p->n++] = m;
    }
    /* the records in parallel (10,000 of them are a warm run's largest
     * serial step otherwise), the table in order */
    NewModules nm = {&run->ws, sg_xcalloc(run->ws.nfiles + 1, sizeof *nm.made), real};
    sg_parallel_for(opt->jobs, run->ws.nfiles, new_module, &nm);
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
            if (!prev->st->dup_rel) prev->st->dup_rel = f->rel;
            sg_module_free(nm.made[i]);
            continue;
        }
        SgModule *m = nm.made[i];
        sg_map_put(&p->by_name, m->mname, m);
        p->mods[p->n++] = m;
        run->nworkspace++;
    }
    free(nm.made);
    /* by name: the standard library's modules (first) and the workspace's
     * are each sorted apart, often already (a workspace's files come sorted
     * by path), then merged */
    uint32_t nstd = 0;
    while (nstd < p->n && p->mods[nstd]->is_std) nstd++;
    sg_qsort(p->mods, nstd, sizeof *p->mods, cmp_mod);
    sg_qsort(p->mods + nstd, p->n - nstd, sizeof *p->mods, cmp_mod);
    if (nstd && nstd < p->n) {
        SgModule **merged = sg_xmalloc(sizeof *merged * (p->n + 1));
        for (uint32_t i = 0, a = 0, b = nstd; i < p->n; i++)
            merged[i] = b == p->n || (a < nstd && cmp_mod(&p->mods[a], &p->mods[b]) < 0) ? p->mods[a++] : p->mods[b++];
        free(p->mods);
        p->mods = merged;
    }
    for (uint32_t i = 0; i < p->n; i++) p->mods[i]->index = i;
    p->prelude = sg_program_find(p, sg_name_c("std.prelude"));

    phase("modules", &t);

    if (c.store && opt->remote) c.imports_pending = sg_xcalloc(p->n + 1, sizeof *c.imports_pending);
    sg_parallel_for(opt->jobs, p->n, index_one, &c);
    phase("index", &t);
    if (c.imports_pending) {
        /* the remote cache: one batch for every module the file index cannot
         * answer; its entries' import lists spare parsing those files */
        sg_remote_fetch(&c.remote, opt->remote, p->mods, p->n, remote_role, &c);
        write_remote_start(&c);
        phase("remote get", &t);
        for (uint32_t i = 0; i < p->n; i++) {
            char **paths;
            uint32_t n;
            if (!c.imports_pending[i] || !sg_remote_entry_imports(&c.remote, p->mods[i], &paths, &n)) continue;
            set_import_paths(p->mods[i], paths, NULL, n);
            for (uint32_t k = 0; k < n; k++) free(paths[k]);
            free(paths);
            c.imports_pending[i] = false;
        }
        sg_parallel_for(opt->jobs, p->n, index_pending, &c);
        free(c.imports_pending);
        c.imports_pending = NULL;
        phase("index rest", &t);
    }
    sg_parallel_for(opt->jobs, p->n, link_one, p);
    uint32_t *order = import_order(p);
    phase("link", &t);
    c.todo = sg_xmalloc(sizeof(SgModule *) * (p->n + 1));
    /* one read transaction for all lookups: one lock, one snapshot */
    if (c.store) sg_store_begin_read(c.store);
    /* the prelude first: every module's lookups depend on it */
    if (p->prelude) {
        process(&c, p->prelude);
        ensure_tables(&c, p->prelude);
    }

    /* Keys and checks, chunk by chunk in import order, so that only one
     * chunk's syntax trees are alive at a time. A chunk's modules import
     * only modules of earlier chunks or of the same chunk before them, and
     * their checks read only tables, which are complete once resolved. */
    double t_keys = 0, t_check = 0;
    uint32_t from = 0;      /* todo[from..] are not checked yet (the prelude may be) */
    for (uint32_t a = 0; a < p->n; a += CHUNK) {
        uint32_t b = a + CHUNK < p->n ? a + CHUNK : p->n;
        c.chunk = order + a;
        uint32_t wanted = 0;   /* a warm run parses nothing: no threads for it */
        for (uint32_t i = a; i < b && !wanted; i++) wanted = p->mods[order[i]]->st->want_parse;
        if (wanted) sg_parallel_for(opt->jobs, b - a, parse_ahead, &c);
        double t0 = now_ms();
        for (uint32_t i = a; i < b; i++) process(&c, p->mods[order[i]]);
        double t1 = now_ms();
        sg_parallel_for(opt->jobs, c.ntodo - from, check_one, &(CheckSlice){&c, from});
        if (opt->checked && c.ntodo > from) opt->checked(c.todo + from, c.ntodo - from, opt->checked_ctx);
        write_checked(&c);
        from = c.ntodo;
        for (uint32_t i = a; i < b; i++) drop_tree(p->mods[order[i]]);
        t_keys += t1 - t0;
        t_check += now_ms() - t1;
    }
    free(order);
    for (uint32_t i = 0; c.changed && i < p->n; i++) free(c.changed[i].keys);
    free(c.changed);
    double t_tables = now_ms();
    if (opt->fp_tables)
        for (uint32_t i = 0; i < p->n; i++) table_of(&c, p->mods[i]);
    t_tables = now_ms() - t_tables;
    if (c.store) sg_store_end_read(c.store);
    phase_took("keys", t_keys);
    if (opt->fp_tables) phase_took("tables", t_tables);
    phase_took("check", t_check);
    t = now_ms();
    for (uint32_t i = 0; i < p->n; i++)
        if (!p->mods[i]->is_std && p->mods[i]->st->reused) run->nreused++;
    sg_writer_finish(c.writer);
    if (c.store) store_results(&c, opt);
    sg_writer_free(c.writer);
    phase("store", &t);
    if (c.remote.r) {
        remote_publish(&c);
        run->remote_used = true;
        run->remote = *sg_remote_stats(opt->remote);
        run->remote.hits = run->remote.misses = 0;
        for (uint32_t i = 0; i < p->n; i++) {
            run->remote.hits += p->mods[i]->st->from_remote;
            run->remote.misses += c.remote.wanted[i] && !p->mods[i]->st->from_remote;
        }
        sg_remote_fetch_free(&c.remote);
        phase("remote put", &t);
    }
    for (uint32_t i = 0; i < p->n; i++) {   /* stored */
        sg_buf_free(&p->mods[i]->st->sig_blob);
        if (!opt->xrefs) sg_buf_free(&p->mods[i]->st->xref);
    }

    /* run-level diagnostics, never cached: a second file with this module's name */
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[i];
        if (!m->st->dup_rel) continue;
        sg_diag(&m->diags, 0, 0, "E107", "duplicate module `%s`: also formed by `%s`", m->name, m->st->dup_rel);
        SgDiag *g = &m->diags.items[m->diags.len - 1];
        g->line = g->col = g->end_line = g->end_col = 1;
        sg_diags_sort(&m->diags);
    }
    for (uint32_t i = 0; i < run->nstrays; i++) sg_diags_sort(&run->strays[i].diags);
    sg_store_close(c.store);
    phase("close", &t);
    for (uint32_t k = 0; k < c.nindex; k++) sg_map_free(&c.index[k].by_rel);
    sg_arena_free(&c.rows_arena);
    free(c.todo);
    for (uint32_t i = 0; i < p->n; i++)
        if (p->mods[i]->st->abs_path) sg_map_set(&run->by_path, p->mods[i]->st->abs_name, p->mods[i]);
    run->elapsed_ms = now_ms() - t0;
    return true;
}

SgModule *sg_engine_module_at(const SgEngineRun *run, const char *abs_path) {
    return sg_map_get(&run->by_path, sg_name_c(abs_path));
}

void sg_engine_free(SgEngineRun *run) {
    SgProgram *p = &run->prog;
    for (uint32_t i = 0; i < p->n; i++) sg_module_free(p->mods[i]);
    for (uint32_t i = 0; i < run->nzombies; i++) sg_module_free(run->zombies[i]);
    free(run->zombies);
    sg_map_free(&run->by_path);
    free(p->mods);
    sg_map_free(&p->by_name);
    sg_arena_free(&p->arena);
    for (uint32_t i = 0; i < run->nstrays; i++) {
        sg_diags_free(&run->strays[i].diags);
        sg_arena_free(&run->strays[i].arena);
    }
    free(run->strays);
    free(run->root_abs);
    sg_workspace_free(&run->ws);
    sg_workspace_free(&run->std);
    memset(run, 0, sizeof *run);
}
