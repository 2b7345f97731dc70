/* test_check.c - whole workspaces through the engine (scan, parse, link,
 * resolve, check), with the standard library from std/.
 *
 * Expected diagnostics are written in the sources as `//~ CODE` on the line
 * where each starts (see annotations() in helpers.c); where the column or
 * the message matters, it is asserted as well. */
#include "helpers.h"

#include <stdlib.h>

TEST(check_std_is_clean) {
    /* an empty module, and the standard library (which must check clean) */
    Checked *c = check_ws(FILES("main.sg", ""));
    ASSERT_OK_HELPER();
    ASSERT_STR_EQ(check_summary(c), "");
    ASSERT_EQ_UINT(c->run.nworkspace, 1);
    static const char *const std_mods[] = {"std.prelude", "std.list", "std.string", "std.map", "std.math", "std.io"};
    for (size_t i = 0; i < SG_ARRAY_LEN(std_mods); i++) {
        SgModule *m = find_module(c, std_mods[i]);
        if (!m) FAIL("standard library module %s is missing", std_mods[i]);
        if (!m->is_std) FAIL("%s is not marked as standard library", std_mods[i]);
        if (m->diags.len) FAIL("%s has %u diagnostics, e.g. %s", std_mods[i], m->diags.len, m->diags.items[0].message);
    }
    ASSERT_NOT_NULL(c->run.prog.prelude);
    ASSERT_STR_EQ(c->run.prog.prelude->name, "std.prelude");
    SgModule *m = find_module(c, "main");
    ASSERT_NOT_NULL(m);
    ASSERT_FALSE(m->is_std);
    ASSERT_STR_EQ(m->rel, "main.sg");
}

TEST(check_std_usage_is_clean) {
    /* every standard-library module, used as LANGUAGE.md section 9 says */
    ASSERT_CHECK(FILES("main.sg",
        "import std.list\n"
        "import std.string\n"
        "import std.map\n"
        "import std.math\n"
        "import std.io\n"
        "\n"
        "fn run() -> Int {\n"
        "    let xs = list.range(0, 10)\n"
        "    let ys: List[String] = list.map(xs, fn(x: Int) -> String { int_to_string(x) })\n"
        "    let evens = list.filter(xs, fn(x: Int) -> Bool { x % 2 == 0 })\n"
        "    let total = list.fold(evens, 0, fn(acc: Int, x: Int) -> Int { acc + x })\n"
        "    let both = list.concat(xs, list.reverse(evens))\n"
        "    let first: Option[Int] = list.get(both, 0)\n"
        "    let parts = string.split(string.join(ys, \",\"), \",\")\n"
        "    let n: Option[Int] = string.to_int(\"12\")\n"
        "    let m = map.insert(map.empty(), \"a\", 1)\n"
        "    let v: Option[Int] = map.get(m, \"a\")\n"
        "    let ks: List[String] = map.keys(m)\n"
        "    let r = math.sqrt(math.pow(2.0, math.PI)) + math.abs(-1.5)\n"
        "    let i = math.abs_int(-3) + math.min_int(1, 2) + math.max_int(3, 4)\n"
        "    let text: Result[String, String] = io.read_file(\"x\")\n"
        "    let w: Result[Unit, String] = io.write_file(\"x\", \"y\")\n"
        "    let args: List[String] = io.args()\n"
        "    print(float_to_string(r + to_float(truncate(1.5))))\n"
        "    let _unused = [first, n, v]\n"
        "    let _more = [text]\n"
        "    let _w = w\n"
        "    let _c = string.contains(\"ab\", \"a\") && string.length(\"ab\") == 2\n"
        "    total + len(parts) + len(ks) + len(args) + i + map.size(m)\n"
        "}\n"));
}

TEST(check_generic_inference) {
    /* variables are solved anywhere in the body, in any order */
    ASSERT_CHECK(FILES("main.sg",
        "import std.list\n"
        "fn id[T](x: T) -> T { x }\n"
        "fn pair[A, B](a: A, b: B) -> Result[A, B] { Ok(a) }\n"
        "fn later() -> Int {\n"
        "    let mut xs = []\n"
        "    xs = push(xs, 1)\n"
        "    len(xs)\n"
        "}\n"
        "fn via_call() -> Int {\n"
        "    let ys = []\n"
        "    let n = len(push(ys, \"a\"))\n"
        "    n + len(ys)\n"
        "}\n"
        "fn via_lambda() -> Int {\n"
        "    let zs = []\n"
        "    let f = fn() { push(zs, 1) }\n"
        "    let _g = f\n"
        "    len(zs)\n"
        "}\n"
        "fn via_branch() -> List[String] {\n"
        "    let mut ws = []\n"
        "    if true { ws = [\"a\"] }\n"
        "    ws\n"
        "}\n"
        "fn via_match() -> Int {\n"
        "    let o = None\n"
        "    let _p = pair(1, \"s\")\n"
        "    match o { Some(v) => v, None => id(0) }\n"
        "}\n"
        "fn via_ctor() -> Option[List[Int]] {\n"
        "    let e = list.reverse([])\n"
        "    Some(e)\n"
        "}\n"
        "fn lambdas() -> Int {\n"
        "    let inc = fn(x: Int) { x + 1 }\n"
        "    let g: fn(Int) -> Int = inc\n"
        "    let h = fn(f: fn(Int) -> Int, x: Int) -> Int { f(x) }\n"
        "    h(g, 2) + list.fold([1, 2], 0, fn(a: Int, b: Int) -> Int { a + b })\n"
        "}\n"
        "fn dropped() {\n"
        "    []\n"
        "    let _ = []\n"
        "    None\n"
        "}\n"));
}

TEST(check_type_parameters_are_opaque) {
    ASSERT_CHECK(FILES("main.sg",
        "fn id[T](x: T) -> T { x }\n"
        "fn bad[T](x: T) -> Int { x }          //~ E201\n"
        "fn two[A, B](a: A, b: B) -> A { b }   //~ E201\n"
        "fn use() -> String { id(1) }          //~ E201\n"));
    Checked *c = check_ws(FILES("main.sg", "fn bad[T](x: T) -> Int { x }\n"));
    ASSERT_OK_HELPER();
    const SgDiag *d = find_diag(c, "main.sg", 1, "E201");
    ASSERT_NOT_NULL(d);
    ASSERT_STR_EQ(d->message, "type mismatch: expected Int, found T");
}

TEST(check_e205_once_per_variable) {
    ASSERT_CHECK_AS(c, FILES("main.sg",
        "import std.list\n"
        "fn f() {\n"
        "    let xs = []                    //~ E205\n"
        "    let ys = xs\n"
        "    let _zs = [xs, ys]\n"
        "    let a = None                   //~ E205\n"
        "    let _b = [a, a]\n"
        "    let _c = [[]]                  //~ E205\n"
        "    let e = list.reverse([])       //~ E205\n"
        "    let _e = e\n"
        "}\n"
        "fn g() -> Int {\n"
        "    let xs = []                    //~ E205\n"
        "    if true { return len(xs) }\n"
        "    0\n"
        "}\n"));
    /* at the literal or the leftmost call that introduced the variable */
    ASSERT_STR_EQ(check_summary_cols(c),
                  "main.sg:3:14:E205 main.sg:6:13:E205 main.sg:8:15:E205 main.sg:9:13:E205 main.sg:13:14:E205");
    ASSERT_STR_EQ(find_diag(c, "main.sg", 3, "E205")->message, "cannot infer a type here; add a type annotation");
}

TEST(check_e205_at_unsolved_operand) {
    /* operators, indexing and field access need the operand's type where
     * they stand; after the E205 there, the variable is not reported again */
    ASSERT_CHECK_AS(c, FILES("main.sg",
        "fn f() {\n"
        "    let mut xs = []\n"
        "    let n = xs[0] + 1              //~ E205\n"
        "    xs = push(xs, 1)\n"
        "    let _n = n\n"
        "}\n"
        "fn g() -> Int {\n"
        "    let o = None\n"
        "    match o { Some(p) => p.x, None => 0 }   //~ E205\n"
        "}\n"));
    ASSERT_STR_EQ(check_summary_cols(c), "main.sg:3:13:E205 main.sg:9:26:E205");
}

TEST(check_never_type) {
    ASSERT_CHECK(FILES("main.sg",
        "fn a(x: Int) -> Int { if x > 0 { return 1 }; return 0 }\n"
        "fn b(x: Int) -> Int {\n"
        "    if x > 0 {\n"
        "        return 1\n"
        "    }\n"
        "    return 0\n"
        "}\n"
        "fn c(b: Bool) -> Int { if b { return 1 } else { return 2 } }\n"
        "fn d() -> String { panic(\"no\") }\n"
        "fn e(o: Option[Int]) -> Int { match o { Some(v) => v, None => return 0 } }\n"
        "fn f(o: Option[Int]) -> String { match o { Some(_) => return \"a\", None => return \"b\" } }\n"
        "fn g(xs: List[Int]) -> Int {\n"
        "    for x in xs {\n"
        "        if x > 2 { break } else { continue }\n"
        "    }\n"
        "    while true { let _y: Int = break }\n"
        "    let _s: String = return 1\n"
        "    0\n"
        "}\n"
        "fn h() -> Int { { return 3 } }\n"
        "fn i(b: Bool) -> Int { let k = if b { 1 } else { return 2 }; k }\n"
        "fn j() -> Int { let f = fn() -> Int { return 1 }; f() }\n"
        "fn k(b: Bool) -> Int { if b { return 1 } }          //~ E201\n"
        "fn l() -> Int { let f = fn() { return \"s\" }; f() } //~ E201\n"));
}

TEST(check_e201_messages) {
    ASSERT_CHECK_AS(c, FILES("main.sg",
        "fn f() {\n"
        "    let a = [\"x\"]\n"
        "    let _b: List[Int] = a                              //~ E201\n"
        "    let _o: Option[Int] = Some(\"s\")                    //~ E201\n"
        "    let _g: fn(Int) -> Int = fn(x: String) -> Int { 1 } //~ E201\n"
        "    let _i: Int = 1.0                                  //~ E201\n"
        "    let _l: List[List[Int]] = [[1], [true]]            //~ E201\n"
        "}\n"
        "fn g() -> Float { 1 }                                  //~ E201\n"
        "fn h() -> Int { }                                      //~ E201\n"
        "fn i(x: Int) -> Int { if x > 0 { 1 } }                 //~ E201\n"
        "fn j(xs: List[Int]) -> Int { xs[true] }                //~ E201\n"
        "fn k() { for _x in 5 { } }                             //~ E201\n"));
    static const struct { uint32_t line; const char *msg; } want[] = {
        {3, "type mismatch: expected List[Int], found List[String]"},
        {4, "type mismatch: expected Option[Int], found Option[String]"},
        {5, "type mismatch: expected fn(Int) -> Int, found fn(String) -> Int"},
        {6, "type mismatch: expected Int, found Float"},
        {7, "type mismatch: expected Int, found Bool"},
        {9, "type mismatch: expected Float, found Int"},
        {10, "type mismatch: expected Int, found Unit"},
        {11, "type mismatch: expected Int, found Unit"},
        {12, "type mismatch: expected Int, found Bool"},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(want); i++) {
        const SgDiag *d = find_diag(c, "main.sg", want[i].line, "E201");
        ASSERT_NOT_NULL(d);
        if (strcmp(d->message, want[i].msg) != 0)
            FAIL("line %u: message \"%s\", expected \"%s\"", want[i].line, d->message, want[i].msg);
    }
    /* the range is the expression that has the wrong type */
    const SgDiag *d = find_diag(c, "main.sg", 3, "E201");
    ASSERT_EQ_UINT(d->col, 25);
    ASSERT_EQ_UINT(d->end_col, 26);
}

TEST(check_columns_count_code_points) {
    Checked *c = check_ws(FILES("main.sg",
        "fn f() {\n"
        "    let _a = \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"; let _b: Int = \"x\"\n"
        "}\n"));
    ASSERT_OK_HELPER();
    ASSERT_STR_EQ(check_summary_cols(c), "main.sg:2:35:E201");
    const SgDiag *d = find_diag(c, "main.sg", 2, "E201");
    ASSERT_EQ_UINT(d->end_line, 2);
    ASSERT_EQ_UINT(d->end_col, 38);
}

TEST(check_match_exhaustiveness) {
    ASSERT_CHECK_AS(c, FILES(
        "main.sg",
        "import geo.shape as gs\n"
        "fn f(o: Option[Option[Int]], b: Bool, n: Int, s: gs.Shape, r: Result[Option[Int], String]) -> Int {\n"
        "    let _a = match o { Some(Some(_)) => 1, None => 2 }      //~ E207\n"
        "    let _b = match b { true => 1 }                          //~ E207\n"
        "    let _c = match n { 0 => 1, 1 => 2 }                     //~ E207\n"
        "    let _d = match s { gs.Circle(_, _) => 1 }               //~ E207\n"
        "    let _e = match r { Ok(Some(_)) => 1, Err(_) => 2 }      //~ E207\n"
        "    let _f = match \"s\" { \"a\" => 1 }                        //~ E207\n"
        "    let _g = match o { Some(_) => 1, None => 2 }\n"
        "    let _h = match b { true => 1, false => 2 }\n"
        "    let _i = match s { gs.Circle(_, _) => 1, gs.Empty => 2 }\n"
        "    let _j = match r { _ => 1, Ok(_) => 2 }                 //~ W003\n"
        "    let _k = match o { Some(_) => 1, Some(None) => 2, None => 3 }  //~ W003\n"
        "    let _l = match n { x => x, 0 => 1 }                     //~ W003\n"
        "    0\n"
        "}\n",
        "geo/shape.sg",
        "pub struct Point { x: Int, y: Int }\n"
        "pub enum Shape { Circle(Point, Int), Empty }\n"));
    static const struct { uint32_t line; const char *missing; } want[] = {
        {3, "`Some(None)`"}, {4, "`false`"}, {5, "`_`"}, {6, "`gs.Empty`"}, {7, "`Ok(None)`"}, {8, "`_`"},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(want); i++) {
        const SgDiag *d = find_diag(c, "main.sg", want[i].line, "E207");
        ASSERT_NOT_NULL(d);
        if (!strstr(d->message, want[i].missing))
            FAIL("line %u: message \"%s\" does not name %s", want[i].line, d->message, want[i].missing);
    }
    /* E207 is at the `match` keyword */
    ASSERT_EQ_UINT(find_diag(c, "main.sg", 3, "E207")->col, 14);
    /* W003 is at the unreachable arm's pattern */
    ASSERT_EQ_UINT(find_diag(c, "main.sg", 12, "W003")->col, 32);
}

TEST(check_warnings) {
    ASSERT_CHECK_AS(c, FILES(
        "main.sg",
        "import util                 //~ W001\n"
        "import std.list             //~ W001\n"
        "import std.math as m\n"
        "import types.{T}\n"
        "import missing              //~ E101\n"
        "fn f(unused_param: Int) {\n"
        "    let x = 1                //~ W002\n"
        "    let _x = 2\n"
        "    let mut y = 1            //~ W002\n"
        "    y = 2\n"
        "    let mut z = 0\n"
        "    z = z + 1\n"
        "    let w = 3\n"
        "    let _v = fn() -> Int { w }\n"
        "    let _ = m.PI\n"
        "    let _t: List[T] = []\n"
        "    let _o = match Some(1) { Some(bound) => 1, None => 2 }\n"
        "    for item in [1] { }\n"
        "}\n",
        "util.sg", "pub fn u() {}\n",
        "types.sg", "pub struct T { a: Int }\n"));
    /* W001 at the import, W002 at the local's name */
    ASSERT_STR_EQ(check_summary_cols(c),
                  "main.sg:1:1:W001 main.sg:2:1:W001 main.sg:5:1:E101 main.sg:7:9:W002 main.sg:9:13:W002");
    const SgDiag *w = find_diag(c, "main.sg", 7, "W002");
    ASSERT_EQ_INT(sg_diag_severity(w), SG_WARNING);
    ASSERT_EQ_UINT(w->end_col, 10);
}

TEST(check_imports_qualified_names) {
    ASSERT_CHECK_AS(c, FILES(
        "main.sg",
        "import geo.point as gp\n"
        "import geo.shape\n"
        "import geo.wrap.{Wrap, W}\n"
        "fn f() {\n"
        "    let _p: gp.Point = 3                        //~ E201\n"
        "    let _s: shape.Shape = gp.origin()           //~ E201\n"
        "    let _w: Wrap[Int] = W(\"s\")                  //~ E201\n"
        "    let _l: List[gp.Point] = [1]                //~ E201\n"
        "    let _q: Int = gp.origin()                   //~ E201\n"
        "    let _ok: gp.Point = gp.Point { x: 1, y: 2 }\n"
        "    let _ok2: shape.Shape = shape.Circle(gp.origin(), 1)\n"
        "    let _ok3 = shape.Empty\n"
        "}\n",
        "geo/point.sg",
        "pub struct Point { x: Int, y: Int }\n"
        "pub fn origin() -> Point { Point { x: 0, y: 0 } }\n",
        "geo/shape.sg",
        "import geo.point\n"
        "pub enum Shape { Circle(point.Point, Int), Empty }\n",
        "geo/wrap.sg",
        "pub enum Wrap[T] { W(T) }\n"));
    static const struct { uint32_t line; const char *msg; } want[] = {
        {5, "type mismatch: expected gp.Point, found Int"},
        {6, "type mismatch: expected shape.Shape, found gp.Point"},
        {7, "type mismatch: expected Wrap[Int], found Wrap[String]"},
        {8, "type mismatch: expected gp.Point, found Int"},
        {9, "type mismatch: expected Int, found gp.Point"},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(want); i++) {
        const SgDiag *d = find_diag(c, "main.sg", want[i].line, "E201");
        ASSERT_NOT_NULL(d);
        if (strcmp(d->message, want[i].msg) != 0)
            FAIL("line %u: message \"%s\", expected \"%s\"", want[i].line, d->message, want[i].msg);
    }
}

TEST(check_import_errors) {
    ASSERT_CHECK(FILES(
        "main.sg",
        "import util.{helper, secret, nothing}   //~ E106 E105\n"
        "import missing.mod                      //~ E101\n"
        "import util as u2                       //~ E107\n"
        "fn f() -> Int {\n"
        "    let _a = secret()\n"
        "    let _b = nothing(1, 2)\n"
        "    let _c = mod.anything\n"
        "    let _d = util.helper(1)             //~ E103\n"
        "    helper(1, 2)                        //~ E202\n"
        "}\n"
        "fn g() -> Int { helper(1) }\n",
        "util.sg",
        "pub fn helper(a: Int) -> Int { a }\n"
        "fn secret() {}\n"
        "pub fn other() {}\n"));
    /* m.x of a private item is E106, of a missing one E105 */
    ASSERT_CHECK(FILES(
        "main.sg",
        "import util\n"
        "fn f() {\n"
        "    util.secret()                       //~ E106\n"
        "    util.nothing()                      //~ E105\n"
        "    util.helper()\n"
        "}\n",
        "util.sg",
        "pub fn helper() {}\n"
        "fn secret() {}\n"));
}

TEST(check_failed_import_no_cascade) {
    /* names bound by a failed import have the error type: no further
     * diagnostics where they are used (LANGUAGE.md section 4) */
    ASSERT_CHECK(FILES(
        "main.sg",
        "import nothere                          //~ E101\n"
        "import util.{missing_fn}                //~ E105\n"
        "fn f() -> Int {\n"
        "    let a = nothere.thing(1)\n"
        "    let b: nothere.T = a\n"
        "    let c = missing_fn(b, [])\n"
        "    let d = nothere.thing([])\n"
        "    let e = nothere.make()\n"
        "    let _f = e.field + d + c\n"
        "    0\n"
        "}\n",
        "util.sg", "pub fn helper() {}\n"));
}

TEST(check_error_type_no_cascade) {
    /* one mistake, one diagnostic: an erroneous annotation, callee or
     * operand has the error type, and a variable unified with it is solved
     * (LANGUAGE.md section 6) */
    ASSERT_CHECK(FILES(
        "main.sg",
        "fn f() {\n"
        "    let _a: Unknown = []                //~ E104\n"
        "    let _b: Unknown = None              //~ E104\n"
        "    let _c: List[Int, Int] = []         //~ E204\n"
        "    let _d = undefined_fn([])           //~ E103\n"
        "    let _e = push(undefined_list, 1)    //~ E103\n"
        "    let _g: List[Unknown] = []          //~ E104\n"
        "    let _h = undefined_fn(None)         //~ E103\n"
        "    let _i = fn() { continue }          //~ E209\n"
        "    let _j = fn() { break }             //~ E209\n"
        "}\n"));
}

TEST(check_many_codes) {
    ASSERT_CHECK(FILES(
        "main.sg",
        "struct S { a: Int, b: String }\n"
        "enum E { A, B(Int) }\n"
        "type Loop = List[Loop]                  //~ E110\n"
        "type X = Y                              //~ E110\n"
        "type Y = X                              //~ E110\n"
        "pub fn leak(s: S) -> Int { s.a }        //~ E111\n"
        "pub struct P { s: S }                   //~ E111\n"
        "fn f(x: Int) -> Int {\n"
        "    let _y = x(1)                       //~ E203\n"
        "    let _z = None()                     //~ E203\n"
        "    let _w = 1 + 1.0                    //~ E206\n"
        "    let _v = \"a\" - \"b\"                  //~ E206\n"
        "    let _u = 5 % 2.0                    //~ E206\n"
        "    let _t = !1                         //~ E206\n"
        "    let _st = \"a\" + \"b\"\n"
        "    x = 2                               //~ E208\n"
        "    break                               //~ E209\n"
        "    let _s = S { a: 1 }                 //~ E109\n"
        "    let _r = S { a: 1, b: \"x\", c: 3 }   //~ E108\n"
        "    let _q = S { a: 1, a: 2, b: \"x\" }   //~ E107\n"
        "    let s = S { a: 1, b: \"x\" }\n"
        "    let _p = s.zzz                      //~ E108\n"
        "    let _n = x.zzz                      //~ E108\n"
        "    let _m = match x { A => 1, _ => 2 } //~ E211\n"
        "    let _l = match Some(1) { Some(_, _) => 1, _ => 2 }  //~ E211\n"
        "    let _k = match x { \"s\" => 1, _ => 2 }  //~ E211\n"
        "    let _j = 5[0]                       //~ E206\n"
        "    let mut k = 1\n"
        "    k = \"s\"                             //~ E201\n"
        "    s.a = 3                             //~ E208\n"
        "    let _e: E = B                       //~ E201\n"
        "    let _f = [1, \"a\"]                   //~ E201\n"
        "    let _g = fn() -> Int { continue }   //~ E209\n"
        "    unknown_name                        //~ E103\n"
        "    let _h: List = 1                    //~ E204\n"
        "    k\n"
        "}\n"
        "fn g(a: Int, a: Int) {}                 //~ E107\n"
        "fn dup() {}\n"
        "fn dup() {}                             //~ E107\n"
        "struct D[T, T] { x: T }                 //~ E107\n"
        "enum F { C, C }                         //~ E107\n"));
}

TEST(check_module_files) {
    ASSERT_CHECK_AS(c, FILES(
        "sigil.json", "{\"src\": [\"src\", \"lib\"]}",
        "src/dup.sg", "pub fn x() {}    //~ E107\n",
        "lib/dup.sg", "pub fn y() {}    //~ E107\n",
        "src/a.b.sg", "fn f() {}        //~ E100\n",
        "src/match.sg", "fn f() {}      //~ E100\n",
        "src/std/x.sg", "fn f() {}      //~ E100\n",
        "src/main.sg", "import dup\nfn f() { dup.y() }\n"));
    /* both at line 1, column 1 */
    ASSERT_STR_EQ(check_summary_cols(c),
                  "lib/dup.sg:1:1:E107 src/a.b.sg:1:1:E100 src/dup.sg:1:1:E107 src/match.sg:1:1:E100 "
                  "src/std/x.sg:1:1:E100");
    ASSERT_EQ_UINT(c->run.nworkspace, 2);
}

TEST(check_import_cycles) {
    ASSERT_CHECK(FILES(
        "a.sg", "import b                //~ E102\npub fn fa() -> Int { b.fb() }\n",
        "b.sg", "import c                //~ E102\npub fn fb() -> Int { c.fc() }\n",
        "c.sg", "import a                //~ E102\nimport d\npub fn fc() -> Int { a.fa() + d.fd() }\n",
        "d.sg", "pub fn fd() -> Int { 1 }\n",
        "self.sg", "import self             //~ E102\npub fn s() -> Int { self.s() }\n",
        "main.sg", "import a\nimport d\nfn main() -> Int { a.fa() + d.fd() }\n"));
    /* the module in the cycle is still checked */
    ASSERT_CHECK(FILES(
        "a.sg", "import b                //~ E102\npub fn fa() -> Int { \"s\" }   //~ E201\n",
        "b.sg", "import a                //~ E102\npub fn fb() -> Int { 1 }\n"));
}

TEST(check_prelude_shadowing) {
    ASSERT_CHECK(FILES("main.sg",
        "fn print(x: Int) -> Int { x }\n"
        "enum Option { Some, None }\n"
        "fn f() -> Int { print(1) + 1 }\n"
        "fn g() -> Option { Some }\n"
        "fn h() -> Int { len([1]) }\n"));
}

TEST(check_statement_ends_in_context) {
    /* `} else {` must keep else on the line of `}`; an Int literal folded
     * with its minus; E003 and E010 through the whole engine */
    ASSERT_CHECK(FILES("main.sg",
        "fn f(c: Bool) -> Int {\n"
        "    let a = -9223372036854775808\n"
        "    let b = 9223372036854775808         //~ E003\n"
        "    let _b = b\n"
        "    if c { 1 } else { a }\n"
        "}\n"
        "fn g(c: Bool) {\n"
        "    if c { let _x = 1 }\n"
        "    else { let _y = 2 }                 //~ E010\n"
        "}\n"
        "fn h() -> Int {\n"
        "    let s = \"unterminated              //~ E002\n"
        "    let t = \"\\q\"                        //~ E001\n"
        "    len([s, t])\n"
        "}\n"));
}

TEST(check_parallel_same_result) {
    /* the same diagnostics, in the same order, with 1 or many threads */
    const char *const *files = FILES(
        "a.sg", "import b\npub fn fa() -> Int { b.fb() + \"x\" }     //~ E206\n",
        "b.sg", "pub fn fb() -> Int { let x = 1; 2 }              //~ W002\n",
        "c/d.sg", "import a\nfn f() { let _y: String = a.fa() }       //~ E201\n",
        "c/e.sg", "fn f() { let xs = [] }                          //~ W002 E205\n",
        "f.sg", "import nothere                                  //~ E101\n",
        "g.sg", "fn g(o: Option[Int]) -> Int { match o { None => 1 } }  //~ E207\n",
        "h.sg", "fn h() { let _ = [1, \"a\"] }                    //~ E201\n",
        "i.sg", "pub fn i() -> Int { \"i\" }                       //~ E201\n",
        "j.sg", "import a\nimport b\nimport c.d             //~ W001\npub fn j() -> Int { a.fa() + b.fb() }\n",
        "k.sg", "import j\nfn k() -> Int { j.j() }\n");
    Checked *one = check_ws_jobs(files, 1);
    ASSERT_OK_HELPER();
    ASSERT_STR_EQ(check_lines(one), annotations(files));
    const char *want = check_full(one);
    for (int jobs = 2; jobs <= 8; jobs *= 2) {
        for (int round = 0; round < 3; round++) {
            Checked *many = check_ws_jobs(files, jobs);
            ASSERT_OK_HELPER();
            const char *got = check_full(many);
            if (strcmp(got, want) != 0) FAIL("with %d threads:\n%s\nwith 1 thread:\n%s", jobs, got, want);
        }
    }
}

TEST(check_engine_errors) {
    /* an unreadable root or standard library: false with a message, and
     * the run can still be freed (no leak under LeakSanitizer) */
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    const char *std = std_dir();
    ASSERT_OK_HELPER();
    SgEngineRun run;
    char *err = NULL;
    SgEngineOptions bad_root = {.root = test_printf("%s/missing", root), .std_dir = std, .jobs = 1};
    ASSERT_FALSE(sg_engine_run(&bad_root, &run, &err));
    sg_engine_free(&run);
    ASSERT_NOT_NULL(err);
    free(err);
    err = NULL;
    test_write_file(root, "main.sg", "fn f() {}\n");
    ASSERT_OK_HELPER();
    SgEngineOptions bad_std = {.root = root, .std_dir = test_printf("%s/nostd", root), .jobs = 1};
    ASSERT_FALSE(sg_engine_run(&bad_std, &run, &err));
    sg_engine_free(&run);
    ASSERT_NOT_NULL(err);
    ASSERT_STR_CONTAINS(err, "nostd");
    free(err);
    /* a workspace with no files at all */
    Checked *c = check_ws(FILES("README.txt", "not sigil\n"));
    ASSERT_OK_HELPER();
    ASSERT_EQ_UINT(c->run.nworkspace, 0);
    ASSERT_STR_EQ(check_summary(c), "");
}

TEST(check_binary_files) {
    /* arbitrary bytes, NULs and invalid UTF-8 in a module: diagnostics for
     * it, no crash, and the other modules are unaffected */
    const char *root = test_tmpdir();
    ASSERT_OK_HELPER();
    static const char bin[] = "fn f() {\0\xFF\xFE}\n\x01\x02 let \"\n";
    test_write_bytes(root, "bin.sg", bin, sizeof bin - 1);
    test_write_file(root, "ok.sg", "pub fn g() -> Int { 1 }\n");
    ASSERT_OK_HELPER();
    SgEngineRun run;
    char *err = NULL;
    SgEngineOptions opt = {.root = root, .std_dir = std_dir(), .jobs = 2};
    ASSERT_OK_HELPER();
    bool ok = sg_engine_run(&opt, &run, &err);
    free(err);
    if (!ok) FAIL("sg_engine_run failed on a binary file");
    uint32_t nbin = 0, nok = 0;
    for (uint32_t i = 0; i < run.prog.n; i++) {
        if (strcmp(run.prog.mods[i]->name, "bin") == 0) nbin = run.prog.mods[i]->diags.len;
        if (strcmp(run.prog.mods[i]->name, "ok") == 0) nok = run.prog.mods[i]->diags.len + 1;
    }
    sg_engine_free(&run);
    ASSERT_TRUE(nbin > 0);
    ASSERT_EQ_UINT(nok, 1);
}

TEST(check_syntax_error_no_type_cascade) {
    /* A broken last statement is dropped; the body must not then be
     * reported as Unit against the return type: one mistake, one
     * diagnostic (LANGUAGE.md section 6). */
    ASSERT_CHECK(FILES("main.sg",
        "fn f() -> Int { 1 + }                   //~ E010\n"
        "fn g(o: Option[Int]) -> Int {\n"
        "    match o { Some(v) => v None => 0 }  //~ E010\n"
        "}\n"
        "fn h() -> String {\n"
        "    let _z = 1 +\n"
        "}                                       //~ E010\n"
        "fn k(b: Bool) -> Int {\n"
        "    if b { 1 } else { 2 +* 3 }          //~ E010\n"
        "}\n"));
}

TEST(check_syntax_error_no_unused_cascade) {
    /* a local read only in a statement that had a syntax error is not
     * "never read": the mistake is the syntax error alone */
    ASSERT_CHECK(FILES("main.sg",
        "fn f() {\n"
        "    let x = 1\n"
        "    print(int_to_string(x) +)           //~ E010\n"
        "}\n"));
}

TEST(check_type_error_no_cascade) {
    /* A type error reported on a type that still holds an unsolved
     * variable (`List[_]`, `Option[_]`) must not leave an E205 behind for
     * that variable: one mistake, one diagnostic (LANGUAGE.md section 6) */
    ASSERT_CHECK(FILES("main.sg",
        "fn a(o: Option[Int]) -> Bool { o == None }         //~ E206\n"
        "fn b() -> Int {\n"
        "    let z = None\n"
        "    z + 1                                          //~ E206\n"
        "}\n"
        "fn c() -> Int { let l = []; let _b = !l; 0 }       //~ E206\n"
        "fn d() -> Int { let l = []; -l }                   //~ E206\n"
        "fn e() { let o = None; let _p = o[0] }             //~ E206\n"
        "fn f() { let l = []; let mut c = 1; c = l }        //~ W002 E201\n"
        "fn g() -> Int { let l = []; l }                    //~ E201\n"
        "fn h() { let o = None; if o { } }                  //~ E201\n"
        "fn i() { let l = []; while l { } }                 //~ E201\n"
        "fn j() -> Int { let p: Int = [] ; p }              //~ E201\n"));
    /* not a cascade: a list whose elements are never learned */
    ASSERT_CHECK(FILES("main.sg", "fn m() { let l = []; for _x in l { } }   //~ E205\n"));
}

TEST(check_broken_struct_literal_in_header) {
    /* found by fuzz_check: a struct literal with a syntax error inside a
     * parenthesized loop or `if` header, followed by a block, crashed the
     * checker (NULL field value) */
    ASSERT_CHECK(FILES("a.sg", "fn s() { for n in (a{ {b} }) {} }      //~ E010\n",
                       "b.sg", "fn s() { while (a{ {b} }) {} }         //~ E010\n",
                       "c.sg", "fn s() { if (a{ {b} }) {} }            //~ E010\n",
                       "d.sg", "fn s() { for n in [a{ {b} }] {} }      //~ E010\n",
                       "e.sg", "fn s(){for n in(a{{b}}                 //~ E010\n"));
}
