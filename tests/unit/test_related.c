/* test_related.c - diagnostics that help (issue 14): the related location
 * of a diagnostic (the first definition of a duplicate, where an expected
 * type was declared), found again by name in another module's text
 * (checker/related.c), and kept exactly by a cached result (cache/sig.c). */
#include "helpers.h"

#include "../../cache/sig.h"
#include "../../checker/related.h"

TEST(related_first_definition) {
    Checked *c = check_ws(FILES(
        "a.sg", "pub struct P { x: Int, x: Float }\n"            /* 1: field */
                "fn f[T, T](a: Int, a: Int) {}\n"                /* 2: type parameter, parameter */
                "fn f() {}\n"                                    /* 3: value */
                "enum P { A }\n"                                 /* 4: type */
                "fn g() {\n"
                "    let _p = P { x: 1, x: 2 }\n"                /* 6: field given twice */
                "    let _l = fn(y: Int, y: Int) {}\n"           /* 7: lambda parameter */
                "}\n",
        "b.sg", "import a\n"
                "import a\n"                                     /* 2: imported twice */
                "fn a() {}\n"));                                 /* 3: a value bound by the import */
    ASSERT_NOT_NULL(c);
    ASSERT_STR_EQ(related_at(c, "a.sg", 1, "E107"), "1:16-1:17 first defined here");
    const SgDiag *tp = NULL, *pa = NULL;
    for (uint32_t i = 0; i < find_module(c, "a")->diags.len; i++) {
        const SgDiag *d = &find_module(c, "a")->diags.items[i];
        if (d->line == 2 && d->col == 9) tp = d;
        if (d->line == 2 && d->col == 20) pa = d;
    }
    ASSERT_NOT_NULL(tp);
    ASSERT_NOT_NULL(pa);
    ASSERT_STR_EQ(related_str(tp), "2:6-2:7 first defined here");
    ASSERT_STR_EQ(related_str(pa), "2:12-2:13 first defined here");
    ASSERT_STR_EQ(related_at(c, "a.sg", 3, "E107"), "2:4-2:5 first defined here");
    ASSERT_STR_EQ(related_at(c, "a.sg", 4, "E107"), "1:12-1:13 first defined here");
    ASSERT_STR_EQ(related_at(c, "a.sg", 6, "E107"), "6:18-6:19 first given here");
    ASSERT_STR_EQ(related_at(c, "a.sg", 7, "E107"), "7:17-7:18 first defined here");
    ASSERT_STR_EQ(related_at(c, "b.sg", 2, "E107"), "1:1-1:9 first imported here");
    ASSERT_STR_EQ(related_at(c, "b.sg", 3, "E107"), "1:8-1:9 first defined here");
}

TEST(related_expected_type_declared_here) {
    Checked *c = check_ws(FILES(
        "geo.sg", "pub struct Point { x: Float, y: Float }\n"
                  "pub fn area(p: Point, scale: Float) -> Float { p.x * scale }\n",
        "main.sg", "import geo\n"
                   "fn f(n: Int) -> Int { n }\n"
                   "const K: Int = \"k\"\n"                              /* 3 */
                   "fn g() -> Int {\n"
                   "    let a: Int = \"s\"\n"                            /* 5 */
                   "    let _q = geo.Point { x: 1, y: 2.0 }\n"           /* 6 */
                   "    let _r = geo.area(geo.Point { x: 1.0, y: 2.0 }, 3)\n"  /* 7 */
                   "    let _f = f(if a > 0 { true } else { false })\n"  /* 8: through both branches */
                   "    let _l = fn(x: Int) -> String { x }\n"          /* 9 */
                   "    if a > 1 { return \"early\" }\n"                  /* 10 */
                   "    \"x\"\n"                                         /* 11 */
                   "}\n"));
    ASSERT_NOT_NULL(c);
    ASSERT_STR_EQ(related_at(c, "main.sg", 3, "E201"), "3:10-3:13 expected because of this annotation");
    ASSERT_STR_EQ(related_at(c, "main.sg", 5, "E201"), "5:12-5:15 expected because of this annotation");
    ASSERT_STR_EQ(related_at(c, "main.sg", 6, "E201"), "geo.Point TYPE field x expected because of this field");
    ASSERT_STR_EQ(related_at(c, "main.sg", 7, "E201"), "geo.area VALUE param 1 expected because of this parameter");
    ASSERT_STR_EQ(related_at(c, "main.sg", 9, "E201"), "9:28-9:34 expected because of this return type");
    ASSERT_STR_EQ(related_at(c, "main.sg", 10, "E201"), "4:11-4:14 expected because of this return type");
    ASSERT_STR_EQ(related_at(c, "main.sg", 11, "E201"), "4:11-4:14 expected because of this return type");
    uint32_t branches = 0;
    for (uint32_t i = 0; i < find_module(c, "main")->diags.len; i++) {
        const SgDiag *d = &find_module(c, "main")->diags.items[i];
        if (d->line != 8) continue;
        ASSERT_STR_EQ(d->code, "E201");
        ASSERT_STR_EQ(related_str(d), "2:6-2:12 expected because of this parameter");
        branches++;
    }
    ASSERT_EQ_UINT(branches, 2);
}

TEST(related_only_for_the_declared_expectation) {
    /* the parts of an argument have expectations of their own; the standard
     * library's declarations are not pointed at; a lambda has no declaration */
    Checked *c = check_ws(FILES("main.sg",
        "fn f(b: Bool, xs: List[Int]) -> Bool { b }\n"
        "fn g(n: Int) {\n"
        "    let _a = f(if n { true } else { false }, [1])\n"     /* 3: the condition */
        "    let _b = f(true, [\"s\"])\n"                          /* 4: an element */
        "    let _c = len(3)\n"                                    /* 5: std */
        "    let h = fn(x: Int) -> Int { x }\n"
        "    let _d = h(true)\n"                                   /* 7: a lambda */
        "    let _e = f(true, [1]) && 1\n"                         /* 8: an operand */
        "}\n"));
    ASSERT_NOT_NULL(c);
    ASSERT_STR_EQ(related_at(c, "main.sg", 3, "E201"), "");
    ASSERT_STR_EQ(related_at(c, "main.sg", 4, "E201"), "");
    ASSERT_STR_EQ(related_at(c, "main.sg", 5, "E201"), "");
    ASSERT_STR_EQ(related_at(c, "main.sg", 7, "E201"), "");
    ASSERT_STR_EQ(related_at(c, "main.sg", 8, "E206"), "");
}

static const char *found(const char *src, const char *item, SgNs ns, SgRelPart part, uint32_t index, const char *field) {
    SgRelated r = {.label = "l", .module = "m", .item = item, .ns = ns, .part = part, .index = index, .field = field};
    SgDiagSpan at;
    if (!sg_related_find(src, (uint32_t)strlen(src), &r, &at)) return "not found";
    return test_printf("%u:%u-%u:%u %.*s", at.line, at.col, at.end_line, at.end_col, (int)(at.end - at.start), src + at.start);
}

TEST(related_found_by_name_in_the_text_as_it_is) {
    const char *src = "import x\n"
                      "\n"
                      "pub struct P { a: Int, b: List[P], b: Int }\n"
                      "pub fn f(a: Int,\n"
                      "  /* é */ b: fn(Int) -> Int) {}\n"
                      "fn f(z: Float) {}\n"
                      "enum E { g(Int) }\n"
                      "fn g(y: Int) {}\n";
    ASSERT_STR_EQ(found(src, "P", SG_NS_TYPE, SG_REL_FIELD, 0, "b"), "3:24-3:34 b: List[P]");
    ASSERT_STR_EQ(found(src, "P", SG_NS_TYPE, SG_REL_FIELD, 0, "c"), "not found");
    ASSERT_STR_EQ(found(src, "f", SG_NS_VALUE, SG_REL_PARAM, 0, NULL), "4:10-4:16 a: Int");   /* the first f */
    ASSERT_STR_EQ(found(src, "f", SG_NS_VALUE, SG_REL_PARAM, 1, NULL), "5:11-5:28 b: fn(Int) -> Int");
    ASSERT_STR_EQ(found(src, "f", SG_NS_VALUE, SG_REL_PARAM, 2, NULL), "not found");
    ASSERT_STR_EQ(found(src, "P", SG_NS_VALUE, SG_REL_PARAM, 0, NULL), "not found");     /* a type, not a value */
    ASSERT_STR_EQ(found(src, "g", SG_NS_VALUE, SG_REL_PARAM, 0, NULL), "not found");     /* a constructor holds g */
    ASSERT_STR_EQ(found("fn f(", "f", SG_NS_VALUE, SG_REL_PARAM, 0, NULL), "not found");
}

TEST(related_and_fix_survive_the_cache) {
    Checked *c = check_ws(FILES("geo.sg", "pub fn area(side: Float) -> Float { side }\n",
                                "main.sg", "import geo\nfn f() {}\nfn f() {}\nfn g() { let _a = geo.area(1) }\n"));
    ASSERT_NOT_NULL(c);
    SgModule *m = find_module(c, "main");
    /* a fix, as a suggestion gives one */
    sg_diag_fix(&m->diags, &m->diags.items[0], 3, 4, "count", 5);
    m->diags.items[0].fix->at.line = m->diags.items[0].fix->at.col = 1;
    m->diags.items[0].fix->at.end_line = m->diags.items[0].fix->at.end_col = 2;
    const SgFpTable *tables[1] = {&find_module(c, "geo")->st->fp};
    const SgHash *hashes[1] = {&find_module(c, "geo")->st->export_hash};
    SgResultIn in = {.source_key = m->st->source_key, .export_hash = m->st->export_hash, .diags = &m->diags, .m = m,
                     .import_tables = tables, .import_hashes = hashes, .own = &m->st->fp};
    SgBuf blob = {0};
    SgHash id;
    sg_result_encode(&in, &blob, &id);
    SgResultView v;
    SgArena a;
    sg_arena_init(&a);
    SgDiags got = {.arena = &a};
    bool ok = sg_result_open((const uint8_t *)blob.data, blob.len, &v) && sg_result_check(&v) && sg_result_diags(&v, &got);
    sg_buf_free(&blob);
    if (!ok) FAIL("the result does not decode");
    ASSERT_EQ_UINT(got.len, m->diags.len);
    for (uint32_t i = 0; i < got.len; i++)
        ASSERT_STR_EQ(related_str(&got.items[i]), related_str(&m->diags.items[i]));
    ASSERT_STR_EQ(related_str(&got.items[0]), "2:4-2:5 first defined here");
    ASSERT_STR_EQ(related_str(&got.items[1]), "geo.area VALUE param 0 expected because of this parameter");
    ASSERT_NOT_NULL(got.items[0].fix);
    ASSERT_STR_EQ(got.items[0].fix->text, "count");
    ASSERT_EQ_UINT(got.items[0].fix->at.start, 3);
    ASSERT_EQ_UINT(got.items[0].fix->at.end_col, 2);
    ASSERT_TRUE(got.items[1].fix == NULL);
    sg_diags_free(&got);
    sg_arena_free(&a);
}
