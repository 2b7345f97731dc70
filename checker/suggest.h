/* suggest.h - "did you mean `count`?": the closest of a set of names to
 * one that is unknown.
 *
 * Only names within an edit distance that keeps noise out are offered
 * (sg_suggest_limit), and only the best one: the closest, ties broken by
 * name order (bytes), so the answer depends on the set of candidates and
 * not on the order they are offered in. The checker offers candidates
 * (locals, items, prelude names, module members, fields, types); the cache
 * offers another module's public names again to tell whether a recorded
 * suggestion still holds (cache/sig.c, LANGUAGE.md section 7). */
#ifndef SG_SUGGEST_H
#define SG_SUGGEST_H

#include "ast.h"
#include "diag.h"

/* The optimal string alignment distance between a and b (Damerau-
 * Levenshtein with transpositions of adjacent bytes), or limit + 1 when
 * it is larger than limit. */
uint32_t sg_edit_distance(SgName a, SgName b, uint32_t limit);
/* The largest distance offered for a name of `len` bytes: 1 up to 4, 2 up
 * to 8, 3 beyond; and always less than the name's length (no suggestion
 * for a one-character name). */
uint32_t sg_suggest_limit(uint32_t len);

typedef struct SgSuggest {
    SgName typed;
    uint32_t limit;
    SgName best;        /* len 0: none */
    uint32_t dist;
} SgSuggest;

SgSuggest sg_suggest_start(SgName typed);
void sg_suggest_offer(SgSuggest *s, SgName candidate);
void sg_suggest_offer_c(SgSuggest *s, const char *candidate);

/* A diagnostic about the unknown name at `name` (in src, the module's own
 * text): the message, then "; did you mean `best`?" with a fix that
 * replaces the name when there is a suggestion. */
SgDiag *sg_diag_unknown(SgDiags *d, SgSpan at, SgSpan name, const char *code, const SgSuggest *s,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The span of an SgName that points into src[0..len) (names in the tree
 * are slices of the source), or {0, 0} when it does not. */
SgSpan sg_name_span(const char *src, uint32_t len, SgName n);

#endif
