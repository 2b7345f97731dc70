/* test_diag.c - diagnostics: code-point columns, locating, sorting. */
#include "helpers.h"

#include <stdlib.h>

typedef struct Diags {
    SgArena arena;
    SgDiags d;
} Diags;

static void free_diags(void *p) {
    Diags *x = p;
    sg_diags_free(&x->d);
    sg_arena_free(&x->arena);
    free(x);
}

static SgDiags *new_diags(void) {
    Diags *x = sg_xcalloc(1, sizeof *x);
    sg_arena_init(&x->arena);
    x->d.arena = &x->arena;
    test_defer(free_diags, x);
    return &x->d;
}

static const char *line_col(const char *src, uint32_t off) {
    uint32_t line = 0, col = 0;
    sg_offset_to_line_col(src, (uint32_t)strlen(src), off, &line, &col);
    return test_printf("%u:%u", line, col);
}

TEST(diag_offset_to_line_col_ascii) {
    const char *src = "ab\ncd\n\nef";
    ASSERT_STR_EQ(line_col(src, 0), "1:1");
    ASSERT_STR_EQ(line_col(src, 1), "1:2");
    ASSERT_STR_EQ(line_col(src, 2), "1:3");       /* the newline itself */
    ASSERT_STR_EQ(line_col(src, 3), "2:1");
    ASSERT_STR_EQ(line_col(src, 4), "2:2");
    ASSERT_STR_EQ(line_col(src, 6), "3:1");       /* an empty line */
    ASSERT_STR_EQ(line_col(src, 7), "4:1");
    ASSERT_STR_EQ(line_col(src, 9), "4:3");       /* the end of the text */
    ASSERT_STR_EQ(line_col(src, 500), "4:3");     /* past the end: clamped */
    /* a tab is one column; CR is a character like any other */
    ASSERT_STR_EQ(line_col("\tx", 1), "1:2");
    ASSERT_STR_EQ(line_col("a\r\nb", 3), "2:1");
    ASSERT_STR_EQ(line_col("", 0), "1:1");
}

TEST(diag_offset_to_line_col_code_points) {
    /* columns count code points, not bytes */
    const char *src = "let x = 1\nlet \xC3\xA9 = y\n";   /* "é" is 2 bytes */
    ASSERT_STR_EQ(line_col(src, 14), "2:5");      /* é */
    ASSERT_STR_EQ(line_col(src, 16), "2:6");      /* the space after it */
    ASSERT_STR_EQ(line_col(src, 19), "2:9");      /* y */
    /* 3- and 4-byte sequences count as one column each */
    const char *s2 = "\"\xE2\x82\xAC\xF0\x9F\x98\x80\" + z";
    ASSERT_STR_EQ(line_col(s2, 1), "1:2");        /* € */
    ASSERT_STR_EQ(line_col(s2, 4), "1:3");        /* 😀 */
    ASSERT_STR_EQ(line_col(s2, 8), "1:4");        /* closing quote */
    ASSERT_STR_EQ(line_col(s2, 12), "1:8");       /* z */
    /* non-ASCII on an earlier line does not shift columns on later lines */
    ASSERT_STR_EQ(line_col("\xC3\xA9\xC3\xA9\nab", 6), "2:2");
}

TEST(diag_message_formatting) {
    SgDiags *d = new_diags();
    sg_diag(d, 3, 7, "E201", "type mismatch: expected %s, found %s", "Int", "String");
    sg_diag(d, 9, 2, "W002", "unused local variable `%.*s`", 1, "xyz");   /* end < start */
    ASSERT_EQ_UINT(d->len, 2);
    ASSERT_STR_EQ(d->items[0].message, "type mismatch: expected Int, found String");
    ASSERT_STR_EQ(d->items[0].code, "E201");
    ASSERT_EQ_UINT(d->items[0].start, 3);
    ASSERT_EQ_UINT(d->items[0].end, 7);
    ASSERT_STR_EQ(d->items[1].message, "unused local variable `x`");
    ASSERT_EQ_UINT(d->items[1].start, 9);
    ASSERT_EQ_UINT(d->items[1].end, 9);           /* an empty range, not a reversed one */
    ASSERT_EQ_INT(sg_diag_severity(&d->items[0]), SG_ERROR);
    ASSERT_EQ_INT(sg_diag_severity(&d->items[1]), SG_WARNING);
    /* many diagnostics: the array grows and earlier messages stay valid */
    for (int i = 0; i < 90; i++) sg_diag(d, (uint32_t)i, (uint32_t)i + 1, "E103", "n%d", i);
    ASSERT_EQ_UINT(d->len, 92);
    ASSERT_STR_EQ(d->items[0].message, "type mismatch: expected Int, found String");
    ASSERT_STR_EQ(d->items[91].message, "n89");
}

TEST(diag_cap_per_file) {
    /* issue 10 item 13: /bin/ls as a module gave 43,749 diagnostics; a 10 MB
     * line of bad characters took 7.7 GB. A file keeps 100, and one more
     * that counts the rest, at the end of the file. */
    SgDiags *d = new_diags();
    for (int i = 0; i < 43000; i++) sg_diag(d, (uint32_t)i, (uint32_t)i + 1, "E001", "bad %d", i);
    for (int i = 0; i < 749; i++) sg_diag(d, 5, 6, "W002", "unused %d", i);
    ASSERT_EQ_UINT(d->len, SG_DIAG_MAX_PER_FILE + 1);
    const char *src = "ab\ncd\n";
    sg_diags_locate(d, src, (uint32_t)strlen(src));
    sg_diags_sort(d);
    const SgDiag *last = NULL;
    for (uint32_t i = 0; i < d->len; i++)
        if (strcmp(d->items[i].code, "E000") == 0) last = &d->items[i];
    ASSERT_NOT_NULL(last);
    ASSERT_STR_EQ(last->message, "… and 43649 more in this file (42900 errors, 749 warnings), not shown: sigil reports "
                                 "the first 100 diagnostics of a file");
    ASSERT_EQ_UINT(last->line, 3);      /* the end of the file */
    uint32_t e, w;
    ASSERT_TRUE(sg_diag_hidden(last, &e, &w));
    ASSERT_EQ_UINT(e, 42900);
    ASSERT_EQ_UINT(w, 749);
    ASSERT_FALSE(sg_diag_hidden(&d->items[0], &e, &w));
    /* as decoded from the cache: the count diagnostic passes through */
    SgDiags *again = new_diags();
    for (uint32_t i = 0; i < d->len; i++) sg_diag(again, 0, 0, d->items[i].code, "%s", d->items[i].message);
    ASSERT_EQ_UINT(again->len, d->len);
    sg_diags_sort(again);
    uint32_t found = 0;
    for (uint32_t i = 0; i < again->len; i++) {
        if (strcmp(again->items[i].code, "E000") != 0) continue;
        found++;
        ASSERT_STR_EQ(again->items[i].message, last->message);
    }
    ASSERT_EQ_UINT(found, 1);
    /* only warnings left out: W000 */
    SgDiags *ws = new_diags();
    for (int i = 0; i < 101; i++) sg_diag(ws, 0, 0, "W002", "unused");
    sg_diags_sort(ws);
    ASSERT_EQ_UINT(ws->len, 101);
    ASSERT_STR_EQ(ws->items[0].code, "W000");     /* sorted first: same place, smaller code */
}

TEST(diag_messages_are_cleaned) {
    /* issue 10 item 14: control characters reached the terminal */
    SgDiags *d = new_diags();
    sg_diag(d, 0, 1, "E001", "invalid character `%s`", "\x02\x7f\x1b[31m\xc2\x9b\xe2\x80\xae");
    ASSERT_STR_EQ(d->items[0].message, "invalid character `\\u{2}\\u{7f}\\u{1b}[31m\\u{9b}\\u{202e}`");
    /* a long echoed token: its start and end (issue 10 item 13) */
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[0] = 'A';
    big[sizeof big - 2] = 'Z';
    big[sizeof big - 1] = 0;
    sg_diag(d, 0, 1, "E103", "unknown name `%s`", big);
    ASSERT_STR_EQ(d->items[1].message, "unknown name `Axxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…(4959 bytes)…xxxxxxxZ`");
    /* a multi-byte character is not cut */
    char wide[400] = "";
    for (int i = 0; i < 100; i++) strcat(wide, "\xc3\xa9");
    sg_diag(d, 0, 1, "E103", "unknown name `%s`", wide);
    ASSERT_STR_EQ(d->items[2].message, test_printf("unknown name `%.32s…(160 bytes)…%.8s`", wide, wide));
    /* the whole message is bounded */
    char *huge = sg_xmalloc(100001);
    memset(huge, 'y', 100000);
    huge[100000] = 0;
    sg_diag(d, 0, 1, "E201", "type mismatch: expected %s, found Int", huge);
    free(huge);
    ASSERT_EQ_UINT(strlen(d->items[3].message), 2000 + strlen("…"));
    /* cleaning again (a message decoded from the cache) changes nothing */
    for (uint32_t i = 0; i < 4; i++) {
        sg_diag(d, 0, 1, d->items[i].code, "%s", d->items[i].message);
        ASSERT_STR_EQ(d->items[d->len - 1].message, d->items[i].message);
    }
}

TEST(diag_locate_many) {
    /* é and 😀 before the targets on line 2; targets given out of order */
    const char *src = "fn f() {\n  \xC3\xA9 \xF0\x9F\x98\x80 x y\n}\n";
    /* offsets: line 2 starts at 9; é 11-12, space 13, 😀 14-17, space 18,
     * x 19, space 20, y 21, newline 22; `}` at 23 */
    uint32_t len = (uint32_t)strlen(src);
    SgDiags *d = new_diags();
    sg_diag(d, 21, 22, "E103", "y");
    sg_diag(d, 0, 2, "E010", "fn");
    sg_diag(d, 19, 24, "E201", "x to }");           /* spans two lines */
    sg_diag(d, 11, 13, "E001", "e-acute");
    sg_diag(d, 40, 50, "E002", "past the end");    /* clamped to the end */
    sg_diag(d, 21, 21, "W002", "empty at y");
    sg_diags_locate(d, src, len);
    static const struct { uint32_t line, col, end_line, end_col; } want[] = {
        {2, 9, 2, 10},      /* y: 2 spaces, é, space, 😀, space, x, space -> column 9 */
        {1, 1, 1, 3},
        {2, 7, 3, 2},
        {2, 3, 2, 4},
        {4, 1, 4, 1},
        {2, 9, 2, 9},
    };
    for (uint32_t i = 0; i < SG_ARRAY_LEN(want); i++) {
        const SgDiag *g = &d->items[i];
        if (g->line != want[i].line || g->col != want[i].col || g->end_line != want[i].end_line ||
            g->end_col != want[i].end_col)
            FAIL("diagnostic %u (%s): %u:%u-%u:%u, expected %u:%u-%u:%u", i, g->message, g->line, g->col,
                 g->end_line, g->end_col, want[i].line, want[i].col, want[i].end_line, want[i].end_col);
    }
    /* sg_diags_locate agrees with sg_offset_to_line_col everywhere */
    for (uint32_t off = 0; off <= len; off++) {
        SgDiags *one = new_diags();
        sg_diag(one, off, off, "E001", "x");
        sg_diags_locate(one, src, len);
        uint32_t l, c;
        sg_offset_to_line_col(src, len, off, &l, &c);
        if (one->items[0].line != l || one->items[0].col != c)
            FAIL("offset %u: located at %u:%u, sg_offset_to_line_col says %u:%u", off, one->items[0].line,
                 one->items[0].col, l, c);
    }
}

TEST(diag_sort) {
    const char *src = "aaaa\nbbbb\ncccc\n";
    SgDiags *d = new_diags();
    sg_diag(d, 12, 13, "E201", "c3");
    sg_diag(d, 5, 6, "W002", "b1 w");
    sg_diag(d, 5, 6, "E103", "b1 e");
    sg_diag(d, 1, 2, "E010", "a2");
    sg_diag(d, 0, 1, "W001", "a1");
    sg_diag(d, 7, 8, "E201", "b3");
    sg_diags_locate(d, src, (uint32_t)strlen(src));
    sg_diags_sort(d);
    SgBuf b = {0};
    for (uint32_t i = 0; i < d->len; i++) sg_buf_printf(&b, "%s%s", i ? "," : "", d->items[i].message);
    char *got = test_printf("%s", sg_buf_cstr(&b));
    sg_buf_free(&b);
    /* by line, then column, then code */
    ASSERT_STR_EQ(got, "a1,a2,b1 e,b1 w,b3,c3");
    /* empty and single lists are fine */
    SgDiags *e = new_diags();
    sg_diags_locate(e, src, 0);
    sg_diags_sort(e);
    ASSERT_EQ_UINT(e->len, 0);
}
