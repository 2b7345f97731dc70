/* test_fingerprint.c - item fingerprints, name states and usage records
 * (LANGUAGE.md section 7; cache/fingerprint.c, cache/sig.c).
 *
 * Each test checks two or more versions of a workspace and compares the
 * fingerprints the engine computed for them: a fingerprint must change
 * exactly when something a user of the item could observe changes. */
#include "helpers.h"
#include "test.h"

#include "../../cache/fingerprint.h"
#include "../../cache/sig.h"

/* The fingerprint of `name` (namespace ns) in module `mod` of a checked
 * workspace, as 32 hex digits; "private" or "absent" for those states. */
static const char *fp_of(const char *const *files, const char *mod, SgNs ns, const char *name) {
    Checked *c = check_ws(files);
    if (!c) return "(check failed)";
    SgModule *m = find_module(c, mod);
    if (!m || !m->st->have_fp) return "(no module or no table)";
    SgHash fp;
    SgNameState st = sg_fp_state(&m->st->fp, ns, sg_name_c(name), &fp);
    if (st == SG_NAME_ABSENT) return "absent";
    if (st == SG_NAME_PRIVATE) return "private";
    char hex[33];
    sg_hash_hex(&fp, hex);
    return test_printf("%s", hex);
}

static const char *export_of(const char *const *files, const char *mod) {
    Checked *c = check_ws(files);
    SgModule *m = c ? find_module(c, mod) : NULL;
    if (!m) return "(no module)";
    char hex[33];
    sg_hash_hex(&m->st->export_hash, hex);
    return test_printf("%s", hex);
}

#define T SG_NS_TYPE
#define V SG_NS_VALUE

TEST(fp_fields_and_constructors_are_sets) {
    const char *a = fp_of(FILES("a.sg", "pub struct P { x: Int, y: Float }\npub enum E { A, B(Int) }\n"), "a", T, "P");
    const char *b = fp_of(FILES("a.sg", "pub enum E { B(Int), A }\npub struct P { y: Float, x: Int }\n"), "a", T, "P");
    ASSERT_STR_EQ(a, b);
    const char *e1 = fp_of(FILES("a.sg", "pub enum E { A, B(Int) }\n"), "a", T, "E");
    const char *e2 = fp_of(FILES("a.sg", "pub enum E { B(Int), A }\n"), "a", T, "E");
    ASSERT_STR_EQ(e1, e2);
    /* a constructor shares its enum's fingerprint */
    ASSERT_STR_EQ(fp_of(FILES("a.sg", "pub enum E { A, B(Int) }\n"), "a", V, "B"), e1);
    /* a field's type is observable */
    ASSERT_TRUE(strcmp(a, fp_of(FILES("a.sg", "pub struct P { x: Int, y: Int }\n"), "a", T, "P")) != 0);
}

TEST(fp_ignores_parameter_and_type_parameter_names_bodies_and_docs) {
    const char *a = fp_of(FILES("a.sg", "pub fn id[T](x: T) -> T { x }\n"), "a", V, "id");
    const char *b = fp_of(FILES("a.sg", "/// the identity\npub fn id[U](y: U) -> U {\n    let z = y\n    z\n}\n"),
                          "a", V, "id");
    ASSERT_STR_EQ(a, b);
    ASSERT_TRUE(strcmp(a, fp_of(FILES("a.sg", "pub fn id[T](x: T) -> Int { 1 }\n"), "a", V, "id")) != 0);
}

TEST(fp_mutually_recursive_types_are_one_group) {
    /* A and B mention each other: a change to B's fields changes A's too,
     * and an unrelated struct C keeps its fingerprint */
    const char *v1 = "pub struct A { b: List[B] }\npub struct B { a: List[A], n: Int }\npub struct C { n: Int }\n";
    const char *v2 = "pub struct A { b: List[B] }\npub struct B { a: List[A], n: Float }\npub struct C { n: Int }\n";
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", v1), "a", T, "A"), fp_of(FILES("a.sg", v2), "a", T, "A")) != 0);
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", v1), "a", T, "B"), fp_of(FILES("a.sg", v2), "a", T, "B")) != 0);
    ASSERT_STR_EQ(fp_of(FILES("a.sg", v1), "a", T, "C"), fp_of(FILES("a.sg", v2), "a", T, "C"));
    /* two members of one group still have fingerprints of their own */
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", v1), "a", T, "A"), fp_of(FILES("a.sg", v1), "a", T, "B")) != 0);
}

TEST(fp_covers_types_of_other_modules) {
    /* b.make mentions a.P: a change to P's fields, even two modules away,
     * changes make's fingerprint; a new pub fn in a does not */
    const char *b = "import a\npub fn make() -> a.P { a.P { x: 1 } }\npub fn other() -> Int { 1 }\n";
    const char *c = "import b\npub fn twice() -> Int { b.other() * 2 }\n";
    const char *f1 = fp_of(FILES("a.sg", "pub struct P { x: Int }\n", "b.sg", b, "c.sg", c), "b", V, "make");
    const char *f2 = fp_of(FILES("a.sg", "pub struct P { x: Float }\n", "b.sg", b, "c.sg", c), "b", V, "make");
    const char *f3 = fp_of(FILES("a.sg", "pub struct P { x: Int }\npub fn more() -> Int { 2 }\n", "b.sg", b, "c.sg", c),
                           "b", V, "make");
    ASSERT_TRUE(strcmp(f1, f2) != 0);
    ASSERT_STR_EQ(f1, f3);
    ASSERT_STR_EQ(fp_of(FILES("a.sg", "pub struct P { x: Int }\n", "b.sg", b), "b", V, "other"),
                  fp_of(FILES("a.sg", "pub struct P { x: Float }\n", "b.sg", b), "b", V, "other"));
}

TEST(fp_alias_covers_its_target) {
    const char *b = "import a\npub type Q = a.P\n";
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", "pub struct P { x: Int }\n", "b.sg", b), "b", T, "Q"),
                       fp_of(FILES("a.sg", "pub struct P { x: Float }\n", "b.sg", b), "b", T, "Q")) != 0);
    /* through an alias of an alias, to a private type (E111 in a) */
    const char *c = "import b\npub fn f(q: b.Q) -> Int { 1 }\n";
    const char *a1 = "struct Hidden { x: Int }\npub type P = Hidden\n", *a2 = "struct Hidden { x: Float }\npub type P = Hidden\n";
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", a1, "b.sg", b, "c.sg", c), "c", V, "f"),
                       fp_of(FILES("a.sg", a2, "b.sg", b, "c.sg", c), "c", V, "f")) != 0);
}

TEST(name_states_public_private_absent) {
    const char *const *files = FILES("a.sg", "pub fn f() -> Int { 1 }\nfn g() -> Int { 2 }\nstruct S { x: Int }\n"
                                             "pub struct f { y: Int }\n");
    ASSERT_STR_EQ(fp_of(files, "a", V, "g"), "private");
    ASSERT_STR_EQ(fp_of(files, "a", T, "S"), "private");
    ASSERT_STR_EQ(fp_of(files, "a", V, "h"), "absent");
    ASSERT_STR_EQ(fp_of(files, "a", T, "g"), "absent");      /* namespaces are separate */
    ASSERT_TRUE(strcmp(fp_of(files, "a", V, "f"), fp_of(files, "a", T, "f")) != 0);
}

TEST(export_hash_covers_private_names_not_bodies) {
    const char *e1 = export_of(FILES("a.sg", "pub fn f() -> Int { 1 }\n"), "a");
    ASSERT_STR_EQ(e1, export_of(FILES("a.sg", "pub fn f() -> Int {\n    2 + 3\n}\n"), "a"));
    /* a new private name: E105 becomes E106 for an importer that looked it up */
    ASSERT_TRUE(strcmp(e1, export_of(FILES("a.sg", "pub fn f() -> Int { 1 }\nfn secret() -> Int { 2 }\n"), "a")) != 0);
}

/* The usage record of `user` for its import of `a`, checked against the
 * table of another version of a. */
static bool usage_holds(const char *a_then, const char *a_now, const char *user) {
    Checked *then = check_ws(FILES("a.sg", a_then, "u.sg", user));
    Checked *now = check_ws(FILES("a.sg", a_now, "u.sg", user));
    if (!then || !now) return false;
    SgModule *u = find_module(then, "u"), *a = find_module(now, "a");
    SgModule *a0 = find_module(then, "a");
    if (!u || !a || !a0) return false;
    /* the record as the engine would store it */
    const SgFpTable *tables[1] = {&a0->st->fp};
    const SgHash *hashes[1] = {&a0->st->export_hash};
    SgResultIn in = {.source_key = u->st->source_key, .export_hash = u->st->export_hash, .diags = &u->diags, .m = u,
                     .import_tables = tables, .import_hashes = hashes, .own = &u->st->fp};
    SgBuf blob = {0};
    SgHash id;
    sg_result_encode(&in, &blob, &id);
    SgResultView v;
    bool opened = sg_result_open((const uint8_t *)blob.data, blob.len, &v) && sg_result_check(&v);
    uint8_t statuses[1] = {IMP_OK};
    const SgFpTable *tables_now[1] = {&a->st->fp};
    const SgHash *hashes_now[1] = {&a->st->export_hash};
    bool holds = opened && sg_result_usage_holds(&v, 1, statuses, hashes_now, tables_now);
    bool one = opened && sg_result_import_holds(&v, 0, &a->st->export_hash, &a->st->fp);
    sg_buf_free(&blob);
    if (holds != one) test_fail(__FILE__, __LINE__, "usage_holds and import_holds disagree");
    return holds;
}

TEST(usage_record_holds_exactly_while_used_names_keep_their_state) {
    const char *user = "import a\nfn main() { let _x: Int = a.f() }\n";
    const char *base = "pub fn f() -> Int { 1 }\n";
    ASSERT_TRUE(usage_holds(base, base, user));
    ASSERT_TRUE(usage_holds(base, "pub fn f() -> Int { 2 }\npub fn g() -> Int { 3 }\n", user));   /* body, new name */
    ASSERT_FALSE(usage_holds(base, "pub fn f() -> Float { 2.0 }\n", user));                     /* its type */
    ASSERT_FALSE(usage_holds(base, "fn f() -> Int { 1 }\n", user));                             /* now private */
    ASSERT_FALSE(usage_holds(base, "pub fn g() -> Int { 1 }\n", user));                         /* gone */
    /* a name looked up and missing: absent -> private is a change (E105 -> E106) */
    const char *probe = "import a\nfn main() { let _x = a.secret }\n";
    ASSERT_TRUE(usage_holds(base, "pub fn f() -> Int { 1 }\npub fn other() -> Int { 2 }\n", probe));
    ASSERT_FALSE(usage_holds(base, "pub fn f() -> Int { 1 }\nfn secret() -> Int { 2 }\n", probe));
    /* selective imports record both namespaces */
    const char *sel = "import a.{f}\nfn main() { let _x = f() }\n";
    ASSERT_TRUE(usage_holds(base, base, sel));
    ASSERT_FALSE(usage_holds(base, "pub fn f() -> Int { 1 }\npub struct f { x: Int }\n", sel));
}

TEST(fp_covers_own_types_outside_its_group) {
    /* Outer mentions Inner (another group of the same module); fn f too */
    const char *v1 = "pub struct Inner { x: Int }\npub struct Outer { i: Inner }\npub fn f(o: Outer) -> Int { 1 }\n";
    const char *v2 = "pub struct Inner { x: Float }\npub struct Outer { i: Inner }\npub fn f(o: Outer) -> Int { 1 }\n";
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", v1), "a", T, "Outer"), fp_of(FILES("a.sg", v2), "a", T, "Outer")) != 0);
    ASSERT_TRUE(strcmp(fp_of(FILES("a.sg", v1), "a", V, "f"), fp_of(FILES("a.sg", v2), "a", V, "f")) != 0);
}

TEST(usage_record_of_a_suggestion_holds_while_the_suggestion_would_be_the_same) {
    /* "module `a` has no item `cout`; did you mean `count`?" reads a's public
     * value names: the record holds exactly while the same one would be offered */
    const char *user = "import a\nfn main() { let _x = a.cout }\n";
    const char *base = "pub fn count() -> Int { 1 }\n";
    ASSERT_TRUE(usage_holds(base, "pub fn count() -> Int { 1 }\npub fn zzz() -> Int { 2 }\n", user));
    ASSERT_TRUE(usage_holds(base, "pub fn count() -> Int { 1 }\npub fn cour() -> Int { 2 }\n", user)); /* as close, after */
    ASSERT_TRUE(usage_holds(base, "pub fn count() -> Float { 1.0 }\n", user));     /* its type is not in the message */
    ASSERT_FALSE(usage_holds(base, "pub fn count() -> Int { 1 }\npub fn cost() -> Int { 2 }\n", user)); /* as close, before */
    /* a closer name */
    ASSERT_FALSE(usage_holds("pub fn abcxyf() {}\n", "pub fn abcxyf() {}\npub fn abcdxf() {}\n",
                             "import a\nfn main() { let _x = a.abcdef }\n"));
    ASSERT_FALSE(usage_holds(base, "fn count() -> Int { 1 }\n", user));          /* private: nothing to offer */
    ASSERT_FALSE(usage_holds(base, "pub fn counter() -> Int { 1 }\n", user));    /* gone */
    /* a type: only the public type names count */
    const char *typed = "import a\nfn main() { let _x: a.Pont = 1 }\n";
    const char *types = "pub struct Point { x: Int }\n";
    ASSERT_TRUE(usage_holds(types, "pub struct Point { x: Int }\npub fn Pint() {}\n", typed));
    ASSERT_FALSE(usage_holds(types, "pub struct Point { x: Int }\npub type Pint = Int\n", typed));
    ASSERT_TRUE(usage_holds(types, "pub struct Point { x: Float }\n", typed));
}
