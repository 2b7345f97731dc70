/* engine_impl.h - the engine's steps shared by a whole run (engine.c) and
 * the language server's one-module update (update.c). Not a public API. */
#ifndef SG_ENGINE_IMPL_H
#define SG_ENGINE_IMPL_H

#include "engine.h"
#include "hash.h"

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

#endif
