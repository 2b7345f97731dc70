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

void sg_diags_encode(const SgDiags *d, SgBuf *out);
bool sg_diags_decode(const uint8_t *blob, size_t len, SgDiags *out);

void sg_imports_encode(const SgAst *ast, SgBuf *out);
/* Decodes an import list into malloc'd NUL-terminated paths. */
bool sg_imports_decode(const uint8_t *blob, size_t len, char ***paths, uint32_t *n);

#endif
