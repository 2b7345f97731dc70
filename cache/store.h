/* store.h - the on-disk cache: one SQLite database in WAL mode.
 *
 *   meta(key, value)            schema and checker version, run counter, last run's stats
 *   files(path, size, mtime_ns, ctime_ns, ino, indexed_at_ns, source_hash, module, imports, check_key,
 *         export_hash, diagnostics)   -- the last three: the result for check_key, denormalised
 *   results(check_key, export_hash, signature, diagnostics, last_used)
 *
 * `results` is content-addressed by check key, so two writers racing can
 * only write the same row twice (INSERT OR IGNORE). `files` is a hint that
 * the engine verifies (size, mtime, inode, racy-mtime rule) before trusting.
 * Every failure here is reported once and turns into a cache miss: the
 * store never makes a check fail. All calls come from one thread. */
#ifndef SG_STORE_H
#define SG_STORE_H

#include "../checker/base.h"
#include "hash.h"

typedef struct SgStore SgStore;

typedef struct SgFileRow {
    int64_t size, mtime_ns, ctime_ns, ino, indexed_at_ns;
    SgHash source_hash;
    SgHash check_key;
    bool have_key;
    /* a copy of the result for check_key, so a warm run needs no lookups */
    bool have_result;
    SgHash export_hash;
    uint8_t *diags;
    size_t diags_len;
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

/* Looks a result up. On a hit, *diags is malloc'd. */
bool sg_store_get_result(SgStore *s, const SgHash *key, SgHash *export_hash, uint8_t **diags, size_t *dlen);
/* The signature blob of a result (malloc'd), for a lazy decode. */
bool sg_store_get_signature(SgStore *s, const SgHash *key, uint8_t **sig, size_t *len);

/* Brackets the lookups of a run in one read transaction. */
void sg_store_begin_read(SgStore *s);
void sg_store_end_read(SgStore *s);

/* One write transaction per run. */
bool sg_store_begin(SgStore *s);
void sg_store_put_result(SgStore *s, const SgHash *key, const SgHash *export_hash, const SgBuf *sig,
                         const SgBuf *diags);
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
