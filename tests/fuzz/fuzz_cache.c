/* fuzz_cache.c - libFuzzer target: the decoders of the on-disk cache's blobs.
 *
 * Everything the cache stores is read back through four decoders: results
 * (cache/sig.h: sg_result_open and the section readers: its diagnostics,
 * usage record and fingerprint table), sg_index_decode, sg_sig_decode and
 * the cross-reference entries (cache/xref.h: sg_xref_decode), with the file
 * index's keys (sg_index_decode_keys); the remote
 * cache's packs are checked by sg_remote_pack_valid (raw input only). They
 * must reject any damaged blob without crashing, leaking or reading out of
 * bounds. Input layout:
 *
 *   byte 0, bit 0 = 0   raw: bytes 1.. are given to each decoder as they are
 *                       (exercises the frame checks: magic, length, checksum)
 *   byte 0, bit 0 = 1   framed: bytes 1.. are the *payload*; the target wraps
 *                       it in a valid frame (each decoder's magic, the length
 *                       field, the XXH3 checksum from sg_checksum64), so the
 *                       fuzzer reaches the payload parsers
 *
 * sg_sig_decode runs against a minimal program: the module being decoded
 * ("fz.a"), a module whose tables were decoded from a fixed valid signature
 * ("fz.dep": struct P, generic enum Opt[T], fn mk) so that named types of
 * another module can resolve, and an empty module ("fz.b") whose tables
 * cannot be made available (`need` returns false for it). The program is
 * built and freed for every input, so LeakSanitizer sees anything a decode
 * keeps. A signature that decodes is re-encoded (sg_sig_encode),
 * fingerprinted (sg_fp_compute) and decoded again into a fresh program,
 * where it must decode; after two rounds the bytes must be a fixpoint. A
 * result that opens is checked against a few states of its imports and
 * re-encoded from what it holds. A cross-reference entry that decodes is
 * queried the way the language server does (every target found by its key,
 * every use's container).
 *
 * Build (from the repository root) like the Makefile's fuzz-check rule, with
 * this file and every .c file of checker/ and cache/ (LIB_SRCS):
 *
 *   clang -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
 *     $(pkg-config --cflags libuv libcjson sqlite3 libxxhash) \
 *     -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Iinclude \
 *     -o build/fuzz-cache tests/fuzz/fuzz_cache.c $(LIB_SRCS) \
 *     $(pkg-config --libs libuv libcjson sqlite3 libxxhash) -lm -lpthread
 *
 *   build/fuzz-cache -max_total_time=60 -max_len=4096 CORPUS_DIR
 *
 * tests/cache/fuzz_corpus.py writes a seed corpus from real cache blobs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cache/hash.h"
#include "../../cache/engine.h"
#include "../../cache/sig.h"
#include "../../cache/remote.h"
#include "../../cache/store.h"
#include "../../cache/xref.h"

static const char MAGIC_SIG[4] = {'S', 'G', 'S', 4};
static const char MAGIC_RESULT[4] = {'S', 'G', 'R', 2};
static const char MAGIC_INDEX[4] = {'S', 'G', 'X', 3};
static const char MAGIC_KEYS[4] = {'S', 'G', 'K', 1};
static const char MAGIC_XREF[4] = {'S', 'G', 'U', 1};

/* ---- writing blobs (the format of cache/sig.c) ---- */
static void put_varint(SgBuf *b, uint64_t v) {
    do {
        uint8_t c = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v) c |= 0x80;
        sg_buf_put(b, &c, 1);
    } while (v);
}

static void put_u8(SgBuf *b, uint8_t v) { sg_buf_put(b, &v, 1); }

static void put_str(SgBuf *b, const char *s) {
    put_varint(b, strlen(s));
    sg_buf_put(b, s, strlen(s));
}

/* Wraps a payload in a frame: magic, u32 length, payload, u64 checksum. */
static void frame(SgBuf *out, const char magic[4], const void *payload, size_t len) {
    out->len = 0;
    sg_buf_put(out, magic, 4);
    uint8_t lb[4];
    for (int i = 0; i < 4; i++) lb[i] = (uint8_t)(((uint64_t)len >> (8 * i)) & 0xFF);
    sg_buf_put(out, lb, 4);
    if (len) sg_buf_put(out, payload, len);
    uint64_t c = sg_checksum64(out->data, out->len);
    uint8_t cb[8];
    for (int i = 0; i < 8; i++) cb[i] = (uint8_t)(c >> (8 * i));
    sg_buf_put(out, cb, 8);
}

/* type tags of cache/sig.c */
enum { T_ERROR, T_NEVER, T_INT, T_FLOAT, T_BOOL, T_STRING, T_UNIT, T_LIST, T_FN, T_NAMED, T_PARAM };

/* The signature of fz.dep:
 *   pub struct P { x: Int, xs: List[Int] }
 *   pub enum Opt[T] { Non, Som(T) }
 *   pub fn mk(Int) -> P
 *   private: helper (value), Hidden (type) */
static void dep_payload(SgBuf *b) {
    put_varint(b, 2);           /* defs */
    /* each item and field carries its span (start, end) and items a doc string */
    put_u8(b, 'S'), put_u8(b, 1), put_str(b, "P"), put_varint(b, 0), put_varint(b, 10), put_varint(b, 11), put_str(b, "");
    put_u8(b, 'E'), put_u8(b, 1), put_str(b, "Opt"), put_varint(b, 1), put_varint(b, 20), put_varint(b, 23), put_str(b, "doc");
    put_varint(b, 2);           /* P's fields */
    put_str(b, "x"), put_u8(b, T_INT), put_varint(b, 1), put_varint(b, 2);
    put_str(b, "xs"), put_u8(b, T_LIST), put_u8(b, T_INT), put_varint(b, 3), put_varint(b, 5);
    put_varint(b, 2);           /* Opt's constructors */
    put_str(b, "Non"), put_varint(b, 0), put_varint(b, 30), put_varint(b, 33), put_u8(b, 1);
    put_str(b, "Som"), put_varint(b, 1), put_u8(b, T_PARAM), put_varint(b, 0), put_varint(b, 34), put_varint(b, 37), put_u8(b, 1);
    put_varint(b, 0);           /* aliases */
    put_varint(b, 1);           /* fns */
    put_str(b, "mk"), put_varint(b, 0);
    put_u8(b, T_FN), put_varint(b, 1), put_u8(b, T_INT);
    put_u8(b, T_NAMED), put_str(b, "fz.dep"), put_str(b, "P"), put_varint(b, 0);
    put_varint(b, 40), put_varint(b, 42), put_str(b, "");
    put_varint(b, 0);           /* consts */
    put_varint(b, 1), put_str(b, "helper");
    put_varint(b, 1), put_str(b, "Hidden");
    put_u8(b, 1);               /* complete: every pub constructor has its enum */
}

/* ---- a minimal program ---- */
static const char *const mod_names[] = {"fz.a", "fz.b", "fz.dep"};   /* sorted */
enum { MOD_A, MOD_B, MOD_DEP, NMODS };

static SgModule *new_module(const char *name) {
    char *n = sg_xstrdup(name);
    SgSourceFile f = {.path = n, .rel = n, .module = n};
    return sg_module_new(&f, false, NULL);
}

static void free_module(SgModule *m) {
    char *name = m->name;
    sg_module_free(m);
    free(name);
}

/* `need`: only modules whose tables are already there can be provided. */
static bool need(void *ctx, SgModule *dep) {
    (void)ctx;
    return dep->resolved;
}

/* Another module's fingerprint table, computed from its tables on demand. */
static const SgFpTable *table_of(void *ctx, SgModule *dep) {
    if (!dep->st->have_fp) {
        sg_fp_compute(dep, &dep->st->fp, table_of, ctx);
        dep->st->have_fp = true;
    }
    return &dep->st->fp;
}

static SgBuf dep_blob;

static void program_init(SgProgram *p) {
    memset(p, 0, sizeof *p);
    sg_arena_init(&p->arena);
    p->mods = sg_xcalloc(NMODS, sizeof *p->mods);
    for (uint32_t i = 0; i < NMODS; i++) {
        SgModule *m = new_module(mod_names[i]);
        m->index = i;
        p->mods[p->n++] = m;
        sg_map_put(&p->by_name, m->mname, m);
    }
    if (!sg_sig_decode(p, p->mods[MOD_DEP], (const uint8_t *)dep_blob.data, dep_blob.len, need, NULL)) {
        fprintf(stderr, "fuzz_cache: the fixed signature of fz.dep does not decode\n");
        abort();
    }
}

static void program_free(SgProgram *p) {
    for (uint32_t i = 0; i < p->n; i++) free_module(p->mods[i]);
    free(p->mods);
    sg_map_free(&p->by_name);
    sg_arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    SgBuf payload = {0};
    dep_payload(&payload);
    frame(&dep_blob, MAGIC_SIG, payload.data, payload.len);
    sg_buf_free(&payload);
    SgProgram p;
    program_init(&p);   /* aborts if the fixed blob is wrong */
    program_free(&p);
    return 0;
}

static void fuzz_result(const uint8_t *blob, size_t len) {
    SgResultView v;
    if (!sg_result_open(blob, len, &v)) return;
    (void)sg_result_check(&v);
    SgProgram p;
    program_init(&p);
    SgModule *m = p.mods[MOD_A];
    /* a diagnostic already there must survive a failed decode */
    sg_diag(&m->diags, 0, 1, "E201", "kept");
    m->diags.items[0].line = m->diags.items[0].col = m->diags.items[0].end_line = m->diags.items[0].end_col = 1;
    bool diags_ok = sg_result_diags(&v, &m->diags);
    if (!diags_ok && m->diags.len != 1) {
        fprintf(stderr, "fuzz_cache: a failed diagnostics decode left %u items (expected 1)\n", m->diags.len);
        abort();
    }
    SgFpTable own = {0};
    bool fps_ok = sg_result_fp_table(&v, &m->sig_arena, &own);
    (void)sg_result_id(&v);
    /* the usage record against 0 to 3 imports of fz.dep, as resolved, with
     * the shortcut's hash or without, and as missing */
    const SgFpTable *dep = table_of(NULL, p.mods[MOD_DEP]);
    SgHash h = sg_fp_export_hash(dep), other = {{1}};
    const SgHash *hashes[3] = {&h, &other, &h};
    const SgFpTable *tables[3] = {dep, dep, dep};
    uint8_t ok_st[3] = {IMP_OK, IMP_OK, IMP_OK}, missing[3] = {IMP_MISSING, IMP_OK, IMP_CYCLE};
    for (uint32_t n = 0; n <= 3; n++) {
        (void)sg_result_usage_holds(&v, n, ok_st, hashes, tables);
        (void)sg_result_usage_holds(&v, n, ok_st, hashes, NULL);
        (void)sg_result_usage_holds(&v, n, missing, hashes, tables);
    }
    if (diags_ok && fps_ok) {
        /* round trip: what decodes re-encodes to a result that opens with
         * the same diagnostics and table (this module has no imports) */
        SgDiags only = {.arena = &m->diag_arena};
        for (uint32_t i = 1; i < m->diags.len; i++) {
            SgDiag *g = &m->diags.items[i];
            sg_diag(&only, g->start, g->end, g->code, "%s", g->message);
            SgDiag *x = &only.items[only.len - 1];
            x->line = g->line, x->col = g->col, x->end_line = g->end_line, x->end_col = g->end_col;
        }
        SgResultIn in = {.source_key = v.source_key, .export_hash = v.export_hash, .diags = &only, .m = m, .own = &own};
        SgBuf b = {0};
        SgHash id;
        sg_result_encode(&in, &b, &id);
        SgResultView w;
        SgFpTable again;
        SgDiags d2 = {.arena = &m->diag_arena};
        if (!sg_result_open((const uint8_t *)b.data, b.len, &w) || !sg_result_diags(&w, &d2) ||
            d2.len != only.len || !sg_result_fp_table(&w, &m->sig_arena, &again) || again.n != own.n) {
            fprintf(stderr, "fuzz_cache: a re-encoded result does not decode the same\n");
            abort();
        }
        sg_diags_free(&d2);
        sg_diags_free(&only);
        sg_buf_free(&b);
    }
    program_free(&p);
}

/* A chunk's keys: decoded against 64 blank rows, under the checksum and
 * count the payload itself starts with (else nearly every input would stop
 * at the identity check). A decode that fails leaves no row with a result. */
static void fuzz_keys(const uint8_t *blob, size_t len) {
    uint64_t v[2] = {0, 0};
    size_t at = 8;
    for (int k = 0; k < 2; k++)
        for (int shift = 0; at < len && shift < 64; shift += 7) {
            v[k] |= (uint64_t)(blob[at] & 0x7F) << shift;
            if (!(blob[at++] & 0x80)) break;
        }
    SgFileRow rows[64];
    memset(rows, 0, sizeof rows);
    uint32_t n = v[1] <= 64 ? (uint32_t)v[1] : 64;
    if (!sg_index_decode_keys(blob, len, rows, n, v[0]))
        for (uint32_t i = 0; i < n; i++)
            if (rows[i].have_result) {
                fprintf(stderr, "fuzz_cache: a failed keys decode left row %u with a result\n", i);
                abort();
            }
}

static void fuzz_index(const uint8_t *blob, size_t len) {
    SgArena a;
    sg_arena_init(&a);
    SgFileRow *rows = (SgFileRow *)1;
    uint32_t n = 12345;
    if (sg_index_decode(blob, len, &a, &rows, &n)) {
        /* round trip: the re-encoded index decodes to the same rows */
        SgBuf b = {0};
        sg_index_encode(rows, n, &b);
        SgFileRow *again;
        uint32_t m;
        if (!sg_index_decode((const uint8_t *)b.data, b.len, &a, &again, &m) || m != n) {
            fprintf(stderr, "fuzz_cache: a re-encoded file index does not decode\n");
            abort();
        }
        for (uint32_t i = 0; i < n; i++)
            if (again[i].rel.len != rows[i].rel.len || again[i].nimports != rows[i].nimports ||
                again[i].have_result != rows[i].have_result || again[i].size != rows[i].size ||
                (rows[i].have_result && memcmp(&again[i].usage_filter, &rows[i].usage_filter, 16) != 0)) {
                fprintf(stderr, "fuzz_cache: file index row %u differs after a round trip\n", i);
                abort();
            }
        sg_buf_free(&b);
    } else if (rows != NULL || n != 0) {
        fprintf(stderr, "fuzz_cache: a failed index decode left rows=%p n=%u\n", (void *)rows, n);
        abort();
    }
    sg_arena_free(&a);
}

static void fuzz_xref(const uint8_t *blob, size_t len) {
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    if (sg_xref_decode(blob, len, &a, &x)) {
        for (uint32_t i = 0; i < x.ntargets; i++) {
            const SgXrefTarget *t = &x.targets[i];
            if (t->first > x.nspans || t->n > x.nspans - t->first) {
                fprintf(stderr, "fuzz_cache: target %u's uses are outside the entry's\n", i);
                abort();
            }
            if (!sg_xref_find(&x, &t->key, sg_xref_key_hash(&t->key))) {
                fprintf(stderr, "fuzz_cache: target %u is not found by its own key\n", i);
                abort();
            }
            for (uint32_t k = 0; k < t->n; k++) (void)sg_xref_container(&x, x.spans[t->first + k].start);
        }
        for (uint32_t i = 0; i < x.ndefs; i++) {
            SgXrefKey k;
            (void)sg_xref_def_key(&x, i, sg_name_c("fz.a"), &k);
        }
    } else if (x.ndefs || x.ntargets || x.nspans) {
        fprintf(stderr, "fuzz_cache: a failed cross-reference decode left an entry behind\n");
        abort();
    }
    sg_arena_free(&a);
}

static void dump(const char *what, const uint8_t *p, size_t n) {
    fprintf(stderr, "  %s:", what);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %02x", p[i]);
    fputc('\n', stderr);
}

static void fuzz_sig(const uint8_t *blob, size_t len) {
    SgProgram p;
    program_init(&p);
    SgModule *m = p.mods[MOD_A];
    bool ok = sg_sig_decode(&p, m, blob, len, need, NULL);
    if (!ok && (m->values.len || m->types.len || m->resolved)) {
        fprintf(stderr, "fuzz_cache: a failed signature decode left tables behind\n");
        abort();
    }
    if (ok) {
        /* re-encode, hash, and decode again in a fresh program: what decodes
         * must re-encode to something that decodes. The bytes reach a
         * fixpoint after one more round, not at once: a decoded module keeps
         * its private type names as TENT_BAD entries, which sg_sig_encode
         * leaves out (the engine never re-encodes a decoded signature). */
        SgBuf enc[3] = {{0}};
        sg_sig_encode(m, &enc[0]);
        SgFpTable fps;
        sg_fp_compute(m, &fps, table_of, NULL);
        for (int round = 1; round < 3; round++) {
            SgProgram q;
            program_init(&q);
            SgModule *m2 = q.mods[MOD_A];
            if (!sg_sig_decode(&q, m2, (const uint8_t *)enc[round - 1].data, enc[round - 1].len, need, NULL)) {
                fprintf(stderr, "fuzz_cache: a re-encoded signature (round %d, %zu bytes) does not decode\n", round,
                        enc[round - 1].len);
                dump("input", blob, len);
                dump("encoded", (const uint8_t *)enc[round - 1].data, enc[round - 1].len);
                abort();
            }
            sg_sig_encode(m2, &enc[round]);
            sg_fp_compute(m2, &fps, table_of, NULL);
            program_free(&q);
        }
        if (enc[1].len != enc[2].len || memcmp(enc[1].data, enc[2].data, enc[1].len) != 0) {
            fprintf(stderr, "fuzz_cache: signature encode/decode reaches no fixpoint (%zu vs %zu bytes)\n",
                    enc[1].len, enc[2].len);
            dump("input", blob, len);
            for (int i = 0; i < 3; i++) dump("round", (const uint8_t *)enc[i].data, enc[i].len);
            abort();
        }
        for (int i = 0; i < 3; i++) sg_buf_free(&enc[i]);
    }
    program_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    bool fix = data[0] & 1;
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    /* copies, so ASan sees reads past the end of exactly what is decoded */
    if (!fix) {
        uint8_t *copy = malloc(n ? n : 1);
        if (n) memcpy(copy, in, n);
        fuzz_result(copy, n);
        fuzz_index(copy, n);
        fuzz_sig(copy, n);
        fuzz_xref(copy, n);
        fuzz_keys(copy, n);
        uint32_t entries;
        sg_remote_pack_valid(copy, n, &entries);
        free(copy);
        return 0;
    }
    SgBuf b = {0};
    frame(&b, MAGIC_RESULT, in, n);
    uint8_t *copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    fuzz_result(copy, b.len);
    free(copy);
    frame(&b, MAGIC_INDEX, in, n);
    copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    fuzz_index(copy, b.len);
    free(copy);
    frame(&b, MAGIC_KEYS, in, n);
    copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    fuzz_keys(copy, b.len);
    free(copy);
    frame(&b, MAGIC_SIG, in, n);
    copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    fuzz_sig(copy, b.len);
    free(copy);
    frame(&b, MAGIC_XREF, in, n);
    copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    fuzz_xref(copy, b.len);
    free(copy);
    sg_buf_free(&b);
    return 0;
}
