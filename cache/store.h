/* store.h - the on-disk cache: one SQLite database in WAL mode.
 *
 *   meta(key, value)       schema and checker version, run counter, last run's stats
 *   files(root, idx)       the file index of a root (a workspace, the standard library):
 *                          one blob (cache/sig.h), read whole by a warm run
 *   results(id, source_key, result, signature, last_used, xref)
 *
 * `results` is content-addressed: a result's id hashes its source key and
 * its usage record (LANGUAGE.md section 7), so two writers racing can only
 * write the same row twice, and a source key may have several results, each
 * valid under other states of the names it used (after a revert, an older
 * one is valid again). `xref` is the module's cross-reference entry
 * (cache/xref.h), written with its result; only the language server reads
 * it, never a check. The file index is a hint that the engine verifies
 * (size, mtime, ctime, inode, racy-mtime rule) before trusting; two writers
 * racing on it can only cost the loser's next run some hashing. Every
 * failure here is reported once and turns into a cache miss: the store
 * never makes a check fail. All calls come from one thread. */
#ifndef SG_STORE_H
#define SG_STORE_H

#include "../checker/base.h"
#include "hash.h"

typedef struct SgStore SgStore;

/* One file of the index: what it was when indexed, and the module's
 * result in the last run with the fast key it was valid under
 * (cache/engine.h). Strings are slices of the loaded index. */
typedef struct SgFileRow {
    SgName rel;                 /* path relative to the index's root */
    int64_t size, mtime_ns, ctime_ns, ino, indexed_at_ns;
    SgHash source_hash;
    SgName *imports;            /* the import paths */
    uint32_t nimports;
    bool have_result;
    SgHash fast_key, result_id, export_hash;
    uint32_t ndiags;            /* 0: the result need not be read to be reused */
    SgHash usage_filter;        /* a Bloom filter of the names the result's usage record holds
                                 * (engine.c, "usage filters"); all ones: any name */
    bool seen;                  /* matched by a file of this run */
} SgFileRow;

/* Opens (creating) DIR/cache.db. Returns NULL when the cache cannot be
 * used; a warning has then been printed. */
SgStore *sg_store_open(const char *dir);
void sg_store_close(SgStore *s);
const char *sg_store_path(const SgStore *s);

/* The file index of a root is kept in SG_INDEX_CHUNKS chunks (a file's
 * chunk: sg_index_chunk of its path), so that a run that changed a few
 * files rewrites a few chunks, not the index of every file. */
#define SG_INDEX_CHUNKS 64u
uint32_t sg_index_chunk(SgName rel);

/* The file index of `root` (an absolute directory path): its rows in `a`,
 * how many rows each chunk holds and the checksum of its rows blob (which
 * its keys name). A damaged index loads as empty, with
 * *damaged set (it is to be cleared before it is written again). False
 * when the database cannot be read (a warning was printed). */
bool sg_store_load_index(SgStore *s, const char *root, SgArena *a, SgFileRow **rows, uint32_t *n,
                         uint32_t chunk_rows[SG_INDEX_CHUNKS], uint64_t chunk_sum[SG_INDEX_CHUNKS], bool *damaged);
/* A result blob by id (malloc'd). */
bool sg_store_get_result(SgStore *s, const SgHash *id, uint8_t **blob, size_t *len);

/* Calls fn for each stored result of a source key, most recently used
 * first, at most SG_STORE_MAX_CANDIDATES, until fn returns true. */
#define SG_STORE_MAX_CANDIDATES 16
#define SG_STORE_MAX_CANDIDATES_STR "16"
void sg_store_each_result(SgStore *s, const SgHash *source_key,
                          bool (*fn)(void *ctx, const SgHash *id, const uint8_t *blob, size_t len), void *ctx);
/* The cross-reference entry of a result (malloc'd); false when there is
 * none (a result of the remote cache). */
bool sg_store_get_xref(SgStore *s, const SgHash *id, uint8_t **blob, size_t *len);
bool sg_store_has_xref(SgStore *s, const SgHash *id);
/* The signature blob of a result (malloc'd), for a lazy decode. */
bool sg_store_get_signature(SgStore *s, const SgHash *id, uint8_t **sig, size_t *len);

/* Brackets the lookups of a run in one read transaction. */
void sg_store_begin_read(SgStore *s);
void sg_store_end_read(SgStore *s);

/* One write transaction per run. */
bool sg_store_begin(SgStore *s);
/* xref NULL: the entry already stored (if any) is kept. */
void sg_store_put_result(SgStore *s, const SgHash *id, const SgHash *source_key, const SgBuf *result,
                         const SgBuf *sig, const SgBuf *xref);
/* Replaces a part of chunk `chunk` of the file index of `root`: its rows
 * (SG_INDEX_ROWS, sg_index_encode) or their keys (SG_INDEX_KEYS,
 * sg_index_encode_keys); blob NULL: removes the chunk. */
enum { SG_INDEX_ROWS, SG_INDEX_KEYS };
void sg_store_put_index(SgStore *s, const char *root, uint32_t chunk, int part, const SgBuf *blob);
/* Removes every chunk of the file index of `root`. */
void sg_store_clear_index(SgStore *s, const char *root);
void sg_store_set_meta(SgStore *s, const char *key, const char *value);
bool sg_store_commit(SgStore *s);
/* Drops results no file index refers to, beyond the `keep` most recent
 * ones. It reads every index: due only every so many runs. */
void sg_store_gc(SgStore *s, int64_t keep);
bool sg_store_gc_due(SgStore *s, int64_t keep);

char *sg_store_get_meta(SgStore *s, const char *key);  /* malloc'd or NULL */

/* `sigil cache` subcommands. */
int sg_cache_command(const char *sub, const char *dir);

#endif
