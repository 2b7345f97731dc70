/* engine_impl.h - the engine's steps shared by a whole run (engine.c) and
 * the language server's one-module update (update.c). Not a public API. */
#ifndef SG_ENGINE_IMPL_H
#define SG_ENGINE_IMPL_H

#include "engine.h"
#include "hash.h"
#include "store.h"

void sg_eng_parse(SgModule *m);
void sg_eng_import_paths_from_ast(SgModule *m, const SgAst *ast);
/* E101, E102 and E107 at the import items of a module checked in this run. */
void sg_eng_link_diags(SgModule *m);
/* The source key and fast key (engine.h). The export hashes of m's
 * resolved imports must be known. */
void sg_eng_keys(const SgProgram *p, SgModule *m);
/* After resolution: m's fingerprint table and export hash. The tables of
 * the modules whose types m's signature names come through `table_of`. */
void sg_eng_fingerprint(SgModule *m, SgFpTableOf table_of, void *ctx);
/* The fingerprint table a module already has, or NULL (a SgFpTableOf for
 * runs whose tables are all decoded). */
const SgFpTable *sg_eng_table_if_known(void *ctx, SgModule *dep);
/* Has m's check record what its cross-reference entry needs (facts, at
 * least SgFacts.refs_only), before it is checked. */
void sg_eng_want_xref(SgModule *m);
/* After a body check: diagnostics located and sorted, signature and result
 * blobs encoded (when `encode`; it needs the fingerprint tables of m's
 * resolved imports) with the cross-reference entry (if facts were
 * recorded), the tree arena freed, and facts that only the entry wanted. */
void sg_eng_finish(SgModule *m, bool encode);

/* ---- the writer (writer.c): results stored on a thread of their own ---- */
typedef struct SgWriter SgWriter;
/* Starts a thread that opens the store in cache_dir, begins a transaction
 * and calls first(store, ids, ctx) (may be NULL) to write what it has,
 * setting ids[module index] to each result id it writes; then writes the
 * modules queued. NULL if no thread could be started. keep: the cache's
 * size (SgEngineOptions.cache_keep), for the GC's schedule. */
SgWriter *sg_writer_start(const char *cache_dir, uint32_t nmods, int64_t keep,
                          void (*first)(SgStore *s, SgHash *ids, void *ctx), void *ctx);
/* Queues the checked modules of mods[] that have a result to store; their
 * blobs must stay as they are until sg_writer_finish. */
void sg_writer_queue(SgWriter *w, SgModule *const *mods, uint32_t n);
/* Writes what is queued, commits and joins the thread; true if committed.
 * w may be NULL. */
bool sg_writer_finish(SgWriter *w);
/* Whether m's current result is in the store through w (finished). */
bool sg_writer_wrote(const SgWriter *w, const SgModule *m);
void sg_writer_free(SgWriter *w);

/* ---- usage filters (usage_filter.c) ---- */
extern const SgHash SG_FILTER_ALL;     /* any name may be in it: the result is always read */
/* The filter of m's result `res`: the names its usage record holds, keyed
 * by m's import paths; SG_FILTER_ALL when it holds a nearest-name answer
 * or cannot be read. */
SgHash sg_usage_filter_of(const SgModule *m, const uint8_t *res, size_t len);
uint64_t sg_filter_key(const char *module, size_t ml, uint8_t ns, const char *name, size_t nl);
bool sg_filter_may_have(const SgHash *f, uint64_t key);
/* Appends to *keys (malloc'd, *n of them) the keys, under `module`, of the
 * names whose state differs between tables `then` and `now`. */
void sg_filter_changed(const SgFpTable *then, const SgFpTable *now, const char *module, uint64_t **keys,
                       uint32_t *n);

/* ---- the file index a run writes (file_index.c) ---- */
/* A root's index as loaded (sg_store_load_index): its rows, how many each
 * chunk holds and the checksum of each chunk's rows blob. */
typedef struct SgIndexRoot {
    const char *root;
    SgFileRow *rows;
    uint32_t n;
    uint32_t chunk_rows[SG_INDEX_CHUNKS];
    uint64_t chunk_sum[SG_INDEX_CHUNKS];
    bool damaged;           /* chunks are to be cleared before writing */
    SgMap by_rel;           /* path relative to root -> its row in rows */
} SgIndexRoot;
/* Whether m gets a file index row (a file of its own, read and statted). */
bool sg_eng_row_wanted(const SgModule *m);
/* Whether m's stored row says what its new row would, result included. */
bool sg_eng_row_same(const SgModule *m);
/* Writes the chunks of ix that this run changed (rows built in rows_arena),
 * inside the store's open transaction. */
void sg_eng_write_index(SgStore *s, const SgProgram *p, const SgIndexRoot *ix, SgArena *rows_arena, int jobs);

#endif
