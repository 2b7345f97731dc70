/* semantic.c - textDocument/semanticTokens/full and its legend: keywords,
 * literals and comments from the lexer, identifiers by what the facts say
 * they are (when the last check saw this text).
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "../../checker/lex.h"
#include "internal.h"

/* Semantic token types, in legend order. */
const char *const lsp_token_types[] = {"namespace", "type", "struct", "enum", "enumMember", "function",
                                       "variable", "parameter", "property", "keyword", "string", "number",
                                       "comment", "operator", "typeParameter"};
const size_t lsp_ntoken_types = SG_ARRAY_LEN(lsp_token_types);
enum { TT_NAMESPACE, TT_TYPE, TT_STRUCT, TT_ENUM, TT_ENUM_MEMBER, TT_FUNCTION, TT_VARIABLE, TT_PARAMETER,
       TT_PROPERTY, TT_KEYWORD, TT_STRING, TT_NUMBER, TT_COMMENT, TT_OPERATOR, TT_TYPE_PARAMETER };

typedef struct Tok {
    size_t start, end;
    int type;
} Tok;

static int cmp_tok(const void *a, const void *b) {
    const Tok *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

void lsp_on_semantic_tokens(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    SgModule *m = lsp_open_module(uri);
    if (!d) {
        lsp_send(lsp_error(id, LSP_INVALID_PARAMS, "the document is not open"));
        return;
    }
    const char *t = d->text;
    size_t n = d->len;
    SgArena ar;
    sg_arena_init(&ar);
    SgDiags dd = {.arena = &ar};
    SgTokens toks;
    sg_lex(&ar, t, (uint32_t)n, &toks, &dd);
    Tok *v = sg_xmalloc(sizeof *v * (toks.len + 64));
    size_t nv = 0, cap = toks.len + 64;
    /* facts (if the run saw this text) tell what each identifier is */
    bool facts_ok = m && m->len == n && memcmp(m->src, t, n) == 0;
    for (uint32_t i = 0; i < toks.len; i++) {
        SgToken *k = &toks.toks[i];
        int type = -1;
        if (k->kind >= TK_IMPORT && k->kind <= TK_FALSE) type = TT_KEYWORD;
        else if (k->kind == TK_STRING) type = TT_STRING;
        else if (k->kind == TK_INT || k->kind == TK_FLOAT) type = TT_NUMBER;
        else if (k->kind == TK_IDENT) {
            type = TT_VARIABLE;
            for (uint32_t f = 0; facts_ok && f < m->facts->len; f++) {
                SgFact *x = &m->facts->items[f];
                if (x->span.end != k->off + k->len) continue;
                switch (x->kind) {
                case FACT_MODULE: type = TT_NAMESPACE; break;
                case FACT_TYPE: type = TT_TYPE; break;
                case FACT_FIELD: type = TT_PROPERTY; break;
                case FACT_LOCAL: type = TT_VARIABLE; break;
                default: type = x->type && strncmp(x->type, "fn(", 3) == 0 ? TT_FUNCTION : TT_VARIABLE; break;
                }
            }
        }
        if (type >= 0) v[nv++] = (Tok){k->off, k->off + k->len, type};
    }
    /* comments, which the lexer skips */
    size_t at = 0, cs, ce;
    while (lsp_next_comment(t, n, &at, &cs, &ce)) {
        /* one token per line: tokens may not span lines */
        size_t s0 = cs;
        for (size_t j = cs; j <= ce; j++) {
            if (j == ce || t[j] == '\n') {
                if (j > s0) {
                    if (nv == cap) v = sg_xrealloc(v, sizeof *v * (cap *= 2));
                    v[nv++] = (Tok){s0, j, TT_COMMENT};
                }
                s0 = j + 1;
            }
        }
    }
    sg_qsort(v, nv, sizeof *v, cmp_tok);
    cJSON *data = cJSON_CreateArray();
    uint32_t pl = 0, pc = 0;
    LspCursor cur;
    lsp_cursor_init(&cur, t, n, srv->enc);
    for (size_t i = 0; i < nv; i++) {
        uint32_t l, c, l2, c2;
        lsp_cursor_position(&cur, v[i].start, &l, &c);
        lsp_cursor_position(&cur, v[i].end, &l2, &c2);
        if (l2 != l) continue;
        cJSON_AddItemToArray(data, cJSON_CreateNumber(l - pl));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(l == pl ? c - pc : c));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(c2 - c));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(v[i].type));
        cJSON_AddItemToArray(data, cJSON_CreateNumber(0));
        pl = l;
        pc = c;
    }
    free(v);
    sg_diags_free(&dd);
    sg_arena_free(&ar);
    cJSON *res = cJSON_CreateObject();
    cJSON_AddItemToObject(res, "data", data);
    lsp_send(lsp_response(id, res));
}
