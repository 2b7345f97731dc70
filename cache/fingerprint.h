/* fingerprint.h - fingerprints of a module's items, name states and export
 * hashes (LANGUAGE.md section 7).
 *
 * A module's fingerprint table lists every name its own items bind, per
 * namespace, with the name's state: public with a fingerprint, or private.
 * A name not in the table is absent. The fingerprint of a public item
 * hashes its kind, name and canonical signature (fields and constructors as
 * sets, type parameters by position) together with the fingerprints of the
 * named types it mentions, of its own module or of others; the types of
 * one module that mention each other in a cycle are hashed as one group. So
 * a fingerprint changes exactly when something a user of the item could
 * observe through it changes, wherever that change was made.
 *
 * Private type definitions get a fingerprint too (kept in the table, not
 * part of the state of their name): a public alias of another module may
 * expand to one, and a dependent's fingerprint must then cover it. */
#ifndef SG_FINGERPRINT_H
#define SG_FINGERPRINT_H

#include "../checker/module.h"
#include "hash.h"

typedef enum SgNameState {
    SG_NAME_ABSENT,     /* the module has no such item (E105) */
    SG_NAME_PRIVATE,    /* only a private item (E106) */
    SG_NAME_PUBLIC,     /* a public item: the state includes its fingerprint */
} SgNameState;

typedef struct SgFpEntry {
    SgName name;
    uint8_t ns;         /* SgNs */
    uint8_t state;      /* SG_NAME_PRIVATE or SG_NAME_PUBLIC */
    bool has_fp;        /* public items; private type definitions */
    SgHash fp;
} SgFpEntry;

/* Sorted by namespace, then name bytes; names unique per namespace. */
typedef struct SgFpTable {
    SgFpEntry *items;
    uint32_t n;
} SgFpTable;

/* The table of another module, made available by the caller. */
typedef const SgFpTable *(*SgFpTableOf)(void *ctx, SgModule *dep);

/* Computes the table of a resolved module (own items only). Names and
 * entries are allocated in m's sig arena, so they live as long as m. */
void sg_fp_compute(SgModule *m, SgFpTable *out, SgFpTableOf table_of, void *ctx);

/* The state of `name` in namespace `ns`, and its fingerprint when public. */
SgNameState sg_fp_state(const SgFpTable *t, SgNs ns, SgName name, SgHash *fp);
/* An entry by name, or NULL. */
const SgFpEntry *sg_fp_find(const SgFpTable *t, SgNs ns, SgName name);

/* Export hash: the public names with their fingerprints and the names of
 * the private items. Unchanged, it guarantees that every name's state is. */
SgHash sg_fp_export_hash(const SgFpTable *t);

#endif
