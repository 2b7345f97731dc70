/* lsp.c - the language server: one libuv loop owns protocol I/O and all
 * workspace state; checks run on libuv's thread pool over a snapshot (the
 * open buffers' text plus the files on disk, through the same engine and
 * on-disk cache as `sigil --check`) and post their result back to the loop.
 * A result made stale by a newer edit is dropped, never published.
 *
 * Threads: the loop thread runs every function here except check_work,
 * which touches only its CheckJob (a snapshot it owns). */
#include "lsp.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "../cache/engine.h"
#include "../cache/store.h"
#include "../checker/ast.h"
#include "../include/sigil.h"
#include "../protocol/jsonrpc.h"
#include "../protocol/position.h"
#include "dirwatch.h"

#define DEBOUNCE_MS 15
/* Results of the fast path are written to the on-disk cache behind, in
 * batches: after STORE_DELAY_MS without a new one, or at STORE_BATCH. */
#define STORE_DELAY_MS 1000
#define STORE_BATCH 256

typedef struct Doc {
    char *uri;
    char *path;         /* absolute */
    char *text;
    size_t len;
    int64_t version;
    uint64_t changed_gen;   /* generation of its last edit */
    uint64_t changed_ns;    /* when it arrived (uv_hrtime), for the log */
    uint64_t early_gen;     /* the run whose results were published early for it */
    bool fast_pending;      /* edited since the fast path last took it */
} Doc;

/* A result of the fast path waiting to be written to the on-disk cache:
 * copies, as the module may be replaced before they are written. */
typedef struct PendingResult {
    SgHash key, export_hash;
    SgBuf sig, diags;
} PendingResult;

typedef struct StoreJob {
    uv_work_t req;
    char *cache_dir;
    PendingResult *items;
    uint32_t n;
} StoreJob;

/* Diagnostics of an open module, checked by a whole run still in progress:
 * published before the run ends (dependents of a changed signature). */
typedef struct EarlyResult {
    uint64_t gen;       /* the run's snapshot generation */
    char *path;
    SgArena arena;
    SgDiags diags;
} EarlyResult;

/* A check on the thread pool: a whole engine run over a snapshot, or the
 * fast path (each edited open module re-checked against `base`). */
typedef struct CheckJob {
    uv_work_t req;
    uint64_t gen;       /* the generation the snapshot was taken at */
    SgOverlay *overlays;
    uint32_t noverlays;
    /* a whole run */
    SgEngineOptions opt;
    SgEngineRun run;
    bool ok;
    char *err;
    bool first;         /* the start-up check (with $/progress) */
    /* the fast path: overlays[i] -> updates[i] */
    SgEngineRun *base;  /* g->last, which nobody modifies while the job runs */
    SgUpdate *updates;
    double ms;
} CheckJob;

typedef struct Lsp {
    uv_loop_t *loop;
    uv_stream_t *in, *out;
    LspFramer framer;
    int state;          /* 0 before initialize, 1 running, 2 after shutdown */
    LspEncoding enc;
    char *root, *std_dir, *cache_dir;
    Doc **docs;
    uint32_t ndocs;
    uv_timer_t debounce;
    uint64_t gen;       /* bumped by every change that can affect a result */
    SgEngineRun *last;  /* the latest published run, with the fast path's swaps */
    /* Scheduling. An edit of an open document goes to the fast path; every
     * other change (open, close, files on disk) needs a whole run, and until
     * one that has seen it is installed the fast path waits: its soundness
     * rests on `last` being current but for the edited modules. */
    bool full_needed, full_running, fast_running;
    CheckJob *full_done;        /* a whole run that finished while a fast job read `last` */
    PendingResult *to_store;    /* the fast path's results, not yet in the on-disk cache */
    uint32_t nto_store;
    uv_timer_t store_timer;
    bool store_running;
    uv_async_t early_async;     /* worker -> loop: `early` has results */
    uv_mutex_t early_mu;
    EarlyResult **early;
    uint32_t nearly;
    uint64_t nonfast_gen;       /* generation of the last change the fast path cannot take */
    uint64_t last_full_gen;     /* snapshot generation of the whole run in `last` */
    bool run_unpublished;       /* `last` came from a run older than some buffer edit: published
                                 * once the fast path has shown those edits kept their signatures */
    char **published;   /* URIs whose last published diagnostics were not empty */
    uint32_t npublished;
    bool dynamic_watch, client_progress;
    int progress_id;        /* id of our window/workDoneProgress/create request */
    int progress_state;     /* 0 none, 1 asked, 2 accepted, 3 refused */
    bool first_done;        /* the start-up check has completed */
    int next_request_id;
    FILE *log;
    SgDirWatch dirs;
    int exit_code;
    bool stopping;      /* exit received: finish writes, start nothing */
    SgBuf *sink;        /* fuzzing: replies go here, no checks, no watching */
    bool client_pull;       /* open files' diagnostics only on request (diagnosticMode "pull") */
    bool push_only;         /* diagnosticMode "push": no diagnosticProvider */
    bool client_refresh;    /* ... and accepts workspace/diagnostic/refresh */
    cJSON **pending;        /* pull requests waiting for a current check */
    uint32_t npending;
} Lsp;

static Lsp *g;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("sigil-lsp: ", g->log);
    vfprintf(g->log, fmt, ap);
    fputc('\n', g->log);
    fflush(g->log);
    va_end(ap);
}

/* ---- output ---- */
typedef struct WriteReq {
    uv_write_t req;
    char *data;
} WriteReq;

static void after_write(uv_write_t *req, int status) {
    WriteReq *w = (WriteReq *)req;
    if (status < 0) logf_("write failed: %s", uv_strerror(status));
    free(w->data);
    free(w);
}

static void lsp_send(cJSON *msg) {
    SgBuf b = {0};
    lsp_frame(msg, &b);
    cJSON_Delete(msg);
    if (g->sink) {
        sg_buf_put(g->sink, b.data, b.len);
        sg_buf_free(&b);
        return;
    }
    WriteReq *w = sg_xmalloc(sizeof *w);
    w->data = b.data;
    uv_buf_t buf = uv_buf_init(b.data, (unsigned)b.len);
    int rc = uv_write(&w->req, g->out, &buf, 1, after_write);
    if (rc < 0) {
        logf_("write failed: %s", uv_strerror(rc));
        free(w->data);
        free(w);
    }
}

/* ---- URIs ---- */
static char *uri_to_path(const char *uri) {
    if (strncmp(uri, "file://", 7) != 0) return NULL;
    const char *p = uri + 7;
    if (*p != '/') {    /* file://host/path: only localhost is ours */
        if (strncmp(p, "localhost/", 10) != 0) return NULL;
        p += 9;
    }
    SgBuf b = {0};
    for (; *p; p++) {
        int h1, h2;
        if (*p == '%' && p[1] && p[2] && (h1 = (p[1] >= 'a' ? p[1] - 'a' + 10 : p[1] >= 'A' ? p[1] - 'A' + 10 : p[1] - '0')) >= 0 &&
            h1 < 16 && (h2 = (p[2] >= 'a' ? p[2] - 'a' + 10 : p[2] >= 'A' ? p[2] - 'A' + 10 : p[2] - '0')) >= 0 && h2 < 16) {
            sg_buf_putc(&b, (char)(h1 * 16 + h2));
            p += 2;
        } else {
            sg_buf_putc(&b, *p);
        }
    }
    char *r = sg_xstrdup(b.data ? b.data : "/");
    sg_buf_free(&b);
    return r;
}

static char *path_to_uri(const char *path) {
    SgBuf b = {0};
    sg_buf_puts(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
            sg_buf_putc(&b, (char)*p);
        else
            sg_buf_printf(&b, "%%%02X", *p);
    }
    char *r = sg_xstrdup(b.data);
    sg_buf_free(&b);
    return r;
}

/* ---- documents ---- */
static Doc *find_doc_by_path(const char *path) {
    for (uint32_t i = 0; i < g->ndocs; i++)
        if (strcmp(g->docs[i]->path, path) == 0) return g->docs[i];
    return NULL;
}

static Doc *find_doc(const char *uri) {
    for (uint32_t i = 0; i < g->ndocs; i++)
        if (strcmp(g->docs[i]->uri, uri) == 0) return g->docs[i];
    return NULL;
}

static void free_doc(Doc *d) {
    free(d->uri);
    free(d->path);
    free(d->text);
    free(d);
}

/* ---- checking ---- */
static void changed(Doc *d);
static void kick(void);
static void debounce_fired(uv_timer_t *t);
static void answer_pending(void);

static void check_work(uv_work_t *req) {
    CheckJob *j = req->data;
    j->ok = sg_engine_run(&j->opt, &j->run, &j->err);
}

static void fast_work(uv_work_t *req) {
    CheckJob *j = req->data;
    double t0 = (double)uv_hrtime() / 1e6;
    for (uint32_t i = 0; i < j->noverlays; i++) j->updates[i] = sg_engine_update(j->base, &j->overlays[i]);
    j->ms = (double)uv_hrtime() / 1e6 - t0;
}

static void free_job(CheckJob *j) {
    for (uint32_t i = 0; i < j->noverlays; i++) {
        free((char *)j->overlays[i].path);
        free((char *)j->overlays[i].text);
        if (j->updates && j->updates[i].m) sg_module_free(j->updates[i].m);
    }
    free(j->overlays);
    free(j->updates);
    free(j->err);
    free(j);
}

/* The open documents' text, owned by the job. */
static void snapshot_docs(CheckJob *j, bool only_pending) {
    j->overlays = sg_xcalloc(g->ndocs + 1, sizeof *j->overlays);
    for (uint32_t i = 0; i < g->ndocs; i++) {
        Doc *d = g->docs[i];
        if (only_pending && !d->fast_pending) continue;
        char *t = sg_xmalloc(d->len + 1);
        memcpy(t, d->text, d->len + 1);
        j->overlays[j->noverlays++] = (SgOverlay){sg_xstrdup(d->path), t, d->len};
    }
}

/* A long-lived server frees a whole run at a time; glibc keeps that memory
 * in the worker threads' malloc arenas unless asked to give it back. */
static void release_memory(void) { malloc_trim(0); }

static void free_run(SgEngineRun *r) {
    if (!r) return;
    sg_engine_free(r);
    free(r);
    release_memory();
}

/* Text of a module as the user sees it: the open buffer, else the file. */
static char *module_text(const char *abs, const char *disk_path, size_t *len) {
    Doc *d = find_doc_by_path(abs);
    if (d) {
        *len = d->len;
        return memcpy(sg_xmalloc(d->len + 1), d->text, d->len + 1);
    }
    char *data;
    const char *err;
    if (sg_read_file(disk_path, &data, len, &err)) return data;
    *len = 0;
    return sg_xstrdup("");
}

static cJSON *lsp_range(const char *text, size_t len, uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2) {
    cJSON *r = cJSON_CreateObject();
    cJSON *s = cJSON_AddObjectToObject(r, "start"), *e = cJSON_AddObjectToObject(r, "end");
    cJSON_AddNumberToObject(s, "line", l1 ? l1 - 1 : 0);
    cJSON_AddNumberToObject(s, "character", lsp_character_of_column(text, len, l1, c1, g->enc));
    cJSON_AddNumberToObject(e, "line", l2 ? l2 - 1 : 0);
    cJSON_AddNumberToObject(e, "character", lsp_character_of_column(text, len, l2, c2, g->enc));
    return r;
}

static cJSON *diag_array(const SgDiags *ds, const char *text, size_t len) {
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < ds->len; i++) {
        const SgDiag *d = &ds->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "range", lsp_range(text, len, d->line, d->col, d->end_line, d->end_col));
        cJSON_AddNumberToObject(o, "severity", sg_diag_severity(d) == SG_ERROR ? 1 : 2);
        cJSON_AddStringToObject(o, "code", d->code);
        cJSON_AddStringToObject(o, "source", "sigil");
        cJSON_AddStringToObject(o, "message", d->message);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

typedef struct FileDiags {
    char *path;         /* absolute */
    const char *disk;   /* path to read */
    const SgDiags *diags;
} FileDiags;

/* Every file of the run that has diagnostics, workspace modules and strays. */
static FileDiags *run_files(SgEngineRun *run, uint32_t *n) {
    FileDiags *fs = sg_xcalloc(run->prog.n + run->nstrays + 1, sizeof *fs);
    uint32_t k = 0;
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *m = run->prog.mods[i];
        if (m->is_std || !m->abs_path) continue;
        fs[k++] = (FileDiags){sg_xstrdup(m->abs_path), m->path, &m->diags};
    }
    for (uint32_t i = 0; i < run->nstrays; i++) {
        SgBuf b = {0};
        sg_buf_printf(&b, "%s/%s", run->root_abs, run->strays[i].rel);
        fs[k++] = (FileDiags){b.data, run->strays[i].path, &run->strays[i].diags};
    }
    *n = k;
    return fs;
}

static void publish(const char *path, const char *disk, const SgDiags *ds) {
    size_t len;
    char *text = module_text(path, disk, &len);
    cJSON *params = cJSON_CreateObject();
    char *uri = path_to_uri(path);
    Doc *d = find_doc_by_path(path);
    cJSON_AddStringToObject(params, "uri", d ? d->uri : uri);
    if (d) cJSON_AddNumberToObject(params, "version", (double)d->version);
    static const SgDiags empty = {0};
    cJSON_AddItemToObject(params, "diagnostics", diag_array(ds ? ds : &empty, text, len));
    lsp_send(lsp_notification("textDocument/publishDiagnostics", params));
    free(uri);
    free(text);
}

/* A client that pulls diagnostics gets open files' diagnostics only when
 * it asks (pushing them too would show every diagnostic twice); files that
 * are not open are always pushed. */
static void publish_run(uint64_t snapshot_gen) {
    uint32_t n;
    FileDiags *fs = run_files(g->last, &n);
    char **now = sg_xcalloc(n + g->npublished + 1, sizeof(char *));
    uint32_t nnow = 0;
    for (uint32_t i = 0; i < n; i++) {
        Doc *d = find_doc_by_path(fs[i].path);
        bool open = d != NULL;
        if (open && g->client_pull) continue;
        if (d && d->changed_gen > snapshot_gen) continue;   /* edited since: the fast path publishes it */
        bool early = d && d->early_gen == snapshot_gen;     /* the same result, published as it was checked */
        if ((fs[i].diags->len || open) && !early) publish(fs[i].path, fs[i].disk, fs[i].diags);
        if (fs[i].diags->len) now[nnow++] = sg_xstrdup(fs[i].path);
    }
    /* files that had diagnostics and have none now (or are gone) */
    for (uint32_t i = 0; i < g->npublished; i++) {
        bool still = false;
        for (uint32_t k = 0; k < nnow && !still; k++) still = strcmp(now[k], g->published[i]) == 0;
        Doc *d = find_doc_by_path(g->published[i]);
        bool open = d != NULL;
        bool in_run = false;
        for (uint32_t k = 0; k < n && !in_run; k++) in_run = strcmp(fs[k].path, g->published[i]) == 0;
        if (!still && d && d->changed_gen > snapshot_gen) {
            now[nnow++] = g->published[i];  /* left as the fast path published it */
            continue;
        }
        if (!still && !(open && in_run)) publish(g->published[i], g->published[i], NULL);
        free(g->published[i]);
    }
    free(g->published);
    g->published = now;
    g->npublished = nnow;
    /* open documents that are not modules of the workspace get an empty report */
    for (uint32_t i = 0; i < g->ndocs && !g->client_pull; i++) {
        bool in_run = false;
        for (uint32_t k = 0; k < n && !in_run; k++) in_run = strcmp(fs[k].path, g->docs[i]->path) == 0;
        if (!in_run) publish(g->docs[i]->path, g->docs[i]->path, NULL);
    }
    for (uint32_t i = 0; i < n; i++) free(fs[i].path);
    free(fs);
}

static void progress(const char *kind, const char *message, int percent) {
    if (!g->client_progress || g->progress_state != 2) return;   /* only on a token the client created */
    cJSON *params = cJSON_CreateObject();
    cJSON_AddStringToObject(params, "token", "sigil-index");
    cJSON *v = cJSON_AddObjectToObject(params, "value");
    cJSON_AddStringToObject(v, "kind", kind);
    if (strcmp(kind, "begin") == 0) {
        cJSON_AddStringToObject(v, "title", "sigil: checking workspace");
        cJSON_AddBoolToObject(v, "cancellable", 0);
    }
    if (message) cJSON_AddStringToObject(v, "message", message);
    if (percent >= 0 && strcmp(kind, "end") != 0) cJSON_AddNumberToObject(v, "percentage", percent);
    lsp_send(lsp_notification("$/progress", params));
}

/* ---- open modules published as a whole run checks them ---- */

/* On the whole run's thread. */
static void early_checked(SgModule *const *mods, uint32_t n, void *ctx) {
    CheckJob *j = ctx;
    bool any = false;
    for (uint32_t i = 0; i < n; i++) {
        const SgModule *m = mods[i];
        if (!m->overlay || !m->abs_path || m->dup_rel) continue;
        EarlyResult *e = sg_xcalloc(1, sizeof *e);
        e->gen = j->gen;
        e->path = sg_xstrdup(m->abs_path);
        sg_arena_init(&e->arena);
        e->diags.arena = &e->arena;
        e->diags.items = sg_xcalloc(m->diags.len + 1, sizeof *e->diags.items);
        for (uint32_t k = 0; k < m->diags.len; k++) {
            e->diags.items[k] = m->diags.items[k];
            e->diags.items[k].message = sg_arena_strndup(&e->arena, m->diags.items[k].message,
                                                         strlen(m->diags.items[k].message));
        }
        e->diags.len = e->diags.cap = m->diags.len;
        uv_mutex_lock(&g->early_mu);
        g->early = sg_xrealloc(g->early, sizeof *g->early * (g->nearly + 1));
        g->early[g->nearly++] = e;
        uv_mutex_unlock(&g->early_mu);
        any = true;
    }
    if (any) uv_async_send(&g->early_async);
}

static void free_early(EarlyResult *e) {
    sg_diags_free(&e->diags);
    sg_arena_free(&e->arena);
    free(e->path);
    free(e);
}

/* Published only while nothing made them stale: no change at all since the
 * run's snapshot (an edit of another buffer may change a signature), and no
 * run at least as new installed (it published them itself). Only for
 * modules open in `last` already, so that queries about a published file
 * still find its facts there. */
static void early_publish(uv_async_t *h) {
    (void)h;
    uv_mutex_lock(&g->early_mu);
    EarlyResult **es = g->early;
    uint32_t n = g->nearly;
    g->early = NULL;
    g->nearly = 0;
    uv_mutex_unlock(&g->early_mu);
    for (uint32_t i = 0; i < n; i++) {
        EarlyResult *e = es[i];
        Doc *d = find_doc_by_path(e->path);
        SgModule *m = g->last ? sg_engine_module_at(g->last, e->path) : NULL;
        if (d && m && m->facts && !g->stopping && !g->client_pull && g->gen == e->gen && e->gen > g->last_full_gen) {
            publish(e->path, e->path, &e->diags);
            d->early_gen = e->gen;
        }
        free_early(e);
    }
    free(es);
}

/* ---- writing the fast path's results behind ---- */
static void store_work(uv_work_t *req) {
    StoreJob *j = req->data;
    SgStore *st = sg_store_open(j->cache_dir);
    if (!st) return;
    if (sg_store_begin(st)) {
        for (uint32_t i = 0; i < j->n; i++)
            sg_store_put_result(st, &j->items[i].key, &j->items[i].export_hash, &j->items[i].sig, &j->items[i].diags);
        sg_store_commit(st);
    }
    sg_store_close(st);
}

static void free_store_job(StoreJob *j) {
    for (uint32_t i = 0; i < j->n; i++) {
        sg_buf_free(&j->items[i].sig);
        sg_buf_free(&j->items[i].diags);
    }
    free(j->items);
    free(j->cache_dir);
    free(j);
}

static StoreJob *take_pending_results(void) {
    StoreJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->cache_dir = sg_xstrdup(g->cache_dir);
    j->items = g->to_store;
    j->n = g->nto_store;
    g->to_store = NULL;
    g->nto_store = 0;
    return j;
}

static void store_fired(uv_timer_t *t);

static void store_done(uv_work_t *req, int status) {
    (void)status;
    free_store_job(req->data);
    g->store_running = false;
    if (g->nto_store && !g->stopping) uv_timer_start(&g->store_timer, store_fired, STORE_DELAY_MS, 0);
}

static void store_fired(uv_timer_t *t) {
    (void)t;
    if (g->store_running || !g->nto_store) return;
    StoreJob *j = take_pending_results();
    g->store_running = true;
    if (uv_queue_work(g->loop, &j->req, store_work, store_done) < 0) {
        g->store_running = false;
        free_store_job(j);
    }
}

static void store_behind(const SgModule *m) {
    if (!g->cache_dir || m->uncacheable || !m->sig_blob.len || !m->diag_blob.len) return;
    g->to_store = sg_xrealloc(g->to_store, sizeof *g->to_store * (g->nto_store + 1));
    PendingResult *r = &g->to_store[g->nto_store++];
    memset(r, 0, sizeof *r);
    memcpy(r->key.b, m->check_key, 16);
    memcpy(r->export_hash.b, m->export_hash, 16);
    sg_buf_put(&r->sig, m->sig_blob.data, m->sig_blob.len);
    sg_buf_put(&r->diags, m->diag_blob.data, m->diag_blob.len);
    /* written once the edits pause (not to compete with the next edit's check) */
    if (g->nto_store >= STORE_BATCH) store_fired(&g->store_timer);
    else uv_timer_start(&g->store_timer, store_fired, STORE_DELAY_MS, 0);
}

/* The published diagnostics of one open module (the fast path). */
static void publish_module(const SgModule *m) {
    if (!g->client_pull) publish(m->abs_path, m->path, &m->diags);
    uint32_t k = 0;
    while (k < g->npublished && strcmp(g->published[k], m->abs_path) != 0) k++;
    if (m->diags.len && k == g->npublished) {
        g->published = sg_xrealloc(g->published, sizeof *g->published * (g->npublished + 1));
        g->published[g->npublished++] = sg_xstrdup(m->abs_path);
    } else if (!m->diags.len && k < g->npublished) {
        free(g->published[k]);
        g->published[k] = g->published[--g->npublished];
    }
}

/* Has `last` seen every change so far? (Pull requests wait until then.) */
static bool is_current(void) {
    if (!g->last || g->full_needed || g->full_running || g->fast_running || g->full_done ||
        g->last_full_gen < g->nonfast_gen)
        return false;
    for (uint32_t i = 0; i < g->ndocs; i++)
        if (g->docs[i]->fast_pending) return false;
    return true;
}

static void finish_full(CheckJob *j, int status) {
    /* stale only if a change the fast path cannot take came after the
     * snapshot; edits of open documents since are re-applied to it */
    bool stale = g->nonfast_gen > j->gen || status != 0;
    if (!j->ok) {
        logf_("check failed: %s", j->err ? j->err : "unknown error");
    } else if (stale) {
        sg_engine_free(&j->run);    /* a newer change made this result stale */
        release_memory();
        g->full_needed = true;
    } else {
        SgEngineRun *old = g->last;
        g->last = sg_xmalloc(sizeof *g->last);
        *g->last = j->run;
        if (old) sg_engine_free(old);
        free(old);
        release_memory();   /* the old run, and this run's trees freed on the worker threads */
        logf_("checked %u modules (%u from cache) in %.1f ms", g->last->nworkspace, g->last->nreused,
              g->last->elapsed_ms);
        g->last_full_gen = j->gen;
        bool edited_since = false;
        for (uint32_t i = 0; i < g->ndocs; i++) {
            g->docs[i]->fast_pending = g->docs[i]->changed_gen > j->gen;
            edited_since |= g->docs[i]->fast_pending;
        }
        if (j->first) progress("report", "publishing diagnostics", 90);
        /* an edit since the snapshot may have changed a signature: the
         * other files' results wait until the fast path has seen it */
        g->run_unpublished = edited_since;
        if (!edited_since) publish_run(j->gen);
        if (is_current()) answer_pending();
        if (g->client_pull && g->client_refresh) {
            cJSON *req = lsp_notification("workspace/diagnostic/refresh", NULL);
            cJSON_AddNumberToObject(req, "id", ++g->next_request_id);
            lsp_send(req);
        }
    }
    if (j->first && !stale && j->ok) {
        g->first_done = true;
        progress("end", "done", -1);
    }
    free_job(j);
}

static void check_done(uv_work_t *req, int status) {
    CheckJob *j = req->data;
    g->full_running = false;
    if (g->stopping) {
        if (j->ok) sg_engine_free(&j->run);
        free_job(j);
        return;
    }
    if (g->fast_running) {
        g->full_done = j;   /* `last` is being read: install it when that is over */
        if (status != 0) j->ok = false;
        return;
    }
    finish_full(j, status);
    kick();
}

static void fast_done(uv_work_t *req, int status) {
    CheckJob *j = req->data;
    g->fast_running = false;
    if (g->stopping) {
        free_job(j);
        return;
    }
    /* a change the fast path cannot take makes the whole job stale; a later
     * edit of one document, that document's result */
    bool stale_all = g->nonfast_gen > j->gen || status != 0;
    uint32_t nchecked = 0;
    double edit_ms = 0;
    for (uint32_t i = 0; i < j->noverlays && !stale_all; i++) {
        Doc *d = find_doc_by_path(j->overlays[i].path);
        SgUpdate *u = &j->updates[i];
        if (!d || d->changed_gen > j->gen) continue;
        switch (u->kind) {
        case SG_UPDATE_NONE:
            publish(d->path, d->path, NULL);
            break;
        case SG_UPDATE_FULL:
            logf_("%s: %s; checking the workspace", d->path, u->why);
            g->nonfast_gen = g->gen;
            g->full_needed = true;
            break;
        case SG_UPDATE_SAME:
            publish_module(sg_engine_module_at(g->last, d->path));
            break;
        case SG_UPDATE_BODY:
        case SG_UPDATE_SIG: {
            SgModule *m = u->m;
            nchecked++;
            if (u->kind == SG_UPDATE_SIG) logf_("%s: its signature changed; checking its dependents", m->name);
            if (!sg_engine_swap(g->last, u)) g->full_needed = true;
            publish_module(m);
            store_behind(m);
            edit_ms = (double)(uv_hrtime() - d->changed_ns) / 1e6;
            break;
        }
        }
    }
    if (!stale_all) logf_("re-checked %u open modules in %.2f ms (%.2f ms from the edit to its publish)", nchecked, j->ms, edit_ms);
    free_job(j);
    if (g->full_done) {
        CheckJob *f = g->full_done;
        g->full_done = NULL;
        finish_full(f, 0);
    }
    if (g->run_unpublished && is_current()) {
        g->run_unpublished = false;
        publish_run(g->last_full_gen);
    }
    if (is_current()) answer_pending();
    kick();
}

static void start_full(void) {
    if (g->sink) return;
    if (g->full_running || g->state != 1) {
        g->full_needed = true;
        return;
    }
    g->full_needed = false;
    CheckJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->gen = g->gen;
    j->first = !g->first_done;   /* until the start-up check has completed */
    snapshot_docs(j, false);
    j->opt = (SgEngineOptions){.root = g->root, .std_dir = g->std_dir, .jobs = 2, .cache_dir = g->cache_dir,
                               .cache_keep = 100000, .overlays = j->overlays, .noverlays = j->noverlays,
                               .overlay_facts = true, .checked = early_checked, .checked_ctx = j};
    if (j->first) progress("report", "checking modules", 10);
    g->full_running = true;
    int rc = uv_queue_work(g->loop, &j->req, check_work, check_done);
    if (rc < 0) {
        logf_("cannot start a check: %s", uv_strerror(rc));
        g->full_running = false;
        free_job(j);
    }
}

/* Edited open documents, re-checked at once (no debounce: it takes a few
 * milliseconds, and edits that arrive meanwhile are taken by the next). */
static void start_fast(void) {
    CheckJob *j = sg_xcalloc(1, sizeof *j);
    j->req.data = j;
    j->gen = g->gen;
    j->base = g->last;
    snapshot_docs(j, true);
    if (!j->noverlays) {
        free_job(j);
        return;
    }
    for (uint32_t i = 0; i < g->ndocs; i++) g->docs[i]->fast_pending = false;
    j->updates = sg_xcalloc(j->noverlays, sizeof *j->updates);
    g->fast_running = true;
    int rc = uv_queue_work(g->loop, &j->req, fast_work, fast_done);
    if (rc < 0) {
        logf_("cannot start a check: %s", uv_strerror(rc));
        g->fast_running = false;
        g->nonfast_gen = g->gen;    /* a whole run takes the edits instead */
        g->full_needed = true;
        free_job(j);
    }
}

static void kick(void) {
    if (g->sink || g->state != 1 || g->stopping) return;
    if (!g->fast_running && !g->full_done && g->last && g->last_full_gen >= g->nonfast_gen) start_fast();
    /* at most DEBOUNCE_MS after the first change that needs it, however
     * fast the edits come */
    if (g->full_needed && !g->full_running && !uv_is_active((uv_handle_t *)&g->debounce))
        uv_timer_start(&g->debounce, debounce_fired, DEBOUNCE_MS, 0);
}

static void debounce_fired(uv_timer_t *t) {
    (void)t;
    if (g->full_needed) start_full();
}

/* Every change goes through here: `d` is an open document that was edited
 * (the fast path may take it); NULL is any other change. */
static void changed(Doc *d) {
    g->gen++;
    if (d) {
        d->changed_gen = g->gen;
        d->changed_ns = uv_hrtime();
        d->fast_pending = true;
    } else {
        g->nonfast_gen = g->gen;
        g->full_needed = true;
    }
    kick();
}

/* ---- file watching (when the client does not watch for us) ---- */
static void dir_changed(void *ctx) {
    (void)ctx;
    changed(NULL);
}

static void watch_workspace(void) {
    g->dirs.loop = g->loop;
    g->dirs.changed = dir_changed;
    sg_dirwatch_tree(&g->dirs, g->root);
}

/* ---- requests and notifications ---- */
static const char *str_at(const cJSON *o, const char *a, const char *b) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* LSP numbers are doubles on the wire: clamp before converting (a huge or
 * negative position is the end or the start, never undefined behaviour). */
static uint32_t u32(double v) { return v != v || v <= 0 ? 0 : v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v; }
static int64_t i64(double v) { return v != v ? 0 : v <= -9.0e18 ? INT64_MIN : v >= 9.0e18 ? INT64_MAX : (int64_t)v; }

static bool num_at(const cJSON *o, const char *k, double *out) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(x)) return false;
    *out = x->valuedouble;
    return true;
}

/* Semantic token types, in legend order. */
static const char *const token_types[] = {"namespace", "type", "struct", "enum", "enumMember", "function",
                                          "variable", "parameter", "property", "keyword", "string", "number",
                                          "comment", "operator", "typeParameter"};
enum { TT_NAMESPACE, TT_TYPE, TT_STRUCT, TT_ENUM, TT_ENUM_MEMBER, TT_FUNCTION, TT_VARIABLE, TT_PARAMETER,
       TT_PROPERTY, TT_KEYWORD, TT_STRING, TT_NUMBER, TT_COMMENT, TT_OPERATOR, TT_TYPE_PARAMETER };

static void on_initialize(const cJSON *id, const cJSON *params) {
    const char *root_uri = str_at(params, "rootUri", NULL);
    const cJSON *folders = cJSON_GetObjectItemCaseSensitive(params, "workspaceFolders");
    if (!root_uri && cJSON_IsArray(folders) && cJSON_GetArraySize(folders) > 0)
        root_uri = str_at(cJSON_GetArrayItem(folders, 0), "uri", NULL);
    char *root = root_uri ? uri_to_path(root_uri) : NULL;
    if (!root && str_at(params, "rootPath", NULL)) root = sg_xstrdup(str_at(params, "rootPath", NULL));
    if (!root) {
        char cwd[PATH_MAX];
        root = sg_xstrdup(getcwd(cwd, sizeof cwd) ? cwd : ".");
    }
    char real[PATH_MAX];
    g->root = sg_xstrdup(realpath(root, real) ? real : root);
    free(root);
    const char *env = getenv("SIGIL_CACHE_DIR");
    SgBuf cd = {0};
    sg_buf_printf(&cd, "%s/.sigil-cache", g->root);
    g->cache_dir = env && *env ? sg_xstrdup(env) : sg_xstrdup(cd.data);
    sg_buf_free(&cd);

    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(params, "capabilities");
    const cJSON *encs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(caps, "general"), "positionEncodings");
    g->enc = LSP_UTF16;
    const cJSON *e;
    cJSON_ArrayForEach(e, encs) {
        if (cJSON_IsString(e) && strcmp(e->valuestring, "utf-8") == 0) g->enc = LSP_UTF8;
    }
    const cJSON *ws = cJSON_GetObjectItemCaseSensitive(caps, "workspace");
    g->dynamic_watch = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ws, "didChangeWatchedFiles"), "dynamicRegistration"));
    /* Diagnostics of open files are pushed and can be pulled (CONTRACT.md).
     * A client that shows both twice can choose one model with
     * initializationOptions.diagnosticMode: "push" (no diagnosticProvider)
     * or "pull" (open files are not pushed; refreshes are sent). */
    const char *mode = str_at(params, "initializationOptions", "diagnosticMode");
    g->client_pull = mode && strcmp(mode, "pull") == 0;
    g->push_only = mode && strcmp(mode, "push") == 0;
    g->client_refresh = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ws, "diagnostics"), "refreshSupport"));
    g->client_progress = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(caps, "window"), "workDoneProgress"));

    cJSON *res = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(res, "capabilities");
    cJSON_AddStringToObject(c, "positionEncoding", g->enc == LSP_UTF8 ? "utf-8" : "utf-16");
    cJSON *sync = cJSON_AddObjectToObject(c, "textDocumentSync");
    cJSON_AddBoolToObject(sync, "openClose", 1);
    cJSON_AddNumberToObject(sync, "change", 2);
    cJSON_AddItemToObject(cJSON_AddObjectToObject(sync, "save"), "includeText", cJSON_CreateFalse());
    if (!g->push_only) {
        cJSON *dp = cJSON_AddObjectToObject(c, "diagnosticProvider");
        cJSON_AddStringToObject(dp, "identifier", "sigil");
        cJSON_AddBoolToObject(dp, "interFileDependencies", 1);
        cJSON_AddBoolToObject(dp, "workspaceDiagnostics", 0);
    }
    cJSON_AddBoolToObject(c, "documentSymbolProvider", 1);
    cJSON_AddBoolToObject(c, "hoverProvider", 1);
    cJSON_AddBoolToObject(c, "definitionProvider", 1);
    cJSON_AddBoolToObject(c, "referencesProvider", 1);
    cJSON_AddBoolToObject(c, "inlayHintProvider", 1);
    cJSON *sh = cJSON_AddObjectToObject(c, "signatureHelpProvider");
    cJSON *shtrig = cJSON_AddArrayToObject(sh, "triggerCharacters");
    cJSON_AddItemToArray(shtrig, cJSON_CreateString("("));
    cJSON_AddItemToArray(shtrig, cJSON_CreateString(","));
    cJSON *rp = cJSON_AddObjectToObject(c, "renameProvider");
    cJSON_AddBoolToObject(rp, "prepareProvider", 1);
    cJSON *cap = cJSON_AddObjectToObject(c, "codeActionProvider");
    cJSON *cak = cJSON_AddArrayToObject(cap, "codeActionKinds");
    cJSON_AddItemToArray(cak, cJSON_CreateString("quickfix"));
    cJSON_AddBoolToObject(c, "workspaceSymbolProvider", 1);
    cJSON *st = cJSON_AddObjectToObject(c, "semanticTokensProvider");
    cJSON *legend = cJSON_AddObjectToObject(st, "legend");
    cJSON *tt = cJSON_AddArrayToObject(legend, "tokenTypes");
    for (size_t i = 0; i < SG_ARRAY_LEN(token_types); i++) cJSON_AddItemToArray(tt, cJSON_CreateString(token_types[i]));
    cJSON_AddArrayToObject(legend, "tokenModifiers");
    cJSON_AddBoolToObject(st, "full", 1);
    cJSON *cp = cJSON_AddObjectToObject(c, "completionProvider");
    cJSON *trig = cJSON_AddArrayToObject(cp, "triggerCharacters");
    cJSON_AddItemToArray(trig, cJSON_CreateString("."));
    cJSON *info = cJSON_AddObjectToObject(res, "serverInfo");
    cJSON_AddStringToObject(info, "name", "sigil");
    cJSON_AddStringToObject(info, "version", SIGIL_VERSION);
    lsp_send(lsp_response(id, res));
    g->state = 1;
    logf_("initialized: root %s, positions %s", g->root, g->enc == LSP_UTF8 ? "utf-8" : "utf-16");
}

static void on_initialized(void) {
    if (g->dynamic_watch) {
        cJSON *params = cJSON_CreateObject();
        cJSON *regs = cJSON_AddArrayToObject(params, "registrations");
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "id", "sigil-watch");
        cJSON_AddStringToObject(r, "method", "workspace/didChangeWatchedFiles");
        cJSON *opts = cJSON_AddObjectToObject(r, "registerOptions");
        cJSON *ws = cJSON_AddArrayToObject(opts, "watchers");
        cJSON *w1 = cJSON_CreateObject(), *w2 = cJSON_CreateObject();
        cJSON_AddStringToObject(w1, "globPattern", "**/*.sg");
        cJSON_AddStringToObject(w2, "globPattern", "**/sigil.json");
        cJSON_AddItemToArray(ws, w1);
        cJSON_AddItemToArray(ws, w2);
        cJSON_AddItemToArray(regs, r);
        cJSON *req = lsp_notification("client/registerCapability", params);
        cJSON_AddNumberToObject(req, "id", ++g->next_request_id);
        lsp_send(req);
    } else if (!g->sink) {
        watch_workspace();
    }
    if (g->client_progress) {
        cJSON *params = cJSON_CreateObject();
        cJSON_AddStringToObject(params, "token", "sigil-index");
        cJSON *req = lsp_notification("window/workDoneProgress/create", params);
        g->progress_id = ++g->next_request_id;
        g->progress_state = 1;
        cJSON_AddNumberToObject(req, "id", g->progress_id);
        lsp_send(req);
    }
    /* after the debounce, so that the didOpen that usually follows at once
     * is part of the start-up run instead of making it stale */
    changed(NULL);
}

static void on_did_open(const cJSON *params) {
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const char *uri = str_at(td, "uri", NULL), *text = str_at(td, "text", NULL);
    double version = 0;
    num_at(td, "version", &version);
    if (!uri || !text) {
        logf_("didOpen without textDocument.uri/text: ignored");
        return;
    }
    char *path = uri_to_path(uri);
    if (!path) {
        logf_("didOpen of a non-file URI %s: ignored", uri);
        return;
    }
    char real[PATH_MAX];
    if (realpath(path, real)) {
        free(path);
        path = sg_xstrdup(real);
    }
    Doc *d = find_doc(uri);
    if (!d) {
        d = sg_xcalloc(1, sizeof *d);
        d->uri = sg_xstrdup(uri);
        d->path = path;
        g->docs = sg_xrealloc(g->docs, sizeof *g->docs * (g->ndocs + 1));
        g->docs[g->ndocs++] = d;
    } else {
        free(path);
        free(d->text);
    }
    d->len = strlen(text);
    d->text = sg_xstrdup(text);
    d->version = i64(version);
    changed(NULL);
}

static bool apply_change(Doc *d, const cJSON *ch) {
    const char *text = str_at(ch, "text", NULL);
    if (!text) return false;
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(ch, "range");
    size_t tl = strlen(text);
    if (!range) {
        free(d->text);
        d->text = sg_xstrdup(text);
        d->len = tl;
        return true;
    }
    double l1, c1, l2, c2;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(range, "start"), *e = cJSON_GetObjectItemCaseSensitive(range, "end");
    if (!num_at(s, "line", &l1) || !num_at(s, "character", &c1) || !num_at(e, "line", &l2) || !num_at(e, "character", &c2) ||
        l1 < 0 || c1 < 0 || l2 < 0 || c2 < 0)
        return false;
    size_t a = lsp_offset_of(d->text, d->len, u32(l1), u32(c1), g->enc);
    size_t b = lsp_offset_of(d->text, d->len, u32(l2), u32(c2), g->enc);
    if (b < a) {
        size_t t = a;
        a = b;
        b = t;
    }
    char *n = sg_xmalloc(d->len - (b - a) + tl + 1);
    memcpy(n, d->text, a);
    memcpy(n + a, text, tl);
    memcpy(n + a + tl, d->text + b, d->len - b);
    d->len = d->len - (b - a) + tl;
    n[d->len] = 0;
    free(d->text);
    d->text = n;
    return true;
}

static void on_did_change(const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    Doc *d = uri ? find_doc(uri) : NULL;
    if (!d) {
        logf_("didChange of a document that is not open (%s): ignored", uri ? uri : "no uri");
        return;
    }
    double version;
    if (num_at(cJSON_GetObjectItemCaseSensitive(params, "textDocument"), "version", &version)) d->version = i64(version);
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "contentChanges"), *ch;
    cJSON_ArrayForEach(ch, changes) {
        if (!apply_change(d, ch)) logf_("malformed content change for %s: ignored", uri);
    }
    changed(d);
}

static void on_did_close(const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    for (uint32_t i = 0; uri && i < g->ndocs; i++) {
        if (strcmp(g->docs[i]->uri, uri) != 0) continue;
        free_doc(g->docs[i]);
        g->docs[i] = g->docs[--g->ndocs];
        changed(NULL);      /* the file on disk counts again */
        return;
    }
}

/* A saved buffer changes nothing we check (the buffer already won over the
 * file), unless the client saved a document it had not opened with us. */
static void on_did_save(const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    if (!uri || !find_doc(uri)) changed(NULL);
}

/* Files changed on disk; a change to a file open in the editor is not one
 * for us (its buffer wins), its creation or deletion may be. */
static void on_watched_files(const cJSON *params) {
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "changes"), *c;
    bool any = !cJSON_IsArray(changes) || cJSON_GetArraySize(changes) == 0;
    cJSON_ArrayForEach(c, changes) {
        const char *uri = str_at(c, "uri", NULL);
        double type = 0;
        num_at(c, "type", &type);
        if (!uri || !find_doc(uri) || type != 2) any = true;
    }
    if (any) changed(NULL);
}

static cJSON *position_json(uint32_t line, uint32_t ch) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "line", line);
    cJSON_AddNumberToObject(p, "character", ch);
    return p;
}

static cJSON *span_range(const char *text, size_t len, SgSpan s) {
    uint32_t l1, c1, l2, c2;
    lsp_position_of(text, len, s.start, g->enc, &l1, &c1);
    lsp_position_of(text, len, s.end, g->enc, &l2, &c2);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "start", position_json(l1, c1));
    cJSON_AddItemToObject(r, "end", position_json(l2, c2));
    return r;
}

/* SymbolKind values of LSP 3.17 */
enum { SK_MODULE = 2, SK_FIELD = 8, SK_ENUM = 10, SK_FUNCTION = 12, SK_CONSTANT = 14, SK_STRUCT = 23,
       SK_ENUM_MEMBER = 22, SK_TYPE_PARAMETER = 26 };

static cJSON *symbol(const char *text, size_t len, SgName name, int kind, SgSpan full, SgSpan sel) {
    cJSON *s = cJSON_CreateObject();
    char *n = sg_xmalloc(name.len + 1);
    memcpy(n, name.s, name.len);
    n[name.len] = 0;
    cJSON_AddStringToObject(s, "name", n);
    free(n);
    cJSON_AddNumberToObject(s, "kind", kind);
    cJSON_AddItemToObject(s, "range", span_range(text, len, full));
    cJSON_AddItemToObject(s, "selectionRange", span_range(text, len, sel));
    return s;
}

static void on_document_symbol(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    char *path = uri ? uri_to_path(uri) : NULL;
    if (!path) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "textDocument.uri must be a file URI"));
        return;
    }
    Doc *d = find_doc(uri);
    char *text;
    size_t len;
    const char *err;
    if (d) {
        text = sg_xstrdup(d->text);
        len = d->len;
    } else if (!sg_read_file(path, &text, &len, &err)) {
        free(path);
        lsp_send(lsp_response(id, cJSON_CreateArray()));
        return;
    }
    free(path);
    SgArena a;
    sg_arena_init(&a);
    SgDiags diags = {.arena = &a};
    SgAst ast;
    sg_parse(&a, text, (uint32_t)len, &ast, &diags);
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < ast.nitems; i++) {
        SgItem *it = ast.items[i];
        if (it->kind == IT_IMPORT || !it->name.len) continue;
        int kind = it->kind == IT_STRUCT ? SK_STRUCT : it->kind == IT_ENUM ? SK_ENUM
                   : it->kind == IT_CONST ? SK_CONSTANT : it->kind == IT_FN ? SK_FUNCTION : SK_TYPE_PARAMETER;
        cJSON *s = symbol(text, len, it->name, kind, it->span, it->name_span);
        cJSON *kids = NULL;
        if (it->kind == IT_STRUCT && it->nfields) {
            kids = cJSON_AddArrayToObject(s, "children");
            for (uint32_t k = 0; k < it->nfields; k++) {
                SgParam *f = &it->fields[k];
                SgSpan full = {f->name_span.start, f->type ? f->type->span.end : f->name_span.end};
                cJSON_AddItemToArray(kids, symbol(text, len, f->name, SK_FIELD, full, f->name_span));
            }
        } else if (it->kind == IT_ENUM && it->nvariants) {
            kids = cJSON_AddArrayToObject(s, "children");
            for (uint32_t k = 0; k < it->nvariants; k++)
                cJSON_AddItemToArray(kids, symbol(text, len, it->variants[k].name, SK_ENUM_MEMBER, it->variants[k].full,
                                                  it->variants[k].span));
        }
        cJSON_AddItemToArray(arr, s);
    }
    sg_diags_free(&diags);
    sg_arena_free(&a);
    free(text);
    lsp_send(lsp_response(id, arr));
}

static void answer_pull(const cJSON *id, const cJSON *params);

/* Pull requests are answered from a check that has seen every change so
 * far; until then they wait (and may be cancelled). */
static void on_pull_diagnostics(const cJSON *id, const cJSON *params) {
    if (is_current()) {
        answer_pull(id, params);
        return;
    }
    cJSON *req = cJSON_CreateObject();
    cJSON_AddItemToObject(req, "id", cJSON_Duplicate(id, 1));
    cJSON_AddItemToObject(req, "params", params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject());
    g->pending = sg_xrealloc(g->pending, sizeof *g->pending * (g->npending + 1));
    g->pending[g->npending++] = req;
}

static void answer_pending(void) {
    for (uint32_t i = 0; i < g->npending; i++) {
        answer_pull(cJSON_GetObjectItemCaseSensitive(g->pending[i], "id"),
                    cJSON_GetObjectItemCaseSensitive(g->pending[i], "params"));
        cJSON_Delete(g->pending[i]);
    }
    g->npending = 0;
}

static void on_cancel(const cJSON *params) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(params, "id");
    for (uint32_t i = 0; id && i < g->npending; i++) {
        const cJSON *pid = cJSON_GetObjectItemCaseSensitive(g->pending[i], "id");
        if (!cJSON_Compare(pid, id, 1)) continue;
        lsp_send(lsp_error(pid, LSP_REQUEST_CANCELLED, "request cancelled"));
        cJSON_Delete(g->pending[i]);
        g->pending[i] = g->pending[--g->npending];
        return;
    }
}

static void answer_pull(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    char *path = uri ? uri_to_path(uri) : NULL;
    if (!path) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "textDocument.uri must be a file URI"));
        return;
    }
    char real[PATH_MAX];
    if (realpath(path, real)) {
        free(path);
        path = sg_xstrdup(real);
    }
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "kind", "full");
    cJSON *items = NULL;
    if (g->last) {
        uint32_t n;
        FileDiags *fs = run_files(g->last, &n);
        for (uint32_t i = 0; i < n; i++) {
            if (!items && strcmp(fs[i].path, path) == 0) {
                size_t len;
                char *text = module_text(fs[i].path, fs[i].disk, &len);
                items = diag_array(fs[i].diags, text, len);
                free(text);
            }
            free(fs[i].path);
        }
        free(fs);
    }
    cJSON_AddItemToObject(res, "items", items ? items : cJSON_CreateArray());
    free(path);
    lsp_send(lsp_response(id, res));
}

static SgEngineRun *facts_run(void);

/* ---- queries over the facts of the last check ---- */
static SgModule *open_module(const char *uri) {
    if (!g->last || !uri) return NULL;
    char *path = uri_to_path(uri);
    if (!path) return NULL;
    Doc *d = find_doc(uri);
    SgModule *r = sg_engine_module_at(g->last, path);
    if (!r && d) r = sg_engine_module_at(g->last, d->path);
    free(path);
    return r && r->facts ? r : NULL;
}

/* The position of a request as a byte offset in the text the facts were
 * made from; false when params have no usable position. */
static bool request_offset(const cJSON *params, SgModule *m, size_t *off) {
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double line, ch;
    if (!num_at(pos, "line", &line) || !num_at(pos, "character", &ch) || line < 0 || ch < 0) return false;
    *off = lsp_offset_of(m->src, m->len, u32(line), u32(ch), g->enc);
    return true;
}

static SgFact *fact_at(SgModule *m, size_t off) {
    SgFact *best = NULL;
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (off < f->span.start || off > f->span.end || f->span.end == f->span.start) continue;
        if (!best || f->span.end - f->span.start < best->span.end - best->span.start ||
            (f->span.end - f->span.start == best->span.end - best->span.start && f->type && !best->type))
            best = f;
    }
    return best;
}

static cJSON *location(SgModule *target, SgSpan span) {
    if (!target || !target->abs_path) return NULL;
    size_t len;
    char *text = target->src ? memcpy(sg_xmalloc(target->len + 1), target->src, target->len + 1)
                             : module_text(target->abs_path, target->path, &len);
    if (target->src) len = target->len;
    Doc *d = find_doc_by_path(target->abs_path);
    cJSON *loc = cJSON_CreateObject();
    char *uri = path_to_uri(target->abs_path);
    cJSON_AddStringToObject(loc, "uri", d ? d->uri : uri);
    free(uri);
    cJSON_AddItemToObject(loc, "range", span_range(text, len, span));
    free(text);
    return loc;
}

static void on_hover(const cJSON *id, const cJSON *params) {
    SgModule *m = open_module(str_at(params, "textDocument", "uri"));
    size_t off;
    if (!m || !request_offset(params, m, &off)) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    SgFact *f = fact_at(m, off);
    if (!f) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    SgBuf b = {0};
    sg_buf_puts(&b, "```sigil\n");
    switch (f->kind) {
    case FACT_MODULE: sg_buf_printf(&b, "module %s", f->target ? f->target->name : f->name); break;
    case FACT_TYPE: sg_buf_printf(&b, "type %s", f->type ? f->type : f->name); break;
    case FACT_FIELD: sg_buf_printf(&b, "(field) %s: %s", f->name, f->type ? f->type : "?"); break;
    case FACT_LOCAL: sg_buf_printf(&b, "%s%s: %s", f->is_let ? "let " : "", f->name, f->type ? f->type : "?"); break;
    default: sg_buf_printf(&b, "%s: %s", f->name, f->type ? f->type : "?"); break;
    }
    sg_buf_puts(&b, "\n```");
    if (f->target && f->target != m && f->kind != FACT_MODULE && f->kind != FACT_LOCAL)
        sg_buf_printf(&b, "\n\nfrom `%s`", f->target->name);
    if (f->doc && *f->doc) sg_buf_printf(&b, "\n\n%s", f->doc);
    cJSON *res = cJSON_CreateObject();
    cJSON *contents = cJSON_AddObjectToObject(res, "contents");
    cJSON_AddStringToObject(contents, "kind", "markdown");
    cJSON_AddStringToObject(contents, "value", b.data);
    sg_buf_free(&b);
    cJSON_AddItemToObject(res, "range", span_range(m->src, m->len, f->span));
    lsp_send(lsp_response(id, res));
}

static void on_definition(const cJSON *id, const cJSON *params) {
    SgModule *m = open_module(str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && request_offset(params, m, &off) ? fact_at(m, off) : NULL;
    cJSON *loc = f ? location(f->target, f->target_span) : NULL;
    lsp_send(lsp_response(id, loc));
}

static void on_references(const cJSON *id, const cJSON *params) {
    SgModule *m = open_module(str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && request_offset(params, m, &off) ? fact_at(m, off) : NULL;
    cJSON *arr = cJSON_CreateArray();
    SgEngineRun *own = NULL;
    if (f && f->target && f->kind != FACT_LOCAL && f->target->abs_path && !g->sink) own = facts_run();
    if (f && f->target && f->target->abs_path) {
        bool decl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "context"),
                                                                   "includeDeclaration"));
        char *tpath = sg_xstrdup(f->target->abs_path);
        SgSpan ts = f->target_span;
        SgEngineRun *run = own ? own : g->last;
        /* every module's facts that name the same definition (by path: the
         * modules of `own` are not those of `last`) */
        for (uint32_t i = 0; i < run->prog.n; i++) {
            SgModule *om = run->prog.mods[i];
            if (!om->facts) continue;
            for (uint32_t k = 0; k < om->facts->len; k++) {
                SgFact *x = &om->facts->items[k];
                if (!x->target || !x->target->abs_path || strcmp(x->target->abs_path, tpath) != 0 ||
                    x->target_span.start != ts.start || x->target_span.end != ts.end)
                    continue;
                bool is_decl = om->abs_path && strcmp(om->abs_path, tpath) == 0 && x->span.start == ts.start;
                if (is_decl && !decl) continue;
                bool dup = false;
                for (uint32_t j = 0; j < k && !dup; j++)
                    dup = om->facts->items[j].span.start == x->span.start && om->facts->items[j].target == x->target &&
                          om->facts->items[j].target_span.start == ts.start;
                if (!dup) cJSON_AddItemToArray(arr, location(om, x->span));
            }
        }
        free(tpath);
    }
    free_run(own);
    lsp_send(lsp_response(id, arr));
}

static void on_inlay_hints(const cJSON *id, const cJSON *params) {
    SgModule *m = open_module(str_at(params, "textDocument", "uri"));
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; m && i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (f->kind != FACT_LOCAL || !f->decl || !f->is_let || f->annotated || !f->type) continue;
        uint32_t line, ch;
        lsp_position_of(m->src, m->len, f->span.end, g->enc, &line, &ch);
        cJSON *h = cJSON_CreateObject();
        cJSON_AddItemToObject(h, "position", position_json(line, ch));
        SgBuf b = {0};
        sg_buf_printf(&b, ": %s", f->type);
        cJSON_AddStringToObject(h, "label", b.data);
        sg_buf_free(&b);
        cJSON_AddNumberToObject(h, "kind", 1);
        cJSON_AddBoolToObject(h, "paddingLeft", 0);
        cJSON_AddItemToArray(arr, h);
    }
    lsp_send(lsp_response(id, arr));
}

static const char *const keywords[] = {"import", "as", "pub", "fn", "struct", "enum", "type", "const", "extern",
                                       "let", "mut", "if", "else", "match", "for", "in", "while", "return",
                                       "break", "continue", "true", "false"};

enum { CK_FUNCTION = 3, CK_FIELD = 5, CK_VARIABLE = 6, CK_CLASS = 7, CK_MODULE = 9, CK_KEYWORD = 14,
       CK_ENUM = 13, CK_ENUM_MEMBER = 20, CK_CONSTANT = 21, CK_STRUCT = 22, CK_TYPE_PARAM = 25 };

static void add_item(cJSON *arr, const char *label, size_t n, int kind, const char *detail) {
    for (int i = cJSON_GetArraySize(arr) - 1; i >= 0; i--) {
        const char *l = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(arr, i), "label")->valuestring;
        if (strlen(l) == n && memcmp(l, label, n) == 0) return;
    }
    cJSON *it = cJSON_CreateObject();
    char *s = sg_xmalloc(n + 1);
    memcpy(s, label, n);
    s[n] = 0;
    cJSON_AddStringToObject(it, "label", s);
    free(s);
    cJSON_AddNumberToObject(it, "kind", kind);
    if (detail) cJSON_AddStringToObject(it, "detail", detail);
    cJSON_AddItemToArray(arr, it);
}

static int value_kind(const SgValue *v) {
    return v->kind == V_CTOR ? CK_ENUM_MEMBER : v->kind == V_CONST ? CK_CONSTANT : v->kind == V_MODULE ? CK_MODULE : CK_FUNCTION;
}

static int type_kind(const SgTypeEntry *e) {
    if (e->kind == TENT_DEF) return e->def->kind == DEF_ENUM ? CK_ENUM : e->def->kind == DEF_STRUCT ? CK_STRUCT : CK_CLASS;
    return CK_CLASS;
}

/* Members of module t that m may name: its public items. */
static void module_members(cJSON *arr, SgModule *t) {
    for (uint32_t i = 0; i < t->values.cap; i++) {
        SgValue *v = t->values.slots[i].value;
        if (t->values.slots[i].key.s && v->pub && !v->import && v->kind != V_MODULE && v->kind != V_ERROR)
            add_item(arr, v->name.s, v->name.len, value_kind(v), NULL);
    }
    for (uint32_t i = 0; i < t->types.cap; i++) {
        SgTypeEntry *e = t->types.slots[i].value;
        if (t->types.slots[i].key.s && e->pub && !e->import && e->kind != TENT_BAD)
            add_item(arr, e->name.s, e->name.len, type_kind(e), NULL);
    }
}

/* The struct a rendered type names, looked up as module m writes it. */
static SgTypeDef *struct_of(SgModule *m, const char *type) {
    if (!type) return NULL;
    const char *br = strchr(type, '[');
    size_t n = br ? (size_t)(br - type) : strlen(type);
    const char *dot = memchr(type, '.', n);
    SgTypeEntry *e = NULL;
    if (dot) {
        SgValue *v = sg_map_get(&m->values, sg_name(type, (size_t)(dot - type)));
        if (v && v->kind == V_MODULE) e = sg_map_get(&v->target->types, sg_name(dot + 1, n - (size_t)(dot - type) - 1));
    } else {
        e = sg_lookup_type(&g->last->prog, m, sg_name(type, n));
    }
    return e && e->kind == TENT_DEF && e->def->kind == DEF_STRUCT ? e->def : NULL;
}

static void on_completion(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    SgModule *m = open_module(uri);
    Doc *d = uri ? find_doc(uri) : NULL;
    cJSON *arr = cJSON_CreateArray();
    size_t off = 0;
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double pl, pc;
    if (!m || !d || !num_at(pos, "line", &pl) || !num_at(pos, "character", &pc)) {
        lsp_send(lsp_response(id, arr));
        return;
    }
    /* the word being typed and what stands before it, in the buffer as it is
     * now (the facts may be from the text before the last keystrokes) */
    const char *t = d->text;
    off = lsp_offset_of(d->text, d->len, u32(pl), u32(pc), g->enc);
    size_t w = off;
    while (w > 0 && (t[w - 1] == '_' || (t[w - 1] >= 'a' && t[w - 1] <= 'z') || (t[w - 1] >= 'A' && t[w - 1] <= 'Z') ||
                     (t[w - 1] >= '0' && t[w - 1] <= '9')))
        w--;
    if (w > 0 && t[w - 1] == '.') {
        size_t e = w - 1, s0 = e;
        while (s0 > 0 && (t[s0 - 1] == '_' || (t[s0 - 1] >= 'a' && t[s0 - 1] <= 'z') || (t[s0 - 1] >= 'A' && t[s0 - 1] <= 'Z') ||
                          (t[s0 - 1] >= '0' && t[s0 - 1] <= '9')))
            s0--;
        SgValue *v = s0 < e ? sg_map_get(&m->values, sg_name(t + s0, e - s0)) : NULL;
        if (v && v->kind == V_MODULE) {
            module_members(arr, v->target);
        } else {
            /* a field of the name before the dot: the last declaration of that
             * name (a local, a parameter) before here says its type */
            SgFact *f = NULL;
            for (uint32_t i = 0; s0 < e && i < m->facts->len; i++) {
                SgFact *x = &m->facts->items[i];
                if (x->type && x->kind == FACT_LOCAL && x->decl && strlen(x->name) == e - s0 &&
                    memcmp(x->name, t + s0, e - s0) == 0 && (!f || x->span.start > f->span.start))
                    f = x;
            }
            SgTypeDef *sd = f ? struct_of(m, f->type) : NULL;
            for (uint32_t i = 0; sd && i < sd->nfields; i++)
                add_item(arr, sd->fields[i].name.s, sd->fields[i].name.len, CK_FIELD, NULL);
        }
        lsp_send(lsp_response(id, arr));
        return;
    }
    /* locals declared before the cursor in the same item, then items, prelude, keywords */
    SgSpan item = {0, (uint32_t)m->len};
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *x = &m->facts->items[i];
        if (x->decl && x->kind != FACT_LOCAL && x->span.start <= off && x->span.start >= item.start) item.start = x->span.start;
    }
    for (uint32_t i = 0; i < m->facts->len; i++) {
        SgFact *x = &m->facts->items[i];
        if (x->kind == FACT_LOCAL && x->decl && x->span.end <= off && x->span.start >= item.start)
            add_item(arr, x->name, strlen(x->name), CK_VARIABLE, x->type);
    }
    for (uint32_t i = 0; i < m->values.cap; i++) {
        SgValue *v = m->values.slots[i].value;
        if (m->values.slots[i].key.s && v->kind != V_ERROR) add_item(arr, v->name.s, v->name.len, value_kind(v), NULL);
    }
    for (uint32_t i = 0; i < m->types.cap; i++) {
        SgTypeEntry *e = m->types.slots[i].value;
        if (m->types.slots[i].key.s && e->kind != TENT_BAD) add_item(arr, e->name.s, e->name.len, type_kind(e), NULL);
    }
    if (g->last->prog.prelude) module_members(arr, g->last->prog.prelude);
    static const char *const builtins[] = {"Int", "Float", "Bool", "String", "Unit", "List"};
    for (size_t i = 0; i < SG_ARRAY_LEN(builtins); i++) add_item(arr, builtins[i], strlen(builtins[i]), CK_CLASS, NULL);
    for (size_t i = 0; i < SG_ARRAY_LEN(keywords); i++) add_item(arr, keywords[i], strlen(keywords[i]), CK_KEYWORD, NULL);
    lsp_send(lsp_response(id, arr));
}

/* ---- signature help ---- */
/* Splits "fn(A, B[C, D]) -> E" into its parameter types and return type. */
static uint32_t split_fn_type(const char *t, const char **params, size_t *lens, uint32_t max, const char **ret) {
    *ret = NULL;
    if (strncmp(t, "fn(", 3) != 0) return 0;
    const char *p = t + 3, *start = p;
    int depth = 0;
    uint32_t n = 0;
    for (; *p; p++) {
        if (*p == '(' || *p == '[') depth++;
        else if ((*p == ')' || *p == ']') && depth > 0) depth--;
        else if ((*p == ',' || *p == ')') && depth == 0) {
            if (p > start && n < max) {
                params[n] = start;
                lens[n++] = (size_t)(p - start);
            }
            if (*p == ')') break;
            start = p + 2;
        }
    }
    if (*p == ')' && strncmp(p, ") -> ", 5) == 0) *ret = p + 5;
    return n;
}

static void on_signature_help(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    SgModule *m = open_module(uri);
    Doc *d = uri ? find_doc(uri) : NULL;
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
    double pl, pc;
    if (!m || !d || !num_at(pos, "line", &pl) || !num_at(pos, "character", &pc)) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    /* the innermost open call around the cursor in the buffer as it is now */
    const char *t = d->text;
    size_t off = lsp_offset_of(d->text, d->len, u32(pl), u32(pc), g->enc);
    int depth = 0;
    uint32_t active = 0;
    size_t open = (size_t)-1;
    for (size_t i = off; i-- > 0;) {
        char ch = t[i];
        if (ch == ')' || ch == ']' || ch == '}') depth++;
        else if ((ch == '(' || ch == '[' || ch == '{') && depth > 0) depth--;
        else if (ch == '(' && depth == 0) {
            open = i;
            break;
        } else if ((ch == '[' || ch == '{') && depth == 0) break;
        else if (ch == ',' && depth == 0) active++;
    }
    /* the callee by name (`f(` or `alias.f(`): a fact of that name whose type is a function */
    size_t ne = open == (size_t)-1 ? 0 : open, ns = ne;
    while (ns > 0 && (t[ns - 1] == '_' || (t[ns - 1] >= 'a' && t[ns - 1] <= 'z') || (t[ns - 1] >= 'A' && t[ns - 1] <= 'Z') ||
                      (t[ns - 1] >= '0' && t[ns - 1] <= '9')))
        ns--;
    SgFact *callee = NULL;
    for (uint32_t i = 0; ns < ne && i < m->facts->len; i++) {
        SgFact *f = &m->facts->items[i];
        if (f->type && strncmp(f->type, "fn(", 3) == 0 && strlen(f->name) == ne - ns && memcmp(f->name, t + ns, ne - ns) == 0 &&
            (!callee || f->decl || f->kind != FACT_LOCAL))
            callee = f;
    }
    if (!callee && ns < ne) {
        /* not used yet in the checked text: look the name up in the module's tables */
        SgName nm = sg_name(t + ns, ne - ns);
        SgValue *v = NULL;
        if (ns > 1 && t[ns - 1] == '.') {
            size_t as = ns - 1;
            while (as > 0 && (t[as - 1] == '_' || (t[as - 1] >= 'a' && t[as - 1] <= 'z') || (t[as - 1] >= 'A' && t[as - 1] <= 'Z') ||
                              (t[as - 1] >= '0' && t[as - 1] <= '9')))
                as--;
            SgValue *mod = sg_map_get(&m->values, sg_name(t + as, ns - 1 - as));
            if (mod && mod->kind == V_MODULE) v = sg_map_get(&mod->target->values, nm);
            if (v && !v->pub) v = NULL;
        } else {
            v = sg_lookup_value(&g->last->prog, m, nm);
        }
        if (v && v->type && v->type->kind == TY_FN) {
            static SgFact tmp;
            SgBuf tb = {0};
            sg_type_print(&tb, &g->last->prog, m, v->type);
            static char name[128], type[1024];
            snprintf(name, sizeof name, "%.*s", (int)(ne - ns), t + ns);
            snprintf(type, sizeof type, "%s", tb.data ? tb.data : "");
            sg_buf_free(&tb);
            tmp = (SgFact){.name = name, .type = type, .doc = v->doc};
            callee = &tmp;
        }
    }
    if (!callee) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    const char *ps[64], *ret;
    size_t ls[64];
    uint32_t n = split_fn_type(callee->type, ps, ls, 64, &ret);
    SgBuf label = {0};
    sg_buf_printf(&label, "%s(", callee->name);
    cJSON *plist = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++) {
        if (i) sg_buf_puts(&label, ", ");
        cJSON *pi = cJSON_CreateObject();
        cJSON *lab = cJSON_AddArrayToObject(pi, "label");
        cJSON_AddItemToArray(lab, cJSON_CreateNumber((double)label.len));
        sg_buf_put(&label, ps[i], ls[i]);
        cJSON_AddItemToArray(lab, cJSON_CreateNumber((double)label.len));
        cJSON_AddItemToArray(plist, pi);
    }
    sg_buf_printf(&label, ") -> %s", ret ? ret : "Unit");
    cJSON *res = cJSON_CreateObject();
    cJSON *sigs = cJSON_AddArrayToObject(res, "signatures");
    cJSON *sig = cJSON_CreateObject();
    cJSON_AddStringToObject(sig, "label", label.data);
    if (callee->doc) {
        cJSON *doc = cJSON_AddObjectToObject(sig, "documentation");
        cJSON_AddStringToObject(doc, "kind", "markdown");
        cJSON_AddStringToObject(doc, "value", callee->doc);
    }
    cJSON_AddItemToObject(sig, "parameters", plist);
    cJSON_AddItemToArray(sigs, sig);
    cJSON_AddNumberToObject(res, "activeSignature", 0);
    cJSON_AddNumberToObject(res, "activeParameter", n ? (active < n ? active : n - 1) : 0);
    sg_buf_free(&label);
    lsp_send(lsp_response(id, res));
}

/* ---- rename and references: every module's facts ---- */

/* One engine pass, on the loop thread, with facts for every workspace
 * module (most results still come from the cache, only facts are new). */
static SgEngineRun *facts_run(void) {
    SgOverlay *ov = sg_xcalloc(g->ndocs + 1, sizeof *ov);
    for (uint32_t i = 0; i < g->ndocs; i++) ov[i] = (SgOverlay){g->docs[i]->path, g->docs[i]->text, g->docs[i]->len};
    SgEngineOptions o = {.root = g->root, .std_dir = g->std_dir, .jobs = 2, .cache_dir = g->cache_dir,
                         .cache_keep = 100000, .overlays = ov, .noverlays = g->ndocs, .overlay_facts = true,
                         .all_facts = true};
    SgEngineRun *run = sg_xcalloc(1, sizeof *run);
    char *err = NULL;
    bool ok = sg_engine_run(&o, run, &err);
    free(err);
    free(ov);
    if (!ok) {
        sg_engine_free(run);
        free(run);
        return NULL;
    }
    return run;
}
static bool renamable(const SgFact *f) {
    /* locals, and items of the workspace (not the standard library) */
    if (!f || !f->target || f->kind == FACT_MODULE) return false;
    return !f->target->is_std;
}

static void on_prepare_rename(const cJSON *id, const cJSON *params) {
    SgModule *m = open_module(str_at(params, "textDocument", "uri"));
    size_t off;
    SgFact *f = m && request_offset(params, m, &off) ? fact_at(m, off) : NULL;
    if (!renamable(f)) {
        lsp_send(lsp_response(id, NULL));
        return;
    }
    /* the name alone, even when the fact covers `alias.Name` */
    SgSpan s = f->span;
    size_t nl = strlen(f->name);
    if (s.end - s.start > nl) s.start = s.end - (uint32_t)nl;
    cJSON *res = cJSON_CreateObject();
    cJSON_AddItemToObject(res, "range", span_range(m->src, m->len, s));
    cJSON_AddStringToObject(res, "placeholder", f->name);
    lsp_send(lsp_response(id, res));
}

static bool valid_identifier(const char *s) {
    size_t n = strlen(s);
    if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return !sg_is_keyword(s, n) && strcmp(s, "_") != 0;
}

static void on_rename(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    const char *new_name = str_at(params, "newName", NULL);
    SgModule *m = open_module(uri);
    size_t off;
    SgFact *f = m && request_offset(params, m, &off) ? fact_at(m, off) : NULL;
    if (!new_name || !valid_identifier(new_name)) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "the new name must be an identifier that is not a keyword"));
        return;
    }
    if (!renamable(f)) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "nothing to rename here"));
        return;
    }
    /* A local stays in its module; an item may be used anywhere, so every
     * workspace module is checked with facts (on this thread, once). */
    char *target_path = f->target->abs_path ? sg_xstrdup(f->target->abs_path) : NULL;
    SgSpan ts = f->target_span;
    bool local = f->kind == FACT_LOCAL;
    SgEngineRun *run = g->last, *own = NULL;
    if (!local && g->sink) {    /* fuzzing: no workspace runs */
        free(target_path);
        lsp_send(lsp_response(id, NULL));
        return;
    }
    if (!local) {
        own = facts_run();
        if (!own) {
            free(target_path);
            lsp_send(lsp_error(id, LSP_INTERNAL_ERROR, "could not check the workspace"));
            return;
        }
        run = own;
    }
    cJSON *res = cJSON_CreateObject();
    cJSON *changes = cJSON_AddObjectToObject(res, "changes");
    for (uint32_t i = 0; i < run->prog.n; i++) {
        SgModule *om = run->prog.mods[i];
        if (!om->facts || (local && om != m)) continue;
        cJSON *edits = NULL;
        for (uint32_t k = 0; k < om->facts->len; k++) {
            SgFact *x = &om->facts->items[k];
            if (!x->target || !x->target->abs_path || !target_path || strcmp(x->target->abs_path, target_path) != 0 ||
                x->target_span.start != ts.start || x->target_span.end != ts.end)
                continue;
            SgSpan s = x->span;
            size_t nl = strlen(x->name);
            if (s.end - s.start > nl) s.start = s.end - (uint32_t)nl;
            bool dup = false;
            for (int e = 0; edits && e < cJSON_GetArraySize(edits) && !dup; e++) {
                cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(edits, e), "range");
                cJSON *nr = span_range(om->src, om->len, s);
                char *a = cJSON_PrintUnformatted(r), *b = cJSON_PrintUnformatted(nr);
                dup = strcmp(a, b) == 0;
                cJSON_free(a);
                cJSON_free(b);
                cJSON_Delete(nr);
            }
            if (dup) continue;
            if (!edits) {
                Doc *d = find_doc_by_path(om->abs_path);
                char *u = path_to_uri(om->abs_path);
                edits = cJSON_AddArrayToObject(changes, d ? d->uri : u);
                free(u);
            }
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToObject(e, "range", span_range(om->src, om->len, s));
            cJSON_AddStringToObject(e, "newText", new_name);
            cJSON_AddItemToArray(edits, e);
        }
    }
    free(target_path);
    free_run(own);
    lsp_send(lsp_response(id, res));
}

/* ---- code actions: add the missing import for `alias.name` ---- */
static void on_code_action(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    Doc *d = uri ? find_doc(uri) : NULL;
    cJSON *arr = cJSON_CreateArray();
    const cJSON *diags = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "context"), "diagnostics");
    const cJSON *dg;
    cJSON_ArrayForEach(dg, diags) {
        const char *code = str_at(dg, "code", NULL);
        if (!d || !g->last || !code || strcmp(code, "E103") != 0) continue;
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dg, "range"), "start");
        double line, ch;
        if (!num_at(start, "line", &line) || !num_at(start, "character", &ch) || line < 0 || ch < 0) continue;
        size_t a = lsp_offset_of(d->text, d->len, u32(line), u32(ch), g->enc), b = a;
        while (b < d->len && (d->text[b] == '_' || (d->text[b] >= 'a' && d->text[b] <= 'z') ||
                              (d->text[b] >= 'A' && d->text[b] <= 'Z') || (d->text[b] >= '0' && d->text[b] <= '9')))
            b++;
        if (b == a || b >= d->len || d->text[b] != '.') continue;   /* only `alias.name` */
        /* modules whose last segment is the alias */
        for (uint32_t i = 0; i < g->last->prog.n; i++) {
            SgModule *cand = g->last->prog.mods[i];
            const char *last = strrchr(cand->name, '.');
            last = last ? last + 1 : cand->name;
            if (strlen(last) != b - a || memcmp(last, d->text + a, b - a) != 0) continue;
            /* after the last import line, or at the top */
            uint32_t insert_line = 0;
            SgArena ar;
            sg_arena_init(&ar);
            SgDiags pd = {.arena = &ar};
            SgAst ast;
            sg_parse(&ar, d->text, (uint32_t)d->len, &ast, &pd);
            for (uint32_t k = 0; k < ast.nitems; k++)
                if (ast.items[k]->kind == IT_IMPORT) {
                    uint32_t l, c;
                    lsp_position_of(d->text, d->len, ast.items[k]->span.end, g->enc, &l, &c);
                    insert_line = l + 1;
                }
            sg_diags_free(&pd);
            sg_arena_free(&ar);
            cJSON *act = cJSON_CreateObject();
            SgBuf title = {0}, text = {0};
            sg_buf_printf(&title, "Add `import %s`", cand->name);
            sg_buf_printf(&text, "import %s\n", cand->name);
            cJSON_AddStringToObject(act, "title", title.data);
            cJSON_AddStringToObject(act, "kind", "quickfix");
            cJSON *dl = cJSON_AddArrayToObject(act, "diagnostics");
            cJSON_AddItemToArray(dl, cJSON_Duplicate(dg, 1));
            cJSON *edit = cJSON_AddObjectToObject(act, "edit");
            cJSON *ch2 = cJSON_AddObjectToObject(edit, "changes");
            cJSON *edits = cJSON_AddArrayToObject(ch2, d->uri);
            cJSON *e = cJSON_CreateObject();
            cJSON *r = cJSON_AddObjectToObject(e, "range");
            cJSON_AddItemToObject(r, "start", position_json(insert_line, 0));
            cJSON_AddItemToObject(r, "end", position_json(insert_line, 0));
            cJSON_AddStringToObject(e, "newText", text.data);
            cJSON_AddItemToArray(edits, e);
            cJSON_AddItemToArray(arr, act);
            sg_buf_free(&title);
            sg_buf_free(&text);
        }
    }
    lsp_send(lsp_response(id, arr));
}

/* ---- semantic tokens ---- */
typedef struct Tok {
    size_t start, end;
    int type;
} Tok;

static int cmp_tok(const void *a, const void *b) {
    const Tok *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void on_semantic_tokens(const cJSON *id, const cJSON *params) {
    const char *uri = str_at(params, "textDocument", "uri");
    Doc *d = uri ? find_doc(uri) : NULL;
    SgModule *m = open_module(uri);
    if (!d) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "the document is not open"));
        return;
    }
    const char *t = d->text;
    size_t n = d->len;
    SgArena ar;
    sg_arena_init(&ar);
    SgDiags dd = {.arena = &ar};
    SgTokens toks;
    sg_lex(&ar, t, (uint32_t)n, &toks, &dd);
    Tok *v = sg_xmalloc(sizeof *v * (toks.len + 64));
    size_t nv = 0, cap = toks.len + 64;
    /* facts (if the run saw this text) tell what each identifier is */
    bool facts_ok = m && m->len == n && memcmp(m->src, t, n) == 0;
    for (uint32_t i = 0; i < toks.len; i++) {
        SgToken *k = &toks.toks[i];
        int type = -1;
        if (k->kind >= TK_IMPORT && k->kind <= TK_FALSE) type = TT_KEYWORD;
        else if (k->kind == TK_STRING) type = TT_STRING;
        else if (k->kind == TK_INT || k->kind == TK_FLOAT) type = TT_NUMBER;
        else if (k->kind == TK_IDENT) {
            type = TT_VARIABLE;
            for (uint32_t f = 0; facts_ok && f < m->facts->len; f++) {
                SgFact *x = &m->facts->items[f];
                if (x->span.end != k->off + k->len) continue;
                switch (x->kind) {
                case FACT_MODULE: type = TT_NAMESPACE; break;
                case FACT_TYPE: type = TT_TYPE; break;
                case FACT_FIELD: type = TT_PROPERTY; break;
                case FACT_LOCAL: type = TT_VARIABLE; break;
                default: type = x->type && strncmp(x->type, "fn(", 3) == 0 ? TT_FUNCTION : TT_VARIABLE; break;
                }
            }
        }
        if (type >= 0) v[nv++] = (Tok){k->off, k->off + k->len, type};
    }
    /* comments, which the lexer skips */
    for (size_t i = 0; i + 1 < n; i++) {
        if (t[i] == '"') {
            for (i++; i < n && t[i] != '"' && t[i] != '\n'; i++)
                if (t[i] == '\\') i++;
            continue;
        }
        if (t[i] == '/' && (t[i + 1] == '/' || t[i + 1] == '*')) {
            size_t e = i + 2;
            if (t[i + 1] == '/') while (e < n && t[e] != '\n') e++;
            else {
                while (e + 1 < n && !(t[e] == '*' && t[e + 1] == '/')) e++;
                e = e + 2 <= n ? e + 2 : n;
            }
            /* one token per line: tokens may not span lines */
            size_t s0 = i;
            for (size_t j = i; j <= e; j++) {
                if (j == e || t[j] == '\n') {
                    if (j > s0) {
                        if (nv == cap) v = sg_xrealloc(v, sizeof *v * (cap *= 2));
                        v[nv++] = (Tok){s0, j, TT_COMMENT};
                    }
                    s0 = j + 1;
                }
            }
            i = e - 1;
        }
    }
    sg_qsort(v, nv, sizeof *v, cmp_tok);
    cJSON *data = cJSON_CreateArray();
    uint32_t pl = 0, pc = 0;
    for (size_t i = 0; i < nv; i++) {
        uint32_t l, c, l2, c2;
        lsp_position_of(t, n, v[i].start, g->enc, &l, &c);
        lsp_position_of(t, n, v[i].end, g->enc, &l2, &c2);
        if (l2 != l) continue;
        cJSON_AddItemToArray(data, cJSON_CreateNumber(l - pl));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(l == pl ? c - pc : c));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(c2 - c));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(v[i].type));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(0));
        pl = l;
        pc = c;
    }
    free(v);
    sg_diags_free(&dd);
    sg_arena_free(&ar);
    cJSON *res = cJSON_CreateObject();
    cJSON_AddItemToObject(res, "data", data);
    lsp_send(lsp_response(id, res));
}

/* ---- workspace symbols ---- */
static bool contains_ci(const char *hay, size_t hn, const char *needle) {
    size_t nn = strlen(needle);
    if (!nn) return true;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && (hay[i + k] | 0x20) == (needle[k] | 0x20)) k++;
        if (k == nn) return true;
    }
    return false;
}

static void on_workspace_symbol(const cJSON *id, const cJSON *params) {
    const char *q = str_at(params, "query", NULL);
    if (!q) q = "";
    cJSON *arr = cJSON_CreateArray();
    SgWorkspace ws;
    char *err = NULL;
    if (g->root && !g->sink && sg_workspace_scan(g->root, &ws, &err)) {
        for (uint32_t i = 0; i < ws.nfiles && cJSON_GetArraySize(arr) < 1000; i++) {
            if (!ws.files[i].module) continue;
            char real[PATH_MAX];
            const char *abs = realpath(ws.files[i].path, real) ? real : ws.files[i].path;
            size_t len;
            char *text = module_text(abs, ws.files[i].path, &len);
            if (!contains_ci(text, len, q)) {   /* cheap filter before parsing */
                free(text);
                continue;
            }
            SgArena ar;
            sg_arena_init(&ar);
            SgDiags dd = {.arena = &ar};
            SgAst ast;
            sg_parse(&ar, text, (uint32_t)len, &ast, &dd);
            char *uri = path_to_uri(abs);
            for (uint32_t k = 0; k < ast.nitems; k++) {
                SgItem *it = ast.items[k];
                if (it->kind == IT_IMPORT || !it->name.len || !contains_ci(it->name.s, it->name.len, q)) continue;
                int kind = it->kind == IT_STRUCT ? SK_STRUCT : it->kind == IT_ENUM ? SK_ENUM
                           : it->kind == IT_CONST ? SK_CONSTANT : it->kind == IT_FN ? SK_FUNCTION : SK_TYPE_PARAMETER;
                cJSON *s = cJSON_CreateObject();
                char *nm = sg_xmalloc(it->name.len + 1);
                memcpy(nm, it->name.s, it->name.len);
                nm[it->name.len] = 0;
                cJSON_AddStringToObject(s, "name", nm);
                free(nm);
                cJSON_AddNumberToObject(s, "kind", kind);
                cJSON_AddStringToObject(s, "containerName", ws.files[i].module);
                cJSON *loc = cJSON_AddObjectToObject(s, "location");
                cJSON_AddStringToObject(loc, "uri", uri);
                cJSON_AddItemToObject(loc, "range", span_range(text, len, it->name_span));
                cJSON_AddItemToArray(arr, s);
            }
            free(uri);
            sg_diags_free(&dd);
            sg_arena_free(&ar);
            free(text);
        }
        sg_workspace_free(&ws);
    }
    free(err);
    lsp_send(lsp_response(id, arr));
}

static void dispatch(cJSON *msg) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    if (cJSON_IsNull(params)) params = NULL;    /* `"params": null` is no params */
    bool is_request = id != NULL;
    if (id && !cJSON_IsNumber(id) && !cJSON_IsString(id)) {
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "the id must be a number or a string"));
        return;
    }
    if (!method) {
        /* a response to one of our requests (registerCapability, progress) */
        bool has_result = cJSON_GetObjectItemCaseSensitive(msg, "result") != NULL;
        bool has_error = cJSON_GetObjectItemCaseSensitive(msg, "error") != NULL;
        if (id && (has_result || has_error)) {
            if (cJSON_IsNumber(id) && id->valuedouble == (double)g->progress_id && g->progress_state == 1) {
                g->progress_state = has_error ? 3 : 2;
                if (g->progress_state == 2) {
                    /* the start-up check may already be over: report it whole */
                    progress("begin", "indexing", 0);
                    if (g->first_done) progress("end", "done", -1);
                    else progress("report", "checking modules", 10);
                }
            }
            return;
        }
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "a request needs a method"));
        else logf_("message without a method: ignored");
        return;
    }
    if (!cJSON_IsString(method)) {
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "the method must be a string"));
        return;
    }
    const char *m = method->valuestring;
    if (params && !cJSON_IsObject(params) && !cJSON_IsArray(params)) {
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "params must be an object or an array"));
        return;
    }
    if (strcmp(m, "exit") == 0) {
        g->exit_code = g->state == 2 ? 0 : 1;
        g->stopping = true;
        if (g->loop) uv_stop(g->loop);
        return;
    }
    if (g->state == 0) {
        if (strcmp(m, "initialize") == 0 && is_request) {
            if (params && !cJSON_IsObject(params)) {
                lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "initialize params must be an object"));
                return;
            }
            on_initialize(id, params);
        } else if (is_request) {
            lsp_send(lsp_error(id, LSP_SERVER_NOT_INITIALIZED, "the server is not initialized yet"));
        }
        return;
    }
    if (g->state == 2) {
        if (is_request) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "the server is shutting down"));
        return;
    }
    if (is_request) {
        if (strcmp(m, "initialize") == 0) lsp_send(lsp_error(id, LSP_INVALID_REQUEST, "initialize was already called"));
        else if (strcmp(m, "shutdown") == 0) {
            g->state = 2;
            lsp_send(lsp_response(id, NULL));
        } else if (strcmp(m, "textDocument/diagnostic") == 0) on_pull_diagnostics(id, params);
        else if (strcmp(m, "textDocument/documentSymbol") == 0) on_document_symbol(id, params);
        else if (strcmp(m, "textDocument/hover") == 0) on_hover(id, params);
        else if (strcmp(m, "textDocument/definition") == 0) on_definition(id, params);
        else if (strcmp(m, "textDocument/references") == 0) on_references(id, params);
        else if (strcmp(m, "textDocument/inlayHint") == 0) on_inlay_hints(id, params);
        else if (strcmp(m, "textDocument/completion") == 0) on_completion(id, params);
        else if (strcmp(m, "textDocument/signatureHelp") == 0) on_signature_help(id, params);
        else if (strcmp(m, "textDocument/prepareRename") == 0) on_prepare_rename(id, params);
        else if (strcmp(m, "textDocument/rename") == 0) on_rename(id, params);
        else if (strcmp(m, "textDocument/codeAction") == 0) on_code_action(id, params);
        else if (strcmp(m, "textDocument/semanticTokens/full") == 0) on_semantic_tokens(id, params);
        else if (strcmp(m, "workspace/symbol") == 0) on_workspace_symbol(id, params);
        else {
            char buf[256];
            snprintf(buf, sizeof buf, "method not found: %.200s", m);
            lsp_send(lsp_error(id, LSP_METHOD_NOT_FOUND, buf));
        }
        return;
    }
    if (strcmp(m, "initialized") == 0) on_initialized();
    else if (strcmp(m, "textDocument/didOpen") == 0) on_did_open(params);
    else if (strcmp(m, "textDocument/didChange") == 0) on_did_change(params);
    else if (strcmp(m, "textDocument/didClose") == 0) on_did_close(params);
    else if (strcmp(m, "textDocument/didSave") == 0) on_did_save(params);
    else if (strcmp(m, "workspace/didChangeWatchedFiles") == 0) on_watched_files(params);
    else if (strcmp(m, "$/cancelRequest") == 0) on_cancel(params);
    else if (strncmp(m, "$/", 2) != 0) logf_("notification %s: ignored", m);
}

static void on_frame(void *ctx, LspFrameEvent ev, const char *body, size_t len) {
    (void)ctx;
    if (ev == LSP_FRAME_BAD_HEADER) {
        logf_("malformed message header: skipped");
        lsp_send(lsp_error(NULL, LSP_PARSE_ERROR, "malformed message header (no valid Content-Length)"));
        return;
    }
    if (ev == LSP_FRAME_TOO_LARGE) {
        logf_("message above the size limit: skipped");
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "message too large"));
        return;
    }
    cJSON *msg = cJSON_ParseWithLength(body, len);
    if (!msg) {
        lsp_send(lsp_error(NULL, LSP_PARSE_ERROR, "invalid JSON"));
        return;
    }
    if (cJSON_IsArray(msg)) {
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "batches are not supported"));
    } else if (!cJSON_IsObject(msg)) {
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "a message must be a JSON object"));
    } else {
        dispatch(msg);
    }
    cJSON_Delete(msg);
}

/* ---- input ---- */
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)h;
    buf->base = sg_xmalloc(suggested);
    buf->len = suggested;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
    (void)s;
    if (n > 0) lsp_framer_feed(&g->framer, buf->base, (size_t)n, on_frame, NULL);
    free(buf->base);
    if (n < 0) {
        /* the client went away without `exit` */
        if (n != UV_EOF) logf_("read failed: %s", uv_strerror((int)n));
        g->exit_code = g->state == 2 ? 0 : 1;
        g->stopping = true;
        if (g->loop) uv_stop(g->loop);
    }
}

static uv_stream_t *open_stream(int fd, bool readable) {
    uv_handle_type t = uv_guess_handle(fd);
    if (t == UV_TTY) {
        uv_tty_t *tty = sg_xmalloc(sizeof *tty);
        uv_tty_init(g->loop, tty, fd, readable);
        return (uv_stream_t *)tty;
    }
    uv_pipe_t *p = sg_xmalloc(sizeof *p);
    uv_pipe_init(g->loop, p, 0);
    if (uv_pipe_open(p, fd) != 0) {
        free(p);
        return NULL;
    }
    return (uv_stream_t *)p;
}

static void close_free(uv_handle_t *h) { free(h); }

static void close_all(uv_handle_t *h, void *arg) {
    (void)arg;
    if (uv_is_closing(h)) return;
    if ((void *)h == (void *)&g->debounce || (void *)h == (void *)&g->store_timer || (void *)h == (void *)&g->early_async)
        uv_close(h, NULL);
    else uv_close(h, close_free);
}

int sg_lsp_main(const char *std_dir, const char *log_path) {
    Lsp lsp;
    memset(&lsp, 0, sizeof lsp);
    g = &lsp;
    g->log = stderr;
    if (log_path) {
        FILE *f = fopen(log_path, "a");
        if (f) g->log = f;
        else fprintf(stderr, "sigil: cannot open log file %s: %s; logging to stderr\n", log_path, strerror(errno));
    }
    g->std_dir = sg_xstrdup(std_dir);
    g->loop = uv_default_loop();
    g->exit_code = 1;
    lsp_framer_init(&g->framer, LSP_MAX_MESSAGE);
    uv_timer_init(g->loop, &g->debounce);
    uv_timer_init(g->loop, &g->store_timer);
    uv_mutex_init(&g->early_mu);
    uv_async_init(g->loop, &g->early_async, early_publish);
    g->in = open_stream(0, true);
    g->out = open_stream(1, false);
    if (!g->in || !g->out) {
        fprintf(stderr, "sigil: --lsp needs stdin and stdout to be pipes or terminals\n");
        return 2;
    }
    uv_read_start(g->in, alloc_cb, read_cb);
    logf_("sigil %s language server started", SIGIL_VERSION);
    uv_run(g->loop, UV_RUN_DEFAULT);
    /* drain pending writes (the reply to shutdown, last diagnostics) */
    uv_read_stop(g->in);
    uv_timer_stop(&g->debounce);
    uv_timer_stop(&g->store_timer);
    sg_dirwatch_close(&g->dirs);
    uv_run(g->loop, UV_RUN_NOWAIT);
    uv_walk(g->loop, close_all, NULL);
    uv_run(g->loop, UV_RUN_DEFAULT);    /* also waits for a running check */
    uv_loop_close(g->loop);
    int code = g->exit_code;
    if (g->nto_store) {     /* the last results, written before we go */
        StoreJob *j = take_pending_results();
        store_work(&j->req);
        free_store_job(j);
    }
    for (uint32_t i = 0; i < g->nearly; i++) free_early(g->early[i]);
    free(g->early);
    uv_mutex_destroy(&g->early_mu);
    if (g->full_done) {
        if (g->full_done->ok) sg_engine_free(&g->full_done->run);
        free_job(g->full_done);
    }
    free_run(g->last);
    for (uint32_t i = 0; i < g->npending; i++) cJSON_Delete(g->pending[i]);
    free(g->pending);
    for (uint32_t i = 0; i < g->ndocs; i++) free_doc(g->docs[i]);
    free(g->docs);
    for (uint32_t i = 0; i < g->npublished; i++) free(g->published[i]);
    free(g->published);
    lsp_framer_free(&g->framer);
    free(g->root);
    free(g->std_dir);
    free(g->cache_dir);
    if (g->log != stderr) fclose(g->log);
    return code;
}

/* Feeds one byte stream through framing and dispatch with replies kept in
 * memory: the libFuzzer target (tests/fuzz/fuzz_lsp.c). No checks run and no
 * file is watched, so the input cannot reach outside the process. */
size_t sg_lsp_fuzz_one(const uint8_t *data, size_t len) {
    Lsp lsp;
    memset(&lsp, 0, sizeof lsp);
    g = &lsp;
    SgBuf out = {0};
    g->sink = &out;
    FILE *devnull = fopen("/dev/null", "w");
    g->log = devnull ? devnull : stderr;
    g->std_dir = sg_xstrdup("std");
    lsp_framer_init(&g->framer, 1u << 20);
    /* in pieces, as reads would deliver them */
    size_t step = len > 7 ? (size_t)(data[0] % 7) + 1 : len;
    for (size_t i = 0; i < len && !g->stopping; i += step)
        lsp_framer_feed(&g->framer, (const char *)data + i, len - i < step ? len - i : step, on_frame, NULL);
    size_t produced = out.len;
    for (uint32_t i = 0; i < g->npending; i++) cJSON_Delete(g->pending[i]);
    free(g->pending);
    for (uint32_t i = 0; i < g->ndocs; i++) free_doc(g->docs[i]);
    free(g->docs);
    lsp_framer_free(&g->framer);
    free(g->root);
    free(g->std_dir);
    free(g->cache_dir);
    sg_buf_free(&out);
    if (devnull) fclose(devnull);
    g = NULL;
    return produced;
}
