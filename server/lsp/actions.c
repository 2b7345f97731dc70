/* actions.c - textDocument/codeAction: quick fixes for the diagnostics the
 * client sends back, computed on the buffer as it is now:
 *   E103 on `alias.name`   add the missing import (one action per module
 *                          whose last segment is the alias);
 *   W001                   remove the unused import;
 *   E207                   add an arm for the value the message names
 *                          (the witness), with a body that panics;
 *   a suggestion           "did you mean `count`?" (E103, E104, E105, E108):
 *                          the name replaced by the suggested one, as the
 *                          last check of the buffer found it.
 *
 * Threads: the loop thread only. */
#include <stdlib.h>

#include "internal.h"

/* A quick fix of `dg` that replaces bytes [a, b) of the document with `text`. */
static void add_fix(cJSON *arr, const LspDoc *d, const cJSON *dg, const char *title, size_t a, size_t b, const char *text) {
    cJSON *act = cJSON_CreateObject();
    cJSON_AddStringToObject(act, "title", title);
    cJSON_AddStringToObject(act, "kind", "quickfix");
    cJSON *dl = cJSON_AddArrayToObject(act, "diagnostics");
    cJSON_AddItemToArray(dl, cJSON_Duplicate(dg, 1));
    cJSON *edits = cJSON_AddArrayToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(act, "edit"), "changes"), d->uri);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "range", lsp_span_range(d->text, d->len, (SgSpan){(uint32_t)a, (uint32_t)b}));
    cJSON_AddStringToObject(e, "newText", text);
    cJSON_AddItemToArray(edits, e);
    cJSON_AddItemToArray(arr, act);
}

static size_t line_start(const char *t, size_t off) {
    while (off > 0 && t[off - 1] != '\n') off--;
    return off;
}

/* The leading blanks of the line that holds `off`. */
static SgBuf indent_of(const char *t, size_t len, size_t off) {
    SgBuf b = {0};
    for (size_t i = line_start(t, off); i < len && (t[i] == ' ' || t[i] == '\t'); i++) sg_buf_putc(&b, t[i]);
    if (!b.data) sg_buf_puts(&b, "");
    return b;
}

static void fix_missing_import(cJSON *arr, const LspDoc *d, const cJSON *dg, size_t a, const LspParsed *p) {
    size_t b = lsp_ident_end(d->text, d->len, a);
    if (b == a || b >= d->len || d->text[b] != '.') return;     /* only `alias.name` */
    /* after the last import, or at the top */
    size_t at = 0;
    for (uint32_t k = 0; k < p->ast.nitems; k++)
        if (p->ast.items[k]->kind == IT_IMPORT) {
            at = p->ast.items[k]->span.end;
            while (at < d->len && d->text[at] != '\n') at++;
            if (at < d->len) at++;
        }
    /* modules whose last segment is the alias */
    SgEngineRun *run = lsp_run_of(d->path);
    for (uint32_t i = 0; run && i < run->prog.n; i++) {
        SgModule *cand = run->prog.mods[i];
        const char *last = strrchr(cand->name, '.');
        last = last ? last + 1 : cand->name;
        if (strlen(last) != b - a || memcmp(last, d->text + a, b - a) != 0) continue;
        SgBuf title = {0}, text = {0};
        sg_buf_printf(&title, "Add `import %s`", cand->name);
        sg_buf_printf(&text, "import %s\n", cand->name);
        add_fix(arr, d, dg, title.data, at, at, text.data);
        sg_buf_free(&title);
        sg_buf_free(&text);
    }
}

static void fix_unused_import(cJSON *arr, const LspDoc *d, const cJSON *dg, size_t a, const LspParsed *p) {
    for (uint32_t k = 0; k < p->ast.nitems; k++) {
        const SgItem *it = p->ast.items[k];
        if (it->kind != IT_IMPORT || it->span.start != a) continue;
        /* the whole line when the import is alone on it */
        size_t from = line_start(d->text, a), to = it->span.end;
        bool alone = true;
        for (size_t i = from; i < a; i++) alone &= d->text[i] == ' ' || d->text[i] == '\t';
        size_t e = to;
        while (e < d->len && (d->text[e] == ' ' || d->text[e] == '\t')) e++;
        if (alone && (e == d->len || d->text[e] == '\n')) to = e < d->len ? e + 1 : e;
        else from = a;
        SgBuf title = {0};
        sg_buf_printf(&title, "Remove the unused import `%.*s`", (int)(it->span.end - a), d->text + a);
        add_fix(arr, d, dg, title.data, from, to, "");
        sg_buf_free(&title);
        return;
    }
}

/* The match expression that starts where E207 points. */
typedef struct FindMatch {
    size_t at;
    const SgExpr *found;
} FindMatch;

static bool find_match(void *ctx, LspNodeKind kind, int sub, SgSpan span, const void *node) {
    FindMatch *f = ctx;
    if (f->found || f->at < span.start || f->at > span.end) return false;
    if (kind == LSP_NODE_EXPR && sub == EX_MATCH && span.start == f->at) f->found = node;
    return !f->found;
}

static void fix_missing_arm(cJSON *arr, const LspDoc *d, const cJSON *dg, size_t a, const LspParsed *p) {
    /* the witness: "non-exhaustive match: `W` is not covered" */
    const char *msg = lsp_str_at(dg, "message", NULL);
    const char *w1 = msg ? strchr(msg, '`') : NULL, *w2 = w1 ? strchr(w1 + 1, '`') : NULL;
    if (!w2 || w2 == w1 + 1) return;
    FindMatch f = {.at = a};
    lsp_walk(&p->ast, find_match, &f);
    const SgExpr *m = f.found;
    if (!m || m->span.end < 1 || d->text[m->span.end - 1] != '}') return;
    size_t close = m->span.end - 1;
    SgBuf text = {0}, indent;
    size_t at;
    if (m->u.match.narms) {
        /* after the last arm (and its comma), on a line of its own, indented like it */
        const SgArm *last = &m->u.match.arms[m->u.match.narms - 1];
        indent = indent_of(d->text, d->len, last->pat->span.start);
        at = last->body->span.end;
        size_t e = at;
        while (e < close && (d->text[e] == ' ' || d->text[e] == '\t')) e++;
        bool comma = e < close && d->text[e] == ',';
        if (comma) at = e + 1;
        sg_buf_printf(&text, "%s\n%s%.*s => panic(\"not handled yet\"),", comma ? "" : ",", indent.data,
                      (int)(w2 - w1 - 1), w1 + 1);
    } else {
        SgBuf outer = indent_of(d->text, d->len, m->span.start);
        indent = (SgBuf){0};
        sg_buf_printf(&indent, "%s    ", outer.data);
        sg_buf_free(&outer);
        at = close;
        sg_buf_printf(&text, "\n%s%.*s => panic(\"not handled yet\"),\n%.*s", indent.data, (int)(w2 - w1 - 1), w1 + 1,
                      (int)(indent.len - 4), indent.data);
    }
    SgBuf title = {0};
    sg_buf_printf(&title, "Add a match arm for `%.*s`", (int)(w2 - w1 - 1), w1 + 1);
    add_fix(arr, d, dg, title.data, at, at, text.data);
    sg_buf_free(&title);
    sg_buf_free(&text);
    sg_buf_free(&indent);
}

/* The diagnostic's fix (diag.h), from the check of the open module, if that
 * check saw the buffer as it is now (its offsets are the buffer's then). */
static void fix_suggestion(cJSON *arr, const LspDoc *d, const cJSON *dg, size_t a) {
    SgModule *m = lsp_open_module(d->uri);
    const char *code = lsp_str_at(dg, "code", NULL), *msg = lsp_str_at(dg, "message", NULL);
    if (!m || !m->src || !msg || m->len != d->len || memcmp(m->src, d->text, d->len) != 0) return;
    for (uint32_t i = 0; i < m->diags.len; i++) {
        const SgDiag *g = &m->diags.items[i];
        if (!g->fix || g->start != a || strcmp(g->code, code) != 0 || strcmp(g->message, msg) != 0) continue;
        const SgFix *f = g->fix;
        if (f->at.end > d->len) return;
        SgBuf title = {0};
        sg_buf_printf(&title, "Change `%.*s` to `%s`", (int)(f->at.end - f->at.start), d->text + f->at.start, f->text);
        add_fix(arr, d, dg, title.data, f->at.start, f->at.end, f->text);
        sg_buf_free(&title);
        return;
    }
}

void lsp_on_code_action(const cJSON *id, const cJSON *params) {
    const char *uri = lsp_str_at(params, "textDocument", "uri");
    LspDoc *d = uri ? lsp_doc_of_uri(uri) : NULL;
    cJSON *arr = cJSON_CreateArray();
    LspParsed p = {0};
    bool parsed = d && lsp_parse_document(uri, &p);
    const cJSON *diags = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "context"), "diagnostics");
    const cJSON *dg;
    cJSON_ArrayForEach(dg, diags) {
        const char *code = lsp_str_at(dg, "code", NULL);
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dg, "range"), "start");
        double line, ch;
        if (!parsed || !code || !lsp_num_at(start, "line", &line) || !lsp_num_at(start, "character", &ch) || line < 0 || ch < 0)
            continue;
        size_t a = lsp_offset_of(d->text, d->len, lsp_u32(line), lsp_u32(ch), srv->enc);
        if (strcmp(code, "E103") == 0) fix_missing_import(arr, d, dg, a, &p);
        else if (strcmp(code, "W001") == 0) fix_unused_import(arr, d, dg, a, &p);
        else if (strcmp(code, "E207") == 0) fix_missing_arm(arr, d, dg, a, &p);
        fix_suggestion(arr, d, dg, a);
    }
    lsp_parsed_free(&p);
    lsp_send(lsp_response(id, arr));
}
