/* file_index.c - the file index as a run leaves it (cache/store.h, the
 * formats in cache/sig.h): which rows and keys blobs changed, compared on
 * the modules, and those written in the run's store transaction. Runs on
 * the engine's thread after the check phase (its encoding on a pool). */
#include <stdlib.h>
#include <string.h>

#include "../checker/base.h"
#include "engine_impl.h"
#include "sig.h"

bool sg_eng_row_wanted(const SgModule *m) {
    const SgModuleState *st = m->st;
    return st->abs_path && !st->uncacheable && st->stat_ok && !st->overlay;
}

/* The filter for m's new file index row. */
static SgHash row_filter(const SgModule *m) {
    const SgModuleState *st = m->st;
    if (st->row && st->row->have_result && sg_hash_eq(&st->row->result_id, &st->result_id)) return st->row->usage_filter;
    if (st->result.len) return sg_usage_filter_of(m, (const uint8_t *)st->result.data, st->result.len);
    return SG_FILTER_ALL;
}

static int cmp_row(const void *a, const void *b) {
    const SgFileRow *x = a, *y = b;
    uint32_t n = x->rel.len < y->rel.len ? x->rel.len : y->rel.len;
    int c = memcmp(x->rel.s, y->rel.s, n);
    return c ? c : (x->rel.len > y->rel.len) - (x->rel.len < y->rel.len);
}

/* Would m's new row say what its stored row says, in the rows blob (the
 * file: times, source hash, imports) and in the keys blob (its last
 * result)? Asked without building the row: a run that changed one file
 * asks it of every file. An open buffer's row is kept as it is. */
static bool row_file_same(const SgModule *m) {
    const SgModuleState *st = m->st;
    const SgFileRow *r = st->row;
    if (!sg_eng_row_wanted(m)) return true;
    if (r->size != st->size || r->mtime_ns != st->mtime_ns || r->ctime_ns != st->ctime_ns || r->ino != st->ino ||
        r->indexed_at_ns != st->indexed_at_ns || !sg_hash_eq(&r->source_hash, &st->source_hash) ||
        r->nimports != m->nimport_paths)
        return false;
    for (uint32_t j = 0; j < r->nimports; j++)
        if (strlen(m->import_paths[j]) != r->imports[j].len ||
            memcmp(m->import_paths[j], r->imports[j].s, r->imports[j].len) != 0)
            return false;
    return true;
}

static bool row_keys_same(const SgModule *m) {
    const SgModuleState *st = m->st;
    const SgFileRow *r = st->row;
    if (!sg_eng_row_wanted(m)) return true;
    bool have = (st->checked && st->result.len) || st->reused;
    if (have != r->have_result) return false;
    /* the usage filter is a function of the result id (row_filter) */
    return !have || (sg_hash_eq(&r->fast_key, &st->fast_key) && sg_hash_eq(&r->result_id, &st->result_id) &&
                     sg_hash_eq(&r->export_hash, &st->export_hash) && r->ndiags == m->diags.len);
}

bool sg_eng_row_same(const SgModule *m) { return m->st->row && row_file_same(m) && row_keys_same(m); }

typedef struct EncodeChunks {
    SgFileRow *part;                    /* the rows, chunk after chunk */
    const bool *rows_changed, *keys_changed;
    const uint32_t *count;
    const uint64_t *stored_sum;         /* of the rows blobs kept */
    uint32_t from[SG_INDEX_CHUNKS];
    SgBuf rows[SG_INDEX_CHUNKS], keys[SG_INDEX_CHUNKS];
} EncodeChunks;

static void encode_chunk(uint32_t ch, void *arg) {
    EncodeChunks *ec = arg;
    if (!ec->keys_changed[ch] || !ec->count[ch]) return;
    SgFileRow *rows = ec->part + ec->from[ch];
    sg_qsort(rows, ec->count[ch], sizeof *rows, cmp_row);
    uint64_t sum = ec->stored_sum[ch];
    if (ec->rows_changed[ch]) {
        sg_index_encode(rows, ec->count[ch], &ec->rows[ch]);
        sum = sg_checksum64(ec->rows[ch].data, ec->rows[ch].len);
    }
    sg_index_encode_keys(rows, ec->count[ch], sum, &ec->keys[ch]);
}

/* The file index of root `k` as this run leaves it: a row per module read
 * from a file of that root, and the rows of its files open in an editor
 * (whose buffers never enter the index). A chunk's rows blob is written
 * again when a row's file changed or a row came or went; its keys blob
 * when that happened or a row's result changed. */
void sg_eng_write_index(SgStore *s, const SgProgram *p, const SgIndexRoot *ix, SgArena *rows_arena, int jobs) {
    const char *root = ix->root;
    size_t rl = strlen(root);
    /* which chunks change: their rows only are built */
    uint32_t *chunk_of = sg_xmalloc(sizeof *chunk_of * (p->n + 1));
    uint32_t n = 0, count[SG_INDEX_CHUNKS] = {0};
    bool rows_changed[SG_INDEX_CHUNKS] = {0}, keys_changed[SG_INDEX_CHUNKS] = {0};
    for (uint32_t i = 0; i < p->n; i++) {
        SgModule *m = p->mods[i];
        SgModuleState *st = m->st;
        chunk_of[i] = SG_INDEX_CHUNKS;
        if (!st->abs_path || strncmp(st->abs_path, root, rl) != 0 || st->abs_path[rl] != '/') continue;
        if (!sg_eng_row_wanted(m) && (!st->overlay || !st->row)) continue;
        uint32_t ch = chunk_of[i] = sg_index_chunk(sg_name_c(st->abs_path + rl + 1));
        count[ch]++;
        n++;
        if (!st->row || !row_file_same(m)) rows_changed[ch] = true;
        else if (!row_keys_same(m)) keys_changed[ch] = true;
    }
    for (uint32_t ch = 0; ch < SG_INDEX_CHUNKS; ch++) {
        rows_changed[ch] |= ix->damaged || count[ch] != ix->chunk_rows[ch];
        keys_changed[ch] |= rows_changed[ch];
    }
    SgFileRow *rows = sg_xmalloc(sizeof *rows * (n + 1));
    uint32_t nr = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        if (chunk_of[i] == SG_INDEX_CHUNKS || !keys_changed[chunk_of[i]]) continue;
        SgModule *m = p->mods[i];
        SgModuleState *st = m->st;
        SgFileRow *r = &rows[nr];
        if (!sg_eng_row_wanted(m)) {
            *r = *st->row;
        } else {
            *r = (SgFileRow){.rel = sg_name_c(st->abs_path + rl + 1), .size = st->size, .mtime_ns = st->mtime_ns,
                             .ctime_ns = st->ctime_ns, .ino = st->ino, .indexed_at_ns = st->indexed_at_ns,
                             .source_hash = st->source_hash, .nimports = m->nimport_paths};
            if (st->row && sg_hash_eq(&st->row->source_hash, &st->source_hash) && st->row->nimports == m->nimport_paths) {
                r->imports = st->row->imports;  /* the same source: the same list (in the rows' arena) */
            } else {
                r->imports = SG_NEW_N(rows_arena, SgName, m->nimport_paths + 1);
                for (uint32_t j = 0; j < m->nimport_paths; j++) r->imports[j] = sg_name_c(m->import_paths[j]);
            }
            if ((st->checked && st->result.len) || st->reused) {
                r->have_result = true;
                r->fast_key = st->fast_key;
                r->result_id = st->result_id;
                r->export_hash = st->export_hash;
                r->ndiags = m->diags.len;
                r->usage_filter = row_filter(m);
            }
        }
        chunk_of[nr++] = chunk_of[i];   /* from here on: by row */
    }
    if (ix->damaged) sg_store_clear_index(s, root);
    /* the rows by chunk (counting sort), each chunk's by path */
    uint32_t at[SG_INDEX_CHUNKS + 1] = {0};
    for (uint32_t ch = 0; ch < SG_INDEX_CHUNKS; ch++) at[ch + 1] = at[ch] + (keys_changed[ch] ? count[ch] : 0);
    SgFileRow *part = sg_xmalloc(sizeof *part * (nr + 1));
    for (uint32_t i = 0; i < nr; i++) part[at[chunk_of[i]]++] = rows[i];
    /* each changed chunk sorted and encoded in parallel, then written */
    EncodeChunks ec = {.part = part, .rows_changed = rows_changed, .keys_changed = keys_changed, .count = count,
                       .stored_sum = ix->chunk_sum};
    for (uint32_t ch = 0, from = 0; ch < SG_INDEX_CHUNKS; from += keys_changed[ch] ? count[ch] : 0, ch++)
        ec.from[ch] = from;
    sg_parallel_for(jobs, SG_INDEX_CHUNKS, encode_chunk, &ec);
    for (uint32_t ch = 0; ch < SG_INDEX_CHUNKS; ch++) {
        if (!keys_changed[ch]) continue;
        if (!count[ch]) {
            if (ix->chunk_rows[ch]) sg_store_put_index(s, root, ch, SG_INDEX_ROWS, NULL);
            continue;
        }
        if (rows_changed[ch]) sg_store_put_index(s, root, ch, SG_INDEX_ROWS, &ec.rows[ch]);
        sg_store_put_index(s, root, ch, SG_INDEX_KEYS, &ec.keys[ch]);
        sg_buf_free(&ec.rows[ch]);
        sg_buf_free(&ec.keys[ch]);
    }
    free(part);
    free(chunk_of);
    free(rows);
}
