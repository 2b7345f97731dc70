/* fuzz_check.c - libFuzzer target: the whole engine on one fuzzed module.
 *
 * A per-process temporary workspace holds `fuzzed.sg` (the input bytes,
 * rewritten for every input) and fixed modules that import it, so that the
 * fuzzed module's signature is also resolved and used from outside (and an
 * input that imports them back makes an import cycle). Each input is one
 * sg_engine_run (one thread, no on-disk cache) and sg_engine_free, so
 * AddressSanitizer's leak check sees any memory a run keeps.
 *
 * The standard library comes from $SIGIL_STD, else "std" relative to the
 * working directory. `make fuzz-smoke` runs it for 60 seconds.
 *
 *   build/fuzz-check -max_len=8192 CORPUS_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cache/engine.h"

static char *ws_dir;         /* the temporary workspace */
static char *fuzzed_path;    /* ws_dir/fuzzed.sg */
static const char *std_dir;

/* Fixed modules beside the fuzzed one. */
static const struct {
    const char *rel;
    const char *text;
} fixed[] = {
    {"user.sg",
     "import fuzzed\n"
     "fn use_it() -> Int {\n"
     "    let _f = fuzzed.f\n"
     "    let _p: fuzzed.Point = fuzzed.origin()\n"
     "    match fuzzed.pick(1) { Some(_) => 1, None => 0 }\n"
     "}\n"},
    {"sel.sg",
     "import fuzzed.{Point, f, None}\n"
     "pub fn g(p: Point) -> Point { let _x = f; p }\n"},
    {"lib/util.sg",
     "pub struct Pair[A, B] { a: A, b: B }\n"
     "pub enum Tree[T] { Leaf, Node(Tree[T], T, Tree[T]) }\n"
     "pub fn size[T](t: Tree[T]) -> Int { match t { Leaf => 0, Node(l, _, r) => size(l) + 1 + size(r) } }\n"},
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void cleanup(void) {
    if (ws_dir) nftw(ws_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(ws_dir);
    free(fuzzed_path);
    ws_dir = fuzzed_path = NULL;
}

static void die(const char *what, const char *path) {
    fprintf(stderr, "fuzz_check: %s %s: %s\n", what, path, strerror(errno));
    abort();
}

static void write_all(const char *path, const void *data, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("cannot create", path);
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("cannot write", path);
        }
        p += w;
        n -= (size_t)w;
    }
    if (close(fd) != 0) die("cannot close", path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *env = getenv("SIGIL_STD");
    std_dir = env && *env ? env : "std";
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/prelude.sg", std_dir);
    if (access(probe, R_OK) != 0) {
        fprintf(stderr, "fuzz_check: no standard library at %s (set SIGIL_STD)\n", std_dir);
        exit(2);
    }
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    size_t n = strlen(tmp) + 64;
    ws_dir = malloc(n);
    fuzzed_path = malloc(n + 16);
    if (!ws_dir || !fuzzed_path) abort();
    snprintf(ws_dir, n, "%s/sigil-fuzz-XXXXXX", tmp);
    if (!mkdtemp(ws_dir)) die("cannot create", ws_dir);
    atexit(cleanup);
    char path[4096];
    snprintf(path, sizeof path, "%s/lib", ws_dir);
    if (mkdir(path, 0755) != 0) die("cannot create", path);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", ws_dir, fixed[i].rel);
        write_all(path, fixed[i].text, strlen(fixed[i].text));
    }
    snprintf(fuzzed_path, n + 16, "%s/fuzzed.sg", ws_dir);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_all(fuzzed_path, data, size);
    SgEngineOptions opt = {.root = ws_dir, .std_dir = std_dir, .jobs = 1};
    SgEngineRun run;
    char *err = NULL;
    if (!sg_engine_run(&opt, &run, &err)) {
        /* the workspace is always readable: a failure is a bug */
        fprintf(stderr, "fuzz_check: sg_engine_run failed: %s\n", err ? err : "(no message)");
        abort();
    }
    /* every diagnostic must be well-formed: a code, a message, a range
     * that starts where it says, inside the file */
    for (uint32_t i = 0; i < run.prog.n; i++) {
        SgModule *m = run.prog.mods[i];
        for (uint32_t k = 0; k < m->diags.len; k++) {
            const SgDiag *d = &m->diags.items[k];
            if (!d->code || strlen(d->code) != 4 || !d->message || d->line < 1 || d->col < 1 ||
                d->end_line < d->line || (d->end_line == d->line && d->end_col < d->col) || d->start > d->end) {
                fprintf(stderr, "fuzz_check: malformed diagnostic in %s: %s %u:%u-%u:%u [%u,%u) %s\n", m->rel,
                        d->code ? d->code : "(null)", d->line, d->col, d->end_line, d->end_col, d->start, d->end,
                        d->message ? d->message : "(null)");
                abort();
            }
        }
        /* nothing the input says can give the standard library a
         * diagnostic (it imports no workspace module) */
        if (m->is_std && m->diags.len) {
            fprintf(stderr, "fuzz_check: %s has a diagnostic: %s\n", m->name, m->diags.items[0].message);
            abort();
        }
    }
    sg_engine_free(&run);
    free(err);
    return 0;
}
