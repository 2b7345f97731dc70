/* store.h - the on-disk cache: one SQLite database in WAL mode.
 *
 *   meta(key, value)       schema and checker version, run counter, last run's stats
 *   files(path, size, mtime_ns, ctime_ns, ino, indexed_at_ns, source_hash, module, imports,
 *         fast_key, result_id, result)   -- the last three: the module's result in the last
 *                                           run, denormalised (a warm run needs no lookups)
 *   results(id, source_key, result, signature, last_used)
 *
 * `results` is content-addressed: a result's id hashes its source key and
 * its usage record (LANGUAGE.md section 7), so two writers racing can only
 * write the same row twice, and a source key may have several results, each
 * valid under other states of the names it used (after a revert, an older
 * one is valid again). `files` is a hint that the engine verifies (size,
 * mtime, ctime, inode, racy-mtime rule) before trusting. Every failure here
 * is reported once and turns into a cache miss: the store never makes a
 * check fail. All calls come from one thread. */
#ifndef SG_STORE_H
#define SG_STORE_H

#include "../checker/base.h"
#include "hash.h"

typedef struct SgStore SgStore;

typedef struct SgFileRow {
    int64_t size, mtime_ns, ctime_ns, ino, indexed_at_ns;
    SgHash source_hash;
    /* the module's result in the last run, and the fast key it was valid
     * under (cache/engine.h) */
    bool have_result;
    SgHash fast_key, result_id;
    uint8_t *result;
    size_t result_len;
    uint8_t *imports;           /* import-list blob */
    size_t imports_len;
    bool seen;                  /* matched by a file of this run */
} SgFileRow;

/* Opens (creating) DIR/cache.db. Returns NULL when the cache cannot be
 * used; a warning has then been printed. */
SgStore *sg_store_open(const char *dir);
void sg_store_close(SgStore *s);
const char *sg_store_path(const SgStore *s);

/* Loads the rows of files under `prefix` (an absolute directory path) into
 * `rows` (path -> SgFileRow*, allocated in `a`). */
bool sg_store_load_files(SgStore *s, const char *prefix, SgMap *rows, SgArena *a);

/* Calls fn for each stored result of a source key, most recently used
 * first, at most SG_STORE_MAX_CANDIDATES, until fn returns true. */
#define SG_STORE_MAX_CANDIDATES 16
#define SG_STORE_MAX_CANDIDATES_STR "16"
void sg_store_each_result(SgStore *s, const SgHash *source_key,
                          bool (*fn)(void *ctx, const SgHash *id, const uint8_t *blob, size_t len), void *ctx);
/* The signature blob of a result (malloc'd), for a lazy decode. */
bool sg_store_get_signature(SgStore *s, const SgHash *id, uint8_t **sig, size_t *len);

/* Brackets the lookups of a run in one read transaction. */
void sg_store_begin_read(SgStore *s);
void sg_store_end_read(SgStore *s);

/* One write transaction per run. */
bool sg_store_begin(SgStore *s);
void sg_store_put_result(SgStore *s, const SgHash *id, const SgHash *source_key, const SgBuf *result,
                         const SgBuf *sig);
void sg_store_put_file(SgStore *s, const char *path, const SgFileRow *row, const char *module);
void sg_store_delete_file(SgStore *s, const char *path);
void sg_store_set_meta(SgStore *s, const char *key, const char *value);
bool sg_store_commit(SgStore *s);
/* Drops results no file refers to, beyond the `keep` most recent ones. */
void sg_store_gc(SgStore *s, int64_t keep);

char *sg_store_get_meta(SgStore *s, const char *key);  /* malloc'd or NULL */

/* `sigil cache` subcommands. */
int sg_cache_command(const char *sub, const char *dir);

#endif
