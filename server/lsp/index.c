/* index.c - the project-wide index of each workspace folder, and the
 * requests answered from it (references, rename, workspace symbols, call
 * hierarchy): they wait until it is current, run on the thread pool when
 * they read files, can be cancelled, and are asked again when a file
 * turns out to have changed since it was indexed.
 *
 * The index of a folder (LspIndex) has an entry for every module of the
 * folder's `last` run that is not open: what lookups need of its
 * cross-reference entry (cache/xref.h) - its keys, for an inverted map from
 * each key to the entries that use it, and its definitions' names, for
 * workspace/symbol. The entry itself is read from the on-disk cache (by
 * result id, which it shares with its result) when a query needs it; a
 * record's entry is kept in memory until the cache has it. Nothing is
 * checked to build it. A result the cache has no entry for (one from the
 * remote cache, a damaged entry) is checked again once, by a whole run that
 * must check those modules (SgEngineOptions.must_check). Open modules are
 * not in it: queries read their records in `last` (entries encoded from
 * their facts), as the buffers are now.
 *
 * It is rebuilt on the pool after `last` changes in a module that is not
 * open (a whole run installed, a module re-checked from its file): entries
 * of unchanged results are shared with the index before. A request waits
 * while its folder has changes no run has seen, or its index was built
 * for an older `last`; that makes every answer current: a location comes
 * from an entry of the text checked last, and the file is read and its
 * hash compared with that text's before a location is given (a file
 * changed since, whose change no run has seen yet, makes the request wait
 * for the run).
 *
 * Threads: the loop thread owns the indexes, the waiting requests and the
 * reference counts. A build job (build_work) reads only its own input and
 * the entries it shares (immutable); a query job's work function reads its
 * index (immutable, referenced until the job is done) and its own copies,
 * writes only its job, and reads the cache through its folder's connection
 * (index_store, one job at a time under index_store_mu). */
#include <malloc.h>
#include <stdlib.h>

#include "../../cache/store.h"
#include "internal.h"

/* ---- entries ---- */
static void entry_unref(LspIndexEntry *e) {
    if (!e || --e->refs) return;
    free(e->path);
    free(e->disk);
    free(e->name);
    free(e->blob);
    free(e->keys);
    free(e->syms);
    free(e->names);
    free(e);
}

static uint32_t letters(const char *s, uint32_t n) {
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i] | 0x20;
        if (c >= 'a' && c <= 'z') m |= 1u << (c - 'a');
    }
    return m;
}

/* An entry from its blob, which it keeps only when `keep` (the cache has
 * not got it). NULL when the blob does not decode. */
static LspIndexEntry *entry_new(const char *path, const char *disk, const char *name, const SgHash *result_id,
                                const SgHash *source_hash, bool is_std, uint8_t *blob, size_t len, bool keep) {
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    if (!sg_xref_decode(blob, len, &a, &x)) {
        sg_arena_free(&a);
        free(blob);
        return NULL;
    }
    LspIndexEntry *e = sg_xcalloc(1, sizeof *e);
    e->keys = sg_xmalloc(sizeof *e->keys * (x.ntargets + 1));
    for (uint32_t t = 0; t < x.ntargets; t++) e->keys[e->nkeys++] = (uint32_t)x.targets[t].hash;
    e->syms = sg_xmalloc(sizeof *e->syms * (x.ndefs + 1));
    uint32_t *sym_of = SG_NEW_N(&a, uint32_t, x.ndefs + 1);     /* 1 + the sym of each def, 0 none */
    SgBuf names = {0};
    for (uint32_t d = 0; !is_std && d < x.ndefs; d++) {
        const SgXrefDef *def = &x.defs[d];
        if (def->kind == SG_XDEF_IMPORT || def->kind == SG_XDEF_IMPORTED || def->name.len > UINT16_MAX) continue;
        bool fits = def->col8 <= UINT16_MAX;
        e->syms[e->nsyms++] = (LspSym){.name = (uint32_t)names.len, .mask = letters(def->name.s, def->name.len),
                                       .span = def->span, .parent = def->parent ? sym_of[def->parent - 1] : 0,
                                       .line = fits ? def->line : UINT32_MAX, .col8 = fits ? (uint16_t)def->col8 : 0,
                                       .col16 = fits ? (uint16_t)def->col16 : 0, .len = (uint16_t)def->name.len,
                                       .kind = def->kind};
        sym_of[d] = e->nsyms;
        sg_buf_put(&names, def->name.s, def->name.len);
    }
    sg_arena_free(&a);
    e->names = names.data;
    e->refs = 1;
    e->path = sg_xstrdup(path);
    e->disk = sg_xstrdup(disk);
    e->name = sg_xstrdup(name);
    e->mname = sg_name_c(e->name);
    e->result_id = *result_id;
    e->source_hash = *source_hash;
    e->is_std = is_std;
    if (keep) {
        e->blob = blob;
        e->len = len;
    } else {
        free(blob);
    }
    return e;
}

/* ---- an index ---- */
uint32_t lsp_index_users(const LspIndex *ix, uint64_t hash, const uint32_t **which) {
    uint32_t h = (uint32_t)hash, lo = 0, hi = ix ? ix->nkeys : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->khash[mid] < h) lo = mid + 1;
        else hi = mid;
    }
    if (!ix || lo == ix->nkeys || ix->khash[lo] != h) {
        *which = NULL;
        return 0;
    }
    *which = ix->postings + ix->kfirst[lo];
    return ix->kfirst[lo + 1] - ix->kfirst[lo];
}

const LspIndexEntry *lsp_index_entry_at(const LspIndex *ix, const char *path) {
    return ix ? sg_map_get(&ix->by_path, sg_name_c(path)) : NULL;
}

const LspIndexEntry *lsp_index_module(const LspIndex *ix, SgName module) {
    return ix ? sg_map_get(&ix->by_name, sg_name(module.s, module.len)) : NULL;   /* decoded names carry no hash */
}

static int cmp_entry(const void *a, const void *b) {
    return strcmp((*(LspIndexEntry *const *)a)->path, (*(LspIndexEntry *const *)b)->path);
}

/* (key << 32 | entry) pairs sorted by key (LSD radix, stable: the entries
 * of one key stay in order). */
static void sort_pairs(uint64_t *p, uint64_t *tmp, uint32_t n) {
    for (int shift = 32; shift < 64; shift += 8) {
        uint32_t count[257] = {0};
        for (uint32_t i = 0; i < n; i++) count[((p[i] >> shift) & 0xFF) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (uint32_t i = 0; i < n; i++) tmp[count[(p[i] >> shift) & 0xFF]++] = p[i];
        memcpy(p, tmp, sizeof *p * n);
    }
}

/* The maps of an index whose entries are set: by path, by module name,
 * key -> users (from the keys each entry decoded once). */
static void index_link(LspIndex *ix) {
    sg_qsort(ix->entries, ix->n, sizeof *ix->entries, cmp_entry);
    uint32_t npairs = 0;
    for (uint32_t i = 0; i < ix->n; i++) npairs += ix->entries[i]->nkeys, ix->nsyms += ix->entries[i]->nsyms;
    uint64_t *pairs = sg_xmalloc(sizeof *pairs * (npairs + 1)), *tmp = sg_xmalloc(sizeof *tmp * (npairs + 1));
    uint32_t k = 0;
    for (uint32_t i = 0; i < ix->n; i++) {
        const LspIndexEntry *e = ix->entries[i];
        for (uint32_t j = 0; j < e->nkeys; j++) pairs[k++] = (uint64_t)e->keys[j] << 32 | i;
        sg_map_put(&ix->by_path, sg_name_c(e->path), (void *)e);
        sg_map_put(&ix->by_name, e->mname, (void *)e);
    }
    sort_pairs(pairs, tmp, npairs);
    free(tmp);
    ix->khash = sg_xmalloc(sizeof *ix->khash * (npairs + 1));
    ix->kfirst = sg_xmalloc(sizeof *ix->kfirst * (npairs + 2));
    ix->postings = sg_xmalloc(sizeof *ix->postings * (npairs + 1));
    uint32_t np = 0;
    for (uint32_t i = 0; i < npairs; i++) {
        uint32_t h = (uint32_t)(pairs[i] >> 32), e = (uint32_t)pairs[i];
        if (!ix->nkeys || ix->khash[ix->nkeys - 1] != h) {
            ix->khash[ix->nkeys] = h;
            ix->kfirst[ix->nkeys++] = np;
        } else if (ix->postings[np - 1] == e) {
            continue;   /* two keys of one entry with the same low bits */
        }
        ix->postings[np++] = e;
    }
    ix->kfirst[ix->nkeys] = np;
    free(pairs);
}

void lsp_index_unref(LspIndex *ix) {
    if (!ix || --ix->refs) return;
    for (uint32_t i = 0; i < ix->n; i++) entry_unref(ix->entries[i]);
    free(ix->entries);
    sg_map_free(&ix->by_path);
    sg_map_free(&ix->by_name);
    free(ix->khash);
    free(ix->kfirst);
    free(ix->postings);
    free(ix);
}

/* ---- building (on the pool) ---- */
typedef struct Want {
    char *path, *disk, *name;
    SgHash result_id, source_hash;
    bool is_std;
    LspIndexEntry stamp;    /* the file's stat, as entries keep it (stamped ... indexed_at_ns) */
    LspIndexEntry *have;    /* the entry of the same result in the index before (a reference) */
    uint8_t *blob;          /* else the entry the record carries, or NULL: from the cache */
    size_t len;
} Want;

typedef struct BuildJob {
    uv_work_t req;
    LspRoot *root;
    uint64_t gen;
    char *cache_dir;
    Want *want;
    uint32_t n;
    LspIndex *out;
    char **missing;         /* modules without an entry */
    uint32_t nmissing;
    double ms;
} BuildJob;

static void build_work(uv_work_t *req) {
    BuildJob *j = req->data;
    double t0 = (double)uv_hrtime() / 1e6;
    LspIndex *ix = sg_xcalloc(1, sizeof *ix);
    ix->refs = 1;
    ix->gen = j->gen;
    ix->entries = sg_xmalloc(sizeof *ix->entries * (j->n + 1));
    SgStore *store = j->cache_dir ? sg_store_open(j->cache_dir) : NULL;
    if (store) sg_store_begin_read(store);
    j->missing = sg_xcalloc(j->n + 1, sizeof *j->missing);
    for (uint32_t i = 0; i < j->n; i++) {
        Want *w = &j->want[i];
        LspIndexEntry *e = w->have;
        w->have = NULL;
        /* a record's entry is dropped once the cache has it (queries read it there) */
        bool keep = w->blob && !(store && sg_store_has_xref(store, &w->result_id));
        if (!e && !w->blob && store && !sg_store_get_xref(store, &w->result_id, &w->blob, &w->len)) w->blob = NULL;
        if (!e && w->blob) {
            e = entry_new(w->path, w->disk, w->name, &w->result_id, &w->source_hash, w->is_std, w->blob, w->len, keep);
            w->blob = NULL;
            if (e) {
                e->stamped = w->stamp.stamped;
                e->size = w->stamp.size, e->mtime_ns = w->stamp.mtime_ns, e->ctime_ns = w->stamp.ctime_ns;
                e->ino = w->stamp.ino, e->indexed_at_ns = w->stamp.indexed_at_ns;
            }
        }
        if (e) ix->entries[ix->n++] = e;
        else j->missing[j->nmissing++] = sg_xstrdup(w->path);
    }
    if (store) sg_store_end_read(store);
    sg_store_close(store);
    index_link(ix);
    ix->nmissing = j->nmissing;
    j->out = ix;
    j->ms = (double)uv_hrtime() / 1e6 - t0;
}

static void free_build_job(BuildJob *j) {
    for (uint32_t i = 0; i < j->n; i++) {
        free(j->want[i].path);
        free(j->want[i].disk);
        free(j->want[i].name);
        free(j->want[i].blob);
        entry_unref(j->want[i].have);
    }
    free(j->want);
    for (uint32_t i = 0; i < j->nmissing; i++) free(j->missing[i]);
    free(j->missing);
    free(j->cache_dir);
    lsp_index_unref(j->out);
    free(j);
}

static void start_build(LspRoot *r);

static void build_done(uv_work_t *req, int status) {
    BuildJob *j = req->data;
    LspRoot *r = j->root;
    r->index_building = false;
    if (srv->stopping || r->removed) {
        free_build_job(j);
        if (r->removed) lsp_root_release(r);
        return;
    }
    if (status == 0 && j->gen == r->index_gen) {
        lsp_index_unref(r->index);
        r->index = j->out;
        j->out = NULL;
        lsp_log("indexed %u modules (%u symbols) in %.1f ms%s", r->index->n, r->index->nsyms, j->ms,
                j->nmissing ? "; some results have no entry in the cache" : "");
        if (!j->nmissing) r->fill_asked = false;
        malloc_trim(0);     /* what the build freed on its thread */
        /* results the cache has no entry for: checked again once, by a
         * whole run (the next index has their entries in memory) */
        if (j->nmissing && !r->fill_asked) {
            r->fill_asked = true;
            lsp_scheduler_fill(r, j->missing, j->nmissing);
            j->missing = NULL;
            j->nmissing = 0;
        }
    }
    free_build_job(j);
    if (r->index_gen != (r->index ? r->index->gen : 0)) start_build(r);
    lsp_index_resume();
}

static void start_build(LspRoot *r) {
    SgEngineRun *run = r->last;
    if (r->index_building || !run || srv->sink) return;
    BuildJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->root = r;
    j->gen = r->index_gen;
    j->cache_dir = r->cache_dir ? sg_xstrdup(r->cache_dir) : NULL;
    j->want = sg_xcalloc(run->prog.n + 1, sizeof *j->want);
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        SgModuleState *st = m->st;
        /* the modules of files (the built-in standard library has none),
         * but the open ones (their records are read as they are) */
        if (!st->abs_path || st->overlay || m->read_failed) continue;
        if (!m->is_std && lsp_root_of(st->abs_path) != r) continue;
        Want *w = &j->want[j->n++];
        w->path = sg_xstrdup(st->abs_path);
        w->disk = sg_xstrdup(m->path);
        w->name = sg_xstrdup(m->name);
        w->result_id = st->result_id;
        w->source_hash = st->source_hash;
        w->is_std = m->is_std;
        w->stamp = (LspIndexEntry){.stamped = st->stat_ok, .size = st->size, .mtime_ns = st->mtime_ns,
                                   .ctime_ns = st->ctime_ns, .ino = st->ino, .indexed_at_ns = st->indexed_at_ns};
        const LspIndexEntry *had = lsp_index_entry_at(r->index, st->abs_path);
        if (had && sg_hash_eq(&had->result_id, &st->result_id) && sg_hash_eq(&had->source_hash, &st->source_hash)) {
            w->have = (LspIndexEntry *)had;
            w->have->refs++;
        } else if (st->xref.len) {
            /* taken from the record: the index keeps it from now on */
            w->blob = (uint8_t *)st->xref.data;
            w->len = st->xref.len;
            memset(&st->xref, 0, sizeof st->xref);
        }
    }
    r->index_building = true;
    if (uv_queue_work(srv->loop, &j->req, build_work, build_done) < 0) {
        r->index_building = false;
        free_build_job(j);
    }
}

void lsp_index_changed(LspRoot *r) {
    r->index_gen++;
    start_build(r);
}

bool lsp_index_ready(const LspRoot *r) {
    return r && r->index && r->index->gen == r->index_gen && !r->index_building && lsp_root_current(r) &&
           !lsp_scheduler_filling(r);
}

void lsp_index_root_init(LspRoot *r) { uv_mutex_init(&r->index_store_mu); }

void lsp_index_free_root(LspRoot *r) {
    lsp_index_unref(r->index);
    r->index = NULL;
    if (!srv->sink) {
        sg_store_close(r->index_store);
        uv_mutex_destroy(&r->index_store_mu);
    }
}

/* ---- requests waiting for an index ---- */
typedef struct Waiting {
    cJSON *id, *params;
    LspRoot *root;
    LspHandler fn;
} Waiting;

static Waiting *waiting;
static uint32_t nwaiting;

void lsp_index_wait(LspRoot *r, const cJSON *id, const cJSON *params, LspHandler fn) {
    waiting = sg_xrealloc(waiting, sizeof *waiting * (nwaiting + 1));
    waiting[nwaiting++] = (Waiting){cJSON_Duplicate(id, 1), params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject(),
                                    r, fn};
    if (r) start_build(r);
}

void lsp_index_resume(void) {
    /* the handlers may wait again: take the list first */
    Waiting *ws = waiting;
    uint32_t n = nwaiting;
    waiting = NULL;
    nwaiting = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool gone = true;
        for (uint32_t k = 0; k < srv->nroots && gone; k++) gone = srv->roots[k] != ws[i].root;
        if (!gone && !lsp_index_ready(ws[i].root)) {
            lsp_index_wait(ws[i].root, ws[i].id, ws[i].params, ws[i].fn);
        } else {
            ws[i].fn(ws[i].id, ws[i].params);   /* a folder removed meanwhile: answered from what is left */
        }
        cJSON_Delete(ws[i].id);
        cJSON_Delete(ws[i].params);
    }
    free(ws);
}

/* ---- queries on the pool ---- */
struct LspJob {
    uv_work_t req;
    cJSON *id, *params;
    LspRoot *root;
    LspHandler fn;
    LspIndex *index;
    atomic_bool cancelled;
    char *stale;            /* a file that changed since it was indexed */
    char *missing;          /* a module whose entry the cache has not got */
    LspJobWork work;
    LspJobDone done;
    void *data;
    void (*free_data)(void *);
    LspJob *next;
};

static LspJob *running;     /* jobs on the pool */

LspJob *lsp_job_new(LspRoot *r, const cJSON *id, const cJSON *params, LspHandler fn) {
    LspJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->id = cJSON_Duplicate(id, 1);
    j->params = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject();
    j->root = r;
    j->fn = fn;
    j->index = r->index;
    if (j->index) j->index->refs++;
    atomic_init(&j->cancelled, false);
    return j;
}

const LspIndex *lsp_job_index(const LspJob *j) { return j->index; }
void *lsp_job_data(const LspJob *j) { return j->data; }
bool lsp_job_cancelled(LspJob *j) { return atomic_load(&j->cancelled); }

void lsp_job_free(LspJob *j) {
    cJSON_Delete(j->id);
    cJSON_Delete(j->params);
    lsp_index_unref(j->index);
    if (j->free_data) j->free_data(j->data);
    free(j->stale);
    free(j->missing);
    free(j);
}

bool lsp_job_text(LspJob *j, const char *path, const char *disk, const SgHash *want, char **text, size_t *len) {
    const char *err;
    bool ok = sg_read_file(disk, text, len, &err);
    if (ok) {
        SgHash h = sg_hash(*text, *len);
        ok = sg_hash_eq(&h, want);
        if (!ok) free(*text);
    }
    if (!ok) {
        *text = NULL;
        if (!j->stale) j->stale = sg_xstrdup(path);
    }
    return ok;
}

bool lsp_job_load(LspJob *j, LspUnit *us, uint32_t n) {
    bool ok = true;
    LspRoot *r = j->root;
    uv_mutex_lock(&r->index_store_mu);
    if (!r->index_store && r->cache_dir) r->index_store = sg_store_open(r->cache_dir);
    if (r->index_store) sg_store_begin_read(r->index_store);
    for (uint32_t i = 0; i < n && ok; i++) {
        LspUnit *u = &us[i];
        if (u->blob || !u->entry) continue;
        uint8_t *b;
        size_t len;
        ok = r->index_store && sg_store_get_xref(r->index_store, &u->entry->result_id, &b, &len);
        if (ok) {
            u->blob = b;
            u->len = len;
            u->own_blob = true;
        } else if (!j->missing) {
            j->missing = sg_xstrdup(u->path);
        }
    }
    if (r->index_store) sg_store_end_read(r->index_store);
    uv_mutex_unlock(&r->index_store_mu);
    return ok;
}

static void job_work(uv_work_t *req) {
    LspJob *j = req->data;
    if (!atomic_load(&j->cancelled)) j->work(j);
}

static void job_done(uv_work_t *req, int status) {
    LspJob *j = req->data;
    LspRoot *r = j->root;
    for (LspJob **p = &running; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            break;
        }
    r->queries_running--;
    if (srv->stopping) {
        /* no answer after exit */
    } else if (status != 0 || atomic_load(&j->cancelled)) {
        lsp_send(lsp_error(j->id, LSP_REQUEST_CANCELLED, "request cancelled"));
    } else if (j->missing && !r->removed) {
        /* a result without its entry (a damaged row, a result the cache
         * dropped): checked again, then the request is answered */
        char **paths = sg_xmalloc(sizeof *paths);
        paths[0] = j->missing;
        j->missing = NULL;
        lsp_scheduler_fill(r, paths, 1);
        lsp_index_wait(r, j->id, j->params, j->fn);
    } else if (j->stale && !r->removed) {
        /* a file changed since the run that indexed it: that change is
         * checked first (a whole run), then the request is answered */
        lsp_log("%s changed since it was indexed; answering after the next check", j->stale);
        lsp_changed_at(j->stale);
        lsp_index_wait(r, j->id, j->params, j->fn);
    } else {
        j->done(j);
    }
    lsp_job_free(j);
    if (r->removed) lsp_root_release(r);
}

void lsp_job_start(LspJob *j, LspJobWork work, LspJobDone done, void *data, void (*free_data)(void *)) {
    j->work = work;
    j->done = done;
    j->data = data;
    j->free_data = free_data;
    j->root->queries_running++;
    j->next = running;
    running = j;
    if (uv_queue_work(srv->loop, &j->req, job_work, job_done) < 0) {
        running = j->next;
        j->root->queries_running--;
        lsp_send(lsp_error(j->id, LSP_INTERNAL_ERROR, "cannot start the request"));
        lsp_job_free(j);
    }
}

const cJSON *lsp_job_id(const LspJob *j) { return j->id; }

bool lsp_index_cancel(const cJSON *id) {
    for (uint32_t i = 0; id && i < nwaiting; i++) {
        if (!cJSON_Compare(waiting[i].id, id, 1)) continue;
        lsp_send(lsp_error(waiting[i].id, LSP_REQUEST_CANCELLED, "request cancelled"));
        cJSON_Delete(waiting[i].id);
        cJSON_Delete(waiting[i].params);
        waiting[i] = waiting[--nwaiting];
        return true;
    }
    for (LspJob *j = running; id && j; j = j->next)
        if (cJSON_Compare(j->id, id, 1)) {
            atomic_store(&j->cancelled, true);     /* answered when its work returns */
            uv_cancel((uv_req_t *)&j->req);         /* at once if it has not started */
            return true;
        }
    return false;
}

void lsp_index_stop(void) {
    for (uint32_t i = 0; i < nwaiting; i++) {
        cJSON_Delete(waiting[i].id);
        cJSON_Delete(waiting[i].params);
    }
    free(waiting);
    waiting = NULL;
    nwaiting = 0;
}
