/* test_xref.c - the cross-reference entries of checked modules (cache/xref.h):
 * what they say a module defines and uses, by name, and that the decoder
 * refuses damaged bytes. */
#include <stdio.h>
#include <stdlib.h>

#include "../../cache/blob.h"
#include "../../cache/xref.h"
#include "helpers.h"

typedef struct Run {
    SgEngineRun run;
} Run;

static void free_run(void *p) {
    sg_engine_free(&((Run *)p)->run);
    free(p);
}

/* Checks the files with every module's entry kept (as the language server runs the engine). */
static SgEngineRun *check_keeping_xrefs(const char *const *files) {
    const char *std = std_dir();
    const char *root = std ? test_tmpdir() : NULL;
    if (!root) return NULL;
    for (size_t i = 0; files[i]; i += 2)
        if (!test_write_file(root, files[i], files[i + 1])) return NULL;
    Run *r = sg_xcalloc(1, sizeof *r);
    test_defer(free_run, r);
    SgEngineOptions opt = {.root = root, .std_dir = std, .jobs = 1, .fp_tables = true, .xrefs = true};
    char *err = NULL;
    if (!sg_engine_run(&opt, &r->run, &err)) {
        test_fail(__FILE__, __LINE__, "sg_engine_run failed: %s", err ? err : "?");
        free(err);
        return NULL;
    }
    return &r->run;
}

static SgModule *module_named(SgEngineRun *run, const char *name) {
    return sg_program_find(&run->prog, sg_name_c(name));
}

static void line_col(const SgModule *m, uint32_t off, uint32_t *line, uint32_t *col) {
    *line = 1, *col = 1;
    for (uint32_t i = 0; i < off && i < m->len; i++) {
        if (m->src[i] == '\n') (*line)++, *col = 1;
        else (*col)++;
    }
}

static const char *const def_kinds[] = {"fn", "const", "struct", "enum", "alias", "extern-type", "extern-fn",
                                        "field", "ctor", "import", "imported"};
static const char kinds[] = "vtfm";

/* "kind name@line:col" per definition, then "module:k:name[.parent]@line:col ..." per target */
static const char *render(SgModule *m, const SgXref *x) {
    SgBuf b = {0};
    for (uint32_t i = 0; i < x->ndefs; i++) {
        const SgXrefDef *d = &x->defs[i];
        uint32_t l, c;
        line_col(m, d->span.start, &l, &c);
        if (d->line + 1 != l || d->col8 + 1 != c) sg_buf_printf(&b, "(stored %u:%u) ", d->line + 1, d->col8 + 1);
        sg_buf_printf(&b, "%s%s %s%.*s%s%.*s@%u:%u\n", d->pub ? "pub " : "", def_kinds[d->kind],
                      d->parent ? "" : "", d->parent ? (int)x->defs[d->parent - 1].name.len : 0,
                      d->parent ? x->defs[d->parent - 1].name.s : "", d->parent ? "." : "", (int)d->name.len,
                      d->name.s, l, c);
    }
    for (uint32_t i = 0; i < x->ntargets; i++) {
        const SgXrefTarget *t = &x->targets[i];
        sg_buf_printf(&b, "%.*s:%c:%.*s%s%.*s", (int)t->key.module.len, t->key.module.s, kinds[t->key.kind],
                      (int)t->key.parent.len, t->key.parent.s, t->key.parent.len ? "." : "", (int)t->key.name.len,
                      t->key.name.s);
        for (uint32_t k = 0; k < t->n; k++) {
            uint32_t l, c;
            SgSpan s = x->spans[t->first + k];
            line_col(m, s.start, &l, &c);
            sg_buf_printf(&b, " %u:%u+%u", l, c, s.end - s.start);
        }
        sg_buf_putc(&b, '\n');
    }
    char *out = sg_arena_strndup(test_arena(), b.data ? b.data : "", b.len);
    sg_buf_free(&b);
    return out;
}

static const char *entry_of(SgEngineRun *run, const char *module) {
    SgModule *m = module_named(run, module);
    if (!m || !m->st->xref.len) return "<no entry>";
    SgXref x;
    if (!sg_xref_decode((const uint8_t *)m->st->xref.data, m->st->xref.len, test_arena(), &x)) return "<does not decode>";
    return render(m, &x);
}

static const char *const geo =
    "pub struct Point { x: Float, y: Float }\n"                 /* 1 */
    "pub enum Shape { Circle(Point, Float), Empty }\n"          /* 2 */
    "pub type Pt = Point\n"                                     /* 3 */
    "pub fn area(s: Shape) -> Float {\n"                        /* 4 */
    "    match s { Circle(_, r) => r * r, Empty => 0.0 }\n"    /* 5 */
    "}\n"                                                       /* 6 */
    "pub fn Point() -> Int { 1 }\n";                            /* 7: a value named like the type */

TEST(xref_uses_by_name_across_modules) {
    SgEngineRun *run = check_keeping_xrefs(FILES(
        "geo.sg", geo,
        "main.sg",
        "import geo\n"                                                  /* 1 */
        "import geo.{area, Point}\n"                                    /* 2 */
        "fn f(p: geo.Point) -> Float {\n"                               /* 3 */
        "    let q = geo.Point { x: p.x, y: 1.0 }\n"                    /* 4 */
        "    let a = Pt { x: 0.0, y: 0.0 }\n"                           /* 5: not geo's, see below */
        "    match geo.Circle(q, 2.0) { geo.Circle(_, r) => r, geo.Empty => area(geo.Empty) + q.y }\n"  /* 6 */
        "}\n"
        "struct Pt { x: Float, y: Float }\n"));                         /* 8 */
    ASSERT_OK_HELPER();
    ASSERT_STR_EQ(entry_of(run, "main"),
                  "import geo@1:8\n"
                  "imported area@2:13\n"
                  "imported Point@2:19\n"
                  "fn f@3:4\n"
                  "struct Pt@8:8\n"
                  "field Pt.x@8:13\n"
                  "field Pt.y@8:23\n"
                  /* the module: its import and `geo.` in expressions (the
                   * checker records no fact for the alias in types and
                   * patterns); the type and the value of one selective name
                   * are both recorded */
                  "geo:m: 1:8+3 6:11+3 6:73+3\n"
                  "geo:v:area 2:13+4 6:68+4\n"
                  "geo:t:Point 2:19+5 3:13+5 4:17+5\n"
                  "geo:v:Point 2:19+5\n"
                  "geo:f:Point.x 4:25+1 4:30+1\n"
                  "geo:f:Point.y 4:33+1 6:88+1\n"
                  "main:t:Pt 5:13+2\n"
                  "main:f:Pt.x 5:18+1\n"
                  "main:f:Pt.y 5:26+1\n"
                  "geo:v:Circle 6:15+6 6:36+6\n"
                  "geo:v:Empty 6:59+5 6:77+5\n");
}

TEST(xref_own_definitions_and_uses) {
    SgEngineRun *run = check_keeping_xrefs(FILES("geo.sg", geo));
    ASSERT_OK_HELPER();
    ASSERT_STR_EQ(entry_of(run, "geo"),
                  "pub struct Point@1:12\n"
                  "pub field Point.x@1:20\n"
                  "pub field Point.y@1:30\n"
                  "pub enum Shape@2:10\n"
                  "pub ctor Shape.Circle@2:18\n"
                  "pub ctor Shape.Empty@2:40\n"
                  "pub alias Pt@3:10\n"
                  "pub fn area@4:8\n"
                  "pub fn Point@7:8\n"
                  "geo:t:Point 2:25+5 3:15+5\n"
                  "geo:t:Shape 4:16+5\n"
                  "geo:v:Circle 5:15+6\n"
                  "geo:v:Empty 5:38+5\n");
}

/* A struct literal written with an alias of the struct is a use of the
 * alias, not of the struct: renaming the struct must not edit it. */
TEST(xref_alias_is_not_its_target) {
    SgEngineRun *run = check_keeping_xrefs(FILES(
        "geo.sg", geo,
        "main.sg",
        "import geo.{Pt}\n"
        "fn f() -> Pt { Pt { x: 1.0, y: 2.0 } }\n"));
    ASSERT_OK_HELPER();
    const char *e = entry_of(run, "main");
    ASSERT_STR_CONTAINS(e, "geo:t:Pt 1:13+2 2:11+2\n");
    ASSERT_TRUE(!strstr(e, "geo:t:Point"));
    ASSERT_STR_CONTAINS(e, "geo:f:Point.x 2:21+1\n");
}

/* Every single-byte change of the payload, framed again, and every
 * truncation: the decoder refuses it or decodes something, never more. */
TEST(xref_decoder_refuses_damage) {
    SgEngineRun *run = check_keeping_xrefs(FILES("geo.sg", geo));
    ASSERT_OK_HELPER();
    SgModule *m = module_named(run, "geo");
    ASSERT_NOT_NULL(m);
    const uint8_t *blob = (const uint8_t *)m->st->xref.data;
    size_t len = m->st->xref.len;
    ASSERT_TRUE(len > 16);
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    bool ok = sg_xref_decode(blob, len, &a, &x);
    uint32_t refused = 0;
    for (size_t cut = 0; cut < len; cut++) refused += !sg_xref_decode(blob, cut, &a, &x);
    for (size_t i = 8; i + 8 < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *copy = sg_xmalloc(len);
            memcpy(copy, blob, len);
            copy[i] ^= (uint8_t)(1 << bit);
            refused += !sg_xref_decode(copy, len, &a, &x);      /* the checksum */
            SgBuf b = {0};
            sg_blob_begin(&b, "SGU\x02");
            sg_buf_put(&b, copy + 8, len - 16);
            sg_blob_end(&b, 0);
            (void)sg_xref_decode((const uint8_t *)b.data, b.len, &a, &x);   /* the payload's own checks */
            sg_buf_free(&b);
            free(copy);
        }
    sg_arena_free(&a);
    ASSERT_TRUE(ok);
    ASSERT_EQ_UINT(refused, len + (len - 16) * 8);
}

/* The language server's scan for one key finds what the whole decode has,
 * for every key of an entry, and nothing for a key it lacks. */
TEST(xref_uses_of_one_key) {
    SgEngineRun *run = check_keeping_xrefs(FILES(
        "geo.sg", geo,
        "main.sg",
        "import geo\nimport geo.{area}\npub fn f() -> Float { area(geo.Circle(geo.Point { x: 1.0, y: 2.0 }, 1.0)) }\n"));
    ASSERT_OK_HELPER();
    SgModule *m = module_named(run, "main");
    ASSERT_NOT_NULL(m);
    const uint8_t *blob = (const uint8_t *)m->st->xref.data;
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    ASSERT_TRUE(sg_xref_decode(blob, m->st->xref.len, &a, &x));
    ASSERT_TRUE(x.ntargets >= 5);
    for (uint32_t t = 0; t < x.ntargets; t++) {
        SgSpan *s;
        uint32_t n;
        ASSERT_TRUE(sg_xref_uses(blob, m->st->xref.len, &x.targets[t].key, &a, &s, &n));
        ASSERT_EQ_UINT(n, x.targets[t].n);
        for (uint32_t k = 0; k < n; k++) {
            ASSERT_EQ_UINT(s[k].start, x.spans[x.targets[t].first + k].start);
            ASSERT_EQ_UINT(s[k].end, x.spans[x.targets[t].first + k].end);
        }
    }
    SgXrefKey absent = {.module = sg_name_c("geo"), .kind = SG_XREF_VALUE, .name = sg_name_c("nope")};
    SgSpan *s;
    uint32_t n = 7;
    ASSERT_TRUE(sg_xref_uses(blob, m->st->xref.len, &absent, &a, &s, &n));
    ASSERT_EQ_UINT(n, 0);
    ASSERT_FALSE(sg_xref_uses(blob, m->st->xref.len - 1, &absent, &a, &s, &n));
    sg_arena_free(&a);
}

/* Where a definition starts, as lines and columns: bytes and UTF-16 units
 * (the language server answers workspace/symbol with them, unread files). */
TEST(xref_definition_positions) {
    SgEngineRun *run = check_keeping_xrefs(FILES("m.sg", "pub fn a() -> Int { 1 }\n/* \xc3\xa9\xf0\x9f\x98\x80 */ pub fn b() -> Int { 2 }\n"));
    ASSERT_OK_HELPER();
    SgModule *m = module_named(run, "m");
    ASSERT_NOT_NULL(m);
    SgArena a;
    sg_arena_init(&a);
    SgXref x;
    ASSERT_TRUE(sg_xref_decode((const uint8_t *)m->st->xref.data, m->st->xref.len, &a, &x));
    ASSERT_EQ_UINT(x.ndefs, 2);
    ASSERT_EQ_UINT(x.defs[0].line, 0);
    ASSERT_EQ_UINT(x.defs[0].col8, 7);
    ASSERT_EQ_UINT(x.defs[0].col16, 7);
    ASSERT_EQ_UINT(x.defs[1].line, 1);
    ASSERT_EQ_UINT(x.defs[1].col8, 20);      /* comment opener 3, 6 bytes, closer 4, then `pub fn ` */
    ASSERT_EQ_UINT(x.defs[1].col16, 17);     /* é: 1 unit, U+1F600: 2 */
    sg_arena_free(&a);
}
