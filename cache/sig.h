/* sig.h - the canonical binary form of signatures, and the blobs the cache
 * stores (signatures, diagnostics, import lists).
 *
 * Every blob is framed as: 4-byte magic (kind + format version), u32 payload
 * length, payload, u64 XXH3 checksum of everything before it. Decoders
 * validate the frame, every length and every index, and never trust their
 * input: a blob that fails any check is a cache miss, never a crash. */
#ifndef SG_SIG_H
#define SG_SIG_H

#include "../checker/module.h"
#include "hash.h"

/* Encodes the exported signature of a resolved module: its pub items, the
 * private type definitions they mention, and the names of its other private
 * items (so importers can tell "private" from "missing"). */
void sg_sig_encode(SgModule *m, SgBuf *out);

/* Export hash (LANGUAGE.md section 7): the canonical, order-free signature
 * plus the export hashes of the modules whose named types appear in it.
 * `hash_of` returns a module's export hash. */
SgHash sg_sig_export_hash(SgModule *m, const SgHash *(*hash_of)(SgModule *dep));

/* Builds m's item tables from a signature blob. Named types of other
 * modules are looked up through `need`, which must make that module's
 * tables available (decoding it first if needed) and return false if it
 * cannot. Returns false, leaving m's tables empty, on any invalid input. */
bool sg_sig_decode(SgProgram *p, SgModule *m, const uint8_t *blob, size_t len,
                   bool (*need)(SgProgram *p, SgModule *dep));

/* A module's result: its diagnostics, the hash of its private item names,
 * and its probes. A probe records that the module looked up a name in an
 * import that has no public item of that name (E105 or E106): which of the
 * two it got depends on the import's private names, which the export hash
 * does not cover, so the result is valid only while that names hash holds. */
typedef struct SgProbe {
    uint32_t import_index;
    uint8_t names_hash[16];
} SgProbe;

typedef struct SgResultMeta {
    uint8_t names_hash[16];
    SgProbe *probes;            /* malloc'd */
    uint32_t nprobes;
} SgResultMeta;

/* Hash of the names of m's private items (own items only). */
SgHash sg_sig_names_hash(SgModule *m);

void sg_result_encode(const SgDiags *d, const SgResultMeta *meta, SgBuf *out);
/* meta may be NULL; otherwise meta->probes must be freed by the caller. */
bool sg_result_decode(const uint8_t *blob, size_t len, SgDiags *out, SgResultMeta *meta);
/* The same without metadata (empty names hash, no probes). */
void sg_diags_encode(const SgDiags *d, SgBuf *out);
bool sg_diags_decode(const uint8_t *blob, size_t len, SgDiags *out);

void sg_imports_encode(const SgAst *ast, SgBuf *out);
/* Decodes an import list into malloc'd NUL-terminated paths. */
bool sg_imports_decode(const uint8_t *blob, size_t len, char ***paths, uint32_t *n);

#endif
