/* test_workspace.c - globs, module path segments and workspace scanning
 * (LANGUAGE.md section 1). */
#include "helpers.h"

#include "../../checker/workspace.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#define ASSERT_GLOB(pat, path, want)                                          \
    do {                                                                      \
        if (sg_glob_match(pat, path) != (want))                               \
            FAIL("sg_glob_match(\"%s\", \"%s\") is %s", pat, path,            \
                 (want) ? "false" : "true");                                  \
    } while (0)

TEST(ws_glob_star) {
    ASSERT_GLOB("*.sg", "a.sg", true);
    ASSERT_GLOB("*.sg", ".sg", true);
    ASSERT_GLOB("*.sg", "main.sg", true);
    ASSERT_GLOB("*.sg", "dir/a.sg", false);     /* `*` stays within a segment */
    ASSERT_GLOB("*.sg", "a.sgx", false);
    ASSERT_GLOB("*.sg", "a.s", false);
    ASSERT_GLOB("src/*.sg", "src/a.sg", true);
    ASSERT_GLOB("src/*.sg", "src/x/a.sg", false);
    ASSERT_GLOB("src/*", "src/a.sg", true);
    ASSERT_GLOB("src/*", "src", false);
    ASSERT_GLOB("*/*.sg", "a/b.sg", true);
    ASSERT_GLOB("*/*.sg", "b.sg", false);
    ASSERT_GLOB("a*b*c", "abc", true);
    ASSERT_GLOB("a*b*c", "aXXbYYc", true);
    ASSERT_GLOB("a*b*c", "aXXbYY/c", false);
    ASSERT_GLOB("*", "", true);
    ASSERT_GLOB("", "", true);
    ASSERT_GLOB("", "a", false);
    ASSERT_GLOB("a.sg", "a.sg", true);
    ASSERT_GLOB("a.sg", "b/a.sg", false);
}

TEST(ws_glob_double_star) {
    // "**/" matches zero or more whole segments
    ASSERT_GLOB("**/gen/*.sg", "gen/x.sg", true);
    ASSERT_GLOB("**/gen/*.sg", "a/gen/x.sg", true);
    ASSERT_GLOB("**/gen/*.sg", "a/b/c/gen/x.sg", true);
    ASSERT_GLOB("**/gen/*.sg", "a/gen/sub/x.sg", false);
    ASSERT_GLOB("**/gen/*.sg", "agen/x.sg", false);
    ASSERT_GLOB("**/gen/*.sg", "a/xgen/x.sg", false);
    ASSERT_GLOB("**/gen/*.sg", "gen/x.sgx", false);
    // a trailing "/**": everything below, not the directory itself
    ASSERT_GLOB("a/**", "a/b", true);
    ASSERT_GLOB("a/**", "a/b/c.sg", true);
    ASSERT_GLOB("a/**", "ab/c.sg", false);
    ASSERT_GLOB("a/**", "b/a/c.sg", false);
    /* in the middle */
    ASSERT_GLOB("src/**/test.sg", "src/test.sg", true);
    ASSERT_GLOB("src/**/test.sg", "src/a/b/test.sg", true);
    ASSERT_GLOB("src/**/test.sg", "src/a/b/mytest.sg", false);
    ASSERT_GLOB("**", "a/b/c", true);
    ASSERT_GLOB("**/*.sg", "a.sg", true);
    ASSERT_GLOB("**/*.sg", "x/y/a.sg", true);
    ASSERT_GLOB("**/*.sg", "x/y/a.txt", false);
}

TEST(ws_glob_question) {
    ASSERT_GLOB("?.sg", "a.sg", true);
    ASSERT_GLOB("?.sg", "ab.sg", false);
    ASSERT_GLOB("?.sg", ".sg", false);
    ASSERT_GLOB("a?c", "abc", true);
    ASSERT_GLOB("a?c", "a/c", false);           /* `?` does not match `/` */
    ASSERT_GLOB("a?c", "ac", false);
    ASSERT_GLOB("?" "?/*.sg", "ab/x.sg", true);    /* (no trigraph) */
    ASSERT_GLOB("?" "?/*.sg", "abc/x.sg", false);
}

/* The backtracking matcher sigil used before (exponential on `***...x`),
 * kept as the reference for what each pattern means. */
static bool glob_reference(const char *pat, const char *path) {
    for (;;) {
        if (!*pat) return !*path;
        if (pat[0] == '*' && pat[1] == '*') {
            const char *rest = pat + 2;
            if (*rest == '/') {
                rest++;
                if (glob_reference(rest, path)) return true;
                for (const char *s = path; *s; s++)
                    if (*s == '/' && glob_reference(rest, s + 1)) return true;
                return false;
            }
            for (const char *s = path;; s++) {
                if (glob_reference(rest, s)) return true;
                if (!*s) return false;
            }
        }
        if (*pat == '*') {
            for (const char *s = path;; s++) {
                if (glob_reference(pat + 1, s)) return true;
                if (!*s || *s == '/') return false;
            }
        }
        if (!*path) return false;
        if (*pat == '?') {
            if (*path == '/') return false;
        } else if (*pat != *path) {
            return false;
        }
        pat++, path++;
    }
}

TEST(ws_glob_same_as_backtracking) {
    /* every pattern and path over a small alphabet, up to a size where the
     * reference is still fast */
    static const char alpha[] = "ab/*?";
    uint32_t seed = 12345, checked = 0;
    for (int round = 0; round < 200000; round++) {
        char pat[10], path[10];
        seed = seed * 1103515245u + 12345u;
        int pl = (int)(seed >> 16) % 9, ql = (int)(seed >> 8) % 9;
        for (int i = 0; i < pl; i++) {
            seed = seed * 1103515245u + 12345u;
            pat[i] = alpha[(seed >> 16) % 5];
        }
        for (int i = 0; i < ql; i++) {
            seed = seed * 1103515245u + 12345u;
            path[i] = alpha[(seed >> 16) % 3];
        }
        pat[pl] = path[ql] = 0;
        if (sg_glob_match(pat, path) != glob_reference(pat, path))
            FAIL("sg_glob_match(\"%s\", \"%s\") is %d, the backtracking matcher says %d", pat, path,
                 sg_glob_match(pat, path), glob_reference(pat, path));
        checked++;
    }
    ASSERT_EQ_UINT(checked, 200000);
}

TEST(ws_glob_hostile_patterns) {
    /* issue 10 item 6: 20 stars took 46 s on 1,000 paths, 40 ran past a
     * minute. Now each match is O(path x pattern). */
    char stars[200], path[300];
    memset(stars, '*', 120);
    strcpy(stars + 120, "x");
    memset(path, 'a', 250);
    strcpy(path + 250, "/b/c/d.sg");
    for (int i = 0; i < 1000; i++) ASSERT_FALSE(sg_glob_match(stars, path));
    path[258] = 'x';
    path[259] = 0;
    ASSERT_TRUE(sg_glob_match(stars, path));
    /* a long pattern (past the small-pattern buffers) */
    char long_pat[400];
    for (int i = 0; i < 300; i++) long_pat[i] = i % 3 == 2 ? '/' : i % 3 ? '*' : 'a';
    long_pat[300] = 0;
    ASSERT_FALSE(sg_glob_match(long_pat, "a/a/a"));
}

TEST(ws_valid_segment) {
    static const char *const good[] = {"foo", "Foo_1", "_x", "__", "a", "Z9", "geo", "point", "main", "_0"};
    static const char *const bad[] = {
        "", "_", "1a", "9", "a.b", "a-b", "a b", "\xC3\xA9", "fn", "match", "import", "true", "false",
        "let", "struct", "continue", "in", "as", ".hidden", "a.",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(good); i++)
        if (!sg_valid_segment(good[i], strlen(good[i]))) FAIL("sg_valid_segment(\"%s\") is false", good[i]);
    for (size_t i = 0; i < SG_ARRAY_LEN(bad); i++)
        if (sg_valid_segment(bad[i], strlen(bad[i]))) FAIL("sg_valid_segment(\"%s\") is true", bad[i]);
    /* the length is what counts, not the NUL */
    ASSERT_TRUE(sg_valid_segment("abc.sg", 3));
    ASSERT_FALSE(sg_valid_segment("fnord", 2));
    ASSERT_TRUE(sg_valid_segment("fnord", 5));
}

/* "rel=module" (module "-" when NULL) for every file, space-separated. */
static const char *ws_listing(const SgWorkspace *ws) {
    SgBuf b = {0};
    for (uint32_t i = 0; i < ws->nfiles; i++) {
        const SgSourceFile *f = &ws->files[i];
        sg_buf_printf(&b, "%s%s=%s", i ? " " : "", f->rel, f->module ? f->module : "-");
    }
    char *r = test_printf("%s", b.data ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

static void free_ws(void *p) {
    sg_workspace_free(p);
    free(p);
}

/* Two workspaces say the same: files (paths, module names, reasons),
 * warnings, where the files were looked for. */
static bool same_ws(const SgWorkspace *a, const SgWorkspace *b) {
    if (a->nfiles != b->nfiles || a->nwarnings != b->nwarnings) return false;
    if ((a->searched == NULL) != (b->searched == NULL) || (a->searched && strcmp(a->searched, b->searched) != 0))
        return false;
    for (uint32_t i = 0; i < a->nfiles; i++) {
        const SgSourceFile *x = &a->files[i], *y = &b->files[i];
        if (strcmp(x->path, y->path) != 0 || strcmp(x->rel, y->rel) != 0 || (x->module == NULL) != (y->module == NULL) ||
            (x->module && strcmp(x->module, y->module) != 0) || (x->why == NULL) != (y->why == NULL) ||
            (x->why && strcmp(x->why, y->why) != 0))
            return false;
    }
    for (uint32_t i = 0; i < a->nwarnings; i++)
        if (strcmp(a->warnings[i], b->warnings[i]) != 0) return false;
    return true;
}

/* Every scan of these tests is done twice, by one thread and by three (the
 * parallel walk), and both must say the same. */
static SgWorkspace *scan(const char *root, bool *ok, char **err) {
    SgWorkspace *ws = sg_xcalloc(1, sizeof *ws), *par = sg_xcalloc(1, sizeof *par);
    test_defer(free_ws, ws);
    test_defer(free_ws, par);
    char *e = NULL, *pe = NULL;
    *ok = sg_workspace_scan(root, ws, &e);
    bool pok = sg_workspace_scan_jobs(root, NULL, 0, 3, NULL, par, &pe);
    *err = e ? test_printf("%s", e) : NULL;
    if (pok != *ok || (e == NULL) != (pe == NULL) || (e && strcmp(e, pe) != 0) || !same_ws(ws, par))
        test_fail(__FILE__, __LINE__, "the parallel walk of %s differs from the sequential one", root);
    free(e);
    free(pe);
    return ws;
}

static const SgSourceFile *ws_file(const SgWorkspace *ws, const char *rel) {
    for (uint32_t i = 0; i < ws->nfiles; i++)
        if (strcmp(ws->files[i].rel, rel) == 0) return &ws->files[i];
    return NULL;
}

TEST(ws_scan_default) {
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    const char *files[] = {
        "main.sg", "geo/point.sg", "geo/shape/circle.sg", ".git/x.sg", ".hidden.sg",
        "node_modules/m.sg", "sub/node_modules/n.sg", "sub/.cache/c.sg", "notes.txt", "sg",
        "a.b.sg", "match.sg", "_.sg", "9lives.sg", "std.sg", "std/list.sg", "geo/fn/x.sg", "x.sg.bak",
        "Upper.sg", "stdlib.sg",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(files); i++) {
        test_write_file(root, files[i], "");
        ASSERT_OK_HELPER();
    }
    bool ok;
    char *err;
    SgWorkspace *ws = scan(root, &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_NULL(err);
    /* sorted by relative path; dot-entries and node_modules skipped; only .sg */
    ASSERT_STR_EQ(ws_listing(ws),
                  "9lives.sg=- Upper.sg=Upper _.sg=- a.b.sg=- geo/fn/x.sg=- geo/point.sg=geo.point "
                  "geo/shape/circle.sg=geo.shape.circle main.sg=main match.sg=- std.sg=- std/list.sg=- "
                  "stdlib.sg=stdlib");
    /* a file without a module name says why */
    static const char *const nameless[] = {"a.b.sg", "match.sg", "_.sg", "9lives.sg", "std.sg", "std/list.sg", "geo/fn/x.sg"};
    for (size_t i = 0; i < SG_ARRAY_LEN(nameless); i++) {
        const SgSourceFile *f = ws_file(ws, nameless[i]);
        ASSERT_NOT_NULL(f);
        if (!f->why || !*f->why) FAIL("%s: no reason given for the missing module name", nameless[i]);
    }
    ASSERT_NULL(ws_file(ws, "main.sg")->why);
    /* paths are root + "/" + rel */
    ASSERT_STR_EQ(ws_file(ws, "geo/point.sg")->path, test_printf("%s/geo/point.sg", root));
    ASSERT_STR_EQ(ws->root, root);
}

TEST(ws_scan_parallel_stats_files) {
    /* the parallel walk stats the files it lists (the file index reads
     * that instead of asking again): size, times and inode of each */
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    for (int i = 0; i < 40; i++) test_write_file(root, test_printf("d%d/e%d/m%d.sg", i % 5, i % 3, i), test_printf("%*s", i, ""));
    ASSERT_OK_HELPER();
    SgWorkspace *ws = sg_xcalloc(1, sizeof *ws);
    test_defer(free_ws, ws);
    char *err = NULL;
    ASSERT_TRUE(sg_workspace_scan_jobs(root, NULL, 0, 2, NULL, ws, &err));
    ASSERT_EQ_UINT(ws->nfiles, 40);
    for (uint32_t i = 0; i < ws->nfiles; i++) {
        const SgSourceFile *f = &ws->files[i];
        struct stat st;
        ASSERT_TRUE(f->stat_ok && stat(f->path, &st) == 0);
        ASSERT_EQ_UINT((uint64_t)f->size, (uint64_t)st.st_size);
        ASSERT_EQ_UINT((uint64_t)f->ino, (uint64_t)st.st_ino);
        ASSERT_EQ_UINT((uint64_t)f->mtime_ns, (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec);
    }
}

static void count_side(void *arg) { __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST); }

TEST(ws_scan_side_runs_once) {
    /* the engine's cache is loaded by the scan's side task: it must run
     * exactly once, with one thread or several, when the walk falls back to
     * the sequential one (a symbolic link), and when the scan fails */
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    for (int i = 0; i < 12; i++) test_write_file(root, test_printf("d%d/m%d.sg", i % 4, i), "");
    ASSERT_OK_HELPER();
    const char *linked = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(linked, "d0/m0.sg", "");
    ASSERT_OK_HELPER();
    ASSERT_TRUE(symlink(test_printf("%s/d0", linked), test_printf("%s/d0/back", linked)) == 0);
    struct {
        const char *root;
        int jobs;
        bool ok;
    } cases[] = {{root, 1, true}, {root, 2, true}, {root, 5, true}, {linked, 3, true},
                 {test_printf("%s/none", root), 1, false}, {test_printf("%s/none", root), 3, false}};
    for (size_t i = 0; i < SG_ARRAY_LEN(cases); i++) {
        int runs = 0;
        SgScanSide side = {count_side, &runs};
        SgWorkspace *ws = sg_xcalloc(1, sizeof *ws);
        test_defer(free_ws, ws);
        char *err = NULL;
        ASSERT_TRUE(sg_workspace_scan_jobs(cases[i].root, NULL, 0, cases[i].jobs, &side, ws, &err) == cases[i].ok);
        free(err);
        if (runs != 1) FAIL("%s with -j%d: the side task ran %d times", cases[i].root, cases[i].jobs, runs);
        if (cases[i].ok && ws->nfiles != (cases[i].root == root ? 12u : 1u))
            FAIL("%s with -j%d: %u files", cases[i].root, cases[i].jobs, ws->nfiles);
    }
}

TEST(ws_scan_config) {
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(root, "sigil.json",
                    "{\"src\": [\"src\", \"./lib/\"], \"exclude\": [\"**/gen/*.sg\", \"src/skip.sg\", \"lib/old/**\"]}");
    const char *files[] = {
        "src/main.sg", "src/geo/point.sg", "src/gen/g.sg", "src/deep/gen/g.sg", "src/skip.sg",
        "src/.hidden/h.sg", "src/node_modules/n.sg", "src/a.b.sg", "src/match.sg", "lib/util.sg",
        "lib/old/legacy.sg", "other/o.sg", "top.sg",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(files); i++) {
        test_write_file(root, files[i], "");
        ASSERT_OK_HELPER();
    }
    bool ok;
    char *err;
    SgWorkspace *ws = scan(root, &ok, &err);
    ASSERT_TRUE(ok);
    /* module names are relative to their source directory; files outside
     * the source directories are not part of the workspace */
    ASSERT_STR_EQ(ws_listing(ws),
                  "lib/util.sg=util src/a.b.sg=- src/geo/point.sg=geo.point src/main.sg=main src/match.sg=-");
    ASSERT_NOT_NULL(ws_file(ws, "src/a.b.sg")->why);
    ASSERT_NOT_NULL(ws_file(ws, "src/match.sg")->why);
}

TEST(ws_scan_config_src_string_and_nested) {
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(root, "sigil.json", "{\"src\": \"code\"}");
    test_write_file(root, "code/a.sg", "");
    test_write_file(root, "code/b/c.sg", "");
    test_write_file(root, "d.sg", "");
    ASSERT_OK_HELPER();
    bool ok;
    char *err;
    SgWorkspace *ws = scan(root, &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_STR_EQ(ws_listing(ws), "code/a.sg=a code/b/c.sg=b.c");

    /* "." and a source directory inside it: each file belongs to one source
     * directory (the nested one), so it forms one module, not two */
    const char *r2 = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(r2, "sigil.json", "{\"src\": [\".\", \"lib\"]}");
    test_write_file(r2, "main.sg", "");
    test_write_file(r2, "lib/util.sg", "");
    ASSERT_OK_HELPER();
    SgWorkspace *ws2 = scan(r2, &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_STR_EQ(ws_listing(ws2), "lib/util.sg=util main.sg=main");

    /* an empty object: defaults */
    const char *r3 = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(r3, "sigil.json", "{}");
    test_write_file(r3, "x/y.sg", "");
    ASSERT_OK_HELPER();
    SgWorkspace *ws3 = scan(r3, &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_STR_EQ(ws_listing(ws3), "x/y.sg=x.y");
}

/* Editor buffers not saved yet are taken as the walk would take them on
 * disk: the same listing as ws_scan_config, with one file on disk. */
TEST(ws_scan_extra_as_if_on_disk) {
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(root, "sigil.json",
                    "{\"src\": [\"src\", \"./lib/\"], \"exclude\": [\"**/gen/*.sg\", \"src/skip.sg\", \"lib/old/**\"]}");
    test_write_file(root, "src/main.sg", "");
    ASSERT_OK_HELPER();
    const char *extra[] = {
        "src/main.sg", "src/geo/point.sg", "src/gen/g.sg", "src/deep/gen/g.sg", "src/skip.sg",
        "src/.hidden/h.sg", "src/node_modules/n.sg", "src/a.b.sg", "src/match.sg", "lib/util.sg",
        "lib/old/legacy.sg", "other/o.sg", "top.sg", "src/notes.txt",
    };
    SgWorkspace *ws = sg_xcalloc(1, sizeof *ws);
    test_defer(free_ws, ws);
    char *err = NULL;
    ASSERT_TRUE(sg_workspace_scan_extra(root, extra, SG_ARRAY_LEN(extra), ws, &err));
    free(err);
    ASSERT_STR_EQ(ws_listing(ws),
                  "lib/util.sg=util src/a.b.sg=- src/geo/point.sg=geo.point src/main.sg=main src/match.sg=-");

    /* the innermost source directory names the module */
    const char *r2 = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(r2, "sigil.json", "{\"src\": [\".\", \"lib\"]}");
    ASSERT_OK_HELPER();
    const char *extra2[] = {"main.sg", "lib/util.sg"};
    SgWorkspace *ws2 = sg_xcalloc(1, sizeof *ws2);
    test_defer(free_ws, ws2);
    ASSERT_TRUE(sg_workspace_scan_extra(r2, extra2, SG_ARRAY_LEN(extra2), ws2, &err));
    free(err);
    ASSERT_STR_EQ(ws_listing(ws2), "lib/util.sg=util main.sg=main");

    /* a source directory may itself be named node_modules (or .x): only
     * such directories inside a source directory are skipped */
    const char *r3 = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(r3, "sigil.json", "{\"src\": [\"node_modules\", \".\"]}");
    test_write_file(r3, "node_modules/on_disk.sg", "");
    ASSERT_OK_HELPER();
    const char *extra3[] = {"node_modules/fresh.sg", "node_modules/node_modules/inner.sg"};
    SgWorkspace *ws3 = sg_xcalloc(1, sizeof *ws3);
    test_defer(free_ws, ws3);
    ASSERT_TRUE(sg_workspace_scan_extra(r3, extra3, SG_ARRAY_LEN(extra3), ws3, &err));
    free(err);
    ASSERT_STR_EQ(ws_listing(ws3), "node_modules/fresh.sg=fresh node_modules/on_disk.sg=on_disk");
}

TEST(ws_scan_errors) {
    bool ok;
    char *err;
    /* not a directory / missing */
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(root, "file.sg", "");
    ASSERT_OK_HELPER();
    scan(test_printf("%s/file.sg", root), &ok, &err);
    ASSERT_FALSE(ok);
    ASSERT_NOT_NULL(err);
    scan(test_printf("%s/missing", root), &ok, &err);
    ASSERT_FALSE(ok);
    ASSERT_NOT_NULL(err);
    /* malformed sigil.json */
    static const char *const configs[] = {
        "{", "[]", "{\"src\": 1}", "{\"src\": [1]}", "{\"exclude\": \"*.sg\"}", "{\"exclude\": [true]}",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(configs); i++) {
        const char *r = test_tmpdir();
        ASSERT_OK_HELPER();
        test_write_file(r, "sigil.json", configs[i]);
        ASSERT_OK_HELPER();
        scan(r, &ok, &err);
        if (ok) FAIL("sigil.json %s was accepted", configs[i]);
        if (!err || !strstr(err, "sigil.json")) FAIL("sigil.json %s: message %s", configs[i], err ? err : "NULL");
    }
    /* a trailing slash on the root is dropped */
    SgWorkspace *ws = scan(test_printf("%s/", root), &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_STR_EQ(ws->root, root);
    ASSERT_STR_EQ(ws_listing(ws), "file.sg=file");
}

TEST(ws_scan_config_is_validated) {
    /* issue 14: a misspelt key or a wrong source directory was accepted, and
     * a broken CI configuration checked 0 modules and passed; issue 10 item
     * 16: "/etc" was read as ROOT/etc and "../outside" checked files outside
     * the root */
    static const struct { const char *json, *want; } cases[] = {
        {"{\"srcs\": [\"src\"]}", "unknown field \"srcs\" (did you mean \"src\"?)"},
        {"{\"src\": \"src\", \"excludes\": []}", "unknown field \"excludes\" (did you mean \"exclude\"?)"},
        {"{\"output\": 1}", "unknown field \"output\"; expected one of"},
        {"{\"src\": \"/etc\"}", "\"src\": \"/etc\" is an absolute path"},
        {"{\"src\": [\"src\", \"../outside\"]}", "\"src\": \"../outside\" leaves the workspace root"},
        {"{\"src\": \"src/../..\"}", "\"src\": \"src/../..\" leaves the workspace root"},
        {"{\"src\": \"lib\"}", "\"src\": \"lib\" does not exist"},
        {"{\"src\": \"src/a.sg\"}", "\"src\": \"src/a.sg\" is not a directory"},
        {"{\"src\": \"out\"}", "\"src\": \"out\" leaves the workspace root through a symbolic link"},
        {"{\"exclude\": [\"/tmp/**\"]}", "\"exclude\": \"/tmp/**\" is an absolute path"},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(cases); i++) {
        const char *r = test_tmpdir();
        ASSERT_OK_HELPER();
        test_write_file(r, "src/a.sg", "");
        test_write_file(r, "sigil.json", cases[i].json);
        ASSERT_OK_HELPER();
        if (symlink("/", test_printf("%s/out", r)) != 0) FAIL("symlink: %s", strerror(errno));
        bool ok;
        char *err;
        scan(r, &ok, &err);
        if (ok) FAIL("sigil.json %s was accepted", cases[i].json);
        if (!err || !strstr(err, test_printf("%s/sigil.json: ", r)) || !strstr(err, cases[i].want))
            FAIL("sigil.json %s: message \"%s\", expected the file and \"%s\"", cases[i].json, err ? err : "NULL",
                 cases[i].want);
    }
    /* what is fine: the known keys, "." and "a/../src" */
    const char *r = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(r, "src/a.sg", "");
    test_write_file(r, "sigil.json", "{\"src\": [\".\", \"x/../src\"], \"exclude\": [], \"diagnostics\": {}}");
    ASSERT_OK_HELPER();
    bool ok;
    char *err;
    SgWorkspace *ws = scan(r, &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_STR_EQ(ws_listing(ws), "src/a.sg=a");
}

/* "dir -> target" for each symbolic link to make under root. */
static void make_links(const char *root, const char *const *links, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *arrow = strstr(links[i], " -> ");
        char *from = test_printf("%s/%.*s", root, (int)(arrow - links[i]), links[i]);
        if (symlink(arrow + 4, from) != 0) FAIL("symlink %s: %s", from, strerror(errno));
    }
}

TEST(ws_scan_links) {
    /* issue 10 item 5: `ln -s / link` walked all of `/`, and 16 levels of
     * d$i/{a,b} -> ../d$((i+1)) gave 262,125 modules with duplicates */
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(root, "main.sg", "");
    for (int i = 0; i < 16; i++) test_write_file(root, test_printf("d%d/m.sg", i), "");
    ASSERT_OK_HELPER();
    const char *links[] = {"root -> /", "up -> ..", "file.sg -> /etc/hostname"};
    make_links(root, links, SG_ARRAY_LEN(links));
    ASSERT_OK_HELPER();
    for (int i = 0; i < 15; i++) {
        const char *ab[] = {test_printf("d%d/a -> ../d%d", i, i + 1), test_printf("d%d/b -> ../d%d", i, i + 1)};
        make_links(root, ab, 2);
        ASSERT_OK_HELPER();
    }
    bool ok;
    char *err;
    SgWorkspace *ws = scan(root, &ok, &err);
    ASSERT_TRUE(ok);
    /* each real directory once: 17 files */
    ASSERT_EQ_UINT(ws->nfiles, 17);
    ASSERT_NOT_NULL(ws_file(ws, "d0/a/m.sg"));   /* d1, first reached through d0/a */
    ASSERT_NULL(ws_file(ws, "d0/b/m.sg"));
    /* and each link not followed is named */
    SgBuf all = {0};
    for (uint32_t i = 0; i < ws->nwarnings; i++) sg_buf_printf(&all, "%s\n", ws->warnings[i]);
    const char *w = test_printf("%s", all.len ? all.data : "");
    sg_buf_free(&all);
    ASSERT_STR_CONTAINS(w, test_printf("%s/root is a symbolic link to /, outside the workspace; not followed", root));
    ASSERT_STR_CONTAINS(w, test_printf("%s/file.sg is a symbolic link to /etc/hostname, outside the workspace", root));
    ASSERT_STR_CONTAINS(w, test_printf("%s/up is a symbolic link to ", root));
    ASSERT_STR_CONTAINS(w, test_printf("%s/d0/b is a symbolic link to %s/d1, a directory already scanned", root, root));
    /* 15 second links, root, up and file.sg */
    ASSERT_EQ_UINT(ws->nwarnings, 18);
}

TEST(ws_scan_searched) {
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    test_write_file(root, "src/notes.txt", "");
    test_write_file(root, "sigil.json", "{\"src\": [\"src\"], \"exclude\": [\"x\"]}");
    ASSERT_OK_HELPER();
    bool ok;
    char *err;
    SgWorkspace *ws = scan(root, &ok, &err);
    ASSERT_TRUE(ok);
    ASSERT_EQ_UINT(ws->nfiles, 0);
    ASSERT_STR_EQ(ws->searched, test_printf("%s/src (\"src\" in %s/sigil.json), less what \"exclude\" leaves out", root, root));
}

TEST(ws_scan_std) {
    SgWorkspace *ws = sg_xcalloc(1, sizeof *ws);
    test_defer(free_ws, ws);
    const char *dir = std_dir();
    ASSERT_OK_HELPER();
    char *err = NULL;
    ASSERT_TRUE(sg_workspace_scan_std(dir, ws, &err));
    ASSERT_NULL(err);
    ASSERT_STR_EQ(ws_listing(ws),
                  "std/io.sg=std.io std/list.sg=std.list std/map.sg=std.map std/math.sg=std.math "
                  "std/prelude.sg=std.prelude std/string.sg=std.string");
}
