/* main.c - the sigil command line (CONTRACT.md "Command line"). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "../include/sigil.h"
#include "../cache/lease.h"
#include "../cache/remote.h"
#include "../cache/store.h"
#include "embedded.h"
#include "explain.h"
#include "lsp.h"
#include "watch.h"
#include "report.h"

static const char usage[] =
    "usage: sigil --check [options] [PATH]   check a workspace once and exit (CI mode)\n"
    "       sigil check   [options] [PATH]   same\n"
    "       sigil --lsp [--log FILE]         language server on stdin/stdout (also: sigil lsp)\n"
    "       sigil --watch [options] [PATH]   re-check on every change, redraw the terminal (q quits, r re-checks all)\n"
    "       sigil cache stats|clear|verify [PATH]\n"
    "       sigil --explain CODE             what a diagnostic code means, an example, how to fix it\n"
    "       sigil --version | -V | --help\n"
    "\n"
    "PATH (default: the current directory) is a directory or a .sg file; the workspace\n"
    "root is the nearest directory at or above it holding sigil.json (else PATH's\n"
    "directory). For a file, only that file's diagnostics are reported.\n"
    "\n"
    "options:\n"
    "  --format FORMAT       human, json, sarif (SARIF 2.1.0) or github (workflow commands)\n"
    "  --color WHEN          auto (the default: colour on a terminal, unless NO_COLOR is set;\n"
    "                        FORCE_COLOR forces it), always or never; human format only\n"
    "  --no-cache            neither read nor write the on-disk cache\n"
    "  --cache-dir DIR       cache location (default ROOT/.sigil-cache/, or $SIGIL_CACHE_DIR)\n"
    "  -j N, --jobs N        worker threads (default: number of CPUs)\n"
    "  --stats               print cache statistics after the diagnostics (human, github)\n"
    "  --remote-cache URL    a shared second-level cache (or $SIGIL_REMOTE_CACHE): redis://[:password@]host[:port][/db],\n"
    "                        redis+unix:///path/to/redis.sock, http://host[:port]/prefix or https://...\n"
    "  --remote-cache-write  also write results to it (or SIGIL_REMOTE_CACHE_WRITE=1); read-only without\n"
    "  --remote-cache-timeout MS  per-request limit (default 2000)\n"
    "  --no-remote-cache     ignore $SIGIL_REMOTE_CACHE\n"
    "  -W error              treat warnings as errors for the exit code\n"
    "\n"
    "exit status: 0 no errors, 1 errors found, 2 bad usage or internal failure\n";

static int bad_usage(const char *fmt, const char *arg) {
    fputs("sigil: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'sigil --help'.\n", stderr);
    return 2;
}

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The standard library built into the binary (from the std/ files, at build time),
 * given to the engine for runs that find none on disk. */
static void use_builtin_std(void) {
    static SgOverlay files[64];
    uint32_t n = sg_embedded_std_count < SG_ARRAY_LEN(files) ? sg_embedded_std_count : SG_ARRAY_LEN(files);
    for (uint32_t i = 0; i < n; i++)
        files[i] = (SgOverlay){sg_embedded_std[i].name, sg_embedded_std[i].text, sg_embedded_std[i].len};
    sg_engine_set_builtin_std(files, n);
}

/* The standard library on disk: $SIGIL_STD, else relative to the binary
 * (installed, or beside the build tree), so that editors can open its
 * files; NULL: the built-in copy. */
static char *find_std(void) {
    const char *env = getenv("SIGIL_STD");
    if (env && *env) return sg_xstrdup(env);
    char exe[PATH_MAX];
    size_t n = sizeof exe;
    if (uv_exepath(exe, &n) == 0) {
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        /* installed; build/sigil beside std/; build/VARIANT/sigil (asan, tsan) */
        static const char *const rel[] = {"/../share/sigil/std", "/../std", "/../../std"};
        for (size_t i = 0; i < SG_ARRAY_LEN(rel); i++) {
            char buf[PATH_MAX + 64];
            snprintf(buf, sizeof buf, "%s%s", exe, rel[i]);
            char real[PATH_MAX];
            if (is_dir(buf) && realpath(buf, real)) {
                char probe[PATH_MAX + 16];
                snprintf(probe, sizeof probe, "%s/prelude.sg", real);
                if (access(probe, R_OK) == 0) return sg_xstrdup(real);
            }
        }
    }
    return NULL;
}

/* A non-option argument is the path to check; there is at most one. */
static bool take_root(const char *a, const char **root) {
    if (a[0] == '-' && a[1]) return bad_usage("unknown option '%s'", a), false;
    if (*root) return bad_usage("more than one path given ('%s')", a), false;
    *root = a;
    return true;
}

/* Where a path argument leads: the workspace root (absolute, real) and,
 * for a file argument, the file relative to that root. */
typedef struct Target {
    char root[PATH_MAX];
    char *file_rel;     /* malloc'd; NULL for a directory argument */
} Target;

/* Like tsc, ruff and cargo: the nearest directory at or above the path
 * that holds sigil.json is the root; without one, the path's directory.
 * Prints the error and returns false when the path cannot be used. */
static bool find_target(const char *arg, Target *t) {
    memset(t, 0, sizeof *t);
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(arg, real) || stat(real, &st) != 0) {
        fprintf(stderr, "sigil: cannot open workspace root %s: %s\n", arg, strerror(errno));
        return false;
    }
    bool file = !S_ISDIR(st.st_mode);
    if (file) {
        size_t n = strlen(real);
        if (!S_ISREG(st.st_mode) || n < 4 || strcmp(real + n - 3, ".sg") != 0) {
            fprintf(stderr, "sigil: %s is neither a directory nor a Sigil source file (.sg)\n", arg);
            return false;
        }
    }
    char start[PATH_MAX], dir[PATH_MAX];
    snprintf(start, sizeof start, "%s", real);
    if (file) *strrchr(start, '/') = 0;
    if (!*start) strcpy(start, "/");
    snprintf(dir, sizeof dir, "%s", start);
    for (char probe[PATH_MAX + 16];;) {
        snprintf(probe, sizeof probe, "%s/sigil.json", strcmp(dir, "/") ? dir : "");
        bool found = access(probe, F_OK) == 0;
        if (found || !strcmp(dir, "/")) {
            snprintf(t->root, sizeof t->root, "%s", found ? dir : start);
            break;
        }
        char *slash = strrchr(dir, '/');
        if (slash == dir) slash[1] = 0;
        else *slash = 0;
    }
    if (file) {
        size_t rl = strcmp(t->root, "/") ? strlen(t->root) : 0;
        t->file_rel = sg_xstrdup(real + rl + 1);
    }
    return true;
}

/* --cache-dir, else $SIGIL_CACHE_DIR, else ROOT/.sigil-cache */
static char *cache_location(const char *root, const char *flag) {
    const char *env = getenv("SIGIL_CACHE_DIR");
    if (flag) return sg_xstrdup(flag);
    if (env && *env) return sg_xstrdup(env);
    SgBuf b = {0};
    sg_buf_printf(&b, "%s/.sigil-cache", root);
    return b.data;
}

/* LRU cap on results no current file uses: $SIGIL_CACHE_MAX_ENTRIES. */
static int64_t cache_keep(void) {
    const char *env = getenv("SIGIL_CACHE_MAX_ENTRIES");
    long long v = env ? atoll(env) : 0;
    return v > 0 ? (int64_t)v : 100000;
}

static int cmd_cache(int argc, char **argv) {
    if (argc < 3) return bad_usage("%s", "cache needs a subcommand: stats, clear or verify");
    const char *sub = argv[2];
    if (strcmp(sub, "stats") != 0 && strcmp(sub, "clear") != 0 && strcmp(sub, "verify") != 0)
        return bad_usage("unknown cache subcommand '%s' (expected stats, clear or verify)", sub);
    const char *root = NULL, *dir = NULL;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--cache-dir", 11) == 0 && (a[11] == '=' || a[11] == 0)) {
            dir = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
            if (!dir || !*dir) return bad_usage("%s needs a directory", "--cache-dir");
        } else if (!take_root(a, &root)) {
            return 2;
        }
    }
    Target t;
    if (!find_target(root ? root : ".", &t)) return 2;
    free(t.file_rel);
    char *cdir = cache_location(t.root, dir);
    int rc = sg_cache_command(sub, cdir);
    free(cdir);
    return rc;
}

typedef enum ColorMode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } ColorMode;

/* --color wins; then FORCE_COLOR (any value but "0" or "false") forces
 * colour; then NO_COLOR (any non-empty value) turns it off; else colour
 * only on a terminal. */
static bool want_color(ColorMode mode) {
    if (mode != COLOR_AUTO) return mode == COLOR_ALWAYS;
    const char *fc = getenv("FORCE_COLOR");
    if (fc && *fc) return strcmp(fc, "0") != 0 && strcmp(fc, "false") != 0;
    const char *nc = getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(nc && *nc);
}

/* The value of an option given as `--name VALUE` or `--name=VALUE`
 * (`len` is strlen("--name")); NULL when missing. */
static const char *opt_value(int argc, char **argv, int *i, size_t len) {
    const char *a = argv[*i];
    if (a[len] == '=') return a + len + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static bool is_opt(const char *a, const char *name) {
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == '=' || a[n] == 0);
}

/* The remote cache of a check: --remote-cache, else $SIGIL_REMOTE_CACHE
 * (unless --no-remote-cache). A bad URL given as an option is bad usage; one
 * in the environment is ignored with a warning (it may be set machine-wide).
 * Returns false after reporting bad usage. */
typedef struct RemoteArgs {
    const char *url;
    bool write, off;
    int timeout_ms;
} RemoteArgs;

static bool open_remote(const RemoteArgs *ra, bool no_cache, SgRemote **out) {
    *out = NULL;
    const char *env = getenv("SIGIL_REMOTE_CACHE");
    const char *url = ra->url ? ra->url : !ra->off && env && *env ? env : NULL;
    if (!url) return true;
    if (no_cache) {
        if (ra->url) return bad_usage("%s", "--remote-cache is the second level of the on-disk cache: not with --no-cache"), false;
        return true;
    }
    const char *w = getenv("SIGIL_REMOTE_CACHE_WRITE");
    SgRemoteOptions o = {.url = url, .timeout_ms = ra->timeout_ms, .write = ra->write || (w && strcmp(w, "1") == 0)};
    const char *err;
    *out = sg_remote_open(&o, &err);
    if (*out) return true;
    if (ra->url) return bad_usage("--remote-cache: %s", err), false;
    fprintf(stderr, "sigil: warning: $SIGIL_REMOTE_CACHE: %s; checking without a remote cache\n", err);
    return true;
}

static int cmd_check(int argc, char **argv, int first, bool watch) {
    SgReportOptions ro = {.format = FMT_HUMAN};
    const char *root = NULL;
    const char *cache_dir = NULL;
    bool no_cache = false;
    RemoteArgs ra = {0};
    int jobs = 0;
    ColorMode color = COLOR_AUTO;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (is_opt(a, "--format")) {
            val = opt_value(argc, argv, &i, 8);
            if (!val) return bad_usage("%s needs a value: human, json, sarif or github", "--format");
            if (strcmp(val, "human") == 0) ro.format = FMT_HUMAN;
            else if (strcmp(val, "json") == 0) ro.format = FMT_JSON;
            else if (strcmp(val, "sarif") == 0) ro.format = FMT_SARIF;
            else if (strcmp(val, "github") == 0) ro.format = FMT_GITHUB;
            else return bad_usage("unknown format '%s' (expected human, json, sarif or github)", val);
        } else if (is_opt(a, "--color") || is_opt(a, "--colour")) {
            val = opt_value(argc, argv, &i, a[7] == 'u' ? 8 : 7);
            if (!val) return bad_usage("%s needs a value: auto, always or never", "--color");
            if (strcmp(val, "auto") == 0) color = COLOR_AUTO;
            else if (strcmp(val, "always") == 0) color = COLOR_ALWAYS;
            else if (strcmp(val, "never") == 0) color = COLOR_NEVER;
            else return bad_usage("unknown --color value '%s' (expected auto, always or never)", val);
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = true;
        } else if (is_opt(a, "--cache-dir")) {
            val = opt_value(argc, argv, &i, 11);
            if (!val || !*val) return bad_usage("%s needs a directory", "--cache-dir");
            cache_dir = val;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 || strncmp(a, "--jobs=", 7) == 0 ||
                   (strncmp(a, "-j", 2) == 0 && a[2])) {
            if (strncmp(a, "--jobs=", 7) == 0) val = a + 7;
            else if (a[1] == 'j' && a[2]) val = a + 2;
            else val = i + 1 < argc ? argv[++i] : NULL;
            char *end;
            long j = val ? strtol(val, &end, 10) : 0;
            if (!val || *end || j < 1 || j > 1024) return bad_usage("-j needs a number of threads from 1 to 1024, got '%s'", val ? val : "");
            jobs = (int)j;
        } else if (is_opt(a, "--remote-cache")) {
            val = opt_value(argc, argv, &i, 14);
            if (!val || !*val) return bad_usage("%s needs a URL (redis://host:port, http://host/prefix)", "--remote-cache");
            ra.url = val;
        } else if (strcmp(a, "--remote-cache-write") == 0) {
            ra.write = true;
        } else if (is_opt(a, "--remote-cache-timeout")) {
            val = opt_value(argc, argv, &i, 22);
            char *end;
            long ms = val ? strtol(val, &end, 10) : 0;
            if (!val || *end || ms < 1 || ms > 600000)
                return bad_usage("--remote-cache-timeout needs milliseconds from 1 to 600000, got '%s'", val ? val : "");
            ra.timeout_ms = (int)ms;
        } else if (strcmp(a, "--no-remote-cache") == 0) {
            ra.off = true;
        } else if (strcmp(a, "--stats") == 0) {
            ro.stats = true;
        } else if (strcmp(a, "-W") == 0 || strncmp(a, "-W", 2) == 0) {
            val = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val || strcmp(val, "error") != 0) return bad_usage("unknown warning option '-W %s' (expected -W error)", val ? val : "");
            ro.werror = true;
        } else if (!take_root(a, &root)) {
            return 2;
        }
    }
    if (ro.stats && ro.format == FMT_SARIF)
        return bad_usage("%s", "--stats prints a line after human or github output (JSON has them in \"stats\"); "
                               "SARIF has no place for it");
    if (watch && (ro.format == FMT_SARIF || ro.format == FMT_GITHUB))
        return bad_usage("--watch prints human or json output (one report per line), not --format %s",
                         ro.format == FMT_SARIF ? "sarif" : "github");
    if (!jobs) {
        jobs = (int)uv_available_parallelism();
        if (jobs < 1) jobs = 1;
    }
    char *std = find_std();
    Target t;
    if (!find_target(root ? root : ".", &t)) {
        free(std);
        return 2;
    }
    SgSeverityConfig levels;
    char *lerr = NULL;
    if (!watch && !sg_severity_load(t.root, &levels, &lerr)) {
        fprintf(stderr, "sigil: %s\n", lerr);
        free(lerr);
        free(t.file_rel);
        free(std);
        return 2;
    }
    ro.levels = &levels;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "%s", t.root);
    SgRemote *remote;
    if (!open_remote(&ra, no_cache, &remote)) {
        free(t.file_rel);
        free(std);
        return 2;
    }
    char *cdir = no_cache ? NULL : cache_location(t.root, cache_dir);
    SgEngineOptions eo = {.root = t.root, .std_dir = std, .jobs = jobs, .cache_dir = cdir, .cache_keep = cache_keep(),
                          .write_behind = !watch, .remote = remote};
    ro.color = ro.format == FMT_HUMAN && want_color(color);
    ro.root_abs = t.root;
    ro.cwd_abs = cwd;
    ro.only_rel = t.file_rel;
    int rc;
    if (watch) {
        rc = sg_watch_main(&eo, &ro);
    } else {
        SgEngineRun run;
        char *err = NULL;
        bool ran = sg_lease_engine_run(&eo, &run, &err);
        for (uint32_t i = 0; ran && i < run.ws.nwarnings; i++) fprintf(stderr, "sigil: warning: %s\n", run.ws.warnings[i]);
        if (!ran) {
            fprintf(stderr, "sigil: %s\n", err);
            free(err);
            rc = 2;
        } else if (!run.ws.nfiles) {
            /* a CI job pointed at the wrong place must not pass */
            fprintf(stderr, "sigil: no .sg files in %s\n", run.ws.searched ? run.ws.searched : t.root);
            rc = 2;
        } else if (t.file_rel && !sg_report_has_file(&run, t.file_rel)) {
            fprintf(stderr, "sigil: %s/%s is not part of the workspace at %s (outside its source directories, "
                            "or excluded by sigil.json)\n", t.root, t.file_rel, t.root);
            rc = 2;
        } else {
            SgReportCounts c = sg_report(&run, &ro, stdout);
            fflush(stdout);
            rc = c.errors || (ro.werror && c.warnings) ? 1 : 0;
        }
        /* The process ends with this run: freeing its ten thousands of
         * blocks one by one took 10 % of a warm run on 10,000 modules, and
         * the kernel takes the memory back at once. Sanitizer builds free
         * it, so that a leak anywhere else still shows. */
        if (SG_FREE_AT_EXIT) sg_engine_free(&run);
    }
    sg_remote_close(remote);
    free(t.file_rel);
    free(std);
    free(cdir);
    return rc;
}

/* `sigil --explain E201`: the code's section of docs/errors.md. */
static int cmd_explain(int argc, char **argv) {
    if (argc != 3) return bad_usage("%s", "--explain needs one diagnostic code, as in: sigil --explain E201");
    char code[8] = "";
    for (size_t i = 0; argv[2][i] && i < 5; i++) code[i] = (char)toupper((unsigned char)argv[2][i]);
    SgExplain e;
    if (!sg_explain(code, &e))
        return bad_usage("unknown diagnostic code '%s' (codes look like E201 or W002)", argv[2]);
    fwrite(e.section, 1, e.section_len, stdout);
    return 0;
}

static int cmd_lsp(int argc, char **argv) {
    const char *log = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) log = argv[++i];
        else if (strncmp(argv[i], "--log=", 6) == 0) log = argv[i] + 6;
        else if (strcmp(argv[i], "--stdio") == 0) continue;   /* what some clients pass */
        else return bad_usage("unknown option for --lsp: '%s'", argv[i]);
    }
    char *std = find_std();
    int rc = sg_lsp_main(std, log);
    free(std);
    return rc;
}

/* A check that runs once touches its heap once, page by page: on 10,000
 * modules, 7,500 page faults were a fifth of a warm no-op's CPU. So the
 * main heap grows 64 MB at a time, and its first extension is advised to
 * use transparent huge pages (where the system allows them: "madvise" or
 * "always"), which makes that a few dozen faults. Pages not touched are
 * not taken, and it changes no result. Not for the processes that stay
 * (the language server, --watch): for them it is a few milliseconds once,
 * against 12 MiB more resident for as long as they run (2 MiB pages
 * partly used, a 64 MB top of the heap never given back). */
static void tune_heap(void) {
    enum { PAD = 64 << 20, HUGE = 2 << 20, PROBE = 127 << 10 };    /* PROBE: below the mmap threshold */
    if (!mallopt(M_TOP_PAD, PAD)) return;
    char *p = malloc(PROBE);    /* the heap's top extends by PROBE + PAD */
    if (!p) return;
    uintptr_t lo = ((uintptr_t)p + PROBE + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    uintptr_t hi = (uintptr_t)sbrk(0) & ~(uintptr_t)(HUGE - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    free(p);
}

int main(int argc, char **argv) {
    use_builtin_std();
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("sigil %s\n", SIGIL_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--check") == 0 || strcmp(cmd, "check") == 0) {
        tune_heap();
        return cmd_check(argc, argv, 2, false);
    }
    if (strcmp(cmd, "--watch") == 0 || strcmp(cmd, "watch") == 0) return cmd_check(argc, argv, 2, true);
    if (strcmp(cmd, "--lsp") == 0 || strcmp(cmd, "lsp") == 0) return cmd_lsp(argc, argv);
    if (strcmp(cmd, "cache") == 0) return cmd_cache(argc, argv);
    if (strcmp(cmd, "--explain") == 0 || strcmp(cmd, "explain") == 0) return cmd_explain(argc, argv);

    /* options before the command are accepted too: `sigil --format json --check` */
    for (int i = 1; i < argc; i++) {
        bool check = strcmp(argv[i], "--check") == 0 || strcmp(argv[i], "check") == 0;
        if (check || strcmp(argv[i], "--watch") == 0 || strcmp(argv[i], "watch") == 0) {
            char **args = sg_xmalloc(sizeof(char *) * (size_t)argc);
            int n = 0;
            for (int k = 0; k < argc; k++)
                if (k != i) args[n++] = argv[k];
            int rc = cmd_check(n, args, 1, !check);
            free(args);
            return rc;
        }
    }
    return bad_usage("unknown command or option '%s'", cmd);
}
