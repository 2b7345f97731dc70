/* syntax.c - the document as it is now rather than as the last check saw
 * it: its text parsed, a walk over the tree (every node with a span,
 * parents before children, in source order), and its comments. For the
 * features that need no check: folding ranges, selection ranges, semantic
 * tokens' comments.
 *
 * Threads: the loop thread (lsp_parse_document reads the open buffers);
 * lsp_parse_text and lsp_walk read only what they are given, and index jobs
 * call them on the pool (rename's scopes, scopes.c). */
#include <stdlib.h>

#include "internal.h"

typedef struct Walk {
    LspVisit visit;
    void *ctx;
} Walk;

static void expr(Walk *w, const SgExpr *e);
static void block(Walk *w, const SgBlock *b);

static bool node(Walk *w, LspNodeKind kind, int sub, SgSpan span, const void *n) {
    return w->visit(w->ctx, kind, sub, span, n);
}

static void type_expr(Walk *w, const SgTypeExpr *t) {
    if (!t || !node(w, LSP_NODE_TYPE, t->kind, t->span, t)) return;
    if (t->name_span.end > t->name_span.start) node(w, LSP_NODE_NAME, 0, t->name_span, NULL);
    for (uint32_t i = 0; i < t->nargs; i++) type_expr(w, t->args[i]);
    type_expr(w, t->ret);
}

static void pattern(Walk *w, const SgPattern *p) {
    if (!p || !node(w, LSP_NODE_PATTERN, p->kind, p->span, p)) return;
    for (uint32_t i = 0; i < p->nargs; i++) pattern(w, p->args[i]);
}

static void param(Walk *w, const SgParam *p) {
    SgSpan full = {p->name_span.start, p->type ? p->type->span.end : p->name_span.end};
    if (!node(w, LSP_NODE_PART, 0, full, NULL)) return;
    node(w, LSP_NODE_NAME, 0, p->name_span, NULL);
    type_expr(w, p->type);
}

static void expr(Walk *w, const SgExpr *e) {
    if (!e || !node(w, LSP_NODE_EXPR, e->kind, e->span, e)) return;
    switch (e->kind) {
    case EX_MEMBER:
        expr(w, e->u.member.lhs);
        node(w, LSP_NODE_NAME, 0, e->u.member.name_span, NULL);
        break;
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
        node(w, LSP_NODE_NAME, 0, e->u.lit.name_span, NULL);
        for (uint32_t i = 0; i < e->u.lit.nfields; i++) {
            const SgFieldInit *f = &e->u.lit.fields[i];
            SgSpan full = {f->name_span.start, f->value ? f->value->span.end : f->name_span.end};
            if (!node(w, LSP_NODE_PART, 0, full, NULL)) continue;
            node(w, LSP_NODE_NAME, 0, f->name_span, NULL);
            expr(w, f->value);
        }
        break;
    case EX_LAMBDA:
        for (uint32_t i = 0; i < e->u.lambda.nparams; i++) param(w, &e->u.lambda.params[i]);
        type_expr(w, e->u.lambda.ret);
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
            const SgArm *a = &e->u.match.arms[i];
            if (!a->pat || !a->body) continue;
            if (!node(w, LSP_NODE_PART, 1, (SgSpan){a->pat->span.start, a->body->span.end}, NULL)) continue;
            pattern(w, a->pat);
            expr(w, a->body);
        }
        break;
    case EX_RETURN: expr(w, e->u.ret); break;
    default: break;
    }
}

static void stmt(Walk *w, const SgStmt *s) {
    if (!s || !node(w, LSP_NODE_STMT, s->kind, s->span, s)) return;
    if (s->name_span.end > s->name_span.start) node(w, LSP_NODE_NAME, 0, s->name_span, NULL);
    type_expr(w, s->type);
    expr(w, s->target);
    expr(w, s->expr);
    block(w, s->body);
}

static void block(Walk *w, const SgBlock *b) {
    if (!b || !node(w, LSP_NODE_BLOCK, 0, b->span, b)) return;
    for (uint32_t i = 0; i < b->n; i++) stmt(w, b->stmts[i]);
}

void lsp_walk(const SgAst *ast, LspVisit visit, void *ctx) {
    Walk w = {visit, ctx};
    for (uint32_t i = 0; i < ast->nitems; i++) {
        const SgItem *it = ast->items[i];
        if (!node(&w, LSP_NODE_ITEM, it->kind, it->span, it)) continue;
        if (it->name_span.end > it->name_span.start) node(&w, LSP_NODE_NAME, 0, it->name_span, NULL);
        if (it->kind == IT_IMPORT && it->path_span.end > it->path_span.start) node(&w, LSP_NODE_NAME, 0, it->path_span, NULL);
        for (uint32_t k = 0; k < it->nnames; k++) node(&w, LSP_NODE_NAME, 0, it->names[k].span, NULL);
        for (uint32_t k = 0; k < it->ntparams; k++) node(&w, LSP_NODE_NAME, 0, it->tparams[k].span, NULL);
        for (uint32_t k = 0; k < it->nfields; k++) param(&w, &it->fields[k]);
        for (uint32_t k = 0; k < it->nvariants; k++) {
            const SgVariant *v = &it->variants[k];
            if (!node(&w, LSP_NODE_PART, 0, v->full, NULL)) continue;
            node(&w, LSP_NODE_NAME, 0, v->span, NULL);
            for (uint32_t j = 0; j < v->npayload; j++) type_expr(&w, v->payload[j]);
        }
        type_expr(&w, it->type);
        expr(&w, it->value);
        block(&w, it->body);
    }
}

bool lsp_next_comment(const char *t, size_t n, size_t *pos, size_t *start, size_t *end) {
    for (size_t i = *pos; i + 1 < n; i++) {
        if (t[i] == '"') {
            for (i++; i < n && t[i] != '"' && t[i] != '\n'; i++)
                if (t[i] == '\\') i++;
            continue;
        }
        if (t[i] == '/' && (t[i + 1] == '/' || t[i + 1] == '*')) {
            size_t e = i + 2;
            if (t[i + 1] == '/') {
                while (e < n && t[e] != '\n') e++;
            } else {
                while (e + 1 < n && !(t[e] == '*' && t[e + 1] == '/')) e++;
                e = e + 2 <= n ? e + 2 : n;
            }
            *start = i;
            *end = *pos = e;
            return true;
        }
    }
    *pos = n;
    return false;
}

void lsp_parse_text(LspParsed *out, char *text, size_t len) {
    memset(out, 0, sizeof *out);
    out->text = text;
    out->len = len;
    sg_arena_init(&out->arena);
    out->diags.arena = &out->arena;
    sg_parse(&out->arena, out->text, (uint32_t)out->len, &out->ast, &out->diags);
}

bool lsp_parse_document(const char *uri, LspParsed *out) {
    size_t len;
    char *text = lsp_document_text(uri, &len);
    if (!text) {
        memset(out, 0, sizeof *out);
        return false;
    }
    lsp_parse_text(out, text, len);
    return true;
}

void lsp_parsed_free(LspParsed *p) {
    if (!p->text) return;
    sg_diags_free(&p->diags);
    sg_arena_free(&p->arena);
    free(p->text);
}
