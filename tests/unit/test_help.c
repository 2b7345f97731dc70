/* test_help.c - diagnostics that help (issue 14): the related location of
 * a diagnostic (the first definition of a duplicate, where an expected
 * type was declared), found again by name in another module's text
 * (checker/related.c), and kept exactly by a cached result (cache/sig.c);
 * suggestions for unknown names (checker/suggest.c), with their fixes, and
 * the usage record of a suggestion made among another module's names. */
#include "helpers.h"

#include "../../cache/sig.h"
#include "../../checker/related.h"
#include "../../checker/suggest.h"

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

/* ---- suggestions ---- */

static uint32_t dist(const char *a, const char *b, uint32_t limit) {
    return sg_edit_distance(sg_name_c(a), sg_name_c(b), limit);
}

TEST(suggest_distance_and_limits) {
    ASSERT_EQ_UINT(dist("count", "count", 3), 0);
    ASSERT_EQ_UINT(dist("cout", "count", 3), 1);       /* insertion */
    ASSERT_EQ_UINT(dist("conut", "count", 3), 1);      /* transposition */
    ASSERT_EQ_UINT(dist("cuont", "count", 3), 1);
    ASSERT_EQ_UINT(dist("kitten", "sitting", 3), 3);
    ASSERT_EQ_UINT(dist("kitten", "sitting", 2), 3);   /* past the limit: limit + 1 */
    ASSERT_EQ_UINT(dist("a", "abcdef", 2), 3);
    ASSERT_EQ_UINT(dist("", "ab", 5), 2);
    ASSERT_EQ_UINT(sg_suggest_limit(1), 0);
    ASSERT_EQ_UINT(sg_suggest_limit(2), 1);
    ASSERT_EQ_UINT(sg_suggest_limit(4), 1);
    ASSERT_EQ_UINT(sg_suggest_limit(5), 2);
    ASSERT_EQ_UINT(sg_suggest_limit(8), 2);
    ASSERT_EQ_UINT(sg_suggest_limit(9), 3);
    ASSERT_EQ_UINT(sg_suggest_limit(40), 3);
}

static const char *best_of(const char *typed, const char *const *cands) {
    SgSuggest s = sg_suggest_start(sg_name_c(typed));
    for (size_t i = 0; cands[i]; i++) sg_suggest_offer_c(&s, cands[i]);
    return s.best.len ? test_printf("%.*s", (int)s.best.len, s.best.s) : "";
}

TEST(suggest_the_closest_then_the_first_by_name) {
    ASSERT_STR_EQ(best_of("cout", FILES("count", "cost")), "cost");       /* both 1 away: name order */
    ASSERT_STR_EQ(best_of("cout", FILES("count", "cut", "xyz")), "count");
    ASSERT_STR_EQ(best_of("totals", FILES("total", "totl")), "total");     /* 1 away beats 2 */
    ASSERT_STR_EQ(best_of("cout", FILES("cout", "xout")), "xout");         /* the name itself is not offered */
    ASSERT_STR_EQ(best_of("cnt", FILES("count")), "");                     /* 2 away, a 3-character name */
    ASSERT_STR_EQ(best_of("x", FILES("y", "xs")), "");                     /* one character: nothing */
    ASSERT_STR_EQ(best_of("xz", FILES("xs", "ys")), "xs");
    ASSERT_STR_EQ(best_of("lenght_of_list", FILES("length_of_list")), "length_of_list");
}

TEST(suggest_for_every_kind_of_unknown_name) {
    Checked *c = check_ws(FILES(
        "geo.sg", "pub struct Point { x: Float, y: Float }\n"
                  "pub fn area(p: Point) -> Float { p.x }\n"
                  "fn hidden() {}\n",
        "shapes.sg", "pub fn area() {}\n",
        "main.sg", "import geo\n"
                   "import shapes.{aera}\n"                                 /* 2: selective */
                   "fn helper(count: Int) -> Int {\n"
                   "    let total = cout + 1\n"                              /* 4: a parameter */
                   "    totl + helpr(1) + lenn([1])\n"                       /* 5: local, item, prelude */
                   "}\n"
                   "fn g[Item](i: Itme, p: geo.Pont, q: geo.Point) -> Strng {\n"   /* 7: type parameter, member, built-in */
                   "    let _a = geo.are(q)\n"                              /* 8: module member */
                   "    let _b = q.xx + geo.Point { x: 1.0, yy: 2.0 }.x\n"  /* 9: field, literal field */
                   "    let _c = Pont { x: 1.0, y: 1.0 }\n"                 /* 10: a type it does not have */
                   "    let _d = geo.hiden\n"                               /* 11: private names are not offered */
                   "    match Some(1) { Som(_) => \"s\", ge.Foo => \"t\", _ => \"u\" }\n"   /* 12 */
                   "}\n"
                   "fn h() -> Float { gro.area(geo.Point { x: 1.0, y: 2.0 }) + count }\n"));  /* 14 */
    ASSERT_NOT_NULL(c);
    /* message; the fix replaces the name only */
    static const char *const want[][4] = {
        {"2:16", "E105", "module `shapes` has no item `aera`; did you mean `area`?", "2:16-2:20 area"},
        {"4:17", "E103", "unknown name `cout`; did you mean `count`?", "4:17-4:21 count"},
        {"5:5", "E103", "unknown name `totl`; did you mean `total`?", "5:5-5:9 total"},
        {"5:12", "E103", "unknown name `helpr`; did you mean `helper`?", "5:12-5:17 helper"},
        {"5:23", "E103", "unknown name `lenn`; did you mean `len`?", "5:23-5:27 len"},
        {"7:15", "E104", "unknown type `Itme`; did you mean `Item`?", "7:15-7:19 Item"},
        {"7:24", "E105", "module `geo` has no type `Pont`; did you mean `Point`?", "7:28-7:32 Point"},
        {"7:51", "E104", "unknown type `Strng`; did you mean `String`?", "7:51-7:56 String"},
        {"8:18", "E105", "module `geo` has no item `are`; did you mean `area`?", "8:18-8:21 area"},
        {"9:16", "E108", "struct geo.Point has no field `xx`; did you mean `x`?", "9:16-9:18 x"},
        {"9:41", "E108", "struct `Point` has no field `yy`; did you mean `y`?", "9:41-9:43 y"},
        {"10:14", "E104", "unknown type `Pont`", ""},                  /* Point is not in scope unqualified */
        {"11:18", "E105", "module `geo` has no item `hiden`", ""},     /* private names are not offered */
        {"12:21", "E103", "unknown constructor `Som`; did you mean `Some`?", "12:21-12:24 Some"},
        {"12:36", "E103", "unknown module `ge`; did you mean `geo`?", "12:36-12:38 geo"},
        {"14:19", "E103", "unknown name `gro`; did you mean `geo`?", "14:19-14:22 geo"},   /* before `.`: modules too */
        {"14:60", "E103", "unknown name `count`", ""},                                    /* not a module, nor out of scope */
    };
    const SgModule *m = find_module(c, "main");
    for (size_t i = 0; i < SG_ARRAY_LEN(want); i++) {
        const SgDiag *d = NULL;
        for (uint32_t k = 0; k < m->diags.len && !d; k++) {
            const SgDiag *x = &m->diags.items[k];
            if (strcmp(test_printf("%u:%u", x->line, x->col), want[i][0]) == 0 && strcmp(x->code, want[i][1]) == 0) d = x;
        }
        if (!d) FAIL("no %s at %s", want[i][1], want[i][0]);
        ASSERT_STR_EQ(d->message, want[i][2]);
        const char *fix = d->fix ? test_printf("%u:%u-%u:%u %s", d->fix->at.line, d->fix->at.col, d->fix->at.end_line,
                                               d->fix->at.end_col, d->fix->text) : "";
        ASSERT_STR_EQ(fix, want[i][3]);
    }
}
