/* match.h - exhaustiveness and reachability of `match` arms.
 *
 * The checker lowers each arm's pattern to an SgMPat and asks, with the
 * usual usefulness algorithm over pattern matrices, whether each arm can
 * match something the earlier arms do not (W003 otherwise) and whether some
 * value escapes every arm (E207, with an example). The work is bounded: on
 * pathological patterns the answer is "incomplete" (E212). */
#ifndef SG_MATCH_H
#define SG_MATCH_H

#include "module.h"

typedef enum SgMPatKind { MP_WILD, MP_CTOR, MP_INT, MP_STR } SgMPatKind;

typedef struct SgMPat {
    uint8_t kind;
    uint32_t ctor;              /* MP_CTOR: enum constructor index; Bool: 0 false, 1 true */
    int64_t ival;
    const char *sval;
    uint32_t slen;
    struct SgMPat **args;
    uint32_t nargs;
} SgMPat;

typedef struct SgMatchInput {
    SgProgram *prog;
    SgModule *m;                /* for naming constructors as the module writes them */
    SgArena *a;
    SgType *type;               /* scrutinee type, fully resolved (no bound variables) */
    SgMPat **rows;              /* NULL for an arm whose pattern had an error */
    uint32_t nrows;
} SgMatchInput;

/* Rows visited per match, over all branches of the analysis. */
#define SG_MATCH_BUDGET 1000000L

typedef struct SgMatchResult {
    bool *useless;              /* per row: can never match (W003) */
    const char *missing;        /* example of an unmatched value, or NULL */
    bool incomplete;            /* the work budget ran out: exhaustiveness is unknown (E212) */
} SgMatchResult;

void sg_match_analyze(SgMatchInput *in, SgMatchResult *out);

#endif
