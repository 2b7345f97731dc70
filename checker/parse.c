/* parse.c - recursive-descent parser for Sigil.
 *
 * Error recovery (LANGUAGE.md section 6): the first error in a statement or
 * item reports one E010 and sets `panic`; until the statement or item is
 * resynchronised every further error is silent and every loop stops. A
 * statement with an error is dropped from the tree, so it produces no other
 * diagnostics (no W002 for a half-parsed `let`). Resynchronising skips to the
 * next statement end at the statement's bracket depth, or to the `}` that
 * closes its block; at top level, also to an item keyword.
 *
 * An item keyword at column 1 always begins a new item: while an item is
 * parsed, that token is turned into TK_EOF, so whatever is still open there
 * is closed like at the end of the file: one E010 at the keyword (none after
 * an unterminated block comment, whose E002 says it all), and the item is
 * kept with what it has so far. */
#include "ast.h"

#include <stdlib.h>

typedef struct Parser {
    SgArena *a;
    const char *src;
    SgToken *t;         /* tokens */
    uint32_t n, i;      /* count, cursor */
    SgTokens *toks;
    SgDiags *diags;
    bool panic;
    bool at_end;        /* an error was reported (or covered) at the item's end */
    bool no_struct;     /* `{` after a name opens a block, not a struct literal */
    uint32_t nest;      /* recursion depth, bounded so hostile input cannot overflow the stack */
    uint32_t elifs;     /* open `else if`s: a chain the parser recurses over */
    SgItem *item;       /* the item being parsed */
} Parser;

/* Deeper nesting than this is a syntax error rather than a stack overflow
 * here: every construct counts (expressions, blocks of `while` and `for`,
 * types, patterns, each `else if` of a chain). Chains of binary operators
 * and postfix operations are parsed in a loop, but the checker recurses
 * over the tree as deep as it is, so an expression tree deeper than
 * MAX_DEPTH is a syntax error too. */
#define MAX_NEST 200
#define MAX_DEPTH 1000

/* ---- small helpers ---- */
static SgToken *cur(Parser *p) { return &p->t[p->i]; }
static int kind(Parser *p) { return p->t[p->i].kind; }
static int peek_kind(Parser *p, uint32_t k) { return p->i + k < p->n ? p->t[p->i + k].kind : TK_EOF; }
static uint32_t prev_end(Parser *p) { return p->i ? p->t[p->i - 1].off + p->t[p->i - 1].len : 0; }
/* Never moves past TK_EOF: the end of the file, or of the current item. */
static SgToken *advance(Parser *p) {
    SgToken *t = &p->t[p->i];
    if (t->kind != TK_EOF) p->i++;
    return t;
}
static bool accept(Parser *p, int k) {
    if (kind(p) != k) return false;
    advance(p);
    return true;
}

static void error_at(Parser *p, SgToken *t, const char *expected) {
    if (t->kind == TK_EOF) {
        /* what is still open at the end is one mistake, reported once */
        bool quiet = p->at_end || (t->flags & SG_TOKF_IN_COMMENT);
        p->at_end = true;
        if (quiet) p->panic = true;
    }
    if (p->panic) return;
    p->panic = true;
    if ((t->kind == TK_EOF && !t->len) || t->kind == TK_NEWLINE)
        sg_diag(p->diags, t->off, t->off, "E010", "syntax error: expected %s, found %s", expected,
                sg_tok_name(t->kind));
    else if (t->kind == TK_EOF)
        sg_diag(p->diags, t->off, t->off + t->len, "E010",
                "syntax error: expected %s, found `%.*s` (an item keyword at column 1 begins a new item)", expected,
                (int)t->len, p->src + t->off);
    else
        sg_diag(p->diags, t->off, t->off + t->len, "E010", "syntax error: expected %s, found `%.*s`",
                expected, (int)t->len, p->src + t->off);
}

static bool expect(Parser *p, int k, const char *what) {
    if (kind(p) == k) {
        advance(p);
        return true;
    }
    error_at(p, cur(p), what ? what : sg_tok_name(k));
    return false;
}

static SgName tok_name(Parser *p, SgToken *t) { return sg_name(p->src + t->off, t->len); }
static SgSpan tok_span(SgToken *t) { return (SgSpan){t->off, t->off + t->len}; }

static void skip_newlines(Parser *p) {
    while (kind(p) == TK_NEWLINE || kind(p) == TK_SEMI) advance(p);
}

/* Growable list of pointers built on the heap, then moved to the arena. */
typedef struct List {
    void **v;
    uint32_t n, cap;
} List;
static void list_push(List *l, void *x) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = sg_xrealloc(l->v, sizeof(void *) * l->cap);
    }
    l->v[l->n++] = x;
}
static void *list_done(Parser *p, List *l, uint32_t *n) {
    *n = l->n;
    void *r = l->n ? sg_arena_dup(p->a, l->v, sizeof(void *) * l->n) : NULL;
    free(l->v);
    return r;
}

/* Generic helper for arrays of structs. */
typedef struct SList {
    char *v;
    uint32_t n, cap, size;
} SList;
static void *slist_add(SList *l) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = sg_xrealloc(l->v, (size_t)l->size * l->cap);
    }
    void *r = l->v + (size_t)l->size * l->n++;
    memset(r, 0, l->size);
    return r;
}
static void *slist_done(Parser *p, SList *l, uint32_t *n) {
    *n = l->n;
    void *r = l->n ? sg_arena_dup(p->a, l->v, (size_t)l->size * l->n) : NULL;
    free(l->v);
    return r;
}

/* Before a closing bracket a statement end is dropped (section 2); so it is
 * before the end of the file or item, where the list is closed. */
static void skip_nl_before(Parser *p, int closer) {
    uint32_t j = p->i;
    while (j < p->n && (p->t[j].kind == TK_NEWLINE || p->t[j].kind == TK_SEMI)) j++;
    if (j < p->n && (p->t[j].kind == closer || p->t[j].kind == TK_EOF)) p->i = j;
}

/* Parses `open item, item, ... close` with an optional trailing comma.
 * `item` returns false on a hard error. */
typedef bool (*ItemFn)(Parser *p, void *ctx);
static bool comma_list(Parser *p, int close, ItemFn item, void *ctx, const char *what) {
    for (;;) {
        skip_nl_before(p, close);
        if (accept(p, close)) return true;
        if (p->panic) return false;
        if (!item(p, ctx)) return false;
        skip_nl_before(p, close);
        if (accept(p, close)) return true;
        if (!accept(p, TK_COMMA)) {
            error_at(p, cur(p), what);
            return false;
        }
    }
}

static bool too_deep(Parser *p);
static SgExpr *finish(Parser *p, SgExpr *e);
static void deep_tree_error(Parser *p, uint32_t at);

/* ---- types ---- */
static SgTypeExpr *parse_type(Parser *p);

static bool type_item(Parser *p, void *ctx) {
    list_push(ctx, parse_type(p));
    return !p->panic;
}

static SgTypeExpr *parse_type(Parser *p) {
    SgTypeExpr *te = SG_NEW(p->a, SgTypeExpr);
    SgToken *start = cur(p);
    te->span.start = start->off;
    p->nest++;
    if (too_deep(p)) {
        te->kind = TE_ERROR;
    } else if (accept(p, TK_FN)) {
        te->kind = TE_FN;
        List args = {0};
        if (expect(p, TK_LPAREN, NULL)) comma_list(p, TK_RPAREN, type_item, &args, "`,` or `)`");
        te->args = list_done(p, &args, &te->nargs);
        if (!p->panic && accept(p, TK_ARROW)) te->ret = parse_type(p);
    } else if (kind(p) == TK_IDENT) {
        te->kind = TE_NAME;
        SgToken *t = advance(p);
        te->name = tok_name(p, t);
        te->name_span = tok_span(t);
        if (kind(p) == TK_DOT && peek_kind(p, 1) == TK_IDENT) {
            advance(p);
            SgToken *t2 = advance(p);
            te->qual = te->name;
            te->name = tok_name(p, t2);
            te->name_span.end = t2->off + t2->len;
        }
        if (kind(p) == TK_LBRACKET) {
            advance(p);
            te->has_args = true;
            List args = {0};
            comma_list(p, TK_RBRACKET, type_item, &args, "`,` or `]`");
            te->args = list_done(p, &args, &te->nargs);
        }
    } else {
        error_at(p, cur(p), "a type");
        te->kind = TE_ERROR;
    }
    te->span.end = prev_end(p);
    if (p->panic) te->kind = TE_ERROR;
    p->nest--;
    return te;
}

/* ---- expressions ---- */
static SgExpr *parse_expr(Parser *p);
static SgBlock *parse_block(Parser *p);
static SgPattern *parse_pattern(Parser *p);

static SgExpr *new_expr(Parser *p, int k, uint32_t start) {
    SgExpr *e = SG_NEW(p->a, SgExpr);
    e->kind = (uint8_t)k;
    e->span.start = start;
    e->span.end = prev_end(p);
    return e;
}

/* Expressions inside brackets may contain struct literals again. */
static SgExpr *parse_expr_nested(Parser *p) {
    bool ns = p->no_struct;
    p->no_struct = false;
    SgExpr *e = parse_expr(p);
    p->no_struct = ns;
    return e;
}
static bool expr_item_nested(Parser *p, void *ctx) {
    list_push(ctx, parse_expr_nested(p));
    return !p->panic;
}

/* Item parsers below add their entry only once it is complete, so a broken
 * list never leaves a half-built entry (a field without a value) behind. */
static bool field_init_item(Parser *p, void *ctx) {
    if (kind(p) != TK_IDENT) {
        error_at(p, cur(p), "a field name");
        return false;
    }
    SgToken *t = advance(p);
    if (!expect(p, TK_COLON, NULL)) return false;
    SgExpr *value = parse_expr_nested(p);
    SgFieldInit *f = slist_add(ctx);
    f->name = tok_name(p, t);
    f->name_span = tok_span(t);
    f->value = value;
    return !p->panic;
}

static SgExpr *parse_struct_lit(Parser *p, SgExpr *path) {
    SgExpr *e = SG_NEW(p->a, SgExpr);
    e->kind = EX_STRUCT;
    e->span.start = path->span.start;
    if (path->kind == EX_NAME) {
        e->u.lit.name = path->u.name;
    } else {
        e->u.lit.qual = path->u.member.lhs->u.name;
        e->u.lit.name = path->u.member.name;
    }
    e->u.lit.name_span = path->span;
    advance(p); /* { */
    SList fields = {.size = sizeof(SgFieldInit)};
    bool ns = p->no_struct;
    p->no_struct = false;
    comma_list(p, TK_RBRACE, field_init_item, &fields, "`,` or `}`");
    p->no_struct = ns;
    e->u.lit.fields = slist_done(p, &fields, &e->u.lit.nfields);
    e->span.end = prev_end(p);
    return finish(p, e);
}

static bool param_item(Parser *p, void *ctx) {
    if (kind(p) != TK_IDENT) {
        error_at(p, cur(p), "a parameter name");
        return false;
    }
    SgToken *t = advance(p);
    if (!expect(p, TK_COLON, NULL)) return false;
    SgTypeExpr *type = parse_type(p);
    SgParam *prm = slist_add(ctx);
    prm->name = tok_name(p, t);
    prm->name_span = tok_span(t);
    prm->type = type;
    return !p->panic;
}

static SgExpr *parse_if(Parser *p) {
    uint32_t start = advance(p)->off;
    bool ns = p->no_struct;
    p->no_struct = true;
    SgExpr *cond = parse_expr(p);
    p->no_struct = ns;
    SgBlock *then = parse_block(p);
    SgExpr *els = NULL;
    if (!p->panic && accept(p, TK_ELSE)) {
        if (kind(p) == TK_IF) {
            /* a chain, not nesting; but each link is a level of the parser's
             * recursion and of the tree */
            if (p->elifs >= MAX_DEPTH) {
                deep_tree_error(p, cur(p)->off);
                return new_expr(p, EX_ERROR, start);
            }
            p->elifs++;
            els = parse_if(p);
            p->elifs--;
        } else {
            uint32_t bs = cur(p)->off;
            SgBlock *b = parse_block(p);
            els = new_expr(p, EX_BLOCK, bs);
            els->u.block = b;
            finish(p, els);
        }
    }
    SgExpr *e = new_expr(p, EX_IF, start);
    e->u.if_.cond = cond;
    e->u.if_.then = then;
    e->u.if_.els = els;
    return finish(p, e);
}

static bool arm_item(Parser *p, void *ctx) {
    SgPattern *pat = parse_pattern(p);
    if (p->panic) return false;
    if (!expect(p, TK_FATARROW, NULL)) return false;
    SgExpr *body = parse_expr_nested(p);
    SgArm *arm = slist_add(ctx);
    arm->pat = pat;
    arm->body = body;
    return !p->panic;
}

static SgExpr *parse_match(Parser *p) {
    uint32_t start = advance(p)->off;
    bool ns = p->no_struct;
    p->no_struct = true;
    SgExpr *scrut = parse_expr(p);
    p->no_struct = ns;
    SList arms = {.size = sizeof(SgArm)};
    if (expect(p, TK_LBRACE, NULL)) comma_list(p, TK_RBRACE, arm_item, &arms, "`,` or `}`");
    SgExpr *e = new_expr(p, EX_MATCH, start);
    e->u.match.scrut = scrut;
    e->u.match.arms = slist_done(p, &arms, &e->u.match.narms);
    return finish(p, e);
}

static SgExpr *parse_lambda(Parser *p) {
    uint32_t start = advance(p)->off;
    SList params = {.size = sizeof(SgParam)};
    if (expect(p, TK_LPAREN, NULL)) comma_list(p, TK_RPAREN, param_item, &params, "`,` or `)`");
    SgExpr *e = SG_NEW(p->a, SgExpr);
    e->kind = EX_LAMBDA;
    e->u.lambda.params = slist_done(p, &params, &e->u.lambda.nparams);
    if (!p->panic && accept(p, TK_ARROW)) e->u.lambda.ret = parse_type(p);
    e->u.lambda.body = parse_block(p);
    e->span.start = start;
    e->span.end = prev_end(p);
    return finish(p, e);
}

static SgExpr *parse_primary(Parser *p) {
    SgToken *t = cur(p);
    uint32_t start = t->off;
    switch (t->kind) {
    case TK_INT: {
        advance(p);
        SgExpr *e = new_expr(p, EX_INT, start);
        if (t->flags & SG_TOKF_BAD) {
            e->kind = EX_ERROR;
        } else if (t->flags & (SG_TOKF_INT_BIG | SG_TOKF_INT_HUGE)) {
            sg_diag(p->diags, t->off, t->off + t->len, "E003", "integer literal `%.*s` does not fit in Int",
                    (int)t->len, p->src + t->off);
            e->kind = EX_ERROR;
        } else {
            e->u.ival = (int64_t)sg_lex_int_value(p->src, t);
        }
        return e;
    }
    case TK_FLOAT: {
        advance(p);
        SgExpr *e = new_expr(p, t->flags & SG_TOKF_BAD ? EX_ERROR : EX_FLOAT, start);
        return e;
    }
    case TK_STRING: {
        advance(p);
        SgExpr *e = new_expr(p, EX_STRING, start);
        /* a literal with a lexical error is still a String: no cascade */
        return e;
    }
    case TK_TRUE: case TK_FALSE: {
        advance(p);
        SgExpr *e = new_expr(p, EX_BOOL, start);
        e->bval = t->kind == TK_TRUE;
        return e;
    }
    case TK_IDENT: {
        advance(p);
        SgExpr *e = new_expr(p, EX_NAME, start);
        e->u.name = tok_name(p, t);
        return e;
    }
    case TK_LPAREN: {
        advance(p);
        SgExpr *e = parse_expr_nested(p);
        expect(p, TK_RPAREN, "`)`");
        e->paren = true;
        return e;
    }
    case TK_LBRACKET: {
        advance(p);
        List items = {0};
        comma_list(p, TK_RBRACKET, expr_item_nested, &items, "`,` or `]`");
        SgExpr *e = new_expr(p, EX_LIST, start);
        e->u.list.items = list_done(p, &items, &e->u.list.n);
        return finish(p, e);
    }
    case TK_LBRACE: {
        SgBlock *b = parse_block(p);
        SgExpr *e = new_expr(p, EX_BLOCK, start);
        e->u.block = b;
        return finish(p, e);
    }
    case TK_IF: return parse_if(p);
    case TK_MATCH: return parse_match(p);
    case TK_FN: return parse_lambda(p);
    case TK_RETURN: {
        advance(p);
        SgExpr *val = NULL;
        switch (kind(p)) {
        case TK_NEWLINE: case TK_SEMI: case TK_RBRACE: case TK_RPAREN: case TK_RBRACKET:
        case TK_COMMA: case TK_EOF:
            break;
        default:
            val = parse_expr(p);
        }
        SgExpr *e = new_expr(p, EX_RETURN, start);
        e->u.ret = val;
        return finish(p, e);
    }
    case TK_BREAK: advance(p); return new_expr(p, EX_BREAK, start);
    case TK_CONTINUE: advance(p); return new_expr(p, EX_CONTINUE, start);
    default:
        error_at(p, t, "an expression");
        return new_expr(p, EX_ERROR, start);
    }
}

static SgExpr *parse_postfix(Parser *p) {
    SgExpr *e = parse_primary(p);
    while (!p->panic) {
        int k = kind(p);
        if (k == TK_LPAREN) {
            advance(p);
            List args = {0};
            comma_list(p, TK_RPAREN, expr_item_nested, &args, "`,` or `)`");
            SgExpr *c = new_expr(p, EX_CALL, e->span.start);
            c->u.call.callee = e;
            c->u.call.args = list_done(p, &args, &c->u.call.nargs);
            e = finish(p, c);
        } else if (k == TK_LBRACKET) {
            advance(p);
            SgExpr *idx = parse_expr_nested(p);
            expect(p, TK_RBRACKET, "`]`");
            SgExpr *c = new_expr(p, EX_INDEX, e->span.start);
            c->u.index.lhs = e;
            c->u.index.index = idx;
            e = finish(p, c);
        } else if (k == TK_DOT) {
            advance(p);
            if (kind(p) != TK_IDENT) {
                error_at(p, cur(p), "a field or member name");
                break;
            }
            SgToken *t = advance(p);
            SgExpr *c = new_expr(p, EX_MEMBER, e->span.start);
            c->u.member.lhs = e;
            c->u.member.name = tok_name(p, t);
            c->u.member.name_span = tok_span(t);
            e = finish(p, c);
        } else if (k == TK_LBRACE && !p->no_struct && !e->paren &&
                   (e->kind == EX_NAME ||
                    (e->kind == EX_MEMBER && e->u.member.lhs->kind == EX_NAME && !e->u.member.lhs->paren))) {
            e = parse_struct_lit(p, e);
        } else {
            break;
        }
    }
    return e;
}

static SgExpr *parse_unary(Parser *p) {
    int k = kind(p);
    if (k == TK_MINUS || k == TK_BANG) {
        SgToken *op = advance(p);
        /* `-` directly before an Int literal is folded into it (section 2) */
        if (k == TK_MINUS && kind(p) == TK_INT && !(cur(p)->flags & SG_TOKF_BAD)) {
            SgToken *t = cur(p);
            SgToken *after = p->i + 1 < p->n ? &p->t[p->i + 1] : NULL;
            bool postfix = after && (after->kind == TK_LPAREN || after->kind == TK_LBRACKET || after->kind == TK_DOT);
            if (!postfix) {
                advance(p);
                SgExpr *e = new_expr(p, EX_INT, op->off);
                if (t->flags & SG_TOKF_INT_HUGE) {
                    sg_diag(p->diags, op->off, t->off + t->len, "E003",
                            "integer literal `-%.*s` does not fit in Int", (int)t->len, p->src + t->off);
                    e->kind = EX_ERROR;
                } else {
                    e->u.ival = (int64_t)(0 - sg_lex_int_value(p->src, t));
                }
                return e;
            }
        }
        if (too_deep(p)) return new_expr(p, EX_ERROR, op->off);
        p->nest++;
        SgExpr *operand = parse_unary(p);
        p->nest--;
        SgExpr *e = new_expr(p, EX_UNARY, op->off);
        e->op = (uint8_t)k;
        e->u.bin.lhs = operand;
        return finish(p, e);
    }
    return parse_postfix(p);
}

/* Binary precedence levels, loosest first. */
static int prec_of(int k) {
    switch (k) {
    case TK_OROR: return 1;
    case TK_ANDAND: return 2;
    case TK_EQ: case TK_NE: return 3;
    case TK_LT: case TK_LE: case TK_GT: case TK_GE: return 4;
    case TK_PLUS: case TK_MINUS: return 5;
    case TK_STAR: case TK_SLASH: case TK_PERCENT: return 6;
    default: return 0;
    }
}

static SgExpr *parse_binary(Parser *p, int min_prec) {
    SgExpr *lhs = parse_unary(p);
    for (;;) {
        if (p->panic) return lhs;
        int k = kind(p);
        int prec = prec_of(k);
        if (!prec || prec < min_prec) return lhs;
        SgToken *op = advance(p);
        SgExpr *rhs = parse_binary(p, prec + 1);
        SgExpr *e = new_expr(p, EX_BINARY, lhs->span.start);
        e->op = (uint8_t)k;
        e->u.bin.lhs = lhs;
        e->u.bin.rhs = rhs;
        lhs = finish(p, e);
        /* comparison and equality operators do not chain (section 5) */
        if ((prec == 3 || prec == 4) && prec_of(kind(p)) == prec && !p->panic) {
            SgToken *t = cur(p);
            if (!p->panic) {
                p->panic = true;
                sg_diag(p->diags, t->off, t->off + t->len, "E010",
                        "syntax error: comparison operators cannot be chained; found `%.*s` after `%.*s`",
                        (int)t->len, p->src + t->off, (int)op->len, p->src + op->off);
            }
            return lhs;
        }
    }
}

static void limit_error(Parser *p, const char *what, int limit) {
    if (p->panic) return;
    p->panic = true;
    SgToken *t = cur(p);
    sg_diag(p->diags, t->off, t->off + t->len, "E010", "syntax error: %s (sigil's limit is %d)", what, limit);
}

static bool too_deep(Parser *p) {
    if (p->nest < MAX_NEST) return false;
    limit_error(p, "nested too deeply", MAX_NEST);
    return true;
}

static void deep_tree_error(Parser *p, uint32_t at) {
    if (p->panic) return;
    p->panic = true;
    sg_diag(p->diags, at, at + 1, "E010",
            "syntax error: expression nested or chained too deeply (sigil's limit is %d levels)", MAX_DEPTH);
}

static uint32_t below(uint32_t d, const SgExpr *e) { return e && e->depth + 1u > d ? e->depth + 1u : d; }
static uint32_t below_block(uint32_t d, const SgBlock *b) { return b && b->depth + 1u > d ? b->depth + 1u : d; }

/* Records the depth of a node whose children are complete. */
static SgExpr *finish(Parser *p, SgExpr *e) {
    uint32_t d = 0;
    switch (e->kind) {
    case EX_MEMBER: d = below(d, e->u.member.lhs); break;
    case EX_UNARY: d = below(d, e->u.bin.lhs); break;
    case EX_CALL:
        d = below(d, e->u.call.callee);
        for (uint32_t i = 0; i < e->u.call.nargs; i++) d = below(d, e->u.call.args[i]);
        break;
    case EX_INDEX: d = below(below(d, e->u.index.lhs), e->u.index.index); break;
    case EX_BINARY: d = below(below(d, e->u.bin.lhs), e->u.bin.rhs); break;
    case EX_LIST:
        for (uint32_t i = 0; i < e->u.list.n; i++) d = below(d, e->u.list.items[i]);
        break;
    case EX_STRUCT:
        for (uint32_t i = 0; i < e->u.lit.nfields; i++) d = below(d, e->u.lit.fields[i].value);
        break;
    case EX_LAMBDA: d = below_block(d, e->u.lambda.body); break;
    case EX_BLOCK: d = below_block(d, e->u.block); break;
    case EX_IF: d = below(below_block(below(d, e->u.if_.cond), e->u.if_.then), e->u.if_.els); break;
    case EX_MATCH:
        d = below(d, e->u.match.scrut);
        for (uint32_t i = 0; i < e->u.match.narms; i++) d = below(d, e->u.match.arms[i].body);
        break;
    case EX_RETURN: d = below(d, e->u.ret); break;
    default: break;
    }
    if (d > MAX_DEPTH) {
        deep_tree_error(p, e->span.start);
        d = MAX_DEPTH;
    }
    e->depth = (uint16_t)d;
    return e;
}

static SgExpr *parse_expr(Parser *p) {
    if (too_deep(p)) return new_expr(p, EX_ERROR, cur(p)->off);
    p->nest++;
    SgExpr *e = parse_binary(p, 1);
    p->nest--;
    return e;
}

/* ---- patterns ---- */
static bool pattern_item(Parser *p, void *ctx) {
    list_push(ctx, parse_pattern(p));
    return !p->panic;
}

static SgPattern *parse_pattern(Parser *p) {
    SgPattern *pt = SG_NEW(p->a, SgPattern);
    SgToken *t = cur(p);
    pt->span.start = t->off;
    if (too_deep(p)) {
        pt->kind = PT_ERROR;
        return pt;
    }
    p->nest++;
    switch (t->kind) {
    case TK_IDENT: {
        advance(p);
        SgName n = tok_name(p, t);
        if (sg_name_is(n, "_")) {
            pt->kind = PT_WILD;
            break;
        }
        pt->name = n;
        pt->kind = PT_BIND;
        if (kind(p) == TK_DOT && peek_kind(p, 1) == TK_IDENT) {
            advance(p);
            pt->qual = n;
            pt->name = tok_name(p, advance(p));
            pt->kind = PT_CTOR;
        }
        if (kind(p) == TK_LPAREN) {
            advance(p);
            pt->kind = PT_CTOR;
            pt->has_parens = true;
            List args = {0};
            comma_list(p, TK_RPAREN, pattern_item, &args, "`,` or `)`");
            pt->args = list_done(p, &args, &pt->nargs);
        }
        break;
    }
    case TK_INT: case TK_MINUS: {
        bool neg = accept(p, TK_MINUS);
        SgToken *it = cur(p);
        if (!expect(p, TK_INT, "an integer literal")) {
            pt->kind = PT_ERROR;
            break;
        }
        pt->kind = PT_INT;
        uint64_t v = sg_lex_int_value(p->src, it);
        if (it->flags & SG_TOKF_BAD) pt->kind = PT_ERROR;
        else if ((it->flags & SG_TOKF_INT_HUGE) || ((it->flags & SG_TOKF_INT_BIG) && !neg)) {
            sg_diag(p->diags, t->off, it->off + it->len, "E003", "integer literal does not fit in Int");
            pt->kind = PT_ERROR;
        }
        pt->ival = neg ? (int64_t)(0 - v) : (int64_t)v;
        break;
    }
    case TK_STRING:
        advance(p);
        pt->kind = PT_STRING;
        if (t->flags & SG_TOKF_BAD) pt->kind = PT_ERROR;
        else pt->sval = sg_lex_string_value(p->a, p->src, t, &pt->slen);
        break;
    case TK_TRUE: case TK_FALSE:
        advance(p);
        pt->kind = PT_BOOL;
        pt->bval = t->kind == TK_TRUE;
        break;
    default:
        error_at(p, t, "a pattern");
        pt->kind = PT_ERROR;
        break;
    }
    pt->span.end = prev_end(p);
    p->nest--;
    return pt;
}

/* ---- statements and blocks ---- */

/* Skips to the end of the statement that started at bracket depth `depth`:
 * a statement end at that depth (consumed), or the `}` closing the block
 * (left for the caller), or end of file. */
static void sync_statement(Parser *p, uint32_t depth) {
    for (;;) {
        SgToken *t = cur(p);
        if (t->kind == TK_EOF) return;  /* still in error: the missing `}`s are the same mistake */
        if ((t->kind == TK_NEWLINE || t->kind == TK_SEMI) && t->depth <= depth) {
            advance(p);
            break;
        }
        if (t->kind == TK_RBRACE && t->depth < depth) break;
        advance(p);
    }
    p->panic = false;
}

/* A loop's body is one level of nesting, like an expression's block. */
static SgBlock *parse_loop_body(Parser *p) {
    if (too_deep(p)) return parse_block(p);     /* in panic: an empty block */
    p->nest++;
    SgBlock *b = parse_block(p);
    p->nest--;
    return b;
}

static SgStmt *parse_stmt(Parser *p) {
    SgStmt *s = SG_NEW(p->a, SgStmt);
    SgToken *t = cur(p);
    s->span.start = t->off;
    if (t->kind == TK_LET) {
        advance(p);
        s->kind = ST_LET;
        s->mut = accept(p, TK_MUT);
        if (kind(p) != TK_IDENT) {
            error_at(p, cur(p), "a variable name");
            return s;
        }
        SgToken *n = advance(p);
        s->name = tok_name(p, n);
        s->name_span = tok_span(n);
        s->wildcard = sg_name_is(s->name, "_");
        if (accept(p, TK_COLON)) s->type = parse_type(p);
        if (expect(p, TK_ASSIGN, "`=`")) s->expr = parse_expr(p);
    } else if (t->kind == TK_WHILE) {
        advance(p);
        s->kind = ST_WHILE;
        bool ns = p->no_struct;
        p->no_struct = true;
        s->expr = parse_expr(p);
        p->no_struct = ns;
        s->body = parse_loop_body(p);
    } else if (t->kind == TK_FOR) {
        advance(p);
        s->kind = ST_FOR;
        if (kind(p) != TK_IDENT) {
            error_at(p, cur(p), "a loop variable");
            return s;
        }
        SgToken *n = advance(p);
        s->name = tok_name(p, n);
        s->name_span = tok_span(n);
        if (expect(p, TK_IN, NULL)) {
            bool ns = p->no_struct;
            p->no_struct = true;
            s->expr = parse_expr(p);
            p->no_struct = ns;
            s->body = parse_loop_body(p);
        }
    } else {
        s->kind = ST_EXPR;
        s->expr = parse_expr(p);
        if (!p->panic && kind(p) == TK_ASSIGN) {
            advance(p);
            s->kind = ST_ASSIGN;
            s->target = s->expr;
            s->expr = parse_expr(p);
        }
    }
    s->span.end = prev_end(p);
    return s;
}

static SgBlock *parse_block(Parser *p) {
    SgBlock *b = SG_NEW(p->a, SgBlock);
    b->span.start = cur(p)->off;
    /* after an error in a statement's header, its body is not parsed: the
     * enclosing statement resynchronises (a block here would clear the
     * error and keep the broken statement) */
    if (p->panic || !expect(p, TK_LBRACE, "`{`")) {
        b->span.end = b->span.start;
        return b;
    }
    bool ns = p->no_struct;
    p->no_struct = false;
    uint32_t depth = cur(p)->depth;   /* inside the braces */
    List stmts = {0};
    for (;;) {
        skip_newlines(p);
        int k = kind(p);
        if (k == TK_RBRACE || k == TK_EOF) break;
        uint32_t before = p->i;
        SgStmt *s = parse_stmt(p);
        if (p->panic) {
            sync_statement(p, depth);
            b->had_error = true;
            if (p->item) p->item->had_syntax_error = true;
            /* the broken statement is dropped, but a `let` still binds its
             * name (to the error type), so its uses are not E103s */
            if (s->kind == ST_LET && s->name.len) {
                s->expr = new_expr(p, EX_ERROR, s->span.start);
                s->target = NULL;
                s->span.end = s->expr->span.end = s->span.start;
                list_push(&stmts, s);
            }
            continue;
        }
        list_push(&stmts, s);
        uint32_t d = below_block(below(below(b->depth, s->expr), s->target), s->body);
        b->depth = (uint16_t)(d > MAX_DEPTH ? MAX_DEPTH : d);
        k = kind(p);
        if (k == TK_NEWLINE || k == TK_SEMI) {
            advance(p);
        } else if (k != TK_RBRACE) {
            error_at(p, cur(p), "end of statement");
            sync_statement(p, depth);
            b->had_error = true;
            if (p->item) p->item->had_syntax_error = true;
        }
        if (p->i == before) advance(p);   /* always make progress */
    }
    p->no_struct = ns;
    if (kind(p) == TK_EOF) {
        /* the file or the item ends inside the block: it is closed here and
         * kept, so what it holds is still checked */
        error_at(p, cur(p), "`}`");
        p->panic = false;
        b->had_error = true;
        if (p->item) p->item->had_syntax_error = true;
    } else {
        expect(p, TK_RBRACE, "`}`");
    }
    b->stmts = list_done(p, &stmts, &b->n);
    b->span.end = prev_end(p);
    return b;
}

/* ---- items ---- */
static bool tparam_item(Parser *p, void *ctx) {
    if (kind(p) != TK_IDENT) {
        error_at(p, cur(p), "a type parameter name");
        return false;
    }
    SgToken *t = advance(p);
    SgTypeParam *tp = slist_add(ctx);
    tp->name = tok_name(p, t);
    tp->span = tok_span(t);
    return true;
}

static void parse_tparams(Parser *p, SgItem *it) {
    if (kind(p) != TK_LBRACKET) return;
    advance(p);
    SList tps = {.size = sizeof(SgTypeParam)};
    comma_list(p, TK_RBRACKET, tparam_item, &tps, "`,` or `]`");
    it->tparams = slist_done(p, &tps, &it->ntparams);
}

static bool variant_item(Parser *p, void *ctx) {
    if (kind(p) != TK_IDENT) {
        error_at(p, cur(p), "a constructor name");
        return false;
    }
    SgToken *t = advance(p);
    SgTypeExpr **payload = NULL;
    uint32_t npayload = 0;
    if (accept(p, TK_LPAREN)) {
        List ps = {0};
        comma_list(p, TK_RPAREN, type_item, &ps, "`,` or `)`");
        payload = (SgTypeExpr **)list_done(p, &ps, &npayload);
    }
    SgVariant *v = slist_add(ctx);
    v->name = tok_name(p, t);
    v->span = tok_span(t);
    v->full = (SgSpan){t->off, prev_end(p)};
    v->payload = payload;
    v->npayload = npayload;
    return !p->panic;
}

static bool import_name_item(Parser *p, void *ctx) {
    if (kind(p) != TK_IDENT) {
        error_at(p, cur(p), "a name to import");
        return false;
    }
    SgToken *t = advance(p);
    SgImportName *n = slist_add(ctx);
    n->name = tok_name(p, t);
    n->span = tok_span(t);
    return true;
}

static void parse_import(Parser *p, SgItem *it) {
    it->kind = IT_IMPORT;
    SgBuf path = {0};
    SgToken *last = NULL;
    it->path_span.start = cur(p)->off;
    for (;;) {
        if (kind(p) != TK_IDENT) {
            error_at(p, cur(p), "a module name");
            break;
        }
        last = advance(p);
        if (path.len) sg_buf_putc(&path, '.');
        sg_buf_put(&path, p->src + last->off, last->len);
        it->path_span.end = last->off + last->len;
        if (kind(p) == TK_DOT && peek_kind(p, 1) == TK_IDENT) {
            advance(p);
            continue;
        }
        if (kind(p) == TK_DOT && peek_kind(p, 1) == TK_LBRACE) {
            advance(p);
            advance(p);
            it->selective = true;
            SList names = {.size = sizeof(SgImportName)};
            comma_list(p, TK_RBRACE, import_name_item, &names, "`,` or `}`");
            it->names = slist_done(p, &names, &it->nnames);
        }
        break;
    }
    if (path.len) {
        char *s = sg_arena_strndup(p->a, path.data, path.len);
        it->path = sg_name(s, path.len);
    }
    sg_buf_free(&path);
    if (last && !it->selective) {
        it->name = tok_name(p, last);
        it->name_span = tok_span(last);
        if (accept(p, TK_AS)) {
            if (kind(p) == TK_IDENT) {
                SgToken *a = advance(p);
                it->name = tok_name(p, a);
                it->name_span = tok_span(a);
            } else {
                error_at(p, cur(p), "an alias name");
            }
        }
    }
}

static SgDoc *doc_for(Parser *p, uint32_t tok) {
    /* docs are sorted by token index */
    uint32_t lo = 0, hi = p->toks->ndocs;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (p->toks->docs[mid].tok < tok) lo = mid + 1;
        else hi = mid;
    }
    return lo < p->toks->ndocs && p->toks->docs[lo].tok == tok ? &p->toks->docs[lo] : NULL;
}

static SgItem *parse_item(Parser *p, bool *seen_other) {
    SgItem *it = SG_NEW(p->a, SgItem);
    SgToken *first = cur(p);
    it->span.start = first->off;
    p->item = it;
    it->doc = doc_for(p, p->i);
    if (accept(p, TK_IMPORT)) {
        parse_import(p, it);
        if (*seen_other && !p->panic) {
            it->misplaced = true;
            sg_diag(p->diags, first->off, first->off + first->len, "E010",
                    "syntax error: `import` must come before all other items");
        }
        it->span.end = prev_end(p);
        return it;
    }
    *seen_other = true;
    it->pub = accept(p, TK_PUB);
    it->is_extern = accept(p, TK_EXTERN);
    int k = kind(p);
    SgToken *kw = cur(p);
    if (k != TK_FN && k != TK_STRUCT && k != TK_ENUM && k != TK_TYPE && k != TK_CONST) {
        error_at(p, kw, it->pub || it->is_extern ? "an item" : "an item (`fn`, `struct`, `enum`, `type`, `const` or `import`)");
        return it;
    }
    advance(p);
    if (kind(p) != TK_IDENT) {
        error_at(p, cur(p), "a name");
        return it;
    }
    SgToken *nt = advance(p);
    it->name = tok_name(p, nt);
    it->name_span = tok_span(nt);
    if (it->is_extern && k != TK_FN && k != TK_TYPE) {
        error_at(p, kw, "`fn` or `type` after `extern`");
        return it;
    }
    switch (k) {
    case TK_FN: {
        it->kind = IT_FN;
        parse_tparams(p, it);
        SList params = {.size = sizeof(SgParam)};
        if (expect(p, TK_LPAREN, NULL)) comma_list(p, TK_RPAREN, param_item, &params, "`,` or `)`");
        it->fields = slist_done(p, &params, &it->nfields);
        if (!p->panic && accept(p, TK_ARROW)) it->type = parse_type(p);
        if (!p->panic && !it->is_extern) it->body = parse_block(p);
        break;
    }
    case TK_STRUCT: {
        it->kind = IT_STRUCT;
        parse_tparams(p, it);
        SList fields = {.size = sizeof(SgParam)};
        if (!p->panic && expect(p, TK_LBRACE, NULL)) comma_list(p, TK_RBRACE, param_item, &fields, "`,` or `}`");
        it->fields = slist_done(p, &fields, &it->nfields);
        break;
    }
    case TK_ENUM: {
        it->kind = IT_ENUM;
        parse_tparams(p, it);
        SList vs = {.size = sizeof(SgVariant)};
        if (!p->panic && expect(p, TK_LBRACE, NULL)) comma_list(p, TK_RBRACE, variant_item, &vs, "`,` or `}`");
        it->variants = slist_done(p, &vs, &it->nvariants);
        break;
    }
    case TK_TYPE:
        parse_tparams(p, it);
        if (it->is_extern) {
            it->kind = IT_EXTERN_TYPE;
        } else {
            it->kind = IT_ALIAS;
            if (!p->panic && expect(p, TK_ASSIGN, "`=`")) it->type = parse_type(p);
        }
        break;
    case TK_CONST:
        it->kind = IT_CONST;
        if (expect(p, TK_COLON, "`:` and the constant's type")) it->type = parse_type(p);
        if (!p->panic && expect(p, TK_ASSIGN, "`=`")) it->value = parse_expr(p);
        break;
    }
    it->span.end = prev_end(p);
    return it;
}

/* Is token i the first on its line? (Only the top-level resynchronisation
 * asks, so it is computed from the source rather than stored.) */
static bool at_line_start(Parser *p, uint32_t i) {
    uint32_t from = 0;
    for (uint32_t j = i; j-- > 0;)
        if (p->t[j].kind != TK_NEWLINE) {
            from = p->t[j].off + p->t[j].len;
            break;
        }
    for (uint32_t o = p->t[i].off; o > from; o--)
        if (p->src[o - 1] == '\n') return true;
    return from == 0 && i == 0;
}

/* An item cut short by the end of the file or by the next item is kept
 * when what it has is complete enough for the checker; what is missing
 * was reported (or covered by an unterminated comment's E002). */
static bool usable_at_end(const SgItem *it) {
    if (!it->name.len && it->kind != IT_IMPORT) return false;
    switch (it->kind) {
    case IT_FN: return it->body || it->is_extern;
    case IT_ALIAS: return it->type != NULL;
    case IT_CONST: return it->type && it->value;
    case IT_IMPORT: return it->path.len > 0;
    default: return true;
    }
}

static bool is_item_start(int k) {
    return k == TK_IMPORT || k == TK_PUB || k == TK_EXTERN || k == TK_FN || k == TK_STRUCT ||
           k == TK_ENUM || k == TK_TYPE || k == TK_CONST;
}

void sg_parse(SgArena *arena, const char *src, uint32_t len, SgAst *out, SgDiags *diags) {
    memset(out, 0, sizeof *out);
    sg_lex_heap(arena, src, len, &out->toks, diags);
    Parser P = {.a = arena, .src = src, .t = out->toks.toks, .n = out->toks.len,
                .toks = &out->toks, .diags = diags};
    Parser *p = &P;
    List items = {0};
    bool seen_other = false;
    uint32_t stop = 0;      /* the token that ends the current item at the latest */
    for (;;) {
        skip_newlines(p);
        if (kind(p) == TK_EOF) break;
        if (stop <= p->i) {
            stop = p->i + 1;
            while (p->t[stop].kind != TK_EOF && !(p->t[stop].flags & SG_TOKF_NEW_ITEM)) stop++;
        }
        uint8_t stop_kind = p->t[stop].kind;
        p->t[stop].kind = TK_EOF;
        p->at_end = false;
        uint32_t before = p->i;
        SgItem *it = parse_item(p, &seen_other);
        if (p->panic && kind(p) == TK_EOF && usable_at_end(it)) p->panic = false;
        if (p->panic) {
            /* skip to a statement end or an item keyword at top level */
            if (p->i == before) advance(p);
            for (;;) {
                SgToken *t = cur(p);
                if (t->kind == TK_EOF) break;
                if (t->depth == 0 && (t->kind == TK_NEWLINE || t->kind == TK_SEMI)) {
                    advance(p);
                    break;
                }
                if (t->depth == 0 && is_item_start(t->kind) && at_line_start(p, p->i)) break;
                advance(p);
            }
            p->panic = false;
            p->t[stop].kind = stop_kind;
            continue;
        }
        list_push(&items, it);
        int k = kind(p);
        if (k == TK_NEWLINE || k == TK_SEMI) advance(p);
        else if (k != TK_EOF && !is_item_start(k)) {
            error_at(p, cur(p), "end of item");
            p->panic = false;
            while (kind(p) != TK_EOF && !(cur(p)->depth == 0 && (kind(p) == TK_NEWLINE ||
                                                               (is_item_start(kind(p)) && at_line_start(p, p->i)))))
                advance(p);
        }
        p->t[stop].kind = stop_kind;
    }
    out->items = list_done(p, &items, &out->nitems);
    /* the tree keeps spans, not tokens; only the doc comments stay */
    free(out->toks.toks);
    out->toks.toks = NULL;
    out->toks.len = 0;
}
