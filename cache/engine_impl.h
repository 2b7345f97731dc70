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
void sg_eng_compute_key(SgProgram *p, SgModule *m);
const SgHash *sg_eng_hash_of(SgModule *dep);
/* After a body check: diagnostics located and sorted, signature and result
 * blobs encoded (when `encode`), the tree arena freed. */
void sg_eng_finish(SgModule *m, bool encode);

#endif
