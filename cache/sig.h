/* sig.h - the canonical binary form of signatures, and the blobs the cache
 * stores (signatures, check results, the file index).
 *
 * Every blob is framed as: 4-byte magic (kind + format version), u32 payload
 * length, payload, u64 XXH3 checksum of everything before it. Decoders
 * validate the frame, every length and every index, and never trust their
 * input: a blob that fails any check is a cache miss, never a crash. */
#ifndef SG_SIG_H
#define SG_SIG_H

#include "../checker/module.h"
#include "fingerprint.h"
#include "hash.h"

/* Encodes the exported signature of a resolved module: its pub items, the
 * private type definitions they mention, and the names of its other private
 * items (so importers can tell "private" from "missing"). */
void sg_sig_encode(SgModule *m, SgBuf *out);

/* Builds m's item tables from a signature blob. Named types of other
 * modules are looked up through `need`, which must make that module's
 * tables available (decoding it first if needed) and return false if it
 * cannot. Returns false, leaving m's tables empty, on any invalid input. */
bool sg_sig_decode(SgProgram *p, SgModule *m, const uint8_t *blob, size_t len,
                   bool (*need)(void *ctx, SgModule *dep), void *ctx);

/* ---- results ----
 *
 * A module's check result, as the cache keeps it: the source key it belongs
 * to (checker version, module name, source hash, import statuses), its
 * export hash, its diagnostics, its usage record (per import: status, the
 * import's export hash at check time, and every name the check looked up
 * there with its state) and its fingerprint table. The usage record is what
 * makes the result valid or not in a later run (LANGUAGE.md section 7). */
typedef struct SgResultIn {
    SgHash source_key, export_hash;
    const SgDiags *diags;
    const SgModule *m;              /* its imports and recorded uses */
    /* the tables and export hashes of m's resolved imports, now */
    const SgFpTable *const *import_tables;
    const SgHash *const *import_hashes;
    const SgFpTable *own;           /* m's fingerprint table */
} SgResultIn;

/* Encodes a result; *id is its content address: the source key and the
 * usage record (the same source used the same way has the same result). */
void sg_result_encode(const SgResultIn *in, SgBuf *out, SgHash *id);

/* A result blob whose frame and header were checked; sections are decoded
 * on demand. The blob is borrowed. */
typedef struct SgResultView {
    const uint8_t *blob;
    size_t len;
    SgHash source_key, export_hash;
    const uint8_t *diags, *usage, *fps, *end;
} SgResultView;

/* Checks the frame, the checksum and where the sections are; each reader
 * below checks the bytes of its section. */
bool sg_result_open(const uint8_t *blob, size_t len, SgResultView *v);
/* The same for a buffer sg_result_open accepted before (its checksum is
 * not computed again). */
bool sg_result_reopen(const uint8_t *blob, size_t len, SgResultView *v);
/* The structure of every section (sigil cache verify, fuzzing). */
bool sg_result_check(const SgResultView *v);
bool sg_result_diags(const SgResultView *v, SgDiags *out);
/* Whether the usage record holds now: the module has `nimports` imports
 * with these statuses, and each resolved import k either has the export
 * hash recorded (the shortcut) or gives every recorded name the same state
 * in table tables[k] (LANGUAGE.md section 7). With no tables, only the
 * shortcut is tried. */
bool sg_result_usage_holds(const SgResultView *v, uint32_t nimports, const uint8_t *statuses,
                           const SgHash *const *hashes, const SgFpTable *const *tables);
/* Whether the record of import k alone holds for that import's export
 * hash and table now. */
bool sg_result_import_holds(const SgResultView *v, uint32_t k, const SgHash *hash, const SgFpTable *table);
/* differ[k]: the record of import k is not under export hash hashes[k]
 * (then only its table can tell whether it holds); true for every k when
 * the record cannot be read. */
void sg_result_hashes_differ(const SgResultView *v, uint32_t nimports, const SgHash *const *hashes, bool *differ);
/* Calls fn for every name the usage record holds a state of (import k,
 * namespace, name). False when the record cannot be read, or when it also
 * holds a nearest-name answer (which any new name may change, so that no
 * list of names says what the record depends on). */
bool sg_result_usage_names(const SgResultView *v,
                           void (*fn)(void *ctx, uint32_t k, uint8_t ns, const char *name, uint32_t len), void *ctx);
/* The fingerprint table: entries in `a`, names slices of the blob (which
 * must outlive the table). */
bool sg_result_fp_table(const SgResultView *v, SgArena *a, SgFpTable *out);
/* The content address of a result (as sg_result_encode gives it). */
SgHash sg_result_id(const SgResultView *v);

/* ---- the file index (cache/store.h) ----
 * A chunk is two blobs: its rows (sorted by path: each file's path, times,
 * source hash and imports) and its keys (each row's last result: fast key,
 * id, export hash, number of diagnostics, usage filter), in the rows'
 * order, naming the rows blob by its checksum. A run in which only keys
 * moved (an import's export hash changed under 1,500 modules) rewrites
 * keys, a third of the bytes. The decoded rows' strings are slices of the
 * blob, which must outlive them. */
struct SgFileRow;
void sg_index_encode(const struct SgFileRow *rows, uint32_t n, SgBuf *out);
bool sg_index_decode(const uint8_t *blob, size_t len, SgArena *a, struct SgFileRow **rows, uint32_t *n);
/* rows_sum: sg_checksum64 of the rows blob the keys belong to. */
void sg_index_encode_keys(const struct SgFileRow *rows, uint32_t n, uint64_t rows_sum, SgBuf *out);
/* Fills the result fields of rows[0..n) (decoded from the rows blob whose
 * checksum is rows_sum); false if the keys belong to other rows or are
 * damaged. */
bool sg_index_decode_keys(const uint8_t *blob, size_t len, struct SgFileRow *rows, uint32_t n, uint64_t rows_sum);

#endif
