/* index.c - the project-wide index of each workspace folder, and the
 * requests answered from it (references, rename, workspace symbols, call
 * hierarchy): they wait until it is current, run on the thread pool when
 * they read files, can be cancelled, and are asked again when a file
 * turns out to have changed since it was indexed.
 *
 * The index of a folder (LspIndex) holds the cross-reference entry
 * (cache/xref.h) of every module of the folder's `last` run that is not
 * open, an inverted map from each use's key to the entries that have it,
 * and every definition, for workspace/symbol. Entries come from the
 * records of `last` (modules checked in memory carry theirs) or from the
 * on-disk cache (by result id, which the entry shares with its result):
 * nothing is checked to build it. A result the cache has no entry for (one
 * from the remote cache, a damaged entry) is checked again once, by a
 * whole run that must check those modules (SgEngineOptions.must_check).
 * Open modules are not in it: queries read their records in `last`
 * (entries encoded from their facts), as the buffers are now.
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
 * and writes only its job. */
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
    free(e);
}

/* Takes the blob. False (and nothing kept) when it does not decode. */
static LspIndexEntry *entry_new(const char *path, const char *disk, const char *name, const SgHash *result_id,
                                const SgHash *source_hash, bool is_std, uint8_t *blob, size_t len) {
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    bool ok = sg_xref_decode(blob, len, &a, &x);
    sg_arena_free(&a);
    if (!ok) {
        free(blob);
        return NULL;
    }
    LspIndexEntry *e = sg_xcalloc(1, sizeof *e);
    e->refs = 1;
    e->path = sg_xstrdup(path);
    e->disk = sg_xstrdup(disk);
    e->name = sg_xstrdup(name);
    e->mname = sg_name_c(e->name);
    e->result_id = *result_id;
    e->source_hash = *source_hash;
    e->is_std = is_std;
    e->blob = blob;
    e->len = len;
    return e;
}

bool lsp_entry_decode(const LspIndexEntry *e, SgArena *a, SgXref *x) { return sg_xref_decode(e->blob, e->len, a, x); }

/* ---- an index ---- */
typedef struct KeySlot {
    uint64_t hash;      /* 0: empty (a key hashing to 0 is stored as 1) */
    uint32_t first, n;  /* postings[first .. first + n) once built; n counts while building */
} KeySlot;

static uint64_t key_of(uint64_t h) { return h ? h : 1; }

static KeySlot *key_slot(LspIndex *ix, uint64_t h, bool add) {
    h = key_of(h);
    if (add && 2 * (ix->nkeys + 1) > ix->keycap) {
        uint32_t cap = ix->keycap ? ix->keycap * 2 : 1024;
        KeySlot *old = ix->keys, *keys = sg_xcalloc(cap, sizeof *keys);
        for (uint32_t i = 0; i < ix->keycap; i++) {
            if (!old[i].hash) continue;
            uint32_t j = (uint32_t)(old[i].hash ^ (old[i].hash >> 32)) & (cap - 1);
            while (keys[j].hash) j = (j + 1) & (cap - 1);
            keys[j] = old[i];
        }
        free(old);
        ix->keys = keys;
        ix->keycap = cap;
    }
    if (!ix->keycap) return NULL;
    for (uint32_t j = (uint32_t)(h ^ (h >> 32)) & (ix->keycap - 1);; j = (j + 1) & (ix->keycap - 1)) {
        if (ix->keys[j].hash == h) return &ix->keys[j];
        if (!ix->keys[j].hash) {
            if (!add) return NULL;
            ix->keys[j].hash = h;
            ix->nkeys++;
            return &ix->keys[j];
        }
    }
}

uint32_t lsp_index_users(const LspIndex *ix, uint64_t hash, const uint32_t **which) {
    const KeySlot *k = key_slot((LspIndex *)ix, hash, false);
    *which = k ? ix->postings + k->first : NULL;
    return k ? k->n : 0;
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

/* The maps of an index whose entries are set: by path, by module name,
 * key -> users, definitions. */
static void index_link(LspIndex *ix) {
    sg_qsort(ix->entries, ix->n, sizeof *ix->entries, cmp_entry);
    SgArena scratch;
    sg_arena_init(&scratch);
    uint32_t npost = 0, cap_syms = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < ix->n; i++) {
            LspIndexEntry *e = ix->entries[i];
            SgXref x;
            if (!sg_xref_decode(e->blob, e->len, &scratch, &x)) continue;   /* decoded once already */
            for (uint32_t t = 0; t < x.ntargets; t++) {
                KeySlot *k = key_slot(ix, x.targets[t].hash, pass == 0);
                if (pass == 0) k->n++, npost++;
                else if (!k->n || ix->postings[k->first + k->n - 1] != i) ix->postings[k->first + k->n++] = i;
            }
            for (uint32_t d = 0; pass == 1 && !e->is_std && d < x.ndefs; d++) {
                if (x.defs[d].kind == SG_XDEF_IMPORT || x.defs[d].kind == SG_XDEF_IMPORTED) continue;
                if (ix->nsyms == cap_syms) {
                    cap_syms = cap_syms ? cap_syms * 2 : 1024;
                    ix->syms = sg_xrealloc(ix->syms, sizeof *ix->syms * cap_syms);
                }
                /* names are slices of the entry's blob, which the index keeps */
                ix->syms[ix->nsyms++] = (LspSymbol){.name = x.defs[d].name.s, .len = x.defs[d].name.len,
                                                    .kind = x.defs[d].kind, .entry = i, .def = d};
            }
            sg_arena_free(&scratch);
            sg_arena_init(&scratch);
        }
        if (pass == 0) {
            ix->postings = sg_xmalloc(sizeof *ix->postings * (npost + 1));
            uint32_t at = 0;
            for (uint32_t j = 0; j < ix->keycap; j++) {
                ix->keys[j].first = at;
                at += ix->keys[j].n;
                ix->keys[j].n = 0;
            }
        }
    }
    sg_arena_free(&scratch);
    for (uint32_t i = 0; i < ix->n; i++) {
        sg_map_put(&ix->by_path, sg_name_c(ix->entries[i]->path), ix->entries[i]);
        sg_map_put(&ix->by_name, ix->entries[i]->mname, ix->entries[i]);
    }
}

void lsp_index_unref(LspIndex *ix) {
    if (!ix || --ix->refs) return;
    for (uint32_t i = 0; i < ix->n; i++) entry_unref(ix->entries[i]);
    free(ix->entries);
    sg_map_free(&ix->by_path);
    sg_map_free(&ix->by_name);
    free(ix->keys);
    free(ix->postings);
    free(ix->syms);
    free(ix);
}

/* ---- building (on the pool) ---- */
typedef struct Want {
    char *path, *disk, *name;
    SgHash result_id, source_hash;
    bool is_std;
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
    SgStore *store = NULL;
    bool store_tried = false;
    j->missing = sg_xcalloc(j->n + 1, sizeof *j->missing);
    for (uint32_t i = 0; i < j->n; i++) {
        Want *w = &j->want[i];
        LspIndexEntry *e = w->have;
        w->have = NULL;
        if (!e && !w->blob && j->cache_dir) {
            if (!store_tried) {
                store_tried = true;
                store = sg_store_open(j->cache_dir);
                if (store) sg_store_begin_read(store);
            }
            if (store && !sg_store_get_xref(store, &w->result_id, &w->blob, &w->len)) w->blob = NULL;
        }
        if (!e && w->blob) {
            e = entry_new(w->path, w->disk, w->name, &w->result_id, &w->source_hash, w->is_std, w->blob, w->len);
            w->blob = NULL;
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

void lsp_index_filled(LspRoot *r) { r->fill_asked = false; }

bool lsp_index_ready(const LspRoot *r) {
    return r && r->index && r->index->gen == r->index_gen && !r->index_building && lsp_root_current(r) &&
           !lsp_scheduler_filling(r);
}

void lsp_index_free_root(LspRoot *r) {
    lsp_index_unref(r->index);
    r->index = NULL;
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
