/* scheduler.c - when checks run, on what, and what becomes of their
 * results: generations, the debounce, whole runs and the fast path,
 * early publishes while a whole run checks, and the fast path's results
 * written to the on-disk cache behind. Every use of the engine by the
 * server is here (sg_engine_run, sg_engine_update, sg_engine_swap).
 *
 * Each workspace folder (LspRoot) is scheduled on its own: its runs,
 * generations of its last changes, timers and results stored behind. A
 * buffer edit goes to the fast path of the folder the file belongs to; a
 * folder that holds the file in a nested folder checks it with a whole run.
 *
 * Threads: the loop thread runs everything here except the work functions
 * of the thread pool: check_work (a whole run over its job's snapshot),
 * fast_work (reads its root's `last`, writes only its job), store_work (its
 * own copies) and early_checked (called on the whole run's thread: it
 * touches only `srv->early`, under `early_mu`, and wakes the loop).
 *
 * Generations: `gen` is bumped by every change (lsp_changed*); a document
 * records the generation of its last edit, a root's `nonfast_gen` that of
 * the last change its fast path cannot take (open, close, files on disk,
 * imports edited, a changed signature), a job the generation of its
 * snapshot.
 *
 * Whole runs: sg_engine_run with the open buffers as overlays (the buffer
 * wins over the disk), the same engine and on-disk cache as the CLI; open
 * modules are always checked and record facts. Started DEBOUNCE_MS after
 * the first change that needs one, never restarted by later changes while
 * that timer runs.
 *
 * The fast path: each edited open module is re-checked against `last`
 * (sg_engine_update), its diagnostics published at once, and the new record
 * swapped into `last` on the loop thread (sg_engine_swap). It is sound
 * because:
 * - it runs only while `last` has seen every change except edits of open
 *   buffers (last_full_gen >= nonfast_gen); any other change waits for a
 *   whole run. Its result equals what a whole run would compute, because a
 *   module's diagnostics depend only on its source and its imports' tables;
 * - if the signature changed (SG_UPDATE_SIG), the importers whose usage
 *   record of the module no longer holds are stale (sg_engine_stale_importers,
 *   LANGUAGE.md section 7): the root's `stale` list. They are re-checked by
 *   the same path (sg_engine_recheck: the open ones from their buffers, the
 *   others from their files), open ones first, a module only once none of
 *   its imports is stale; their own signature changes extend the list. An
 *   edit of a module that imports a stale one waits the same way. No whole
 *   run: the importers that did not use a changed name keep their results;
 * - nobody modifies `last` while a fast job reads it: one fast job at a
 *   time; a whole run that finishes meanwhile is installed after it
 *   (`full_done`);
 * - a swapped-out record that importers' tables still point into (their
 *   types refer to its type definitions) becomes a zombie, freed with the
 *   run; other open modules' facts that named it are re-pointed by name to
 *   the new record. At most one zombie per module is reachable; past 64 a
 *   whole run starts afresh (cache/update.c).
 *
 * Staleness: a whole run is dropped if a non-buffer change came after its
 * snapshot; buffer edits after the snapshot are re-applied to it by the
 * fast path, and the run's other results are published only once those
 * edits have kept their signatures (`run_unpublished`). A fast result is
 * dropped for a document edited again meanwhile. Early publishes happen
 * only if nothing at all changed since the run's snapshot and the module
 * was open in `last` (so queries find facts). */
#include <malloc.h>
#include <stdlib.h>

#include "../../cache/lease.h"
#include "../../cache/store.h"
#include "internal.h"

#define DEBOUNCE_MS 15
/* Results of the fast path are written to the on-disk cache behind, in
 * batches: after STORE_DELAY_MS without a new one, or at STORE_BATCH. */
#define STORE_DELAY_MS 1000
#define STORE_BATCH 256
/* Results kept in the on-disk cache beyond those in use (the CLI's default). */
#define CACHE_KEEP 100000

/* Diagnostics of an open module, checked by a whole run still in progress:
 * published before the run ends (dependents of a changed signature). */
struct LspEarlyResult {
    LspRoot *root;
    uint64_t gen;       /* the run's snapshot generation */
    char *path;
    SgArena arena;
    SgDiags diags;
};

/* A check on the thread pool: a whole engine run over a snapshot, or the
 * fast path (each edited open module re-checked against `base`). */
struct LspCheckJob {
    uv_work_t req;
    LspRoot *root;
    uint64_t gen;       /* the generation the snapshot was taken at */
    SgOverlay *overlays;
    uint32_t noverlays;
    /* a whole run */
    SgEngineOptions opt;
    SgEngineRun run;
    bool ok;
    char *err;
    bool first;         /* the start-up check (with $/progress) */
    /* a whole run asked by the index: these files are checked whatever the cache holds */
    SgMap fill;
    char **fill_paths;
    uint32_t nfill;
    /* the fast path: overlays[i] -> updates[i]; forced[i]: a re-check
     * because an import changed (text NULL: a closed module, from its file) */
    SgEngineRun *base;  /* root->last, which nobody modifies while the job runs */
    SgUpdate *updates;
    bool *forced;
    double ms;
};

typedef struct StoreJob {
    uv_work_t req;
    LspRoot *root;
    char *cache_dir;
    SgStoredResult *items;
    uint32_t n;
} StoreJob;

static void kick(LspRoot *r);
static void debounce_fired(uv_timer_t *t);

/* The engine as the server runs it: the folder, the open buffers as
 * overlays with facts, as many threads as the machine has. */
static SgEngineOptions engine_options(const LspRoot *r, const SgOverlay *overlays, uint32_t n) {
    unsigned jobs = uv_available_parallelism();
    return (SgEngineOptions){.root = r->path, .std_dir = srv->std_dir, .jobs = jobs ? (int)jobs : 1,
                             .cache_dir = r->cache_dir, .cache_keep = CACHE_KEEP, .overlays = overlays,
                             .noverlays = n, .overlay_facts = true, .fp_tables = true, .xrefs = true};
}

static void check_work(uv_work_t *req) {
    LspCheckJob *j = req->data;
    j->ok = sg_lease_engine_run(&j->opt, &j->run, &j->err);   /* waits for a CLI run of this workspace */
}

static void fast_work(uv_work_t *req) {
    LspCheckJob *j = req->data;
    double t0 = (double)uv_hrtime() / 1e6;
    for (uint32_t i = 0; i < j->noverlays; i++) {
        const SgOverlay *o = &j->overlays[i];
        j->updates[i] = !j->forced[i] ? sg_engine_update(j->base, o)
                                      : sg_engine_recheck(j->base, o->path, o->text ? o : NULL);
    }
    j->ms = (double)uv_hrtime() / 1e6 - t0;
}

static void free_job(LspCheckJob *j) {
    for (uint32_t i = 0; i < j->noverlays; i++) {
        free((char *)j->overlays[i].path);
        free((char *)j->overlays[i].text);
        if (j->updates && j->updates[i].m) sg_module_free(j->updates[i].m);
    }
    free(j->overlays);
    free(j->updates);
    for (uint32_t i = 0; i < j->nfill; i++) free(j->fill_paths[i]);
    free(j->fill_paths);
    sg_map_free(&j->fill);
    free(j->forced);
    free(j->err);
    sg_remote_close(j->opt.remote);
    free(j);
}

/* The open documents' text, owned by the job: every buffer inside the
 * folder, for a whole run. */
static void snapshot_docs(LspCheckJob *j) {
    j->overlays = sg_xcalloc(srv->ndocs + 1, sizeof *j->overlays);
    for (uint32_t i = 0; i < srv->ndocs; i++) {
        LspDoc *d = srv->docs[i];
        if (!lsp_in_root(j->root, d->path)) continue;
        char *t = sg_xmalloc(d->len + 1);
        memcpy(t, d->text, d->len + 1);
        j->overlays[j->noverlays++] = (SgOverlay){sg_xstrdup(d->path), t, d->len};
    }
}

/* A long-lived server frees a whole run at a time; glibc keeps that memory
 * in the worker threads' malloc arenas unless asked to give it back. */
static void release_memory(void) { malloc_trim(0); }

void lsp_free_run(SgEngineRun *r) {
    if (!r) return;
    sg_engine_free(r);
    free(r);
    release_memory();
}

/* ---- open modules published as a whole run checks them ---- */

/* On the whole run's thread. */
static void early_checked(SgModule *const *mods, uint32_t n, void *ctx) {
    LspCheckJob *j = ctx;
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        const SgModule *m = mods[i];
        if (!m->st->overlay || !m->st->abs_path || m->st->dup_rel) continue;
        LspEarlyResult *e = sg_xcalloc(1, sizeof *e);
        e->root = j->root;
        e->gen = j->gen;
        e->path = sg_xstrdup(m->st->abs_path);
        sg_arena_init(&e->arena);
        e->diags.arena = &e->arena;
        e->diags.items = sg_xcalloc(m->diags.len + 1, sizeof *e->diags.items);
        for (uint32_t k = 0; k < m->diags.len; k++) {
            e->diags.items[k] = m->diags.items[k];
            e->diags.items[k].message = sg_arena_strndup(&e->arena, m->diags.items[k].message,
                                                         strlen(m->diags.items[k].message));
        }
        e->diags.len = e->diags.cap = m->diags.len;
        uv_mutex_lock(&srv->early_mu);
        srv->early = sg_xrealloc(srv->early, sizeof *srv->early * (srv->nearly + 1));
        srv->early[srv->nearly++] = e;
        uv_mutex_unlock(&srv->early_mu);
        any = true;
    }
    if (any) uv_async_send(&srv->early_async);
}

static void free_early(LspEarlyResult *e) {
    sg_diags_free(&e->diags);
    sg_arena_free(&e->arena);
    free(e->path);
    free(e);
}

/* Published only while nothing made them stale: no change at all since the
 * run's snapshot (an edit of another buffer may change a signature), and no
 * run at least as new installed (it published them itself). Only for
 * modules open in `last` already, so that queries about a published file
 * still find its facts there. (The run that made them is still running:
 * its root is not freed.) */
static void early_publish(uv_async_t *h) {
    (void)h;
    uv_mutex_lock(&srv->early_mu);
    LspEarlyResult **es = srv->early;
    uint32_t n = srv->nearly;
    srv->early = NULL;
    srv->nearly = 0;
    uv_mutex_unlock(&srv->early_mu);
    for (uint32_t i = 0; i < n; i++) {
        LspEarlyResult *e = es[i];
        LspRoot *r = e->root;
        LspDoc *d = lsp_doc_at_path(e->path);
        SgModule *m = r->last ? sg_engine_module_at(r->last, e->path) : NULL;
        if (d && d->root == r && m && m->facts && !r->removed && !srv->stopping && !srv->client_pull &&
            srv->gen == e->gen && e->gen > r->last_full_gen) {
            lsp_publish(e->path, e->path, &e->diags);
            d->early_gen = e->gen;
        }
        free_early(e);
    }
    free(es);
}

/* ---- writing the fast path's results behind ---- */
static void store_work(uv_work_t *req) {
    StoreJob *j = req->data;
    sg_engine_store_results(j->cache_dir, j->items, j->n);
}

static void free_store_job(StoreJob *j) {
    for (uint32_t i = 0; i < j->n; i++) sg_stored_result_free(&j->items[i]);
    free(j->items);
    free(j->cache_dir);
    free(j);
}

static StoreJob *take_pending_results(LspRoot *r) {
    StoreJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->root = r;
    j->cache_dir = sg_xstrdup(r->cache_dir);
    j->items = r->to_store;
    j->n = r->nto_store;
    r->to_store = NULL;
    r->nto_store = 0;
    return j;
}

static void store_fired(uv_timer_t *t);

static void store_done(uv_work_t *req, int status) {
    (void)status;
    StoreJob *j = req->data;
    LspRoot *r = j->root;
    free_store_job(j);
    r->store_running = false;
    if (r->removed) lsp_root_release(r);
    else if (r->nto_store && !srv->stopping) uv_timer_start(&r->store_timer, store_fired, STORE_DELAY_MS, 0);
}

static void store_fired(uv_timer_t *t) {
    LspRoot *r = t->data;
    if (r->store_running || !r->nto_store) return;
    StoreJob *j = take_pending_results(r);
    r->store_running = true;
    if (uv_queue_work(srv->loop, &j->req, store_work, store_done) < 0) {
        r->store_running = false;
        free_store_job(j);
    }
}

static void store_behind(LspRoot *r, const SgModule *m) {
    SgStoredResult res;
    if (!r->cache_dir || !sg_engine_result_copy(m, &res)) return;
    r->to_store = sg_xrealloc(r->to_store, sizeof *r->to_store * (r->nto_store + 1));
    r->to_store[r->nto_store++] = res;
    /* written once the edits pause (not to compete with the next edit's check) */
    if (r->nto_store >= STORE_BATCH) store_fired(&r->store_timer);
    else uv_timer_start(&r->store_timer, store_fired, STORE_DELAY_MS, 0);
}

/* Has the folder seen every change? A whole run that could not read the
 * workspace (a broken sigil.json, a source directory gone) has seen them
 * too: nothing better can be said until the next change. */
static bool root_current(const LspRoot *r) {
    bool seen = (r->last && r->last_full_gen >= r->nonfast_gen) || (r->failed_err && r->failed_gen >= r->nonfast_gen);
    return seen && !r->full_needed && !r->full_running && !r->fast_running && !r->full_done && !r->nstale;
}

bool lsp_root_current(const LspRoot *r) {
    if (!root_current(r)) return false;
    for (uint32_t i = 0; i < srv->ndocs; i++)
        if (srv->docs[i]->root == r && srv->docs[i]->fast_pending) return false;
    return true;
}

/* ---- importers to re-check after a signature changed ---- */
bool lsp_is_stale(const LspRoot *r, const char *path) {
    for (uint32_t i = 0; i < r->nstale; i++)
        if (strcmp(r->stale[i], path) == 0) return true;
    return false;
}

static void add_stale(LspRoot *r, char *path) {
    if (lsp_is_stale(r, path)) {
        free(path);
        return;
    }
    r->stale = sg_xrealloc(r->stale, sizeof *r->stale * (r->nstale + 1));
    r->stale[r->nstale++] = path;
}

static void clear_stale(LspRoot *r) {
    for (uint32_t i = 0; i < r->nstale; i++) free(r->stale[i]);
    free(r->stale);
    r->stale = NULL;
    r->nstale = 0;
}

/* May the module at `path` be checked against `last` now: is none of its
 * imports waiting to be re-checked? */
static bool imports_ready(const LspRoot *r, const char *path) {
    SgModule *m = r->nstale ? sg_engine_module_at(r->last, path) : NULL;
    for (uint32_t k = 0; m && k < m->nimports; k++) {
        const SgModule *t = m->imports[k].target;
        if (m->imports[k].status == IMP_OK && t && t->st->abs_path && lsp_is_stale(r, t->st->abs_path)) return false;
    }
    return true;
}

bool lsp_is_current(void) {
    for (uint32_t i = 0; i < srv->nroots; i++)
        if (!root_current(srv->roots[i])) return false;
    for (uint32_t i = 0; i < srv->ndocs; i++)
        if (srv->docs[i]->fast_pending) return false;
    return true;
}

static bool every_root_checked(void) {
    for (uint32_t i = 0; i < srv->nroots; i++)
        if (!srv->roots[i]->last && !srv->roots[i]->failed_err) return false;
    return true;
}

static void finish_full(LspCheckJob *j, int status) {
    LspRoot *r = j->root;
    /* stale only if a change the fast path cannot take came after the
     * snapshot; edits of open documents since are re-applied to it */
    bool stale = r->nonfast_gen > j->gen || status != 0;
    if (j->nfill && (!j->ok || stale)) {
        /* the files go back to the list for the next whole run */
        r->fill_running = false;
        lsp_scheduler_fill(r, j->fill_paths, j->nfill);
        j->fill_paths = NULL;
        j->nfill = 0;
    }
    if (!j->ok) {
        const char *why = j->err ? j->err : "unknown error";
        lsp_log("%s: check failed: %s", r->path, why);
        if (!stale) {
            /* told once per cause; requests waiting for a current check are
             * answered from the last run that worked, if any */
            if (!r->failed_err || strcmp(r->failed_err, why) != 0)
                lsp_show_message(LSP_MESSAGE_ERROR, "sigil cannot check %s: %s", r->path, why);
            free(r->failed_err);
            r->failed_err = sg_xstrdup(why);
            r->failed_gen = j->gen;
            /* the edits it saw are answered (from the last run that worked);
             * a later one needs another whole run: there is no run to take
             * it on the fast path */
            for (uint32_t i = 0; i < srv->ndocs; i++) {
                LspDoc *d = srv->docs[i];
                if (d->root != r || !d->fast_pending) continue;
                if (d->changed_gen <= j->gen) d->fast_pending = false;
                else r->full_needed = true;
            }
            if (lsp_is_current()) lsp_answer_pending();
        } else {
            r->full_needed = true;
        }
    } else if (stale) {
        sg_engine_free(&j->run);    /* a newer change made this result stale */
        release_memory();
        r->full_needed = true;
    } else {
        SgEngineRun *old = r->last;
        r->last = sg_xmalloc(sizeof *r->last);
        *r->last = j->run;
        free(r->failed_err);
        r->failed_err = NULL;
        if (old) sg_engine_free(old);
        free(old);
        release_memory();   /* the old run, and this run's trees freed on the worker threads */
        lsp_log("checked %u modules (%u from cache) in %.1f ms", r->last->nworkspace, r->last->nreused,
                r->last->elapsed_ms);
        r->last_full_gen = j->gen;
        clear_stale(r);     /* the run saw every change its stale list came from */
        if (j->nfill) r->fill_running = false;
        lsp_index_changed(r);
        bool edited_since = false;
        for (uint32_t i = 0; i < srv->ndocs; i++) {
            if (srv->docs[i]->root != r) continue;
            srv->docs[i]->fast_pending = srv->docs[i]->changed_gen > j->gen;
            edited_since |= srv->docs[i]->fast_pending;
        }
        if (j->first) lsp_progress("report", "publishing diagnostics", 90);
        /* an edit since the snapshot may have changed a signature: the
         * other files' results wait until the fast path has seen it */
        r->run_unpublished = edited_since;
        if (!edited_since) lsp_publish_run(r, j->gen);
        if (lsp_is_current()) lsp_answer_pending();
        lsp_index_resume();
        if (srv->client_pull && srv->client_refresh) lsp_send_request("workspace/diagnostic/refresh", NULL);
    }
    if (j->first && !stale && every_root_checked()) {
        srv->first_done = true;
        lsp_progress("end", "done", -1);
    }
    free_job(j);
}

static void check_done(uv_work_t *req, int status) {
    LspCheckJob *j = req->data;
    LspRoot *r = j->root;
    r->full_running = false;
    if (srv->stopping || r->removed) {
        if (j->ok) sg_engine_free(&j->run);
        free_job(j);
        if (r->removed) lsp_root_release(r);
        return;
    }
    if (r->fast_running) {
        r->full_done = j;   /* `last` is being read: install it when that is over */
        if (status != 0) j->ok = false;
        return;
    }
    finish_full(j, status);
    kick(r);
}

static void fast_done(uv_work_t *req, int status) {
    LspCheckJob *j = req->data;
    LspRoot *r = j->root;
    r->fast_running = false;
    if (srv->stopping || r->removed) {
        free_job(j);
        if (r->removed) lsp_root_release(r);
        return;
    }
    /* a change the fast path cannot take makes the whole job stale; a later
     * edit of one document, that document's result */
    bool stale_all = r->nonfast_gen > j->gen || status != 0;
    uint32_t nchecked = 0, nopen = 0;
    double edit_ms = 0;
    SgModule **swapped = sg_xcalloc(j->noverlays + 1, sizeof *swapped);
    SgModule **replaced = sg_xcalloc(j->noverlays + 1, sizeof *replaced);   /* kept until sg_engine_collect */
    bool *sig = sg_xcalloc(j->noverlays + 1, sizeof *sig);
    for (uint32_t i = 0; i < j->noverlays && !stale_all; i++) {
        const char *path = j->overlays[i].path;
        LspDoc *d = lsp_doc_at_path(path);
        SgUpdate *u = &j->updates[i];
        bool open = j->overlays[i].text != NULL;
        if (open && (!d || d->root != r || d->changed_gen > j->gen)) {
            /* edited again meanwhile: its next check takes the new text,
             * and is forced if this one was */
            if (j->forced[i] && d && d->root == r) add_stale(r, sg_xstrdup(path));
            continue;
        }
        switch (u->kind) {
        case SG_UPDATE_NONE:
            if (open) lsp_publish_file(path);     /* not a module: what the run says of the file (E100, E107) */
            break;
        case SG_UPDATE_FULL:
            lsp_log("%s: %s; checking the workspace", path, u->why);
            r->nonfast_gen = srv->gen;
            r->full_needed = true;
            break;
        case SG_UPDATE_SAME:
            lsp_publish_file(path);
            break;
        case SG_UPDATE_BODY:
        case SG_UPDATE_SIG:
            replaced[nchecked] = r->last->prog.mods[u->m->index];
            swapped[nchecked] = u->m;
            sig[nchecked++] = u->kind == SG_UPDATE_SIG;
            nopen += open;
            sg_engine_swap(r->last, u);
            if (d && !j->forced[i]) edit_ms = (double)(uv_hrtime() - d->changed_ns) / 1e6;
            break;
        }
    }
    /* Staleness after every swap of the job: its records were all checked
     * against `last` as it was, so one of them may have used a name that
     * another one changed. */
    for (uint32_t i = 0; i < nchecked; i++) {
        if (!sig[i]) continue;
        char **paths;
        uint32_t n = sg_engine_stale_importers(r->last, swapped[i], &paths);
        lsp_log("%s: its signature changed; %u importers used what changed", swapped[i]->name, n);
        for (uint32_t k = 0; k < n; k++) add_stale(r, paths[k]);
        free(paths);
    }
    bool closed = false;    /* a module not open changed: the index is rebuilt */
    for (uint32_t i = 0; i < nchecked; i++) {
        SgModule *m = swapped[i];
        store_behind(r, m);
        closed |= !m->st->overlay;
        if (lsp_is_stale(r, m->st->abs_path)) continue;     /* published once re-checked */
        if (!m->st->overlay) lsp_publish_file(m->st->abs_path);
        else if (!srv->client_pull) lsp_publish(m->st->abs_path, m->path, &m->diags);
    }
    lsp_publish_related_into(r, replaced, swapped, nchecked);
    free(swapped);
    free(replaced);
    free(sig);
    if (closed) lsp_index_changed(r);
    if (!stale_all && nchecked && !sg_engine_collect(r->last)) {
        lsp_log("%u old records kept for their importers; checking the workspace afresh", r->last->nzombies);
        r->nonfast_gen = srv->gen;
        r->full_needed = true;
    }
    if (stale_all) {
        /* a whole run follows; its install clears the stale list */
        for (uint32_t i = 0; i < j->noverlays; i++)
            if (j->forced[i]) add_stale(r, sg_xstrdup(j->overlays[i].path));
    }
    if (!stale_all)
        lsp_log("re-checked %u modules, %u open, in %.2f ms (%.2f ms from the edit to its publish)%s", nchecked, nopen,
                j->ms, edit_ms, r->nstale ? "; more importers to re-check" : "");
    free_job(j);
    if (r->full_done) {
        LspCheckJob *f = r->full_done;
        r->full_done = NULL;
        finish_full(f, 0);
    }
    if (r->run_unpublished && lsp_is_current()) {
        r->run_unpublished = false;
        lsp_publish_run(r, r->last_full_gen);
    }
    if (lsp_is_current()) lsp_answer_pending();
    lsp_index_resume();
    kick(r);
}

/* On the whole run's thread: the job's own set. */
static bool fill_check(const SgModule *m, void *ctx) {
    const LspCheckJob *j = ctx;
    return m->st->abs_path && sg_map_get(&j->fill, sg_name_c(m->st->abs_path));
}

void lsp_scheduler_fill(LspRoot *r, char **paths, uint32_t n) {
    r->fill = sg_xrealloc(r->fill, sizeof *r->fill * (r->nfill + n + 1));
    for (uint32_t i = 0; i < n; i++) r->fill[r->nfill++] = paths[i];
    free(paths);
    lsp_log("%u modules have no cross-reference entry in the cache; checking them", n);
    r->full_needed = true;
    kick(r);
}

bool lsp_scheduler_filling(const LspRoot *r) { return r->nfill || r->fill_running; }

static void start_full(LspRoot *r) {
    if (srv->sink) return;
    if (r->full_running || srv->state != 1) {
        r->full_needed = true;
        return;
    }
    r->full_needed = false;
    /* sigil.json may have changed: every change to it leads here */
    char *err = NULL;
    if (!sg_severity_load(r->path, &r->levels, &err)) {
        memset(&r->levels, 0, sizeof r->levels);
        if (!r->levels_err || strcmp(r->levels_err, err) != 0) lsp_show_message(LSP_MESSAGE_WARNING, "%s", err);
        free(r->levels_err);
        r->levels_err = err;
    } else {
        free(r->levels_err);
        r->levels_err = NULL;
    }
    LspCheckJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->root = r;
    j->gen = srv->gen;
    j->first = !srv->first_done;   /* until the start-up checks have completed */
    snapshot_docs(j);
    j->opt = engine_options(r, j->overlays, j->noverlays);
    if (j->first && srv->remote.url) {     /* a fresh clone is warm at once */
        const char *err;
        j->opt.remote = sg_remote_open(&srv->remote, &err);
    }
    j->opt.checked = early_checked;
    j->opt.checked_ctx = j;
    if (r->nfill) {
        j->fill_paths = r->fill;
        j->nfill = r->nfill;
        r->fill = NULL;
        r->nfill = 0;
        r->fill_running = true;
        for (uint32_t i = 0; i < j->nfill; i++) sg_map_put(&j->fill, sg_name_c(j->fill_paths[i]), j);
        j->opt.must_check = fill_check;
        j->opt.must_check_ctx = j;
    }
    if (j->first) lsp_progress("report", "checking modules", 10);
    r->full_running = true;
    int rc = uv_queue_work(srv->loop, &j->req, check_work, check_done);
    if (rc < 0) {
        lsp_log("cannot start a check: %s", uv_strerror(rc));
        r->full_running = false;
        free_job(j);
    }
}

/* Most modules re-checked from their files in one job: their results are
 * published when the job is over, so the first come soon. */
#define RECHECK_BATCH 128

static void add_work(LspCheckJob *j, const char *path, const LspDoc *d, bool forced) {
    char *t = NULL;
    if (d) {
        t = sg_xmalloc(d->len + 1);
        memcpy(t, d->text, d->len + 1);
    }
    j->overlays[j->noverlays] = (SgOverlay){sg_xstrdup(path), t, d ? d->len : 0};
    j->forced[j->noverlays++] = forced;
}

/* Edited open documents, and importers made stale by a changed signature
 * whose own imports are not stale: re-checked at once (no debounce: it
 * takes a few milliseconds, and edits that arrive meanwhile are taken by
 * the next job). Open modules first. */
static void start_fast(LspRoot *r) {
    LspCheckJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->root = r;
    j->gen = srv->gen;
    j->base = r->last;
    j->overlays = sg_xcalloc(srv->ndocs + r->nstale + 1, sizeof *j->overlays);
    j->forced = sg_xcalloc(srv->ndocs + r->nstale + 1, sizeof *j->forced);
    bool *taken = sg_xcalloc(r->nstale + 1, sizeof *taken);
    for (uint32_t i = 0; i < srv->ndocs; i++) {
        LspDoc *d = srv->docs[i];
        if (d->root != r || !imports_ready(r, d->path)) continue;
        bool stale = false;
        for (uint32_t k = 0; k < r->nstale && !stale; k++)
            if (strcmp(r->stale[k], d->path) == 0) stale = taken[k] = true;
        if (!stale && !d->fast_pending) continue;
        add_work(j, d->path, d, stale);
        d->fast_pending = false;
    }
    uint32_t closed = 0;
    for (uint32_t k = 0; k < r->nstale && closed < RECHECK_BATCH; k++) {
        if (taken[k] || lsp_doc_at_path(r->stale[k]) || !imports_ready(r, r->stale[k])) continue;
        add_work(j, r->stale[k], NULL, true);
        taken[k] = true;
        closed++;
    }
    uint32_t kept = 0;
    for (uint32_t k = 0; k < r->nstale; k++) {
        if (taken[k]) free(r->stale[k]);
        else r->stale[kept++] = r->stale[k];
    }
    r->nstale = kept;
    free(taken);
    if (!j->noverlays) {
        free_job(j);
        return;
    }
    j->updates = sg_xcalloc(j->noverlays, sizeof *j->updates);
    r->fast_running = true;
    int rc = uv_queue_work(srv->loop, &j->req, fast_work, fast_done);
    if (rc < 0) {
        lsp_log("cannot start a check: %s", uv_strerror(rc));
        r->fast_running = false;
        r->nonfast_gen = srv->gen;    /* a whole run takes the edits instead */
        r->full_needed = true;
        free_job(j);
    }
}

static void kick(LspRoot *r) {
    if (srv->sink || srv->state != 1 || srv->stopping || r->removed) return;
    if (!r->fast_running && !r->full_done && r->last && r->last_full_gen >= r->nonfast_gen) start_fast(r);
    /* at most DEBOUNCE_MS after the first change that needs it, however
     * fast the edits come */
    if (r->full_needed && !r->full_running && !uv_is_active((uv_handle_t *)&r->debounce))
        uv_timer_start(&r->debounce, debounce_fired, DEBOUNCE_MS, 0);
}

static void debounce_fired(uv_timer_t *t) {
    LspRoot *r = t->data;
    if (r->full_needed) start_full(r);
}

void lsp_changed_root(LspRoot *r) {
    srv->gen++;
    r->nonfast_gen = srv->gen;
    r->full_needed = true;
    kick(r);
}

void lsp_changed_at(const char *path) {
    srv->gen++;
    bool any = false;
    for (uint32_t i = 0; path && i < srv->nroots; i++) any |= lsp_in_root(srv->roots[i], path);
    for (uint32_t i = 0; i < srv->nroots; i++) {
        LspRoot *r = srv->roots[i];
        if (any && !lsp_in_root(r, path)) continue;
        r->nonfast_gen = srv->gen;
        r->full_needed = true;
        kick(r);
    }
}

void lsp_changed(LspDoc *d) {
    srv->gen++;
    d->changed_gen = srv->gen;
    d->changed_ns = uv_hrtime();
    d->fast_pending = d->root != NULL;     /* a file of no folder is checked by none */
    /* a folder whose last whole run failed has no run the fast path could
     * check against: a whole run takes the edit (and says why it fails) */
    if (d->root && d->root->failed_err && !(d->root->last && d->root->last_full_gen >= d->root->nonfast_gen))
        d->root->full_needed = true;
    for (uint32_t i = 0; i < srv->nroots; i++) {
        LspRoot *r = srv->roots[i];
        if (r != d->root && lsp_in_root(r, d->path)) {     /* a folder around the file's own folder */
            r->nonfast_gen = srv->gen;
            r->full_needed = true;
        }
        kick(r);
    }
}

/* ---- start and end ---- */
void lsp_scheduler_init(void) {
    uv_mutex_init(&srv->early_mu);
    uv_async_init(srv->loop, &srv->early_async, early_publish);
}

static void timer_closed(uv_handle_t *h) {
    LspRoot *r = h->data;
    r->open_timers--;
    if (r->removed) lsp_root_release(r);
}

void lsp_scheduler_root_init(LspRoot *r) {
    uv_timer_init(srv->loop, &r->debounce);
    uv_timer_init(srv->loop, &r->store_timer);
    r->debounce.data = r->store_timer.data = r;
    r->open_timers = 2;
}

bool lsp_scheduler_root_idle(const LspRoot *r) {
    return !r->full_running && !r->fast_running && !r->store_running && r->open_timers == 0 && !r->index_building &&
           !r->queries_running;
}

void lsp_scheduler_root_stop(LspRoot *r) {
    if (r->nto_store && !r->store_running) store_fired(&r->store_timer);   /* what it checked is not lost */
    uv_close((uv_handle_t *)&r->debounce, timer_closed);
    uv_close((uv_handle_t *)&r->store_timer, timer_closed);
}

void lsp_scheduler_root_free(LspRoot *r) {
    /* its early results not handed to the loop yet */
    if (!srv->sink) {
        uv_mutex_lock(&srv->early_mu);
        uint32_t k = 0;
        for (uint32_t i = 0; i < srv->nearly; i++) {
            if (srv->early[i]->root == r) free_early(srv->early[i]);
            else srv->early[k++] = srv->early[i];
        }
        srv->nearly = k;
        uv_mutex_unlock(&srv->early_mu);
    }
    if (r->nto_store) {     /* the last results, written before we go */
        StoreJob *j = take_pending_results(r);
        store_work(&j->req);
        free_store_job(j);
    }
    if (r->full_done) {
        if (r->full_done->ok) sg_engine_free(&r->full_done->run);
        free_job(r->full_done);
    }
    lsp_free_run(r->last);
    clear_stale(r);
    free(r->levels_err);
    free(r->failed_err);
    lsp_index_free_root(r);
    for (uint32_t i = 0; i < r->nfill; i++) free(r->fill[i]);
    free(r->fill);
}

void lsp_scheduler_stop(void) {
    for (uint32_t i = 0; i < srv->nroots; i++) lsp_scheduler_root_stop(srv->roots[i]);
}

void lsp_scheduler_free(void) {
    for (uint32_t i = 0; i < srv->nearly; i++) free_early(srv->early[i]);
    free(srv->early);
    uv_mutex_destroy(&srv->early_mu);
}
