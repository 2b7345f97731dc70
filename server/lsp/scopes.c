/* scopes.c - the local bindings of a syntax tree and where each is visible
 * (rename asks whether a new name would capture, or be captured by, a
 * local): a `let` from the end of its statement to the end of its block; a
 * `for` variable in the loop's body; parameters in their function's or
 * lambda's body; a pattern's names in their arm; type parameters in their
 * item. A bare name in a pattern counts as a binding even when it names a
 * constructor: for a rename, assuming a capture is the safe side. The tree
 * is read with lsp_walk (syntax.c), which visits parents first, in source
 * order: the blocks and arms around a node are those still open there.
 *
 * Threads: any (it reads only the tree it is given). */
#include <stdlib.h>

#include "internal.h"

typedef struct Open {
    SgSpan span;
    bool arm;           /* a match arm, else a block */
} Open;

typedef struct Walk {
    SgArena *a;
    SgVec out;
    Open *open;         /* the blocks and arms around the node visited */
    uint32_t nopen, room;
} Walk;

static void add_binding(Walk *w, SgName name, SgSpan decl, SgSpan scope, bool type) {
    if (!name.len || scope.end < scope.start) return;
    LspBinding *b = SG_NEW(w->a, LspBinding);
    *b = (LspBinding){name, decl, scope, type};
    sg_vec_push(&w->out, b);
}

/* The innermost open block (or arm) around the node visited. */
static SgSpan around(const Walk *w, bool arm) {
    for (uint32_t i = w->nopen; i-- > 0;)
        if (w->open[i].arm == arm) return w->open[i].span;
    return (SgSpan){1, 0};  /* none: no binding */
}

static void enter(Walk *w, SgSpan span, bool arm) {
    if (w->nopen == w->room) {
        w->room = w->room ? w->room * 2 : 32;
        w->open = sg_xrealloc(w->open, sizeof *w->open * w->room);
    }
    w->open[w->nopen++] = (Open){span, arm};
}

static bool visit(void *ctx, LspNodeKind kind, int sub, SgSpan span, const void *node) {
    Walk *w = ctx;
    while (w->nopen && w->open[w->nopen - 1].span.end <= span.start) w->nopen--;
    switch (kind) {
    case LSP_NODE_ITEM: {
        const SgItem *it = node;
        w->nopen = 0;
        for (uint32_t k = 0; k < it->ntparams; k++) add_binding(w, it->tparams[k].name, it->tparams[k].span, it->span, true);
        for (uint32_t k = 0; it->kind == IT_FN && it->body && k < it->nfields; k++)
            add_binding(w, it->fields[k].name, it->fields[k].name_span, it->body->span, false);
        break;
    }
    case LSP_NODE_BLOCK: enter(w, span, false); break;
    case LSP_NODE_PART:
        if (sub == 1) enter(w, span, true);     /* a match arm */
        break;
    case LSP_NODE_STMT: {
        const SgStmt *s = node;
        if (s->kind == ST_LET && !s->wildcard) add_binding(w, s->name, s->name_span, (SgSpan){s->span.end, around(w, false).end}, false);
        if (s->kind == ST_FOR && s->body) add_binding(w, s->name, s->name_span, s->body->span, false);
        break;
    }
    case LSP_NODE_EXPR: {
        const SgExpr *e = node;
        for (uint32_t i = 0; e->kind == EX_LAMBDA && e->u.lambda.body && i < e->u.lambda.nparams; i++)
            add_binding(w, e->u.lambda.params[i].name, e->u.lambda.params[i].name_span, e->u.lambda.body->span, false);
        break;
    }
    case LSP_NODE_PATTERN: {
        const SgPattern *p = node;
        if (p->kind == PT_BIND) add_binding(w, p->name, p->span, around(w, true), false);
        break;
    }
    default: break;
    }
    return true;
}

uint32_t lsp_bindings(const SgAst *ast, SgArena *a, LspBinding **out) {
    Walk w = {.a = a};
    lsp_walk(ast, visit, &w);
    *out = SG_NEW_N(a, LspBinding, w.out.len + 1);
    for (uint32_t i = 0; i < w.out.len; i++) (*out)[i] = *(LspBinding *)w.out.items[i];
    uint32_t n = w.out.len;
    sg_vec_free(&w.out);
    free(w.open);
    return n;
}

const LspBinding *lsp_binding_at(const LspBinding *bs, uint32_t n, SgName name, bool type, uint32_t at) {
    for (uint32_t i = 0; i < n; i++)
        if (bs[i].type == type && bs[i].scope.start <= at && at < bs[i].scope.end && bs[i].name.len == name.len &&
            memcmp(bs[i].name.s, name.s, name.len) == 0)
            return &bs[i];
    return NULL;
}
