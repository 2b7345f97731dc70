/* fuzz_glob.c - libFuzzer target: exclude globs (sg_glob_match).
 *
 * Input: a pattern, a NUL byte, a path. Each match must finish quickly
 * whatever the pattern (`-timeout` catches a slow one: the backtracking
 * matcher took 46 s on 20 stars, issue 10 item 6), and a pattern always
 * matches itself once its wildcards are taken literally.
 *
 *   build/fuzz-glob -dict=tests/fuzz/glob.dict -timeout=5 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../checker/workspace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    char *pat = malloc(plen + 1), *path = malloc(size - plen + 1);
    memcpy(pat, data, plen);
    pat[plen] = 0;
    size_t rest = nul ? size - plen - 1 : 0;
    memcpy(path, nul ? nul + 1 : data, rest);
    path[rest] = 0;
    sg_glob_match(pat, path);
    /* a pattern without wildcards matches exactly itself */
    if (!strpbrk(pat, "*?") && !sg_glob_match(pat, pat)) abort();
    free(pat);
    free(path);
    return 0;
}
