/* runner.c - runs the unit tests listed in test-list.h.
 *
 *   build/unit-tests [-v] [-l] [--no-fork] [FILTER]
 *
 * Runs every test, or only those whose name contains FILTER. Prints one line
 * per failing test with the reason, and ends with the line
 * `N passed, N failed`; exits 1 if any test failed. -v prints each test's
 * name as it runs; -l lists the tests.
 *
 * Like libuv's runner, each test runs in a child process of its own, so a
 * test that crashes (or that a sanitizer stops, or whose process leaks
 * under LeakSanitizer) fails alone, with the signal or exit status as its
 * reason, and the other tests still run; one that runs longer than
 * $SG_TEST_TIMEOUT seconds (default 120) fails as timed out. --no-fork runs
 * them all in this process instead (for a debugger). Temporary directories live under one
 * directory per run, removed at the end even if a test crashed.
 *
 * Run from the repository root: the end-to-end tests use `std/` relative to
 * the working directory (or $SIGIL_STD). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "test.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct TestEntry {
    const char *name;
    void (*fn)(void);
} TestEntry;

static const TestEntry tests[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#include "test-list.h"
#undef TEST_ENTRY
};

/* ---- per-test state ---- */
typedef struct Deferred {
    void (*fn)(void *);
    void *arg;
} Deferred;

static struct {
    const char *name;
    bool failed;
    char reason[4096];
    Deferred *defers;
    size_t ndefers, cap;
    SgArena arena;
} cur;

void test_fail(const char *file, int line, const char *fmt, ...) {
    if (cur.failed) return;     /* keep the first reason */
    cur.failed = true;
    int n = snprintf(cur.reason, sizeof cur.reason, "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= sizeof cur.reason) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cur.reason + n, sizeof cur.reason - (size_t)n, fmt, ap);
    va_end(ap);
}

bool test_failed(void) { return cur.failed; }

void test_defer(void (*fn)(void *), void *arg) {
    if (cur.ndefers == cur.cap) {
        cur.cap = cur.cap ? cur.cap * 2 : 16;
        cur.defers = sg_xrealloc(cur.defers, sizeof *cur.defers * cur.cap);
    }
    cur.defers[cur.ndefers++] = (Deferred){fn, arg};
}

SgArena *test_arena(void) { return &cur.arena; }

char *test_printf(const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *s = sg_arena_alloc(&cur.arena, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

const char *test_quote(const char *s, size_t n) {
    SgBuf b = {0};
    sg_buf_putc(&b, '"');
    for (size_t i = 0; i < n && b.len < 2000; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') sg_buf_puts(&b, "\\n");
        else if (c == '\t') sg_buf_puts(&b, "\\t");
        else if (c == '\r') sg_buf_puts(&b, "\\r");
        else if (c == '"') sg_buf_puts(&b, "\\\"");
        else if (c == '\\') sg_buf_puts(&b, "\\\\");
        else if (c < 0x20 || c == 0x7f) sg_buf_printf(&b, "\\x%02X", c);
        else sg_buf_putc(&b, (char)c);
    }
    sg_buf_putc(&b, '"');
    char *r = sg_arena_strndup(&cur.arena, b.data, b.len);
    sg_buf_free(&b);
    return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(void *path) {
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(path);
}

static char *tmp_root;      /* per run: every test's directories are inside */

static bool make_tmp_root(void) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    tmp_root = sg_xmalloc(strlen(base) + 32);
    sprintf(tmp_root, "%s/sigil-unit-XXXXXX", base);
    if (!mkdtemp(tmp_root)) {
        fprintf(stderr, "cannot create a temporary directory %s: %s\n", tmp_root, strerror(errno));
        free(tmp_root);
        tmp_root = NULL;
        return false;
    }
    return true;
}

const char *test_tmpdir(void) {
    const char *base = tmp_root ? tmp_root : "/tmp";
    char *dir = sg_xmalloc(strlen(base) + 32);
    sprintf(dir, "%s/t-XXXXXX", base);
    if (!mkdtemp(dir)) {
        test_fail(__FILE__, __LINE__, "mkdtemp(%s): %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    test_defer(rm_tree, dir);
    return dir;
}

static bool mkdirs_for(char *path) {
    /* creates every directory on the way to the last '/' of path */
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int r = mkdir(path, 0777);
        *p = '/';
        if (r != 0 && errno != EEXIST) return false;
    }
    return true;
}

bool test_write_bytes(const char *dir, const char *rel, const void *data, size_t n) {
    char *path = test_printf("%s/%s", dir, rel);
    if (!mkdirs_for(path)) {
        test_fail(__FILE__, __LINE__, "cannot create the directories of %s: %s", path, strerror(errno));
        return false;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        test_fail(__FILE__, __LINE__, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, n, f) == n;
    ok &= fclose(f) == 0;
    if (!ok) test_fail(__FILE__, __LINE__, "cannot write %s", path);
    return ok;
}

bool test_write_file(const char *dir, const char *rel, const char *text) {
    return test_write_bytes(dir, rel, text, strlen(text));
}

static void end_test(void) {
    while (cur.ndefers) {
        Deferred d = cur.defers[--cur.ndefers];
        d.fn(d.arg);
    }
    free(cur.defers);
    cur.defers = NULL;
    cur.cap = 0;
    sg_arena_free(&cur.arena);
}

/* With --no-fork and outside the sanitizers, name the test that crashed.
 * (Under ASan the sanitizer's own report is more useful; -v names the
 * test.) */
#if defined(__SANITIZE_ADDRESS__)
#define SG_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_UNDER_ASAN 1
#endif
#endif

#ifndef SG_UNDER_ASAN
static void on_crash(int sig) {
    static const char pre[] = "\ncrashed in test ";
    ssize_t r = write(2, pre, sizeof pre - 1);
    if (cur.name) r = write(2, cur.name, strlen(cur.name));
    r = write(2, "\n", 1);
    (void)r;
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

/* Seconds a test may take in its own process ($SG_TEST_TIMEOUT, default 120). */
static unsigned test_timeout = 120;

/* Runs test i here; returns whether it failed (reason in cur.reason). */
static bool run_here(size_t i) {
    memset(&cur, 0, sizeof cur);
    cur.name = tests[i].name;
    tests[i].fn();
    end_test();
    return cur.failed;
}

static void write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        c += w;
        n -= (size_t)w;
    }
}

/* Runs test i in a child process; returns whether it failed, with the
 * reason in cur.reason. The child reports "P" or "F<reason>" on a pipe. */
static bool run_child(size_t i) {
    memset(&cur, 0, sizeof cur);
    cur.name = tests[i].name;
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(cur.reason, sizeof cur.reason, "pipe: %s", strerror(errno));
        return true;
    }
    fflush(stdout);
    fflush(stderr);
    /* the child's stderr goes to a file, copied to ours afterwards, so a
     * sanitizer's report can also name the failure on the FAIL line */
    char errpath[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr-XXXXXX", tmp_root ? tmp_root : "/tmp");
    int errfd = mkstemp(errpath);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(cur.reason, sizeof cur.reason, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return true;
    }
    if (pid == 0) {
        close(fds[0]);
        if (errfd >= 0) {
            dup2(errfd, 2);
            close(errfd);
        }
        alarm(test_timeout);    /* a hung test fails instead of hanging the run */
        bool failed = run_here(i);
        write_all(fds[1], failed ? "F" : "P", 1);
        if (failed) write_all(fds[1], cur.reason, strlen(cur.reason));
        close(fds[1]);
        fflush(stdout);
        exit(0);    /* exit(), not _exit(): LeakSanitizer checks this process */
    }
    close(fds[1]);
    char buf[sizeof cur.reason + 1];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fds[0], buf + n, sizeof buf - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
        if (n == sizeof buf - 1) break;
    }
    close(fds[0]);
    buf[n] = 0;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    char first[512] = "";
    if (errfd >= 0) {
        /* copy the child's stderr to ours; remember its first error line */
        FILE *f = fdopen(errfd, "r");
        if (f) {
            rewind(f);
            char line[4096];
            while (fgets(line, sizeof line, f)) {
                fputs(line, stderr);
                if (!first[0] && (strstr(line, "runtime error") || strstr(line, "ERROR:") ||
                                  strstr(line, "LeakSanitizer"))) {
                    line[strcspn(line, "\n")] = 0;
                    first[0] = ':';
                    first[1] = ' ';
                    size_t k = strlen(line);
                    if (k > sizeof first - 3) k = sizeof first - 3;
                    memcpy(first + 2, line, k);
                    first[k + 2] = 0;
                }
            }
            fclose(f);
        } else {
            close(errfd);
        }
        unlink(errpath);
    }
    if (n > 0 && buf[0] == 'F') {
        snprintf(cur.reason, sizeof cur.reason, "%s", buf + 1);
        return true;
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        snprintf(cur.reason, sizeof cur.reason, "timed out after %u s", test_timeout);
        return true;
    }
    if (WIFSIGNALED(status)) {
        snprintf(cur.reason, sizeof cur.reason, "crashed with signal %d (%s)%s%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), n ? " after it passed" : "", first);
        return true;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(cur.reason, sizeof cur.reason, "%s with exit status %d%s",
                 n ? "passed, but its process ended" : "stopped", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                 first[0] ? first : " (see the report on stderr)");
        return true;
    }
    if (n == 0) {
        snprintf(cur.reason, sizeof cur.reason, "the test process reported nothing");
        return true;
    }
    return false;
}

int main(int argc, char **argv) {
    const char *filter = NULL;
    bool verbose = false, list = false, fork_tests = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) verbose = true;
        else if (strcmp(argv[i], "-l") == 0) list = true;
        else if (strcmp(argv[i], "--no-fork") == 0) fork_tests = false;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [-v] [-l] [--no-fork] [FILTER]\n", argv[0]);
            return 0;
        } else filter = argv[i];
    }
    if (list) {
        for (size_t i = 0; i < SG_ARRAY_LEN(tests); i++)
            if (!filter || strstr(tests[i].name, filter)) printf("%s\n", tests[i].name);
        return 0;
    }
#ifndef SG_UNDER_ASAN
    if (!fork_tests) {
        signal(SIGSEGV, on_crash);
        signal(SIGBUS, on_crash);
        signal(SIGFPE, on_crash);
        signal(SIGABRT, on_crash);
    }
#endif
    const char *to = getenv("SG_TEST_TIMEOUT");
    if (to && atoi(to) > 0) test_timeout = (unsigned)atoi(to);
    setvbuf(stdout, NULL, _IOLBF, 0);
    make_tmp_root();
    unsigned passed = 0, failed = 0;
    for (size_t i = 0; i < SG_ARRAY_LEN(tests); i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        if (verbose) fprintf(stderr, "run  %s\n", tests[i].name);
        bool f = fork_tests ? run_child(i) : run_here(i);
        if (f) {
            /* one line per failing test */
            for (char *c = cur.reason; *c; c++)
                if (*c == '\n') *c = ' ';
            printf("FAIL %s: %s\n", tests[i].name, cur.reason);
            failed++;
        } else {
            passed++;
            if (verbose) fprintf(stderr, "ok   %s\n", tests[i].name);
        }
    }
    if (tmp_root) {
        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(tmp_root);
    }
    printf("%u passed, %u failed\n", passed, failed);
    if (filter && passed + failed == 0) {
        fprintf(stderr, "no test name contains \"%s\" (-l lists them)\n", filter);
        return 2;
    }
    return failed ? 1 : 0;
}
