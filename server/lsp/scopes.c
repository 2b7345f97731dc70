/* scopes.c - the local bindings of a syntax tree and where each is visible
 * (rename asks whether a new name would capture, or be captured by, a
 * local): a `let` from the end of its statement to the end of its block; a
 * `for` variable in the loop's body; parameters in their function's or
 * lambda's body; a pattern's names in their arm; type parameters in their
 * item. A bare name in a pattern counts as a binding even when it names a
 * constructor: for a rename, assuming a capture is the safe side.
 *
 * Threads: any (it reads only the tree it is given). */
#include <stdlib.h>

#include "internal.h"

typedef struct Walk {
    SgArena *a;
    SgVec out;
} Walk;

static void add_binding(Walk *w, SgName name, SgSpan decl, SgSpan scope, bool type) {
    if (!name.len || scope.end < scope.start) return;
    LspBinding *b = SG_NEW(w->a, LspBinding);
    *b = (LspBinding){name, decl, scope, type};
    sg_vec_push(&w->out, b);
}

static void expr(Walk *w, const SgExpr *e);
static void block(Walk *w, const SgBlock *b);

static void pattern(Walk *w, const SgPattern *p, SgSpan scope) {
    if (!p) return;
    if (p->kind == PT_BIND) add_binding(w, p->name, p->span, scope, false);
    for (uint32_t i = 0; i < p->nargs; i++) pattern(w, p->args[i], scope);
}

static void expr(Walk *w, const SgExpr *e) {
    if (!e) return;
    switch (e->kind) {
    case EX_MEMBER: expr(w, e->u.member.lhs); break;
    case EX_CALL:
        expr(w, e->u.call.callee);
        for (uint32_t i = 0; i < e->u.call.nargs; i++) expr(w, e->u.call.args[i]);
        break;
    case EX_INDEX:
        expr(w, e->u.index.lhs);
        expr(w, e->u.index.index);
        break;
    case EX_UNARY: expr(w, e->u.bin.lhs); break;
    case EX_BINARY:
        expr(w, e->u.bin.lhs);
        expr(w, e->u.bin.rhs);
        break;
    case EX_LIST:
        for (uint32_t i = 0; i < e->u.list.n; i++) expr(w, e->u.list.items[i]);
        break;
    case EX_STRUCT:
        for (uint32_t i = 0; i < e->u.lit.nfields; i++) expr(w, e->u.lit.fields[i].value);
        break;
    case EX_LAMBDA:
        for (uint32_t i = 0; e->u.lambda.body && i < e->u.lambda.nparams; i++)
            add_binding(w, e->u.lambda.params[i].name, e->u.lambda.params[i].name_span, e->u.lambda.body->span, false);
        block(w, e->u.lambda.body);
        break;
    case EX_BLOCK: block(w, e->u.block); break;
    case EX_IF:
        expr(w, e->u.if_.cond);
        block(w, e->u.if_.then);
        expr(w, e->u.if_.els);
        break;
    case EX_MATCH:
        expr(w, e->u.match.scrut);
        for (uint32_t i = 0; i < e->u.match.narms; i++) {
            const SgArm *arm = &e->u.match.arms[i];
            if (!arm->pat) continue;
            SgSpan scope = {arm->pat->span.start, arm->body ? arm->body->span.end : arm->pat->span.end};
            pattern(w, arm->pat, scope);
            expr(w, arm->body);
        }
        break;
    case EX_RETURN: expr(w, e->u.ret); break;
    default: break;
    }
}

static void block(Walk *w, const SgBlock *b) {
    if (!b) return;
    for (uint32_t i = 0; i < b->n; i++) {
        const SgStmt *s = b->stmts[i];
        expr(w, s->expr);
        expr(w, s->target);
        if (s->kind == ST_LET && !s->wildcard) add_binding(w, s->name, s->name_span, (SgSpan){s->span.end, b->span.end}, false);
        if (s->kind == ST_FOR && s->body) add_binding(w, s->name, s->name_span, s->body->span, false);
        block(w, s->body);
    }
}

uint32_t lsp_bindings(const SgAst *ast, SgArena *a, LspBinding **out) {
    Walk w = {.a = a};
    for (uint32_t i = 0; i < ast->nitems; i++) {
        const SgItem *it = ast->items[i];
        for (uint32_t k = 0; k < it->ntparams; k++) add_binding(&w, it->tparams[k].name, it->tparams[k].span, it->span, true);
        if (it->kind == IT_FN && it->body)
            for (uint32_t k = 0; k < it->nfields; k++)
                add_binding(&w, it->fields[k].name, it->fields[k].name_span, it->body->span, false);
        block(&w, it->body);
        expr(&w, it->value);
    }
    *out = SG_NEW_N(a, LspBinding, w.out.len + 1);
    for (uint32_t i = 0; i < w.out.len; i++) (*out)[i] = *(LspBinding *)w.out.items[i];
    uint32_t n = w.out.len;
    sg_vec_free(&w.out);
    return n;
}

const LspBinding *lsp_binding_at(const LspBinding *bs, uint32_t n, SgName name, bool type, uint32_t at) {
    for (uint32_t i = 0; i < n; i++)
        if (bs[i].type == type && bs[i].scope.start <= at && at < bs[i].scope.end && bs[i].name.len == name.len &&
            memcmp(bs[i].name.s, name.s, name.len) == 0)
            return &bs[i];
    return NULL;
}
