/* runner.c - runs the unit tests listed in test-list.h.
 *
 *   build/unit-tests [-v] [-l] [FILTER]
 *
 * Runs every test, or only those whose name contains FILTER. Prints one line
 * per failing test with the reason, and ends with the line
 * `N passed, N failed`; exits 1 if any test failed. -v prints each test's
 * name before it runs (to find the one that crashed); -l lists the tests.
 *
 * Tests run in this process, one after another, from the repository root
 * (the end-to-end tests use `std/` relative to the working directory, or
 * $SIGIL_STD). */
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

const char *test_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char *dir = sg_xmalloc(strlen(base) + 32);
    sprintf(dir, "%s/sigil-unit-XXXXXX", base);
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

/* Outside the sanitizers, name the test that crashed. (Under ASan the
 * sanitizer's own report is more useful; -v names the test.) */
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

int main(int argc, char **argv) {
    const char *filter = NULL;
    bool verbose = false, list = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) verbose = true;
        else if (strcmp(argv[i], "-l") == 0) list = true;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [-v] [-l] [FILTER]\n", argv[0]);
            return 0;
        } else filter = argv[i];
    }
    if (list) {
        for (size_t i = 0; i < SG_ARRAY_LEN(tests); i++)
            if (!filter || strstr(tests[i].name, filter)) printf("%s\n", tests[i].name);
        return 0;
    }
#ifndef SG_UNDER_ASAN
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGFPE, on_crash);
    signal(SIGABRT, on_crash);
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned passed = 0, failed = 0;
    for (size_t i = 0; i < SG_ARRAY_LEN(tests); i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        memset(&cur, 0, sizeof cur);
        cur.name = tests[i].name;
        if (verbose) fprintf(stderr, "run  %s\n", cur.name);
        tests[i].fn();
        bool f = cur.failed;
        if (f) {
            /* one line per failing test */
            for (char *c = cur.reason; *c; c++)
                if (*c == '\n') *c = ' ';
            printf("FAIL %s: %s\n", cur.name, cur.reason);
            failed++;
        } else {
            passed++;
        }
        end_test();
        if (verbose && !f) fprintf(stderr, "ok   %s\n", tests[i].name);
    }
    printf("%u passed, %u failed\n", passed, failed);
    if (filter && passed + failed == 0) {
        fprintf(stderr, "no test name contains \"%s\" (-l lists them)\n", filter);
        return 2;
    }
    return failed ? 1 : 0;
}
