/* test_parse.c - the parser: items, imports, precedence, statement ends,
 * error recovery (LANGUAGE.md sections 2, 4, 5 and 6). */
#include "helpers.h"

/* The value of `const X: T = <expr>`, parsed alone. */
static const SgExpr *const_value(Parsed *p) {
    SgItem *it = find_item(p, "X");
    return it && it->kind == IT_CONST ? it->value : NULL;
}

/* Parses `const X: Int = <expr>` and asserts its shape and no diagnostics. */
#define ASSERT_EXPR(src, shape)                                            \
    do {                                                                   \
        Parsed *p_ = parse_src("const X: Int = " src);                     \
        ASSERT_STR_EQ(diag_codes(&p_->diags), "");                         \
        ASSERT_STR_EQ(sexpr(const_value(p_)), shape);                      \
    } while (0)

/* The body of fn `name`. */
static SgBlock *body_of(Parsed *p, const char *name) {
    SgItem *it = find_item(p, name);
    return it && it->kind == IT_FN ? it->body : NULL;
}

/* Shape of the expression of statement i of fn `name`'s body. */
static const char *stmt_shape(Parsed *p, const char *name, uint32_t i) {
    SgBlock *b = body_of(p, name);
    if (!b) return "<no body>";
    if (i >= b->n) return test_printf("<only %u statements>", b->n);
    return sexpr(b->stmts[i]->expr);
}

TEST(parse_item_kinds) {
    Parsed *p = parse_src(
        "import a.b\n"
        "pub struct S { x: Int, y: Float }\n"
        "enum E { A, B(Int, String) }\n"
        "pub type T = List[Int]\n"
        "const C: Int = 1\n"
        "fn f() {}\n"
        "pub extern fn g(s: String) -> Unit\n"
        "pub extern type X\n"
        "fn h[A, B](a: A, b: B) -> A { a }\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    ASSERT_EQ_UINT(p->ast.nitems, 9);
    static const struct { int kind; const char *name; bool pub, ext; } want[] = {
        {IT_IMPORT, "b", false, false}, {IT_STRUCT, "S", true, false},
        {IT_ENUM, "E", false, false}, {IT_ALIAS, "T", true, false},
        {IT_CONST, "C", false, false}, {IT_FN, "f", false, false},
        {IT_FN, "g", true, true}, {IT_EXTERN_TYPE, "X", true, true},
        {IT_FN, "h", false, false},
    };
    for (uint32_t i = 0; i < SG_ARRAY_LEN(want); i++) {
        SgItem *it = p->ast.items[i];
        if (it->kind != want[i].kind || !sg_name_is(it->name, want[i].name) || it->pub != want[i].pub ||
            it->is_extern != want[i].ext)
            FAIL("item %u: kind %d name `%s` pub %d extern %d; expected kind %d `%s` pub %d extern %d", i,
                 it->kind, name_str(it->name), it->pub, it->is_extern, want[i].kind, want[i].name,
                 want[i].pub, want[i].ext);
    }
    SgItem *s = p->ast.items[1];
    ASSERT_EQ_UINT(s->nfields, 2);
    ASSERT_STR_EQ(name_str(s->fields[1].name), "y");
    ASSERT_STR_EQ(name_str(s->fields[1].type->name), "Float");
    SgItem *e = p->ast.items[2];
    ASSERT_EQ_UINT(e->nvariants, 2);
    ASSERT_EQ_UINT(e->variants[0].npayload, 0);
    ASSERT_EQ_UINT(e->variants[1].npayload, 2);
    ASSERT_STR_EQ(name_str(e->variants[1].payload[1]->name), "String");
    SgItem *t = p->ast.items[3];
    ASSERT_NOT_NULL(t->type);
    ASSERT_STR_EQ(name_str(t->type->name), "List");
    ASSERT_TRUE(t->type->has_args);
    ASSERT_EQ_UINT(t->type->nargs, 1);
    SgItem *g = p->ast.items[6];
    ASSERT_NULL(g->body);
    ASSERT_EQ_UINT(g->nfields, 1);
    SgItem *f = p->ast.items[5];
    ASSERT_NOT_NULL(f->body);
    ASSERT_EQ_UINT(f->body->n, 0);
    ASSERT_NULL(f->type);               /* return type omitted: Unit */
    SgItem *h = p->ast.items[8];
    ASSERT_EQ_UINT(h->ntparams, 2);
    ASSERT_STR_EQ(name_str(h->tparams[1].name), "B");
    ASSERT_EQ_UINT(h->nfields, 2);
    ASSERT_STR_EQ(name_str(h->type->name), "A");
    ASSERT_EQ_UINT(h->body->n, 1);
}

TEST(parse_item_spans_and_docs) {
    Parsed *p = parse_src("/// Doc.\nfn f() {}\n\nfn g() {\n}\n");
    ASSERT_EQ_UINT(p->ast.nitems, 2);
    SgItem *f = p->ast.items[0], *g = p->ast.items[1];
    ASSERT_NOT_NULL(f->doc);
    ASSERT_EQ_UINT(f->doc->off, 0);
    ASSERT_NULL(g->doc);
    ASSERT_EQ_UINT(f->span.start, 9);
    ASSERT_EQ_UINT(f->span.end, 18);
    ASSERT_EQ_UINT(f->name_span.start, 12);
    ASSERT_EQ_UINT(f->name_span.end, 13);
    ASSERT_EQ_UINT(g->span.start, 20);
    ASSERT_EQ_UINT(g->span.end, 30);
}

TEST(parse_import_forms) {
    Parsed *p = parse_src(
        "import geo.point\n"
        "import geo.point as p\n"
        "import geo.shape.{Shape, area, Circle,}\n"
        "import util\n"
        "import a.{\n  X,\n  y\n}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    ASSERT_EQ_UINT(p->ast.nitems, 5);
    SgItem *const *it = p->ast.items;
    for (uint32_t i = 0; i < 5; i++) ASSERT_EQ_INT(it[i]->kind, IT_IMPORT);
    /* plain: binds the last segment */
    ASSERT_STR_EQ(name_str(it[0]->path), "geo.point");
    ASSERT_STR_EQ(name_str(it[0]->name), "point");
    ASSERT_FALSE(it[0]->selective);
    ASSERT_EQ_UINT(it[0]->path_span.start, 7);
    ASSERT_EQ_UINT(it[0]->path_span.end, 16);
    /* as */
    ASSERT_STR_EQ(name_str(it[1]->path), "geo.point");
    ASSERT_STR_EQ(name_str(it[1]->name), "p");
    ASSERT_FALSE(it[1]->selective);
    /* selective with a trailing comma */
    ASSERT_STR_EQ(name_str(it[2]->path), "geo.shape");
    ASSERT_TRUE(it[2]->selective);
    ASSERT_EQ_UINT(it[2]->nnames, 3);
    ASSERT_STR_EQ(name_str(it[2]->names[0].name), "Shape");
    ASSERT_STR_EQ(name_str(it[2]->names[1].name), "area");
    ASSERT_STR_EQ(name_str(it[2]->names[2].name), "Circle");
    ASSERT_EQ_UINT(it[2]->name.len, 0);     /* binds only the listed names */
    ASSERT_STR_EQ(name_str(it[3]->path), "util");
    ASSERT_STR_EQ(name_str(it[3]->name), "util");
    /* selective over several lines, without a trailing comma */
    ASSERT_TRUE(it[4]->selective);
    ASSERT_EQ_UINT(it[4]->nnames, 2);
    ASSERT_STR_EQ(name_str(it[4]->names[1].name), "y");
}

TEST(parse_import_errors) {
    /* an import after another item: E010, but it still takes effect */
    Parsed *p = parse_src("import a\nfn f() {}\nimport b\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "E010");
    ASSERT_EQ_UINT(p->diags.items[0].start, 19);
    ASSERT_EQ_UINT(p->ast.nitems, 3);
    ASSERT_FALSE(p->ast.items[0]->misplaced);
    ASSERT_TRUE(p->ast.items[2]->misplaced);
    ASSERT_STR_EQ(name_str(p->ast.items[2]->path), "b");
    /* broken imports: one E010 each, the rest of the file still parses */
    Parsed *q = parse_src("import\nimport a as\nimport a.{X Y}\nfn f() {}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E010 E010 E010");
    ASSERT_NOT_NULL(find_item(q, "f"));
}

TEST(parse_precedence) {
    ASSERT_EXPR("a + b * c", "(+ a (* b c))");
    ASSERT_EXPR("a * b + c", "(+ (* a b) c)");
    ASSERT_EXPR("a - b - c", "(- (- a b) c)");
    ASSERT_EXPR("a / b % c", "(% (/ a b) c)");
    ASSERT_EXPR("a < b == c", "(== (< a b) c)");
    ASSERT_EXPR("a == b < c", "(== a (< b c))");
    ASSERT_EXPR("a != b && c", "(&& (!= a b) c)");
    ASSERT_EXPR("a || b && c", "(|| a (&& b c))");
    ASSERT_EXPR("a && b || c && d", "(|| (&& a b) (&& c d))");
    ASSERT_EXPR("a + b < c * d", "(< (+ a b) (* c d))");
    ASSERT_EXPR("-a * b", "(* (neg a) b)");
    ASSERT_EXPR("!a && b", "(&& (! a) b)");
    ASSERT_EXPR("- -a", "(neg (neg a))");
    ASSERT_EXPR("-f(x).y[0]", "(neg (index (. (call f x) y) 0))");
    ASSERT_EXPR("(a + b) * c", "(* (+ a b) c)");
    ASSERT_EXPR("a - 1", "(- a 1)");
    ASSERT_EXPR("a -1", "(- a 1)");
    ASSERT_EXPR("m.f(1, 2)(3)", "(call (call (. m f) 1 2) 3)");
    ASSERT_EXPR("[1, 2][0]", "(index (list 1 2) 0)");
    ASSERT_EXPR("(a < b) < c", "(< (< a b) c)");
    ASSERT_EXPR("a <= b", "(<= a b)");
    ASSERT_EXPR("a >= b", "(>= a b)");
    ASSERT_EXPR("a > b", "(> a b)");
    ASSERT_EXPR("x.y.z", "(. (. x y) z)");
    ASSERT_EXPR("P { a: 1, b: x + 1 }", "(struct P a:1 b:(+ x 1))");
    ASSERT_EXPR("m.P { a: 1 }.a", "(. (struct m.P a:1) a)");
}

TEST(parse_chained_comparison) {
    /* comparison and equality do not chain: exactly one E010 */
    static const char *const chains[] = {
        "a < b < c", "a == b == c", "a != b == c", "a <= b > c", "a < b < c < d", "a == b != c == d",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(chains); i++) {
        Parsed *p = parse_src(test_printf("fn f() {\n  let x = %s\n  let y = 1\n}\nfn g() {}\n", chains[i]));
        if (strcmp(diag_codes(&p->diags), "E010") != 0)
            FAIL("`%s`: diagnostics \"%s\", expected exactly one E010", chains[i], diag_codes(&p->diags));
        /* the next statement and the next item are unaffected */
        SgBlock *b = body_of(p, "f");
        ASSERT_NOT_NULL(b);
        ASSERT_TRUE(b->n >= 1);
        ASSERT_STR_EQ(name_str(b->stmts[b->n - 1]->name), "y");
        ASSERT_NOT_NULL(find_item(p, "g"));
    }
    /* the error is at the second operator */
    Parsed *p = parse_src("const X: Bool = a < b < c\n");
    ASSERT_STR_EQ(diag_codes_at(&p->diags), "E010@22");
    /* different levels are not a chain */
    ASSERT_EXPR("a < b == c < d", "(== (< a b) (< c d))");
    ASSERT_EXPR("a == b && c == d", "(&& (== a b) (== c d))");
}

TEST(parse_error_recovery_between_items) {
    /* an error in one item's header: that item is dropped, the next parsed */
    Parsed *p = parse_src(
        "fn f() -> { 1 }\n"
        "fn g() -> Int {\n"
        "    2\n"
        "}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "E010");
    ASSERT_EQ_UINT(p->ast.nitems, 1);
    SgItem *g = find_item(p, "g");
    ASSERT_NOT_NULL(g);
    ASSERT_NOT_NULL(g->body);
    ASSERT_EQ_UINT(g->body->n, 1);
    ASSERT_STR_EQ(stmt_shape(p, "g", 0), "2");
    /* garbage at top level */
    Parsed *q = parse_src("let x = 1\nfn g() { 1 }\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E010");
    ASSERT_EQ_UINT(q->ast.nitems, 1);
    ASSERT_NOT_NULL(body_of(q, "g"));
    /* junk after a complete item */
    Parsed *r = parse_src("fn f() {} x\nfn g() { 1 }\n");
    ASSERT_STR_EQ(diag_codes(&r->diags), "E010");
    ASSERT_NOT_NULL(body_of(r, "f"));
    ASSERT_NOT_NULL(body_of(r, "g"));
    ASSERT_EQ_UINT(body_of(r, "g")->n, 1);
}

TEST(parse_error_recovery_in_body) {
    /* a broken statement is dropped (a `let` keeps its name, bound to an
     * error); the rest of the function and the next function are parsed */
    Parsed *p = parse_src(
        "fn f() -> Int {\n"
        "    let x = = 1\n"
        "    let y = 2\n"
        "    y\n"
        "}\n"
        "fn g() -> Int {\n"
        "    let z = (1 +\n"
        "        2 *)\n"
        "    z\n"
        "}\n"
        "fn h() -> Int { 3 }\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "E010 E010");
    ASSERT_EQ_UINT(p->ast.nitems, 3);
    SgBlock *f = body_of(p, "f");
    ASSERT_NOT_NULL(f);
    ASSERT_EQ_UINT(f->n, 3);
    ASSERT_STR_EQ(name_str(f->stmts[0]->name), "x");
    ASSERT_STR_EQ(stmt_shape(p, "f", 0), "error");
    ASSERT_STR_EQ(name_str(f->stmts[1]->name), "y");
    ASSERT_STR_EQ(stmt_shape(p, "f", 2), "y");
    SgBlock *g = body_of(p, "g");
    ASSERT_NOT_NULL(g);
    ASSERT_EQ_UINT(g->n, 2);
    ASSERT_STR_EQ(stmt_shape(p, "g", 0), "error");
    ASSERT_STR_EQ(stmt_shape(p, "g", 1), "z");
    ASSERT_STR_EQ(stmt_shape(p, "h", 0), "3");
    /* two statements on one line need a `;` */
    Parsed *q = parse_src("fn f() {\n    let a = 1 let b = 2\n    let c = 3\n}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E010");
    ASSERT_EQ_UINT(q->diags.items[0].start, 23);
    SgBlock *b = body_of(q, "f");
    ASSERT_NOT_NULL(b);
    ASSERT_STR_EQ(name_str(b->stmts[b->n - 1]->name), "c");
    /* an error inside a nested block recovers inside that block */
    Parsed *r = parse_src("fn f() {\n    if c {\n        let = 1\n        g()\n    }\n    h()\n}\n");
    ASSERT_STR_EQ(diag_codes(&r->diags), "E010");
    SgBlock *rb = body_of(r, "f");
    ASSERT_NOT_NULL(rb);
    ASSERT_EQ_UINT(rb->n, 2);
    ASSERT_STR_EQ(sexpr(rb->stmts[0]->expr), "(if c (block 1))");
    ASSERT_STR_EQ(sexpr(rb->stmts[1]->expr), "(call h)");
}

TEST(parse_one_error_per_syntax_error) {
    /* unbalanced or truncated input: still one E010 for one mistake */
    static const char *const srcs[] = {
        "fn f() {\n", "fn f(", "fn", "fn f() { let }\n", "struct S { x }\n", "enum E { 1 }\n",
        "const C: = 1\n", "fn f() -> { }\n",
        "fn f() { match x { 1 => } }\n", "fn f() { if }\n", "fn f() { x. }\n",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        if (strcmp(diag_codes(&p->diags), "E010") != 0)
            FAIL("%s: diagnostics \"%s\", expected exactly one E010", test_quote(srcs[i], strlen(srcs[i])),
                 diag_codes(&p->diags));
    }
}

TEST(parse_unclosed_bracket_one_error) {
    /* A missing `)` or `]` before the `}` of the block is one mistake, so
     * one E010 (LANGUAGE.md section 6: "each syntax error gives exactly one
     * E010"); the `}` still closes the function's block, and the next item
     * is parsed. */
    static const char *const srcs[] = {
        "fn f() { g(1, 2 }\nfn h() { 1 }\n",
        "fn f() { [1, 2 }\nfn h() { 1 }\n",
        "fn f() {\n    g(1, 2\n}\nfn h() { 1 }\n",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        if (strcmp(diag_codes(&p->diags), "E010") != 0)
            FAIL("%s: diagnostics \"%s\", expected exactly one E010", test_quote(srcs[i], strlen(srcs[i])),
                 diag_codes(&p->diags));
        if (!body_of(p, "h")) FAIL("%s: fn h was not parsed", test_quote(srcs[i], strlen(srcs[i])));
    }
}

TEST(parse_else_placement) {
    /* `} else {` on one line */
    Parsed *p = parse_src("fn f(c: Bool) -> Int {\n    if c { 1 } else { 2 }\n}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    ASSERT_STR_EQ(stmt_shape(p, "f", 0), "(if c (block 1) (block 1))");
    Parsed *q = parse_src("fn f(c: Bool) -> Int {\n    if c {\n        1\n    } else if d {\n        2\n    } else {\n"
                          "        3\n    }\n}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "");
    ASSERT_STR_EQ(stmt_shape(q, "f", 0), "(if c (block 1) (if d (block 1) (block 1)))");
    /* `else` on the next line: the `}` ended the statement, E010 at `else` */
    Parsed *r = parse_src("fn f(c: Bool) -> Int {\n    if c { 1 }\n    else { 2 }\n}\n");
    ASSERT_STR_EQ(diag_codes_at(&r->diags), "E010@42");
    Parsed *s = parse_src("fn f(c: Bool) -> Int {\n    if c {\n        1\n    }\n    else {\n        2\n    }\n}\n");
    ASSERT_STR_EQ(diag_codes(&s->diags), "E010");
}

TEST(parse_no_struct_literal_in_conditions) {
    /* `if x { }`: the `{` opens the block */
    Parsed *p = parse_src(
        "fn f(x: Bool, xs: List[Int]) {\n"
        "    if x { }\n"
        "    while x { }\n"
        "    for i in xs { }\n"
        "    match x { _ => 1 }\n"
        "    if x == y { }\n"
        "    if (P { a: 1 }).a { }\n"
        "    if f(P { a: 1 }) { }\n"
        "    let p = P { a: 1 }\n"
        "}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    SgBlock *b = body_of(p, "f");
    ASSERT_NOT_NULL(b);
    ASSERT_EQ_UINT(b->n, 8);
    ASSERT_STR_EQ(stmt_shape(p, "f", 0), "(if x (block 0))");
    ASSERT_EQ_INT(b->stmts[1]->kind, ST_WHILE);
    ASSERT_STR_EQ(sexpr(b->stmts[1]->expr), "x");
    ASSERT_EQ_INT(b->stmts[2]->kind, ST_FOR);
    ASSERT_STR_EQ(sexpr(b->stmts[2]->expr), "xs");
    ASSERT_STR_EQ(stmt_shape(p, "f", 3), "(match x 1)");
    ASSERT_STR_EQ(stmt_shape(p, "f", 4), "(if (== x y) (block 0))");
    /* parenthesized or inside a call, a struct literal is allowed again */
    ASSERT_STR_EQ(stmt_shape(p, "f", 5), "(if (. (struct P a:1) a) (block 0))");
    ASSERT_STR_EQ(stmt_shape(p, "f", 6), "(if (call f (struct P a:1)) (block 0))");
    ASSERT_STR_EQ(stmt_shape(p, "f", 7), "(struct P a:1)");
    /* in the block of an `if`, struct literals are allowed again */
    Parsed *q = parse_src("fn f(x: Bool) {\n    if x { P { a: 1 } }\n}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "");
    SgBlock *qb = body_of(q, "f");
    ASSERT_NOT_NULL(qb);
    ASSERT_EQ_UINT(qb->n, 1);
    SgExpr *ife = qb->stmts[0]->expr;
    ASSERT_EQ_INT(ife->kind, EX_IF);
    ASSERT_EQ_UINT(ife->u.if_.then->n, 1);
    ASSERT_STR_EQ(sexpr(ife->u.if_.then->stmts[0]->expr), "(struct P a:1)");
}

TEST(parse_trailing_commas) {
    Parsed *p = parse_src(
        "import m.{A, b,}\n"
        "struct S[T,] { a: Int, b: List[T,], }\n"
        "enum E { A, B(Int, String,), }\n"
        "type F = fn(Int, Int,) -> Result[Int, String,]\n"
        "const L: List[Int] = [1, 2,]\n"
        "fn f[T,](a: Int, b: T,) -> Int {\n"
        "    let s = S { a: 1, b: [], }\n"
        "    let k = fn(x: Int,) -> Int { x }\n"
        "    match g(a, b,) {\n"
        "        B(x, y,) => x,\n"
        "        _ => 0,\n"
        "    }\n"
        "}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    ASSERT_EQ_UINT(p->ast.nitems, 6);
    ASSERT_EQ_UINT(p->ast.items[0]->nnames, 2);
    SgItem *s = find_item(p, "S");
    ASSERT_EQ_UINT(s->ntparams, 1);
    ASSERT_EQ_UINT(s->nfields, 2);
    ASSERT_EQ_UINT(s->fields[1].type->nargs, 1);
    SgItem *e = find_item(p, "E");
    ASSERT_EQ_UINT(e->nvariants, 2);
    ASSERT_EQ_UINT(e->variants[1].npayload, 2);
    SgItem *f = find_item(p, "F");
    ASSERT_EQ_INT(f->type->kind, TE_FN);
    ASSERT_EQ_UINT(f->type->nargs, 2);
    ASSERT_EQ_UINT(f->type->ret->nargs, 2);
    ASSERT_STR_EQ(sexpr(find_item(p, "L")->value), "(list 1 2)");
    SgItem *fn = find_item(p, "f");
    ASSERT_EQ_UINT(fn->ntparams, 1);
    ASSERT_EQ_UINT(fn->nfields, 2);
    ASSERT_EQ_UINT(fn->body->n, 3);
    ASSERT_STR_EQ(stmt_shape(p, "f", 0), "(struct S a:1 b:(list))");
    ASSERT_STR_EQ(stmt_shape(p, "f", 1), "(fn 1)");
    ASSERT_STR_EQ(stmt_shape(p, "f", 2), "(match (call g a b) 2)");
    SgExpr *m = fn->body->stmts[2]->expr;
    ASSERT_EQ_INT(m->u.match.arms[0].pat->kind, PT_CTOR);
    ASSERT_EQ_UINT(m->u.match.arms[0].pat->nargs, 2);
    /* a lone comma is not a list */
    Parsed *q = parse_src("const L: List[Int] = [,]\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E010");
    Parsed *r = parse_src("fn f(a: Int,,) {}\n");
    ASSERT_STR_EQ(diag_codes(&r->diags), "E010");
}

TEST(parse_statements) {
    Parsed *p = parse_src(
        "fn f() {\n"
        "    let a = 1\n"
        "    let mut b: Int = 2\n"
        "    let _ = g()\n"
        "    b = a\n"
        "    while b > 0 { b = b - 1 }\n"
        "    for x in xs { continue }\n"
        "    return\n"
        "}\n"
        "fn g() -> Int { return 1; }\n"
        "fn h() { loop(); break }\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    SgBlock *b = body_of(p, "f");
    ASSERT_NOT_NULL(b);
    ASSERT_EQ_UINT(b->n, 7);
    ASSERT_EQ_INT(b->stmts[0]->kind, ST_LET);
    ASSERT_FALSE(b->stmts[0]->mut);
    ASSERT_NULL(b->stmts[0]->type);
    ASSERT_EQ_INT(b->stmts[1]->kind, ST_LET);
    ASSERT_TRUE(b->stmts[1]->mut);
    ASSERT_NOT_NULL(b->stmts[1]->type);
    ASSERT_STR_EQ(name_str(b->stmts[1]->name), "b");
    ASSERT_TRUE(b->stmts[2]->wildcard);
    ASSERT_EQ_INT(b->stmts[3]->kind, ST_ASSIGN);
    ASSERT_STR_EQ(sexpr(b->stmts[3]->target), "b");
    ASSERT_STR_EQ(sexpr(b->stmts[3]->expr), "a");
    ASSERT_EQ_INT(b->stmts[4]->kind, ST_WHILE);
    ASSERT_EQ_UINT(b->stmts[4]->body->n, 1);
    ASSERT_EQ_INT(b->stmts[5]->kind, ST_FOR);
    ASSERT_STR_EQ(name_str(b->stmts[5]->name), "x");
    ASSERT_STR_EQ(stmt_shape(p, "f", 6), "return");
    ASSERT_STR_EQ(stmt_shape(p, "g", 0), "(return 1)");
    ASSERT_STR_EQ(stmt_shape(p, "h", 1), "break");
    /* `return` at the end of a line returns nothing; the next line is a
     * statement of its own */
    Parsed *q = parse_src("fn f() -> Int {\n    return\n    1\n}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "");
    ASSERT_EQ_UINT(body_of(q, "f")->n, 2);
    ASSERT_STR_EQ(stmt_shape(q, "f", 0), "return");
}

TEST(parse_patterns) {
    Parsed *p = parse_src(
        "fn f() {\n"
        "    match x {\n"
        "        _ => 0,\n"
        "        n => 1,\n"
        "        None => 2,\n"
        "        Some(Some(y)) => 3,\n"
        "        m.C(_, 1) => 4,\n"
        "        m.D => 5,\n"
        "        -5 => 6,\n"
        "        \"s\\n\" => 7,\n"
        "        true => 8,\n"
        "        -9223372036854775808 => 9,\n"
        "    }\n"
        "}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    SgExpr *m = body_of(p, "f")->stmts[0]->expr;
    ASSERT_EQ_INT(m->kind, EX_MATCH);
    ASSERT_EQ_UINT(m->u.match.narms, 10);
    SgArm *a = m->u.match.arms;
    ASSERT_EQ_INT(a[0].pat->kind, PT_WILD);
    ASSERT_EQ_INT(a[1].pat->kind, PT_BIND);
    ASSERT_STR_EQ(name_str(a[1].pat->name), "n");
    /* a bare name is a binding for the parser; the checker decides */
    ASSERT_EQ_INT(a[2].pat->kind, PT_BIND);
    ASSERT_EQ_INT(a[3].pat->kind, PT_CTOR);
    ASSERT_TRUE(a[3].pat->has_parens);
    ASSERT_EQ_UINT(a[3].pat->nargs, 1);
    ASSERT_EQ_INT(a[3].pat->args[0]->kind, PT_CTOR);
    ASSERT_EQ_INT(a[3].pat->args[0]->args[0]->kind, PT_BIND);
    ASSERT_EQ_INT(a[4].pat->kind, PT_CTOR);
    ASSERT_STR_EQ(name_str(a[4].pat->qual), "m");
    ASSERT_STR_EQ(name_str(a[4].pat->name), "C");
    ASSERT_EQ_UINT(a[4].pat->nargs, 2);
    ASSERT_EQ_INT(a[4].pat->args[1]->kind, PT_INT);
    ASSERT_EQ_INT(a[4].pat->args[1]->ival, 1);
    ASSERT_EQ_INT(a[5].pat->kind, PT_CTOR);
    ASSERT_FALSE(a[5].pat->has_parens);
    ASSERT_EQ_INT(a[6].pat->kind, PT_INT);
    ASSERT_EQ_INT(a[6].pat->ival, -5);
    ASSERT_EQ_INT(a[7].pat->kind, PT_STRING);
    ASSERT_EQ_UINT(a[7].pat->slen, 2);
    ASSERT_MEM_EQ(a[7].pat->sval, "s\n", 2);
    ASSERT_EQ_INT(a[8].pat->kind, PT_BOOL);
    ASSERT_TRUE(a[8].pat->bval);
    ASSERT_EQ_INT(a[9].pat->kind, PT_INT);
    ASSERT_TRUE(a[9].pat->ival == INT64_MIN);
    /* out-of-range pattern literals */
    Parsed *q = parse_src("fn f() {\n    match x {\n        9223372036854775808 => 1,\n"
                          "        -9223372036854775809 => 2,\n        _ => 3,\n    }\n}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E003 E003");
}

TEST(parse_int_min) {
    Parsed *p = parse_src("const X: Int = -9223372036854775808\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    const SgExpr *v = const_value(p);
    ASSERT_NOT_NULL(v);
    ASSERT_EQ_INT(v->kind, EX_INT);
    ASSERT_TRUE(v->u.ival == INT64_MIN);
    ASSERT_EQ_UINT(v->span.start, 15);
    ASSERT_EQ_UINT(v->span.end, 35);
    ASSERT_EXPR("-9223372036854775807", "-9223372036854775807");
    ASSERT_EXPR("9223372036854775807", "9223372036854775807");
    ASSERT_EXPR("0 - 9223372036854775807", "(- 0 9223372036854775807)");
    /* one past the end, either way: exactly one E003 */
    static const char *const bad[] = {
        "-9223372036854775809", "9223372036854775808", "-18446744073709551616",
        "18446744073709551616", "0x8000000000000000", "1 + 9223372036854775808",
        "-(9223372036854775808)", "- -9223372036854775809",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(bad); i++) {
        Parsed *q = parse_src(test_printf("const X: Int = %s\n", bad[i]));
        if (strcmp(diag_codes(&q->diags), "E003") != 0)
            FAIL("`%s`: diagnostics \"%s\", expected exactly one E003", bad[i], diag_codes(&q->diags));
    }
    /* the error covers the minus sign */
    Parsed *r = parse_src("const X: Int = -9223372036854775809\n");
    ASSERT_STR_EQ(diag_codes_at(&r->diags), "E003@15");
    ASSERT_EQ_UINT(r->diags.items[0].end, 35);
    /* a malformed literal is reported once, by the lexer */
    Parsed *s = parse_src("const X: Int = -1__0\n");
    ASSERT_STR_EQ(diag_codes(&s->diags), "E003");
}

TEST(parse_types) {
    Parsed *p = parse_src(
        "fn f(a: List[List[Int]], b: fn(Int) -> fn() -> Bool, c: m.Point, d: Map[m.K, List[String]], e: fn()) {}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    SgItem *f = find_item(p, "f");
    ASSERT_EQ_UINT(f->nfields, 5);
    SgTypeExpr *a = f->fields[0].type;
    ASSERT_EQ_INT(a->kind, TE_NAME);
    ASSERT_EQ_UINT(a->nargs, 1);
    ASSERT_STR_EQ(name_str(a->args[0]->args[0]->name), "Int");
    SgTypeExpr *b = f->fields[1].type;
    ASSERT_EQ_INT(b->kind, TE_FN);
    ASSERT_EQ_UINT(b->nargs, 1);
    ASSERT_EQ_INT(b->ret->kind, TE_FN);
    ASSERT_EQ_UINT(b->ret->nargs, 0);
    ASSERT_STR_EQ(name_str(b->ret->ret->name), "Bool");
    SgTypeExpr *c = f->fields[2].type;
    ASSERT_STR_EQ(name_str(c->qual), "m");
    ASSERT_STR_EQ(name_str(c->name), "Point");
    ASSERT_EQ_UINT(c->name_span.start, 56);
    ASSERT_EQ_UINT(c->name_span.end, 63);
    SgTypeExpr *d = f->fields[3].type;
    ASSERT_EQ_UINT(d->nargs, 2);
    ASSERT_STR_EQ(name_str(d->args[0]->qual), "m");
    SgTypeExpr *e = f->fields[4].type;
    ASSERT_EQ_INT(e->kind, TE_FN);
    ASSERT_NULL(e->ret);
    /* `List[]` is written with an empty argument list */
    Parsed *q = parse_src("const X: List[] = 1\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "");
    ASSERT_TRUE(find_item(q, "X")->type->has_args);
    ASSERT_EQ_UINT(find_item(q, "X")->type->nargs, 0);
}

TEST(parse_lambdas_and_blocks) {
    Parsed *p = parse_src(
        "fn f() {\n"
        "    let g = fn(x: Int, y: Int) -> Int {\n"
        "        x + y\n"
        "    }\n"
        "    let h = fn() { }\n"
        "    let v = {\n"
        "        let a = 1\n"
        "        a\n"
        "    }\n"
        "    g(1, 2)\n"
        "}\n");
    ASSERT_STR_EQ(diag_codes(&p->diags), "");
    SgBlock *b = body_of(p, "f");
    ASSERT_EQ_UINT(b->n, 4);
    SgExpr *g = b->stmts[0]->expr;
    ASSERT_EQ_INT(g->kind, EX_LAMBDA);
    ASSERT_EQ_UINT(g->u.lambda.nparams, 2);
    ASSERT_NOT_NULL(g->u.lambda.ret);
    ASSERT_EQ_UINT(g->u.lambda.body->n, 1);
    ASSERT_NULL(b->stmts[1]->expr->u.lambda.ret);
    ASSERT_STR_EQ(sexpr(b->stmts[2]->expr), "(block 2)");
    ASSERT_STR_EQ(sexpr(b->stmts[3]->expr), "(call g 1 2)");
    /* a statement end before `}` is dropped, and `}` may be on its own line */
    Parsed *q = parse_src("fn f() -> Int {\n\n    1\n\n}\n\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "");
    ASSERT_EQ_UINT(body_of(q, "f")->n, 1);
}

/* Builds prefix + open*n + middle + close*n + suffix. */
static const char *nested(const char *prefix, const char *open, const char *middle, const char *close,
                          const char *suffix, int n) {
    SgBuf b = {0};
    sg_buf_puts(&b, prefix);
    for (int i = 0; i < n; i++) sg_buf_puts(&b, open);
    sg_buf_puts(&b, middle);
    for (int i = 0; i < n; i++) sg_buf_puts(&b, close);
    sg_buf_puts(&b, suffix);
    char *r = test_printf("%s", sg_buf_cstr(&b));
    sg_buf_free(&b);
    return r;
}

TEST(parse_hostile_nesting) {
    /* deep nesting must not exhaust the stack: one E010, nothing else,
     * and the next item is still parsed */
    const int n = 100000;
    const char *srcs[] = {
        nested("const X: Int = ", "(", "1", ")", "\nfn next() {}\n", n),
        nested("fn f() -> Int ", "{", "1", "}", "\nfn next() {}\n", n),
        nested("const X: Int = ", "[", "", "]", "\nfn next() {}\n", n),
        nested("const X: Int = ", "-", "1", "", "\nfn next() {}\n", n),
        nested("const X: Int = ", "!", "true", "", "\nfn next() {}\n", n),
        nested("const X: ", "List[", "Int", "]", " = []\nfn next() {}\n", n),
        nested("fn f(o: Int) -> Int { match o { ", "Some(", "_", ")", " => 1 } }\nfn next() {}\n", n),
        nested("const X: Int = ", "f(", "1", ")", "\nfn next() {}\n", n),
        nested("const X: Int = ", "fn() { ", "1", " }", "\nfn next() {}\n", n),
        nested("fn f() { ", "if true { ", "1", " }", " }\nfn next() {}\n", n),
        nested("const X: ", "fn() -> ", "Int", "", " = 1\nfn next() {}\n", n),
        /* statements: loop bodies are levels too (these overflowed the stack) */
        nested("fn f() { ", "while true { ", "1", " }", " }\nfn next() {}\n", n),
        nested("fn f(xs: List[Int]) { ", "for x in xs { ", "1", " }", " }\nfn next() {}\n", n),
        nested("fn f() { ", "while true { for x in xs { ", "1", " } }", " }\nfn next() {}\n", n),
        nested("fn f() { ", "if true { 1 } else ", "{ 2 }", "", " }\nfn next() {}\n", n),
        nested("fn f() { ", "match x { _ => ", "1", " }", " }\nfn next() {}\n", n),
        nested("const X: Int = ", "S { f: ", "1", " }", "\nfn next() {}\n", n),
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        if (strcmp(diag_codes(&p->diags), "E010") != 0)
            FAIL("case %zu (%.30s...): diagnostics \"%.200s\", expected exactly one E010", i, srcs[i],
                 diag_codes(&p->diags));
        if (!find_item(p, "next")) FAIL("case %zu (%.30s...): the next item was not parsed", i, srcs[i]);
    }
    /* chains inside chains: each 800 operators long, 199 deep. The checker
     * recurses over the tree (160,000 levels), so a tree deeper than the
     * limit is one E010 too. */
    SgBuf c = {0};
    sg_buf_puts(&c, "const X: Int = ");
    for (int i = 0; i < 199; i++) sg_buf_puts(&c, "(");
    sg_buf_puts(&c, "1");
    for (int i = 0; i < 199; i++) {
        for (int k = 0; k < 799; k++) sg_buf_puts(&c, " + 1");
        sg_buf_puts(&c, ")");
    }
    sg_buf_puts(&c, "\nfn next() {}\n");
    Parsed *cp = parse_src(sg_buf_cstr(&c));
    sg_buf_free(&c);
    ASSERT_STR_EQ(diag_codes(&cp->diags), "E010");
    ASSERT_NOT_NULL(find_item(cp, "next"));
    /* what is within the limits parses without a diagnostic */
    const char *fine[] = {
        nested("fn f() { ", "while true { ", "1", " }", " }\n", 190),
        nested("fn f() -> Int { ", "if true { 1 } else ", "{ 2 }", "", " }\n", 990),
        test_printf("const X: Int = 1%s\n", nested("", " + 1", "", "", "", 990)),
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(fine); i++) {
        Parsed *p = parse_src(fine[i]);
        if (*diag_codes(&p->diags)) FAIL("fine case %zu (%.40s...): diagnostics \"%.200s\"", i, fine[i], diag_codes(&p->diags));
    }
    /* long flat lists and statement sequences are not nesting */
    SgBuf b = {0};
    sg_buf_puts(&b, "const L: List[Int] = [");
    for (int i = 0; i < n; i++) sg_buf_puts(&b, "1, ");
    sg_buf_puts(&b, "]\nfn f() {\n");
    for (int i = 0; i < 20000; i++) sg_buf_puts(&b, "    let x = 1\n");
    sg_buf_puts(&b, "}\n");
    Parsed *q = parse_src(sg_buf_cstr(&b));
    sg_buf_free(&b);
    ASSERT_STR_EQ(diag_codes(&q->diags), "");
    ASSERT_EQ_UINT(find_item(q, "L")->value->u.list.n, (uint32_t)n);
    ASSERT_EQ_UINT(body_of(q, "f")->n, 20000);
}

TEST(parse_item_keyword_at_column_1) {
    /* LANGUAGE.md section 6: an item keyword at column 1 begins a new item;
     * what is still open before it is closed there with one E010 at the
     * keyword, and kept with what it has */
    Parsed *p = parse_src(
        "struct P { x: Int\n"
        "fn f() -> Int {\n"
        "    let a = (1 +\n"
        "pub fn g() {\n"
        "    h(fn() { 1 })\n"
        "const C: Int = 1 +\n"
        "type T = List[\n"
        "enum E { A, B\n"
        "import x\n"
        "fn last() {}\n");
    ASSERT_STR_EQ(diag_codes_at(&p->diags), "E010@18 E010@51 E010@82 E010@101 E010@116 E010@130 E010@130");
    ASSERT_STR_EQ(p->diags.items[0].message,
                  "syntax error: expected `,` or `}`, found `fn` (an item keyword at column 1 begins a new item)");
    static const char *const kept[] = {"P", "f", "g", "C", "T", "E", "last"};
    for (size_t i = 0; i < SG_ARRAY_LEN(kept); i++)
        if (!find_item(p, kept[i])) FAIL("item %s was not kept", kept[i]);
    ASSERT_EQ_UINT(find_item(p, "P")->nfields, 1);
    ASSERT_EQ_UINT(find_item(p, "E")->nvariants, 2);
    ASSERT_TRUE(find_item(p, "f")->had_syntax_error);
    ASSERT_EQ_UINT(body_of(p, "g")->n, 1);
    /* the misplaced import has its own E010 (section 4) and is kept too */
    ASSERT_EQ_UINT(p->ast.nitems, 8);
    /* only at column 1: an indented `fn` is a lambda, `pub` inside an
     * expression is an error recovered within the statement */
    Parsed *q = parse_src("fn f() {\n    let g = fn() { 1 }\n  fn h() {}\n}\nfn next() {}\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E010");
    ASSERT_NOT_NULL(find_item(q, "next"));
    /* brackets left open by the item before are closed: the next item's
     * own errors are still found, once each */
    Parsed *r = parse_src("fn f() { g([1, (2\nfn h() { let = 1 }\nfn k() {}\n");
    ASSERT_STR_EQ(diag_codes_at(&r->diags), "E010@18 E010@31");
    ASSERT_NOT_NULL(find_item(r, "k"));
}

TEST(parse_open_comment_at_end) {
    /* an unterminated block comment gives its E002 only: what it leaves
     * open is closed silently, and the item is kept */
    static const char *const srcs[] = {
        "fn f() -> Int {\n    1\n/* open\nfn g() {}\n",
        "fn f() -> Int {\n    g(1, /* open\n",
        "struct S { x: Int, /* open\n",
        "fn f() { while true { if x { /*",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        if (strcmp(diag_codes(&p->diags), "E002") != 0)
            FAIL("%s: diagnostics \"%s\", expected only E002", test_quote(srcs[i], strlen(srcs[i])),
                 diag_codes(&p->diags));
        if (p->ast.nitems != 1) FAIL("%s: %u items kept, expected 1", test_quote(srcs[i], strlen(srcs[i])), p->ast.nitems);
    }
    /* the end of the file elsewhere: one E010 for everything still open */
    Parsed *q = parse_src("fn f() -> Int {\n    g(1, [2, {\n");
    ASSERT_STR_EQ(diag_codes(&q->diags), "E010");
    ASSERT_NOT_NULL(find_item(q, "f"));
}

TEST(parse_recovery_skips_fn_in_expressions) {
    /* After an error at top level, a `fn` that starts a lambda or a
     * function type (not an item: no name follows) must not restart item
     * parsing, or one mistake gives a second E010 ("expected a name"). */
    static const char *const srcs[] = {
        "const X = fn() { 1 }\nfn next() {}\n",                 /* missing const type */
        "const C: = fn(x: Int) -> Int { x }\nfn next() {}\n",
        "type T = = fn(Int) -> Int\nfn next() {}\n",
        "const Y: Int = 1 2 fn() { 3 }\nfn next() {}\n",
        "struct S { f: fn(Int) -> Int x }\nfn next() {}\n",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        if (strcmp(diag_codes(&p->diags), "E010") != 0)
            FAIL("%s: diagnostics \"%s\", expected exactly one E010", test_quote(srcs[i], strlen(srcs[i])),
                 diag_codes_at(&p->diags));
        if (!find_item(p, "next")) FAIL("%s: the next item was not parsed", test_quote(srcs[i], strlen(srcs[i])));
    }
}

/* ---- tree invariant: no missing pieces in what the parser keeps ---- */
static const char *bad_node;

static bool expr_ok(const SgExpr *e);
static bool block_ok(const SgBlock *b);

static bool pattern_ok(const SgPattern *pt) {
    if (!pt) return bad_node = "NULL pattern", false;
    for (uint32_t i = 0; i < pt->nargs; i++)
        if (!pattern_ok(pt->args[i])) return false;
    return true;
}

static bool expr_ok(const SgExpr *e) {
    if (!e) return bad_node = "NULL expression", false;
    switch (e->kind) {
    case EX_MEMBER: return expr_ok(e->u.member.lhs);
    case EX_CALL:
        if (!expr_ok(e->u.call.callee)) return false;
        for (uint32_t i = 0; i < e->u.call.nargs; i++)
            if (!expr_ok(e->u.call.args[i])) return false;
        return true;
    case EX_INDEX: return expr_ok(e->u.index.lhs) && expr_ok(e->u.index.index);
    case EX_UNARY: return expr_ok(e->u.bin.lhs);
    case EX_BINARY: return expr_ok(e->u.bin.lhs) && expr_ok(e->u.bin.rhs);
    case EX_LIST:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!expr_ok(e->u.list.items[i])) return false;
        return true;
    case EX_STRUCT:
        for (uint32_t i = 0; i < e->u.lit.nfields; i++)
            if (!expr_ok(e->u.lit.fields[i].value)) return bad_node = "struct literal field without a value", false;
        return true;
    case EX_LAMBDA:
        for (uint32_t i = 0; i < e->u.lambda.nparams; i++)
            if (!e->u.lambda.params[i].type) return bad_node = "lambda parameter without a type", false;
        return block_ok(e->u.lambda.body);
    case EX_BLOCK: return block_ok(e->u.block);
    case EX_IF:
        return expr_ok(e->u.if_.cond) && block_ok(e->u.if_.then) && (!e->u.if_.els || expr_ok(e->u.if_.els));
    case EX_MATCH:
        if (!expr_ok(e->u.match.scrut)) return false;
        for (uint32_t i = 0; i < e->u.match.narms; i++)
            if (!pattern_ok(e->u.match.arms[i].pat) || !expr_ok(e->u.match.arms[i].body)) return false;
        return true;
    case EX_RETURN: return !e->u.ret || expr_ok(e->u.ret);
    default: return true;
    }
}

static bool block_ok(const SgBlock *b) {
    if (!b) return bad_node = "NULL block", false;
    for (uint32_t i = 0; i < b->n; i++) {
        const SgStmt *s = b->stmts[i];
        if (!s) return bad_node = "NULL statement", false;
        switch (s->kind) {
        case ST_LET:
        case ST_EXPR:
            if (!expr_ok(s->expr)) return false;
            break;
        case ST_ASSIGN:
            if (!expr_ok(s->target) || !expr_ok(s->expr)) return false;
            break;
        case ST_WHILE:
        case ST_FOR:
            if (!expr_ok(s->expr) || !block_ok(s->body)) return false;
            break;
        }
    }
    return true;
}

static bool items_ok(const Parsed *p) {
    for (uint32_t i = 0; i < p->ast.nitems; i++) {
        const SgItem *it = p->ast.items[i];
        if (it->kind == IT_FN && !it->is_extern && !block_ok(it->body)) return false;
        if (it->kind == IT_CONST && (!it->type || !expr_ok(it->value))) return false;
        for (uint32_t k = 0; k < it->nfields; k++)
            if (!it->fields[k].type) return bad_node = "field or parameter without a type", false;
    }
    return true;
}

TEST(parse_broken_statements_leave_no_holes) {
    /* A statement with a syntax error is dropped as a whole (parse.c's
     * contract), even when the error is inside a nested construct and a
     * block follows: what the parser keeps has no NULL pieces for the
     * checker to trip on. The first inputs made `sigil --check` crash. */
    static const char *const srcs[] = {
        "fn s(){for n in(a{{b}}",
        "fn s() { for n in (a{ {b} }) {} }\n",
        "fn s() { while (a{ {b} }) {} }\n",
        "fn s() { if (a{ {b} }) {} }\n",
        "fn s() { for n in [a{ {b} }] {} }\n",
        "fn s() { match (a{ {b} }) { _ => 1 } }\n",
        "fn s() { let x = f(a{ {b} }) + { 1 }\n}\n",
        "fn s() { while (a{ x: }) { 1 } }\n",
        "fn s() { if f(, ) { 1 } }\n",
        "fn s() { for x in [1, , 2] { } }\n",
        "fn s() { while g(fn(x) { 1 }) { } }\n",
        "fn s() { if (a.) { } }\n",
        "fn s() { match x { Some( => { 1 } } }\n",
        "fn s() { if x[ { 1 } }\n",
        "fn s() { let y = (S { a: 1, b }) { 2 } }\n",
        "const C: Int = (a{ {b} }) { 1 }\n",
    };
    const char *bad = "";
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        bad_node = NULL;
        if (!items_ok(p)) bad = test_printf("%s %s keeps a %s;", bad, test_quote(srcs[i], strlen(srcs[i])), bad_node);
        if (!count_code(&p->diags, "E010")) bad = test_printf("%s %s has no E010;", bad, test_quote(srcs[i], strlen(srcs[i])));
    }
    if (*bad) FAIL("%s", bad);
}

TEST(parse_error_in_header_drops_statement) {
    /* An error inside a loop or `if` header, followed by a block: the
     * block's own resynchronisation must not clear the outer statement's
     * error, so the whole statement is dropped (one E010) and the braces
     * still pair up (the next item is parsed, no "expected end of item"). */
    static const char *const srcs[] = {
        "fn s() {\n    while (a{ {b} }) {}\n}\nfn next() {}\n",
        "fn s() {\n    for n in (a{ {b} }) {}\n}\nfn next() {}\n",
        "fn s() {\n    if (a{ {b} }) {}\n}\nfn next() {}\n",
        "fn s() {\n    while (x +) { y }\n}\nfn next() {}\n",
        "fn s() {\n    if f(1,,) { y }\n}\nfn next() {}\n",
    };
    const char *bad = "";
    for (size_t i = 0; i < SG_ARRAY_LEN(srcs); i++) {
        Parsed *p = parse_src(srcs[i]);
        SgBlock *b = body_of(p, "s");
        if (strcmp(diag_codes(&p->diags), "E010") != 0 || !b || b->n != 0 || !find_item(p, "next"))
            bad = test_printf("%s %s: diagnostics \"%s\", %d statements kept, next %s;", bad,
                              test_quote(srcs[i], strlen(srcs[i])), diag_codes(&p->diags), b ? (int)b->n : -1,
                              find_item(p, "next") ? "parsed" : "lost");
    }
    if (*bad) FAIL("%s", bad);
}
