/* store.c - SQLite-backed cache store (see store.h). */
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "../include/sigil.h"
#include "sig.h"
#include "xref.h"

#define SCHEMA_VERSION "13"
/* The write-ahead log kept between runs, at most (bytes; see try_open),
 * and what a log reset after a checkpoint is cut back to. */
#define STORE_LOG_KEEP (16 << 20)
#define STORE_LOG_RESET (4 << 20)

struct SgStore {
    sqlite3 *db;
    char *path;
    bool warned;
    bool corrupt;       /* SQLite found damage: the database is set aside on close */
    int err_code;       /* the first SQLite error while opening, and its message: */
    char err_msg[256];  /* what the warning says (a ROLLBACK must not hide it) */
    bool in_tx;
    int64_t run;
    int64_t added;      /* results written in this transaction (for the GC's schedule) */
    sqlite3_stmt *get_results, *get_result, *get_sig, *get_xref, *has_xref, *put_result, *put_index;
};

static void warn(SgStore *s, const char *what) {
    int code = s->db ? sqlite3_errcode(s->db) : SQLITE_ERROR;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) s->corrupt = true;
    if (s->warned) return;
    s->warned = true;
    /* damage is told once, when the database is set aside (on close) */
    if (!s->corrupt)
        fprintf(stderr, "sigil: warning: cache %s: %s; continuing without it where needed\n", s->path,
                s->db ? sqlite3_errmsg(s->db) : what);
}

/* Remembers the first error of the connection's latest call. */
static void note_error(SgStore *s) {
    if (s->err_code || !s->db) return;
    s->err_code = sqlite3_extended_errcode(s->db);
    snprintf(s->err_msg, sizeof s->err_msg, "%s", sqlite3_errmsg(s->db));
}

static bool damage_code(int code) {
    code &= 0xff;
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

static bool exec(SgStore *s, const char *sql) {
    char *err = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) note_error(s);
    return rc == SQLITE_OK;
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS files(root TEXT, chunk INTEGER, part INTEGER, blob BLOB,"
    " PRIMARY KEY(root, chunk, part));"
    "CREATE TABLE IF NOT EXISTS results(id BLOB PRIMARY KEY, source_key BLOB, result BLOB, signature BLOB,"
    " last_used INTEGER, xref BLOB);"
    "CREATE INDEX IF NOT EXISTS results_source_key ON results(source_key, last_used);"
    "CREATE INDEX IF NOT EXISTS results_last_used ON results(last_used);";

char *sg_store_get_meta(SgStore *s, const char *key) {
    sqlite3_stmt *st;
    char *r = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL) != SQLITE_OK) {
        note_error(s);
        return NULL;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) r = sg_xstrdup((const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE) note_error(s);
    sqlite3_finalize(st);
    return r;
}

void sg_store_set_meta(SgStore *s, const char *key, const char *value) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
}

/* Creates the tables; on a version mismatch drops everything first. */
static bool prepare_schema(SgStore *s) {
    /* the versions first: another version's tables may not fit this
     * version's indexes, so they are dropped before anything is created */
    if (!exec(s, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")) return false;
    char *sv = sg_store_get_meta(s, "schema_version");
    char *cv = sg_store_get_meta(s, "checker_version");
    if (s->err_code) {     /* unreadable: not "another version" */
        free(sv);
        free(cv);
        return false;
    }
    bool match = sv && cv && strcmp(sv, SCHEMA_VERSION) == 0 && strcmp(cv, SIGIL_CHECKER_VERSION) == 0;
    if (!match && (sv || cv))
        fprintf(stderr, "sigil: cache %s was written by another version of sigil; rebuilding it\n", s->path);
    free(sv);
    free(cv);
    if (!match) {
        if (!exec(s, "BEGIN IMMEDIATE; DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS results;"
                     " DELETE FROM meta;") ||
            !exec(s, schema)) {
            exec(s, "ROLLBACK");
            return false;
        }
        sg_store_set_meta(s, "schema_version", SCHEMA_VERSION);
        sg_store_set_meta(s, "checker_version", SIGIL_CHECKER_VERSION);
        if (!exec(s, "COMMIT")) return false;
    } else if (!exec(s, schema)) {
        return false;
    }
    /* a cheap sanity read: a database that is not one fails here */
    return exec(s, "SELECT count(*) FROM results WHERE 0");
}

static bool prepare(SgStore *s) {
    bool ok = sqlite3_prepare_v2(s->db,
                              "SELECT id, result FROM results WHERE source_key=? ORDER BY last_used DESC LIMIT "
                              SG_STORE_MAX_CANDIDATES_STR,
                              -1, &s->get_results, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(s->db, "SELECT signature FROM results WHERE id=?", -1, &s->get_sig, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(s->db, "SELECT result FROM results WHERE id=?", -1, &s->get_result, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(s->db, "SELECT xref FROM results WHERE id=?", -1, &s->get_xref, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(s->db, "SELECT 1 FROM results WHERE id=? AND xref IS NOT NULL", -1, &s->has_xref, NULL) ==
               SQLITE_OK &&
           /* a writer without the cross-reference entry (a signature stored
            * again, a result of the remote cache) keeps the one there is */
           sqlite3_prepare_v2(s->db,
                              "INSERT INTO results(id, source_key, result, signature, last_used, xref)"
                              " VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                              " source_key=excluded.source_key, result=excluded.result, signature=excluded.signature,"
                              " last_used=excluded.last_used, xref=coalesce(excluded.xref, xref)",
                              -1, &s->put_result, NULL) == SQLITE_OK &&
           sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO files(root, chunk, part, blob) VALUES(?, ?, ?, ?)", -1,
                              &s->put_index, NULL) == SQLITE_OK;
    if (!ok) note_error(s);
    return ok;
}

static void finalize_all(SgStore *s) {
    sqlite3_finalize(s->get_results);
    sqlite3_finalize(s->get_result);
    sqlite3_finalize(s->get_sig);
    sqlite3_finalize(s->get_xref);
    sqlite3_finalize(s->has_xref);
    sqlite3_finalize(s->put_result);
    sqlite3_finalize(s->put_index);
    s->get_results = s->get_result = s->get_sig = s->get_xref = s->has_xref = s->put_result = s->put_index = NULL;
}

static bool try_open(SgStore *s) {
    s->err_code = 0;
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        note_error(s);
        return false;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* Results and signatures are blobs of a few KiB: with 4 KiB pages
     * nearly every one spills to overflow pages. 32 KiB pages store a
     * 10,000-module workspace's first results in 0.12 s instead of 0.43 s,
     * in 28 MB instead of 43 MB. (Effective for a new database only.) */
    exec(s, "PRAGMA page_size=32768");
    exec(s, "PRAGMA journal_mode=WAL");
    exec(s, "PRAGMA synchronous=NORMAL");
    /* The last connection to close used to checkpoint the log into the
     * database, fsync included: 3 ms of every run that wrote, and the most
     * variable part of it. The log is checkpointed instead by the commit
     * that takes it past 512 pages (16 MB), and a reader finds recent pages
     * in it; a close still checkpoints (and removes) a log larger than
     * that, such as a cold run's (sg_store_close). */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    exec(s, "PRAGMA wal_autocheckpoint=512");
    char limit[64];
    snprintf(limit, sizeof limit, "PRAGMA journal_size_limit=%d", STORE_LOG_RESET);
    exec(s, limit);
    return prepare_schema(s) && prepare(s);
}

static void remove_db_files(const char *path) {
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s%s", path, sfx[i]);
        unlink(buf);
    }
}

/* A damaged database is kept for a look (PATH.damaged, with its write-ahead
 * log; the previous one is replaced) and a new one is started. */
static void set_aside(const char *path, const char *why) {
    char to[4200], from[4200];
    snprintf(to, sizeof to, "%s.damaged", path);
    bool moved = rename(path, to) == 0;
    snprintf(from, sizeof from, "%s-wal", path);
    snprintf(to, sizeof to, "%s.damaged-wal", path);
    if (moved) rename(from, to);
    else unlink(to);
    remove_db_files(path);
    fprintf(stderr, "sigil: note: cache %s is damaged (%s); %s and a new one is started\n", path, why,
            moved ? "it is kept as cache.db.damaged" : "it is removed");
}

SgStore *sg_store_open(const char *dir) {
    SgStore *s = sg_xcalloc(1, sizeof *s);
    SgBuf p = {0};
    sg_buf_printf(&p, "%s/cache.db", dir);
    s->path = sg_xstrdup(p.data);
    sg_buf_free(&p);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "sigil: warning: cannot create cache directory %s: %s; checking without a cache\n", dir,
                strerror(errno));
        free(s->path);
        free(s);
        return NULL;
    }
    /* the cache directory never belongs in version control */
    SgBuf gi = {0};
    sg_buf_printf(&gi, "%s/.gitignore", dir);
    if (access(gi.data, F_OK) != 0) {
        FILE *f = fopen(gi.data, "w");
        if (f) {
            fputs("*\n", f);
            fclose(f);
        }
    }
    sg_buf_free(&gi);
    if (!try_open(s)) {
        /* unreadable as a database (truncated, garbage, a damaged page):
         * set aside and started over once */
        finalize_all(s);
        sqlite3_close(s->db);
        s->db = NULL;
        if (damage_code(s->err_code)) {
            set_aside(s->path, s->err_msg);
            if (try_open(s)) return s;
            finalize_all(s);
            sqlite3_close(s->db);
            s->db = NULL;
        }
        fprintf(stderr, "sigil: warning: cannot use the cache %s (%s); checking without it\n", s->path,
                s->err_code ? s->err_msg : "it cannot be opened");
        free(s->path);
        free(s);
        return NULL;
    }
    char *run = sg_store_get_meta(s, "run");
    s->run = run ? atoll(run) + 1 : 1;
    free(run);
    return s;
}

void sg_store_close(SgStore *s) {
    if (!s) return;
    if (s->in_tx) exec(s, "ROLLBACK");
    char wal[PATH_MAX + 8];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    if (stat(wal, &sb) == 0 && sb.st_size > STORE_LOG_KEEP) sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
    finalize_all(s);
    sqlite3_close(s->db);
    if (s->corrupt) set_aside(s->path, "found while checking");
    free(s->path);
    free(s);
}

const char *sg_store_path(const SgStore *s) { return s->path; }

static bool blob_hash(sqlite3_stmt *st, int col, SgHash *out) {
    if (sqlite3_column_type(st, col) != SQLITE_BLOB || sqlite3_column_bytes(st, col) != 16) return false;
    memcpy(out->b, sqlite3_column_blob(st, col), 16);
    return true;
}

/* A blob column, copied (malloc'd). */
static bool column_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *len) {
    if (sqlite3_column_type(st, col) != SQLITE_BLOB) return false;
    *len = (size_t)sqlite3_column_bytes(st, col);
    *out = sg_xmalloc(*len + 1);
    if (*len) memcpy(*out, sqlite3_column_blob(st, col), *len);
    return true;
}

uint32_t sg_index_chunk(SgName rel) { return (uint32_t)(XXH3_64bits(rel.s, rel.len) % SG_INDEX_CHUNKS); }

/* A chunk's rows blob, then its keys blob (ORDER BY chunk, part): the keys
 * fill the result fields of the rows just decoded. */
typedef struct ChunkReader {
    SgFileRow *rows;        /* of the chunk being read */
    uint32_t n;
    int64_t chunk;          /* -1: none */
    uint64_t sum;
    bool keyed;
} ChunkReader;

/* Takes one (chunk, part, blob) row; false when the index is damaged. The
 * caller sees to a chunk whose keys never came (cr->keyed still false when
 * the next chunk's rows or the end come). */
static bool chunk_read(ChunkReader *cr, sqlite3_stmt *st, SgArena *a) {
    sqlite3_int64 chunk = sqlite3_column_int64(st, 0), part = sqlite3_column_int64(st, 1);
    const uint8_t *blob = sqlite3_column_blob(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 2);
    if (chunk < 0 || chunk >= SG_INDEX_CHUNKS || sqlite3_column_type(st, 2) != SQLITE_BLOB) return false;
    if (part == SG_INDEX_ROWS) {
        uint8_t *copy = sg_arena_dup(a, blob, len);
        cr->chunk = chunk;
        cr->keyed = false;
        cr->sum = sg_checksum64(copy, len);
        return sg_index_decode(copy, len, a, &cr->rows, &cr->n);
    }
    if (part != SG_INDEX_KEYS || chunk != cr->chunk || cr->keyed) return false;
    cr->keyed = true;
    return sg_index_decode_keys(blob, len, cr->rows, cr->n, cr->sum);
}

bool sg_store_load_index(SgStore *s, const char *root, SgArena *a, SgFileRow **rows, uint32_t *n,
                         uint32_t chunk_rows[SG_INDEX_CHUNKS], uint64_t chunk_sum[SG_INDEX_CHUNKS], bool *damaged) {
    sqlite3_stmt *st;
    *rows = NULL;
    *n = 0;
    *damaged = false;
    memset(chunk_rows, 0, sizeof(uint32_t) * SG_INDEX_CHUNKS);
    memset(chunk_sum, 0, sizeof(uint64_t) * SG_INDEX_CHUNKS);
    if (sqlite3_prepare_v2(s->db, "SELECT chunk, part, blob FROM files WHERE root=? ORDER BY chunk, part", -1, &st,
                           NULL) != SQLITE_OK) {
        warn(s, "read failed");
        return false;
    }
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    /* each chunk's rows where its decoding put them, then one array */
    SgFileRow *slice[SG_INDEX_CHUNKS];
    uint32_t nall = 0;
    ChunkReader cr = {.chunk = -1};
    int rc;
    /* a damaged chunk makes the whole index an empty one: every file is
     * read and hashed, and the index is written anew */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && !*damaged) {
        bool rows_part = sqlite3_column_int64(st, 1) == SG_INDEX_ROWS;
        if ((rows_part && cr.chunk >= 0 && !cr.keyed) || !chunk_read(&cr, st, a)) {
            *damaged = true;
            break;
        }
        if (!cr.keyed) continue;
        chunk_rows[cr.chunk] = cr.n;
        chunk_sum[cr.chunk] = cr.sum;
        slice[cr.chunk] = cr.rows;
        nall += cr.n;
    }
    if (rc == SQLITE_DONE && cr.chunk >= 0 && !cr.keyed) *damaged = true;   /* rows without keys */
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    if (!ok) warn(s, "read failed");
    sqlite3_finalize(st);
    if (*damaged || !ok) {
        memset(chunk_rows, 0, sizeof(uint32_t) * SG_INDEX_CHUNKS);
        return ok;
    }
    if (nall) {
        *rows = SG_NEW_N(a, SgFileRow, nall);
        for (uint32_t ch = 0, at = 0; ch < SG_INDEX_CHUNKS; at += chunk_rows[ch++])
            if (chunk_rows[ch]) memcpy(*rows + at, slice[ch], sizeof **rows * chunk_rows[ch]);
    }
    *n = nall;
    return true;
}

void sg_store_put_index(SgStore *s, const char *root, uint32_t chunk, int part, const SgBuf *blob) {
    sqlite3_stmt *st = s->put_index, *del = NULL;
    if (!blob) {
        if (sqlite3_prepare_v2(s->db, "DELETE FROM files WHERE root=? AND chunk=?", -1, &del, NULL) != SQLITE_OK) {
            warn(s, "write failed");
            return;
        }
        st = del;
    }
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, chunk);
    if (blob) {
        sqlite3_bind_int64(st, 3, part);
        sqlite3_bind_blob(st, 4, blob->data ? blob->data : "", (int)blob->len, SQLITE_STATIC);
    }
    if (sqlite3_step(st) != SQLITE_DONE) warn(s, "write failed");
    sqlite3_reset(st);
    sqlite3_finalize(del);
}

void sg_store_clear_index(SgStore *s, const char *root) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM files WHERE root=?", -1, &st, NULL) != SQLITE_OK) {
        warn(s, "write failed");
        return;
    }
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) warn(s, "write failed");
    sqlite3_finalize(st);
}

/* The one blob a statement selects by id (malloc'd). */
static bool get_by_id(SgStore *s, sqlite3_stmt *st, const SgHash *id, uint8_t **blob, size_t *len) {
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, id->b, 16, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_ROW && column_blob(st, 0, blob, len);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) warn(s, "read failed");
    sqlite3_reset(st);
    return ok;
}

bool sg_store_get_result(SgStore *s, const SgHash *id, uint8_t **blob, size_t *len) {
    return get_by_id(s, s->get_result, id, blob, len);
}

void sg_store_each_result(SgStore *s, const SgHash *source_key,
                          bool (*fn)(void *ctx, const SgHash *id, const uint8_t *blob, size_t len), void *ctx) {
    sqlite3_stmt *st = s->get_results;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, source_key->b, 16, SQLITE_STATIC);
    int rc;
    /* one candidate at a time: `fn` may read other rows meanwhile */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        SgHash id;
        if (!blob_hash(st, 0, &id) || sqlite3_column_type(st, 1) != SQLITE_BLOB) continue;
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        uint8_t *blob = sg_xmalloc(len + 1);
        if (len) memcpy(blob, sqlite3_column_blob(st, 1), len);
        bool stop = fn(ctx, &id, blob, len);
        free(blob);
        if (stop) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) warn(s, "read failed");
    sqlite3_reset(st);
}

bool sg_store_get_xref(SgStore *s, const SgHash *id, uint8_t **blob, size_t *len) {
    return get_by_id(s, s->get_xref, id, blob, len);
}

bool sg_store_has_xref(SgStore *s, const SgHash *id) {
    sqlite3_stmt *st = s->has_xref;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, id->b, 16, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return ok;
}

bool sg_store_get_signature(SgStore *s, const SgHash *id, uint8_t **sig, size_t *len) {
    sqlite3_stmt *st = s->get_sig;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, id->b, 16, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_ROW && column_blob(st, 0, sig, len);
    sqlite3_reset(st);
    return ok;
}

void sg_store_begin_read(SgStore *s) { s->in_tx = exec(s, "BEGIN"); }

void sg_store_end_read(SgStore *s) {
    if (s->in_tx) exec(s, "COMMIT");
    s->in_tx = false;
}

bool sg_store_begin(SgStore *s) {
    s->in_tx = exec(s, "BEGIN IMMEDIATE");
    if (!s->in_tx) warn(s, "write failed");
    return s->in_tx;
}

void sg_store_put_result(SgStore *s, const SgHash *id, const SgHash *source_key, const SgBuf *result,
                         const SgBuf *sig, const SgBuf *xref) {
    sqlite3_stmt *st = s->put_result;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, id->b, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, source_key->b, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, result->data ? result->data : "", (int)result->len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, sig->data ? sig->data : "", (int)sig->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, s->run);
    if (xref) sqlite3_bind_blob(st, 6, xref->data ? xref->data : "", (int)xref->len, SQLITE_STATIC);
    else sqlite3_bind_null(st, 6);
    if (sqlite3_step(st) != SQLITE_DONE) warn(s, "write failed");
    s->added++;
    sqlite3_reset(st);
}

bool sg_store_commit(SgStore *s) {
    char run[32];
    snprintf(run, sizeof run, "%lld", (long long)s->run);
    sg_store_set_meta(s, "run", run);
    bool ok = exec(s, "COMMIT");
    if (!ok) {
        warn(s, "write failed");
        exec(s, "ROLLBACK");
    }
    s->in_tx = false;
    return ok;
}

/* Calls fn for each row of every index in the database (all roots), with
 * its keys; ok false for a chunk that cannot be read. False when the table
 * cannot be read to its end. */
static bool each_indexed_file(SgStore *s, void (*fn)(void *ctx, const char *root, const SgFileRow *r, bool ok),
                              void *ctx) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT chunk, part, blob, root FROM files ORDER BY root, chunk, part", -1, &st,
                           NULL) != SQLITE_OK) {
        note_error(s);
        return false;
    }
    int rc;
    SgArena a;
    sg_arena_init(&a);
    ChunkReader cr = {.chunk = -1};
    char *root = NULL;
    int64_t skip = -1;      /* a chunk found damaged: its other part is not looked at */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 3);
        int64_t chunk = sqlite3_column_int64(st, 0);
        bool other_root = !root || !r || strcmp(root, r) != 0;
        if (other_root || chunk != cr.chunk) {
            if (root && cr.chunk >= 0 && !cr.keyed) fn(ctx, root, NULL, false);   /* rows without keys */
            if (other_root) {
                free(root);
                root = sg_xstrdup(r ? r : "(no root)");
                skip = -1;
            }
            cr = (ChunkReader){.chunk = -1};
        }
        if (chunk == skip) continue;
        if (!chunk_read(&cr, st, &a)) {
            fn(ctx, root, NULL, false);
            skip = chunk;
            cr = (ChunkReader){.chunk = -1};
            continue;
        }
        for (uint32_t i = 0; cr.keyed && i < cr.n; i++) fn(ctx, root, &cr.rows[i], true);
    }
    if (root && cr.chunk >= 0 && !cr.keyed) fn(ctx, root, NULL, false);
    free(root);
    sg_arena_free(&a);
    if (rc != SQLITE_DONE) note_error(s);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE;
}

static void keep_id(void *ctx, const char *root, const SgFileRow *r, bool ok) {
    (void)root;
    if (!ok || !r->have_result) return;
    sqlite3_stmt *st = ctx;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, r->result_id.b, 16, SQLITE_TRANSIENT);
    sqlite3_step(st);
}

static int64_t count(SgStore *s, const char *sql);

void sg_store_gc(SgStore *s, int64_t keep) {
    /* the results some index names are kept, and the `keep` most recent:
     * no more than `keep` in all (a first run's) means nothing to drop */
    sqlite3_stmt *ins, *del;
    if (count(s, "SELECT count(*) FROM results") <= keep) {
        sg_store_set_meta(s, "results_since_gc", "0");
        return;
    }
    if (!exec(s, "CREATE TEMP TABLE IF NOT EXISTS gc_keep(id BLOB PRIMARY KEY); DELETE FROM gc_keep")) return;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO gc_keep(id) VALUES(?)", -1, &ins, NULL) == SQLITE_OK) {
        each_indexed_file(s, keep_id, ins);
        sqlite3_finalize(ins);
    }
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM results WHERE id NOT IN (SELECT id FROM gc_keep)"
                           " AND rowid NOT IN (SELECT rowid FROM results ORDER BY last_used DESC LIMIT ?)",
                           -1, &del, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(del, 1, keep);
        sqlite3_step(del);
        sqlite3_finalize(del);
    }
    exec(s, "DELETE FROM gc_keep");
    sg_store_set_meta(s, "results_since_gc", "0");
}

/* Due once the results written since the last collection reach a tenth
 * of `keep`: the table stays within the live results + keep + keep/10, and
 * a large cache is not read whole on every run. */
bool sg_store_gc_due(SgStore *s, int64_t keep) {
    char *since = sg_store_get_meta(s, "results_since_gc");
    int64_t n = (since ? atoll(since) : 0) + s->added;
    free(since);
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)n);
    sg_store_set_meta(s, "results_since_gc", buf);
    s->added = 0;
    return n * 10 >= keep;
}

/* ---- `sigil cache stats|clear|verify` ----
 * stats and verify only read: the database is opened read-only, never
 * created, migrated, repaired or set aside (a damaged cache is reported,
 * and left for the next check to set aside). */
static int64_t count(SgStore *s, const char *sql) {
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else note_error(s);
    sqlite3_finalize(st);
    return n;
}

/* A result blob that decodes, belongs to its id and (when given) to its
 * source key. */
static bool result_ok(const void *blob, size_t len, const void *id, const void *source_key) {
    SgResultView v;
    if (!sg_result_open(blob, len, &v) || !sg_result_check(&v)) return false;
    SgHash got = sg_result_id(&v);
    if (memcmp(got.b, id, 16) != 0 || (source_key && memcmp(v.source_key.b, source_key, 16) != 0)) return false;
    SgArena a;
    sg_arena_init(&a);
    SgDiags d = {.arena = &a};
    SgFpTable t;
    bool ok = sg_result_diags(&v, &d) && sg_result_fp_table(&v, &a, &t);
    sg_diags_free(&d);
    sg_arena_free(&a);
    return ok;
}

static bool xref_ok(const void *blob, size_t len) {
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    bool ok = sg_xref_decode(blob, len, &a, &x);
    sg_arena_free(&a);
    return ok;
}

typedef struct VerifyFiles {
    int problems;
    int64_t files;
} VerifyFiles;

static void verify_file(void *ctx, const char *root, const SgFileRow *r, bool ok) {
    VerifyFiles *v = ctx;
    if (!ok) {
        printf("index of %s: damaged\n", root);
        v->problems++;
        return;
    }
    v->files++;
}

static int cache_verify(SgStore *s) {
    int problems = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *msg = (const char *)sqlite3_column_text(st, 0);
            if (msg && strcmp(msg, "ok") != 0) {
                printf("database: %s\n", msg);
                problems++;
            }
        }
        if (rc != SQLITE_DONE) {
            printf("database: %s\n", sqlite3_errmsg(s->db));
            problems++;
        }
    } else {
        printf("database: %s\n", sqlite3_errmsg(s->db));
        problems++;
    }
    sqlite3_finalize(st);
    int64_t rows = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id, source_key, signature, result, xref FROM results", -1, &st, NULL) ==
        SQLITE_OK) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            rows++;
            bool ok = sqlite3_column_bytes(st, 0) == 16 && sqlite3_column_bytes(st, 1) == 16;
            ok = ok && result_ok(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3),
                                 sqlite3_column_blob(st, 0), sqlite3_column_blob(st, 1));
            /* a signature's frame and checksum; its contents are checked when decoded against its imports */
            const uint8_t *sig = sqlite3_column_blob(st, 2);
            size_t sl = (size_t)sqlite3_column_bytes(st, 2);
            ok = ok && sl >= 16 && memcmp(sig, "SGS\x04", 4) == 0 &&
                 sg_checksum64(sig, sl - 8) == (((uint64_t)sig[sl - 8]) | ((uint64_t)sig[sl - 7] << 8) |
                                                ((uint64_t)sig[sl - 6] << 16) | ((uint64_t)sig[sl - 5] << 24) |
                                                ((uint64_t)sig[sl - 4] << 32) | ((uint64_t)sig[sl - 3] << 40) |
                                                ((uint64_t)sig[sl - 2] << 48) | ((uint64_t)sig[sl - 1] << 56));
            /* the cross-reference entry, when there is one */
            ok = ok && (sqlite3_column_type(st, 4) == SQLITE_NULL ||
                        xref_ok(sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4)));
            if (!ok) {
                SgHash k = {{0}};
                if (sqlite3_column_bytes(st, 0) == 16) memcpy(k.b, sqlite3_column_blob(st, 0), 16);
                char hex[33];
                sg_hash_hex(&k, hex);
                printf("result %s: damaged entry\n", hex);
                problems++;
            }
        }
        if (rc != SQLITE_DONE) {
            printf("results: %s\n", sqlite3_errmsg(s->db));
            problems++;
        }
    } else {
        printf("results: %s\n", sqlite3_errmsg(s->db));
        problems++;
    }
    sqlite3_finalize(st);
    VerifyFiles vf = {0};
    if (!each_indexed_file(s, verify_file, &vf)) {
        printf("file index: %s\n", sqlite3_errmsg(s->db));
        problems++;
    }
    problems += vf.problems;
    int64_t frows = vf.files;
    if (problems)
        printf("%d problem%s found in %s; the next check sets it aside and starts a new one\n", problems,
               problems == 1 ? "" : "s", s->path);
    else
        printf("cache %s is consistent: %lld results and %lld files checked\n", s->path, (long long)rows,
               (long long)frows);
    return problems ? 1 : 0;
}

static void cache_stats(SgStore *s) {
    int64_t pages = count(s, "PRAGMA page_count"), psize = count(s, "PRAGMA page_size");
    char *hits = sg_store_get_meta(s, "last_hits"), *total = sg_store_get_meta(s, "last_modules");
    printf("cache:    %s\n", s->path);
    VerifyFiles vf = {0};
    each_indexed_file(s, verify_file, &vf);
    printf("entries:  %lld results, %lld files\n", (long long)count(s, "SELECT count(*) FROM results"),
           (long long)vf.files);
    char wal[PATH_MAX + 8];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    if (stat(wal, &sb) == 0 && sb.st_size > 0)
        printf("size:     %.1f KiB, and a %.1f KiB write-ahead log\n", (double)(pages * psize) / 1024.0,
               (double)sb.st_size / 1024.0);
    else
        printf("size:     %.1f KiB\n", (double)(pages * psize) / 1024.0);
    if (hits && total && atoll(total) > 0)
        printf("last run: %s/%s modules cached (%.1f%% hit rate)\n", hits, total,
               100.0 * (double)atoll(hits) / (double)atoll(total));
    else
        printf("last run: none recorded\n");
    free(hits);
    free(total);
}

/* The database for reading only; NULL after saying why not. *other is set
 * when another version of sigil wrote it (its tables are not this one's). */
static SgStore *open_to_read(const char *path, bool *other) {
    SgStore *s = sg_xcalloc(1, sizeof *s);
    s->path = sg_xstrdup(path);
    *other = false;
    bool ok = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_busy_timeout(s->db, 10000);
        char *sv = sg_store_get_meta(s, "schema_version"), *cv = sg_store_get_meta(s, "checker_version");
        ok = !s->err_code;
        *other = ok && !(sv && cv && strcmp(sv, SCHEMA_VERSION) == 0 && strcmp(cv, SIGIL_CHECKER_VERSION) == 0);
        if (*other)
            printf("cache %s was written by another version of sigil (schema %s, checker %s); the next check "
                   "rebuilds it\n", path, sv ? sv : "unknown", cv ? cv : "unknown");
        free(sv);
        free(cv);
    }
    if (!ok) {
        note_error(s);
        printf("cache %s cannot be read: %s%s\n", path, s->err_code ? s->err_msg : "it cannot be opened",
               damage_code(s->err_code) ? "; the next check sets it aside and starts a new one" : "");
        sqlite3_close(s->db);
        free(s->path);
        free(s);
        return NULL;
    }
    return s;
}

int sg_cache_command(const char *sub, const char *dir) {
    SgBuf p = {0};
    sg_buf_printf(&p, "%s/cache.db", dir);
    struct stat st;
    if (stat(p.data, &st) != 0) {
        printf("no cache at %s%s\n", p.data, strcmp(sub, "verify") == 0 ? ": nothing to verify" : "");
        sg_buf_free(&p);
        return 0;
    }
    if (strcmp(sub, "clear") == 0) {
        /* through SQLite, so a check running at the same time is not harmed;
         * a database that cannot be opened is removed */
        SgStore *s = sg_store_open(dir);
        bool done = s && exec(s, "BEGIN IMMEDIATE; DELETE FROM files; DELETE FROM results; COMMIT") && exec(s, "VACUUM");
        sg_store_close(s);
        if (!done) remove_db_files(p.data);
        printf("cleared %s\n", p.data);
        sg_buf_free(&p);
        return 0;
    }
    bool other;
    SgStore *s = open_to_read(p.data, &other);
    sg_buf_free(&p);
    if (!s) return 1;
    int rc = 0;
    if (other) rc = 0;      /* said so; this version cannot read its tables */
    else if (strcmp(sub, "stats") == 0) cache_stats(s);
    else rc = cache_verify(s);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
    return rc;
}
