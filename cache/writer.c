/* writer.c - results written to the store on a thread of their own while
 * a run goes on.
 *
 * Storing 10,000 results takes a cold check about 0.2 s, and a fresh clone
 * served by the remote cache as long as checking their validity: done at
 * the end, on the run's thread, it is all added to the run. The writer
 * has a connection and a transaction of its own. It writes what `first`
 * gives it (the remote cache's entries, engine.c), then the modules queued
 * as they are checked, and commits when the run closes the queue. The run
 * then writes only what the writer did not (sg_writer_wrote).
 *
 * Threads: the queue is under `mu`. A queued module's result, signature
 * and cross-reference blobs, source key and result id are not written by
 * anyone once it is checked, until the writer is joined (sg_writer_finish);
 * the writer only reads them. `id` and `ok` are the writer's until then. */
#include <stdlib.h>
#include <uv.h>

#include "engine_impl.h"

struct SgWriter {
    uv_thread_t th;
    uv_mutex_t mu;
    uv_cond_t cv;
    char *cache_dir;
    int64_t keep;
    void (*first)(SgStore *s, SgHash *ids, void *ctx);
    void *first_ctx;
    SgModule **q;           /* room for every module: each is queued once at most */
    uint32_t nq;            /* under mu */
    bool closing;           /* under mu: nothing more will be queued */
    bool running, ok;
    SgHash *id;             /* by module index: the result written, zero if none */
};

static void put(SgStore *s, SgWriter *w, SgModule *m) {
    SgModuleState *st = m->st;
    sg_store_put_result(s, &st->result_id, &st->source_key, &st->result, &st->sig_blob, st->xref.len ? &st->xref : NULL);
    w->id[m->index] = st->result_id;
}

static void write_all(void *arg) {
    SgWriter *w = arg;
    SgStore *s = sg_store_open(w->cache_dir);
    bool begun = s && sg_store_begin(s);
    if (begun && w->first) w->first(s, w->id, w->first_ctx);
    uint32_t done = 0;
    uv_mutex_lock(&w->mu);
    for (;;) {
        while (done == w->nq && !w->closing) uv_cond_wait(&w->cv, &w->mu);
        uint32_t upto = w->nq;
        if (done == upto) break;
        uv_mutex_unlock(&w->mu);
        for (; done < upto; done++)
            if (begun) put(s, w, w->q[done]);
        uv_mutex_lock(&w->mu);
    }
    uv_mutex_unlock(&w->mu);
    /* counted towards the GC's schedule, which the run keeps */
    if (begun) (void)sg_store_gc_due(s, w->keep);
    w->ok = begun && sg_store_commit(s);
    sg_store_close(s);
}

SgWriter *sg_writer_start(const char *cache_dir, uint32_t nmods, int64_t keep,
                          void (*first)(SgStore *s, SgHash *ids, void *ctx), void *ctx) {
    SgWriter *w = sg_xcalloc(1, sizeof *w);
    w->cache_dir = sg_xstrdup(cache_dir);
    w->keep = keep;
    w->first = first;
    w->first_ctx = ctx;
    w->q = sg_xcalloc(nmods + 1, sizeof *w->q);
    w->id = sg_xcalloc(nmods + 1, sizeof *w->id);
    uv_mutex_init(&w->mu);
    uv_cond_init(&w->cv);
    w->running = uv_thread_create(&w->th, write_all, w) == 0;
    if (!w->running) {
        sg_writer_free(w);
        return NULL;
    }
    return w;
}

void sg_writer_queue(SgWriter *w, SgModule *const *mods, uint32_t n) {
    uv_mutex_lock(&w->mu);
    for (uint32_t i = 0; i < n; i++) {
        const SgModuleState *st = mods[i]->st;
        if (!st->uncacheable && st->result.len && st->sig_blob.len) w->q[w->nq++] = mods[i];
    }
    uv_cond_signal(&w->cv);
    uv_mutex_unlock(&w->mu);
}

bool sg_writer_finish(SgWriter *w) {
    if (!w || !w->running) return w && w->ok;
    uv_mutex_lock(&w->mu);
    w->closing = true;
    uv_cond_signal(&w->cv);
    uv_mutex_unlock(&w->mu);
    uv_thread_join(&w->th);
    w->running = false;
    return w->ok;
}

bool sg_writer_wrote(const SgWriter *w, const SgModule *m) {
    return w && !w->running && w->ok && sg_hash_eq(&w->id[m->index], &m->st->result_id);
}

void sg_writer_free(SgWriter *w) {
    if (!w) return;
    sg_writer_finish(w);
    uv_mutex_destroy(&w->mu);
    uv_cond_destroy(&w->cv);
    free(w->cache_dir);
    free(w->q);
    free(w->id);
    free(w);
}
