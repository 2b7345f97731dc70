/* helpers.c - see helpers.h. */
#include "helpers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- lexer ---- */
static void free_lexed(void *p) {
    Lexed *lx = p;
    sg_diags_free(&lx->diags);
    sg_arena_free(&lx->arena);
    free(lx->src);
    free(lx);
}

Lexed *lex_bytes(const char *src, size_t n) {
    Lexed *lx = sg_xcalloc(1, sizeof *lx);
    /* an exact-size copy (plus the NUL the lexer may look at), so that
     * AddressSanitizer catches any read past the end */
    lx->src = sg_xmalloc(n + 1);
    memcpy(lx->src, src, n);
    lx->src[n] = 0;
    lx->len = (uint32_t)n;
    sg_arena_init(&lx->arena);
    lx->diags.arena = &lx->arena;
    test_defer(free_lexed, lx);
    sg_lex(&lx->arena, lx->src, lx->len, &lx->toks, &lx->diags);
    return lx;
}

Lexed *lex_src(const char *src) { return lex_bytes(src, strlen(src)); }

static const char *const kind_names[TK_COUNT] = {
    [TK_EOF] = "EOF", [TK_NEWLINE] = "NL", [TK_IDENT] = "IDENT", [TK_INT] = "INT",
    [TK_FLOAT] = "FLOAT", [TK_STRING] = "STRING",
    [TK_IMPORT] = "import", [TK_AS] = "as", [TK_PUB] = "pub", [TK_FN] = "fn",
    [TK_STRUCT] = "struct", [TK_ENUM] = "enum", [TK_TYPE] = "type", [TK_CONST] = "const",
    [TK_EXTERN] = "extern", [TK_LET] = "let", [TK_MUT] = "mut", [TK_IF] = "if",
    [TK_ELSE] = "else", [TK_MATCH] = "match", [TK_FOR] = "for", [TK_IN] = "in",
    [TK_WHILE] = "while", [TK_RETURN] = "return", [TK_BREAK] = "break",
    [TK_CONTINUE] = "continue", [TK_TRUE] = "true", [TK_FALSE] = "false",
    [TK_LPAREN] = "(", [TK_RPAREN] = ")", [TK_LBRACKET] = "[", [TK_RBRACKET] = "]",
    [TK_LBRACE] = "{", [TK_RBRACE] = "}", [TK_COMMA] = ",", [TK_COLON] = ":",
    [TK_SEMI] = ";", [TK_DOT] = ".", [TK_ARROW] = "->", [TK_FATARROW] = "=>",
    [TK_ASSIGN] = "=", [TK_EQ] = "==", [TK_NE] = "!=", [TK_LT] = "<", [TK_LE] = "<=",
    [TK_GT] = ">", [TK_GE] = ">=", [TK_PLUS] = "+", [TK_MINUS] = "-", [TK_STAR] = "*",
    [TK_SLASH] = "/", [TK_PERCENT] = "%", [TK_BANG] = "!", [TK_ANDAND] = "&&",
    [TK_OROR] = "||",
};

const char *kind_str(int kind) {
    if (kind < 0 || kind >= TK_COUNT || !kind_names[kind]) return test_printf("?%d", kind);
    return kind_names[kind];
}

const char *tok_kinds(const Lexed *lx) {
    SgBuf b = {0};
    for (uint32_t i = 0; i < lx->toks.len; i++) {
        if (i) sg_buf_putc(&b, ' ');
        sg_buf_puts(&b, kind_str(lx->toks.toks[i].kind));
    }
    char *r = test_printf("%s", b.data ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

const char *tok_text(const Lexed *lx, uint32_t i) {
    if (i >= lx->toks.len) return "<no such token>";
    const SgToken *t = &lx->toks.toks[i];
    return test_printf("%.*s", (int)t->len, lx->src + t->off);
}

/* ---- diagnostics ---- */
static const char *codes(const SgDiags *d, bool at) {
    SgBuf b = {0};
    for (uint32_t i = 0; i < d->len; i++) {
        if (i) sg_buf_putc(&b, ' ');
        sg_buf_puts(&b, d->items[i].code);
        if (at) sg_buf_printf(&b, "@%u", d->items[i].start);
    }
    char *r = test_printf("%s", b.data ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

const char *diag_codes(const SgDiags *d) { return codes(d, false); }
const char *diag_codes_at(const SgDiags *d) { return codes(d, true); }

uint32_t count_code(const SgDiags *d, const char *code) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->len; i++) n += strcmp(d->items[i].code, code) == 0;
    return n;
}

/* ---- parser ---- */
static void free_parsed(void *p) {
    Parsed *ps = p;
    sg_diags_free(&ps->diags);
    sg_arena_free(&ps->arena);
    sg_arena_free(&ps->diag_arena);
    free(ps->src);
    free(ps);
}

Parsed *parse_src(const char *src) {
    Parsed *ps = sg_xcalloc(1, sizeof *ps);
    size_t n = strlen(src);
    ps->src = sg_xmalloc(n + 1);
    memcpy(ps->src, src, n + 1);
    ps->len = (uint32_t)n;
    sg_arena_init(&ps->arena);
    sg_arena_init(&ps->diag_arena);
    ps->diags.arena = &ps->diag_arena;
    test_defer(free_parsed, ps);
    sg_parse(&ps->arena, ps->src, ps->len, &ps->ast, &ps->diags);
    return ps;
}

const char *name_str(SgName n) { return test_printf("%.*s", (int)n.len, n.s ? n.s : ""); }

SgItem *find_item(const Parsed *p, const char *name) {
    for (uint32_t i = 0; i < p->ast.nitems; i++)
        if (sg_name_is(p->ast.items[i]->name, name)) return p->ast.items[i];
    return NULL;
}

static void put_sexpr(SgBuf *b, const SgExpr *e);

static void put_list(SgBuf *b, const char *head, SgExpr *const *xs, uint32_t n) {
    sg_buf_printf(b, "(%s", head);
    for (uint32_t i = 0; i < n; i++) {
        sg_buf_putc(b, ' ');
        put_sexpr(b, xs[i]);
    }
    sg_buf_putc(b, ')');
}

static void put_sexpr(SgBuf *b, const SgExpr *e) {
    if (!e) {
        sg_buf_puts(b, "NULL");
        return;
    }
    switch (e->kind) {
    case EX_INT: sg_buf_printf(b, "%" PRId64, e->u.ival); break;
    case EX_FLOAT: sg_buf_puts(b, "float"); break;
    case EX_STRING: sg_buf_puts(b, "string"); break;
    case EX_BOOL: sg_buf_puts(b, e->bval ? "true" : "false"); break;
    case EX_NAME: sg_buf_printf(b, "%.*s", (int)e->u.name.len, e->u.name.s); break;
    case EX_MEMBER:
        sg_buf_puts(b, "(. ");
        put_sexpr(b, e->u.member.lhs);
        sg_buf_printf(b, " %.*s)", (int)e->u.member.name.len, e->u.member.name.s);
        break;
    case EX_CALL: {
        sg_buf_puts(b, "(call ");
        put_sexpr(b, e->u.call.callee);
        for (uint32_t i = 0; i < e->u.call.nargs; i++) {
            sg_buf_putc(b, ' ');
            put_sexpr(b, e->u.call.args[i]);
        }
        sg_buf_putc(b, ')');
        break;
    }
    case EX_INDEX:
        sg_buf_puts(b, "(index ");
        put_sexpr(b, e->u.index.lhs);
        sg_buf_putc(b, ' ');
        put_sexpr(b, e->u.index.index);
        sg_buf_putc(b, ')');
        break;
    case EX_UNARY:
        sg_buf_puts(b, e->op == TK_MINUS ? "(neg " : e->op == TK_BANG ? "(! " : "(?unary ");
        put_sexpr(b, e->u.bin.lhs);
        sg_buf_putc(b, ')');
        break;
    case EX_BINARY:
        sg_buf_printf(b, "(%s ", kind_str(e->op));
        put_sexpr(b, e->u.bin.lhs);
        sg_buf_putc(b, ' ');
        put_sexpr(b, e->u.bin.rhs);
        sg_buf_putc(b, ')');
        break;
    case EX_LIST: put_list(b, "list", e->u.list.items, e->u.list.n); break;
    case EX_STRUCT:
        sg_buf_puts(b, "(struct ");
        if (e->u.lit.qual.len) sg_buf_printf(b, "%.*s.", (int)e->u.lit.qual.len, e->u.lit.qual.s);
        sg_buf_printf(b, "%.*s", (int)e->u.lit.name.len, e->u.lit.name.s);
        for (uint32_t i = 0; i < e->u.lit.nfields; i++) {
            sg_buf_printf(b, " %.*s:", (int)e->u.lit.fields[i].name.len, e->u.lit.fields[i].name.s);
            put_sexpr(b, e->u.lit.fields[i].value);
        }
        sg_buf_putc(b, ')');
        break;
    case EX_LAMBDA: sg_buf_printf(b, "(fn %u)", e->u.lambda.nparams); break;
    case EX_BLOCK: sg_buf_printf(b, "(block %u)", e->u.block ? e->u.block->n : 0); break;
    case EX_IF:
        sg_buf_puts(b, "(if ");
        put_sexpr(b, e->u.if_.cond);
        sg_buf_printf(b, " (block %u)", e->u.if_.then ? e->u.if_.then->n : 0);
        if (e->u.if_.els) {
            sg_buf_putc(b, ' ');
            put_sexpr(b, e->u.if_.els);
        }
        sg_buf_putc(b, ')');
        break;
    case EX_MATCH:
        sg_buf_puts(b, "(match ");
        put_sexpr(b, e->u.match.scrut);
        sg_buf_printf(b, " %u)", e->u.match.narms);
        break;
    case EX_RETURN:
        if (e->u.ret) {
            sg_buf_puts(b, "(return ");
            put_sexpr(b, e->u.ret);
            sg_buf_putc(b, ')');
        } else {
            sg_buf_puts(b, "return");
        }
        break;
    case EX_BREAK: sg_buf_puts(b, "break"); break;
    case EX_CONTINUE: sg_buf_puts(b, "continue"); break;
    case EX_ERROR: sg_buf_puts(b, "error"); break;
    default: sg_buf_printf(b, "?kind%d", e->kind); break;
    }
}

const char *sexpr(const SgExpr *e) {
    SgBuf b = {0};
    put_sexpr(&b, e);
    char *r = test_printf("%s", sg_buf_cstr(&b));
    sg_buf_free(&b);
    return r;
}

/* ---- engine ---- */
const char *std_dir(void) {
    const char *env = getenv("SIGIL_STD");
    const char *dir = env && *env ? env : "std";
    char *probe = test_printf("%s/prelude.sg", dir);
    if (access(probe, R_OK) != 0)
        test_fail(__FILE__, __LINE__, "no standard library at %s (run the tests from the repository root, or set SIGIL_STD)", dir);
    return dir;
}

static void free_checked(void *p) {
    Checked *c = p;
    sg_engine_free(&c->run);
    free(c->err);
    free(c);
}

Checked *check_ws_jobs(const char *const *files, int jobs) {
    const char *std = std_dir();
    if (test_failed()) return NULL;
    const char *root = test_tmpdir();
    if (!root) return NULL;
    for (size_t i = 0; files[i]; i += 2) {
        if (!files[i + 1]) {
            test_fail(__FILE__, __LINE__, "FILES(...) needs a text for %s", files[i]);
            return NULL;
        }
        if (!test_write_file(root, files[i], files[i + 1])) return NULL;
    }
    Checked *c = sg_xcalloc(1, sizeof *c);
    test_defer(free_checked, c);
    c->root = root;
    SgEngineOptions opt = {.root = root, .std_dir = std, .jobs = jobs, .fp_tables = true};   /* fingerprints too */
    c->ok = sg_engine_run(&opt, &c->run, &c->err);
    if (!c->ok) {
        test_fail(__FILE__, __LINE__, "sg_engine_run failed: %s", c->err ? c->err : "(no message)");
        return NULL;
    }
    return c;
}

Checked *check_ws(const char *const *files) { return check_ws_jobs(files, 1); }

typedef struct Row {
    const char *file;
    const SgDiag *d;
} Row;

static int cmp_row(const void *a, const void *b) {
    const Row *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->d->line != y->d->line) return x->d->line < y->d->line ? -1 : 1;
    if (x->d->col != y->d->col) return x->d->col < y->d->col ? -1 : 1;
    return strcmp(x->d->code, y->d->code);
}

static Row *all_rows(const Checked *c, uint32_t *n) {
    uint32_t cap = 0;
    const SgProgram *p = &c->run.prog;
    for (uint32_t i = 0; i < p->n; i++) cap += p->mods[i]->diags.len;
    for (uint32_t i = 0; i < c->run.nstrays; i++) cap += c->run.strays[i].diags.len;
    Row *rows = SG_NEW_N(test_arena(), Row, cap + 1);
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->n; i++)
        for (uint32_t j = 0; j < p->mods[i]->diags.len; j++)
            rows[k++] = (Row){p->mods[i]->rel, &p->mods[i]->diags.items[j]};
    for (uint32_t i = 0; i < c->run.nstrays; i++)
        for (uint32_t j = 0; j < c->run.strays[i].diags.len; j++)
            rows[k++] = (Row){c->run.strays[i].rel, &c->run.strays[i].diags.items[j]};
    qsort(rows, k, sizeof *rows, cmp_row);
    *n = k;
    return rows;
}

static const char *summary(const Checked *c, bool cols) {
    if (!c) return "<no run>";
    uint32_t n;
    Row *rows = all_rows(c, &n);
    SgBuf b = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i) sg_buf_putc(&b, ' ');
        if (cols)
            sg_buf_printf(&b, "%s:%u:%u:%s", rows[i].file, rows[i].d->line, rows[i].d->col, rows[i].d->code);
        else
            sg_buf_printf(&b, "%s:%u:%s", rows[i].file, rows[i].d->line, rows[i].d->code);
    }
    char *r = test_printf("%s", b.data ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

const char *check_full(const Checked *c) {
    if (!c) return "<no run>";
    uint32_t n;
    Row *rows = all_rows(c, &n);
    SgBuf b = {0};
    for (uint32_t i = 0; i < n; i++) {
        const SgDiag *d = rows[i].d;
        sg_buf_printf(&b, "%s:%u:%u-%u:%u: %s: %s\n", rows[i].file, d->line, d->col, d->end_line, d->end_col,
                      d->code, d->message);
    }
    char *r = test_printf("%s", b.data ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

const char *check_summary(const Checked *c) { return summary(c, false); }
const char *check_summary_cols(const Checked *c) { return summary(c, true); }

const SgDiag *find_diag(const Checked *c, const char *rel, uint32_t line, const char *code) {
    if (!c) return NULL;
    uint32_t n;
    Row *rows = all_rows(c, &n);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(rows[i].file, rel) == 0 && rows[i].d->line == line && strcmp(rows[i].d->code, code) == 0)
            return rows[i].d;
    return NULL;
}

const char *related_str(const SgDiag *d) {
    const SgRelated *r = d->related;
    if (!r) return "";
    if (!r->module)
        return test_printf("%u:%u-%u:%u %s", r->at.line, r->at.col, r->at.end_line, r->at.end_col, r->label);
    if (r->part == SG_REL_PARAM)
        return test_printf("%s.%s %s param %u %s", r->module, r->item, r->ns ? "TYPE" : "VALUE", r->index, r->label);
    return test_printf("%s.%s %s field %s %s", r->module, r->item, r->ns ? "TYPE" : "VALUE", r->field, r->label);
}

const char *related_at(const Checked *c, const char *rel, uint32_t line, const char *code) {
    const SgDiag *d = find_diag(c, rel, line, code);
    return d ? related_str(d) : "<no such diagnostic>";
}

SgModule *find_module(const Checked *c, const char *name) {
    if (!c) return NULL;
    for (uint32_t i = 0; i < c->run.prog.n; i++)
        if (strcmp(c->run.prog.mods[i]->name, name) == 0) return c->run.prog.mods[i];
    return NULL;
}

/* ---- annotations ---- */
typedef struct Expect {
    const char *file;
    uint32_t line;
    char code[8];
} Expect;

static int cmp_expect(const void *a, const void *b) {
    const Expect *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return strcmp(x->code, y->code);
}

static const char *render_expects(Expect *e, uint32_t n) {
    qsort(e, n, sizeof *e, cmp_expect);
    SgBuf b = {0};
    for (uint32_t i = 0; i < n; i++) sg_buf_printf(&b, "%s%s:%u:%s", i ? " " : "", e[i].file, e[i].line, e[i].code);
    char *r = test_printf("%s", b.data ? sg_buf_cstr(&b) : "");
    sg_buf_free(&b);
    return r;
}

const char *annotations(const char *const *files) {
    uint32_t cap = 16, n = 0;
    Expect *e = sg_xmalloc(sizeof *e * cap);
    for (size_t i = 0; files[i] && files[i + 1]; i += 2) {
        const char *s = files[i + 1];
        uint32_t line = 1;
        for (const char *p = s; *p; p++) {
            if (*p == '\n') {
                line++;
                continue;
            }
            if (p[0] != '/' || p[1] != '/' || p[2] != '~') continue;
            p += 3;
            for (;;) {
                while (*p == ' ' || *p == '\t') p++;
                if (!((p[0] == 'E' || p[0] == 'W') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
                      p[3] >= '0' && p[3] <= '9'))
                    break;
                if (n == cap) e = sg_xrealloc(e, sizeof *e * (cap *= 2));
                e[n].file = files[i];
                e[n].line = line;
                memcpy(e[n].code, p, 4);
                e[n].code[4] = 0;
                n++;
                p += 4;
            }
            while (*p && *p != '\n') p++;
            if (!*p) break;
            line++;
        }
    }
    const char *r = render_expects(e, n);
    free(e);
    return r;
}

const char *check_lines(const Checked *c) {
    if (!c) return "<no run>";
    uint32_t n;
    Row *rows = all_rows(c, &n);
    Expect *e = sg_xmalloc(sizeof *e * (n + 1));
    for (uint32_t i = 0; i < n; i++) {
        e[i].file = rows[i].file;
        e[i].line = rows[i].d->line;
        snprintf(e[i].code, sizeof e[i].code, "%s", rows[i].d->code);
    }
    const char *r = render_expects(e, n);
    free(e);
    return r;
}

/* ---- list differences ---- */
static int cmp_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char **split_words(const char *s, uint32_t *n) {
    char *copy = test_printf("%s", s);
    uint32_t cap = 8;
    char **v = SG_NEW_N(test_arena(), char *, cap);
    *n = 0;
    for (char *tok = strtok(copy, " "); tok; tok = strtok(NULL, " ")) {
        if (*n == cap) {
            char **w = SG_NEW_N(test_arena(), char *, cap * 2);
            memcpy(w, v, sizeof *v * cap);
            v = w;
            cap *= 2;
        }
        v[(*n)++] = tok;
    }
    qsort(v, *n, sizeof *v, cmp_cstr);
    return v;
}

const char *list_diff(const char *got, const char *want) {
    uint32_t ng, nw;
    char **g = split_words(got, &ng), **w = split_words(want, &nw);
    SgBuf extra = {0}, missing = {0};
    uint32_t i = 0, j = 0;
    while (i < ng || j < nw) {
        int c = i == ng ? 1 : j == nw ? -1 : strcmp(g[i], w[j]);
        if (c == 0) i++, j++;
        else if (c < 0) sg_buf_printf(&extra, " %s", g[i++]);
        else sg_buf_printf(&missing, " %s", w[j++]);
    }
    char *r = test_printf("unexpected:%s; missing:%s", extra.data ? extra.data : " (none)",
                          missing.data ? missing.data : " (none)");
    sg_buf_free(&extra);
    sg_buf_free(&missing);
    return r;
}
