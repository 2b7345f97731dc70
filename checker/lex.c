/* lex.c - the Sigil lexer.
 *
 * One pass, no backtracking. Invariants:
 * - every lexical error produces exactly one diagnostic and lexing goes on;
 * - a TK_NEWLINE is emitted only where LANGUAGE.md section 2 says a newline
 *   ends a statement: the innermost open bracket is `{` (or none) and the
 *   previous token can end a statement. Two statement ends never follow
 *   each other (the parser drops one before `}` itself). */
#include "lex.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

const char *const sg_lex_keywords[SG_LEX_NKEYWORDS] = {
    "import", "as", "pub", "fn", "struct", "enum", "type", "const",
    "extern", "let", "mut", "if", "else", "match", "for", "in",
    "while", "return", "break", "continue", "true", "false",
};

static const char *const tok_names[TK_COUNT] = {
    [TK_EOF] = "end of file", [TK_NEWLINE] = "end of line",
    [TK_IDENT] = "identifier", [TK_INT] = "integer literal",
    [TK_FLOAT] = "float literal", [TK_STRING] = "string literal",
    [TK_IMPORT] = "`import`", [TK_AS] = "`as`", [TK_PUB] = "`pub`",
    [TK_FN] = "`fn`", [TK_STRUCT] = "`struct`", [TK_ENUM] = "`enum`",
    [TK_TYPE] = "`type`", [TK_CONST] = "`const`", [TK_EXTERN] = "`extern`",
    [TK_LET] = "`let`", [TK_MUT] = "`mut`", [TK_IF] = "`if`",
    [TK_ELSE] = "`else`", [TK_MATCH] = "`match`", [TK_FOR] = "`for`",
    [TK_IN] = "`in`", [TK_WHILE] = "`while`", [TK_RETURN] = "`return`",
    [TK_BREAK] = "`break`", [TK_CONTINUE] = "`continue`",
    [TK_TRUE] = "`true`", [TK_FALSE] = "`false`",
    [TK_LPAREN] = "`(`", [TK_RPAREN] = "`)`", [TK_LBRACKET] = "`[`",
    [TK_RBRACKET] = "`]`", [TK_LBRACE] = "`{`", [TK_RBRACE] = "`}`",
    [TK_COMMA] = "`,`", [TK_COLON] = "`:`", [TK_SEMI] = "`;`", [TK_DOT] = "`.`",
    [TK_ARROW] = "`->`", [TK_FATARROW] = "`=>`", [TK_ASSIGN] = "`=`",
    [TK_EQ] = "`==`", [TK_NE] = "`!=`", [TK_LT] = "`<`", [TK_LE] = "`<=`",
    [TK_GT] = "`>`", [TK_GE] = "`>=`", [TK_PLUS] = "`+`", [TK_MINUS] = "`-`",
    [TK_STAR] = "`*`", [TK_SLASH] = "`/`", [TK_PERCENT] = "`%`",
    [TK_BANG] = "`!`", [TK_ANDAND] = "`&&`", [TK_OROR] = "`||`",
};

const char *sg_tok_name(SgTokKind k) { return k < TK_COUNT ? tok_names[k] : "?"; }

/* Keywords by first letter (indexes + 1, zero-ended; three share a letter at
 * most) and their lengths: every identifier of a source is looked up, so
 * this is a few compares, not a walk over the list. Built once; the lexer
 * runs on several threads. */
static uint8_t kw_by_first[128][8];
static uint8_t kw_len[SG_LEX_NKEYWORDS];
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static void kw_init(void) {
    for (size_t i = 0; i < SG_LEX_NKEYWORDS; i++) {
        kw_len[i] = (uint8_t)strlen(sg_lex_keywords[i]);
        uint8_t *slot = kw_by_first[(unsigned char)sg_lex_keywords[i][0]];
        while (*slot) slot++;
        *slot = (uint8_t)(i + 1);
    }
}

static int keyword_kind(const char *s, size_t n) {
    if (n < 2 || n > 8 || (unsigned char)s[0] >= 128) return -1;
    pthread_once(&kw_once, kw_init);
    for (const uint8_t *k = kw_by_first[(unsigned char)s[0]]; *k; k++)
        if (kw_len[*k - 1] == n && memcmp(sg_lex_keywords[*k - 1], s, n) == 0) return TK_IMPORT + *k - 1;
    return -1;
}

bool sg_is_keyword(const char *s, size_t n) { return keyword_kind(s, n) >= 0; }

static bool ends_statement(int k) {
    switch (k) {
    case TK_IDENT: case TK_INT: case TK_FLOAT: case TK_STRING: case TK_TRUE:
    case TK_FALSE: case TK_RPAREN: case TK_RBRACKET: case TK_RBRACE:
    case TK_RETURN: case TK_BREAK: case TK_CONTINUE:
        return true;
    default:
        return false;
    }
}

/* Length of the valid UTF-8 sequence at p (0 if invalid). */
static int utf8_len(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
    unsigned c = p[0];
    if (c < 0x80) { *cp = c; return 1; }
    int n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) n = 2, v = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) n = 3, v = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) n = 4, v = c & 0x07, min = 0x10000;
    else return 0;
    if (end - p < n) return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

typedef struct Lexer {
    SgArena *arena;
    const char *src;
    uint32_t len, pos;
    SgDiags *diags;
    SgToken *toks;
    uint32_t ntoks, cap;
    SgDoc *docs;
    uint32_t ndocs, doccap;
    char stack[256];        /* open brackets; deeper nesting is counted only */
    uint32_t depth;
    int last;               /* kind of the last token emitted, -1 at start */
    bool bad_utf8;          /* invalid UTF-8 is reported once per file */
    uint32_t doc_start, doc_end;
    bool in_doc;
    bool eof_in_comment;    /* an unterminated block comment ran to the end */
} Lexer;

static void push_tok(Lexer *L, int kind, uint32_t off, uint32_t len, uint8_t flags) {
    if (L->ntoks == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 1024;
        L->toks = sg_xrealloc(L->toks, sizeof *L->toks * L->cap);
    }
    SgToken *t = &L->toks[L->ntoks++];
    t->kind = (uint8_t)kind;
    t->flags = flags;
    t->depth = (uint16_t)(L->depth > 65535 ? 65535 : L->depth);
    t->off = off;
    t->len = len;

    if (kind != TK_NEWLINE && L->in_doc) {
        if (L->ndocs == L->doccap) {
            L->doccap = L->doccap ? L->doccap * 2 : 16;
            L->docs = sg_xrealloc(L->docs, sizeof *L->docs * L->doccap);
        }
        L->docs[L->ndocs++] = (SgDoc){L->doc_start, L->doc_end, L->ntoks - 1};
        L->in_doc = false;
    }
    L->last = kind;
}

static char top(Lexer *L) {
    if (!L->depth) return 0;
    return L->depth <= sizeof L->stack ? L->stack[L->depth - 1] : '{';
}

static void newline(Lexer *L, uint32_t off) {
    char t = top(L);
    if ((t == 0 || t == '{') && ends_statement(L->last)) push_tok(L, TK_NEWLINE, off, 0, 0);
}

static bool is_item_keyword(int k) {
    return k == TK_IMPORT || k == TK_PUB || k == TK_EXTERN || k == TK_FN || k == TK_STRUCT ||
           k == TK_ENUM || k == TK_TYPE || k == TK_CONST;
}

static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool is_ident(int c) { return is_ident_start(c) || is_digit(c); }

static void bad_utf8(Lexer *L, uint32_t off) {
    if (!L->bad_utf8)
        sg_diag(L->diags, off, off + 1, "E001", "invalid UTF-8 byte 0x%02X",
                (unsigned char)L->src[off]);
    L->bad_utf8 = true;
}

/* Skips one code point inside a comment or string, reporting invalid UTF-8. */
static void skip_char(Lexer *L) {
    uint32_t cp;
    int n = utf8_len((const unsigned char *)L->src + L->pos, (const unsigned char *)L->src + L->len, &cp);
    if (n == 0) {
        bad_utf8(L, L->pos);
        n = 1;
    }
    L->pos += (uint32_t)n;
}

static void lex_number(Lexer *L) {
    const char *s = L->src;
    uint32_t start = L->pos, p = L->pos;
    bool bad = false, is_float = false;
    if (s[p] == '0' && (s[p + 1] == 'x' || s[p + 1] == 'X')) {
        bad = s[p + 1] == 'X';
        p += 2;
        uint32_t digits = 0;
        bool prev_us = true;    /* `_` needs a digit before it */
        while (is_hex(s[p]) || s[p] == '_' || is_ident(s[p])) {
            if (s[p] == '_') {
                if (prev_us) bad = true;
                prev_us = true;
            } else if (is_hex(s[p])) {
                digits++;
                prev_us = false;
            } else {
                bad = true;
                prev_us = false;
            }
            p++;
        }
        if (prev_us || !digits) bad = true;
    } else {
        bool prev_us = false;
        while (is_digit(s[p]) || s[p] == '_') {
            if (s[p] == '_' && (prev_us || !is_digit(s[p - 1]) || !is_digit(s[p + 1]))) bad = true;
            prev_us = s[p] == '_';
            p++;
        }
        if (s[p] == '.' && is_digit(s[p + 1])) {
            is_float = true;
            p++;
            while (is_digit(s[p]) || s[p] == '_') {
                if (s[p] == '_' && (!is_digit(s[p - 1]) || !is_digit(s[p + 1]))) bad = true;
                p++;
            }
        }
        if ((s[p] == 'e' || s[p] == 'E') &&
            (is_digit(s[p + 1]) || ((s[p + 1] == '-' || s[p + 1] == '+') && is_digit(s[p + 2])))) {
            is_float = true;
            p += 2;
            while (is_digit(s[p])) p++;
        }
        /* letters glued to a number make it malformed (`12abc`, `1e`) */
        while (is_ident(s[p])) bad = true, p++;
    }
    L->pos = p;
    uint8_t flags = 0;
    if (bad) {
        sg_diag(L->diags, start, p, "E003", "malformed number literal `%.*s`", (int)(p - start), s + start);
        flags = SG_TOKF_BAD;
    } else if (is_float) {
        char buf[128];
        uint32_t n = 0;
        for (uint32_t i = start; i < p && n < sizeof buf - 1; i++)
            if (s[i] != '_') buf[n++] = s[i];
        buf[n] = 0;
        double v = strtod(buf, NULL);
        if (isinf(v)) {
            sg_diag(L->diags, start, p, "E003", "float literal `%.*s` is out of range",
                    (int)(p - start), s + start);
            flags = SG_TOKF_BAD;
        }
    } else {
        SgToken t = {.off = start, .len = p - start};
        bool huge = false;
        uint64_t v = 0;
        bool hex = s[start] == '0' && s[start + 1] == 'x';
        for (uint32_t i = start + (hex ? 2 : 0); i < p; i++) {
            if (s[i] == '_') continue;
            unsigned d = is_digit(s[i]) ? (unsigned)(s[i] - '0') : (unsigned)((s[i] | 0x20) - 'a' + 10);
            unsigned base = hex ? 16 : 10;
            if (v > (UINT64_MAX - d) / base) huge = true;
            v = v * base + d;
        }
        (void)t;
        if (huge || v > (1ull << 63)) flags = SG_TOKF_INT_HUGE;
        else if (v > (uint64_t)INT64_MAX) flags = SG_TOKF_INT_BIG;
    }
    push_tok(L, is_float ? TK_FLOAT : TK_INT, start, p - start, flags);
}

/* Validates an escape at L->pos (just after the backslash); false if bad. */
static bool lex_escape(Lexer *L, uint32_t bs) {
    const char *s = L->src;
    char c = s[L->pos];
    switch (c) {
    case 'n': case 't': case 'r': case '\\': case '"': case '0':
        L->pos++;
        return true;
    case 'u': {
        uint32_t p = L->pos + 1;
        if (s[p] != '{') break;
        p++;
        uint32_t v = 0, n = 0;
        while (is_hex(s[p]) && n < 8) {
            v = v * 16 + (uint32_t)(is_digit(s[p]) ? s[p] - '0' : (s[p] | 0x20) - 'a' + 10);
            p++, n++;
        }
        if (s[p] != '}' || n == 0 || n > 6) break;
        L->pos = p + 1;
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
            sg_diag(L->diags, bs, L->pos, "E001", "`%.*s` is not a Unicode scalar value",
                    (int)(L->pos - bs), s + bs);
            return false;
        }
        return true;
    }
    default:
        break;
    }
    /* unknown escape: report the backslash and the character after it */
    uint32_t end = L->pos;
    if (end < L->len && s[end] != '\n') {
        uint32_t cp;
        int n = utf8_len((const unsigned char *)s + end, (const unsigned char *)s + L->len, &cp);
        end += n ? (uint32_t)n : 1;
    }
    sg_diag(L->diags, bs, end, "E001", "unknown escape `%.*s` in string literal", (int)(end - bs), s + bs);
    if (L->pos < L->len && s[L->pos] != '\n') skip_char(L);
    return false;
}

static void lex_string(Lexer *L) {
    const char *s = L->src;
    uint32_t start = L->pos++;
    uint8_t flags = 0;
    for (;;) {
        if (L->pos >= L->len || s[L->pos] == '\n') {
            /* unterminated: the literal ends at the end of its line */
            uint32_t end = L->pos;
            if (end > start && s[end - 1] == '\r') end--;
            sg_diag(L->diags, start, end, "E002", "unterminated string literal");
            flags = SG_TOKF_BAD;
            break;
        }
        char c = s[L->pos];
        if (c == '"') {
            L->pos++;
            break;
        }
        if (c == '\\') {
            uint32_t bs = L->pos++;
            if (!lex_escape(L, bs) && !(flags & SG_TOKF_BAD)) flags = SG_TOKF_BAD;
            continue;
        }
        skip_char(L);
    }
    push_tok(L, TK_STRING, start, L->pos - start, flags);
}

static void lex(SgArena *arena, const char *src, uint32_t len, SgTokens *out, SgDiags *diags, bool heap) {
    Lexer L;
    memset(&L, 0, sizeof L);
    L.arena = arena;
    L.src = src;
    L.len = len;
    L.diags = diags;
    L.last = -1;
    const char *s = src;
    /* a UTF-8 byte-order mark is not part of the program */
    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
        L.pos = 3;
    const uint32_t start = L.pos;
    while (L.pos < len) {
        uint32_t p = L.pos;
        char c = s[p];
        if (c == '\n') {
            newline(&L, p);
            L.pos++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            L.pos++;
            continue;
        }
        if (c == '/' && s[p + 1] == '/') {
            bool doc = s[p + 2] == '/' && s[p + 3] != '/';
            while (L.pos < len && s[L.pos] != '\n') {
                if ((unsigned char)s[L.pos] < 0x80) L.pos++;
                else skip_char(&L);
            }
            if (doc) {
                if (!L.in_doc) L.doc_start = p;
                L.in_doc = true;
                L.doc_end = L.pos;
            }
            continue;
        }
        if (c == '/' && s[p + 1] == '*') {
            L.pos += 2;
            bool nl = false, closed = false;
            while (L.pos < len) {
                if (s[L.pos] == '*' && s[L.pos + 1] == '/') {
                    L.pos += 2;
                    closed = true;
                    break;
                }
                if (s[L.pos] == '\n') nl = true;
                if ((unsigned char)s[L.pos] < 0x80) L.pos++;
                else skip_char(&L);
            }
            if (!closed) {
                uint32_t end = p + 2;
                sg_diag(diags, p, end, "E002", "unterminated block comment");
                L.eof_in_comment = true;
            }
            if (nl) newline(&L, p);
            continue;
        }
        if (is_ident_start(c)) {
            while (is_ident(s[L.pos])) L.pos++;
            int k = keyword_kind(s + p, L.pos - p);
            uint8_t flags = 0;
            if (is_item_keyword(k) && (p == start || s[p - 1] == '\n')) {
                /* whatever is still open ends here */
                flags = SG_TOKF_NEW_ITEM;
                L.depth = 0;
            }
            push_tok(&L, k >= 0 ? k : TK_IDENT, p, L.pos - p, flags);
            continue;
        }
        if (is_digit(c)) {
            lex_number(&L);
            continue;
        }
        if (c == '"') {
            lex_string(&L);
            continue;
        }
        int k = -1, n = 1;
        char d = s[p + 1];
        switch (c) {
        case '(': k = TK_LPAREN; break;
        case ')': k = TK_RPAREN; break;
        case '[': k = TK_LBRACKET; break;
        case ']': k = TK_RBRACKET; break;
        case '{': k = TK_LBRACE; break;
        case '}': k = TK_RBRACE; break;
        case ',': k = TK_COMMA; break;
        case ':': k = TK_COLON; break;
        case ';': k = TK_SEMI; break;
        case '.': k = TK_DOT; break;
        case '+': k = TK_PLUS; break;
        case '*': k = TK_STAR; break;
        case '/': k = TK_SLASH; break;
        case '%': k = TK_PERCENT; break;
        case '-': if (d == '>') k = TK_ARROW, n = 2; else k = TK_MINUS; break;
        case '=': if (d == '>') k = TK_FATARROW, n = 2; else if (d == '=') k = TK_EQ, n = 2; else k = TK_ASSIGN; break;
        case '!': if (d == '=') k = TK_NE, n = 2; else k = TK_BANG; break;
        case '<': if (d == '=') k = TK_LE, n = 2; else k = TK_LT; break;
        case '>': if (d == '=') k = TK_GE, n = 2; else k = TK_GT; break;
        case '&': if (d == '&') k = TK_ANDAND, n = 2; break;
        case '|': if (d == '|') k = TK_OROR, n = 2; break;
        default: break;
        }
        if (k < 0) {
            uint32_t cp;
            int m = utf8_len((const unsigned char *)s + p, (const unsigned char *)s + len, &cp);
            if (m == 0) {
                bad_utf8(&L, p);
                L.pos++;
            } else {
                /* a control character is named, not written (NUL would end the message) */
                char esc[16];
                if (sg_escape_char(s + p, len - p, esc))
                    sg_diag(diags, p, p + (uint32_t)m, "E001", "invalid character `%s`", esc);
                else
                    sg_diag(diags, p, p + (uint32_t)m, "E001", "invalid character `%.*s`", m, s + p);
                L.pos += (uint32_t)m;
            }
            continue;
        }
        if (k == TK_RPAREN || k == TK_RBRACKET || k == TK_RBRACE) {
            /* close up to the matching opener, so an unclosed `(` inside a
             * block does not swallow the rest of the file; a closer with no
             * opener at all changes nothing */
            char want = k == TK_RPAREN ? '(' : k == TK_RBRACKET ? '[' : '{';
            uint32_t d = L.depth;
            while (d > 0 && d <= sizeof L.stack && L.stack[d - 1] != want) d--;
            if (d > 0) L.depth = d - 1;
            else if (L.depth > sizeof L.stack) L.depth--;
        }
        push_tok(&L, k, p, (uint32_t)n, 0);
        if (k == TK_LPAREN || k == TK_LBRACKET || k == TK_LBRACE) {
            if (L.depth < sizeof L.stack) L.stack[L.depth] = c;
            L.depth++;
        }
        L.pos += (uint32_t)n;
    }
    newline(&L, len);
    L.in_doc = false;
    push_tok(&L, TK_EOF, len, 0, L.eof_in_comment ? SG_TOKF_IN_COMMENT : 0);
    out->len = L.ntoks;
    out->docs = sg_arena_dup(arena, L.docs, sizeof *L.docs * L.ndocs);
    out->ndocs = L.ndocs;
    free(L.docs);
    if (heap) {
        out->toks = L.toks;
    } else {
        out->toks = sg_arena_dup(arena, L.toks, sizeof *L.toks * L.ntoks);
        free(L.toks);
    }
}

void sg_lex(SgArena *arena, const char *src, uint32_t len, SgTokens *out, SgDiags *diags) {
    lex(arena, src, len, out, diags, false);
}

void sg_lex_heap(SgArena *arena, const char *src, uint32_t len, SgTokens *out, SgDiags *diags) {
    lex(arena, src, len, out, diags, true);
}

uint64_t sg_lex_int_value(const char *src, const SgToken *t) {
    const char *s = src + t->off;
    bool hex = t->len > 2 && s[0] == '0' && s[1] == 'x';
    uint64_t v = 0;
    for (uint32_t i = hex ? 2 : 0; i < t->len; i++) {
        if (s[i] == '_') continue;
        unsigned d = is_digit(s[i]) ? (unsigned)(s[i] - '0') : (unsigned)((s[i] | 0x20) - 'a' + 10);
        v = v * (hex ? 16 : 10) + d;
    }
    return v;
}

static uint32_t put_utf8(char *o, uint32_t v) {
    if (v < 0x80) { o[0] = (char)v; return 1; }
    if (v < 0x800) { o[0] = (char)(0xC0 | (v >> 6)); o[1] = (char)(0x80 | (v & 0x3F)); return 2; }
    if (v < 0x10000) {
        o[0] = (char)(0xE0 | (v >> 12)); o[1] = (char)(0x80 | ((v >> 6) & 0x3F));
        o[2] = (char)(0x80 | (v & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (v >> 18)); o[1] = (char)(0x80 | ((v >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((v >> 6) & 0x3F)); o[3] = (char)(0x80 | (v & 0x3F));
    return 4;
}

char *sg_lex_string_value(SgArena *a, const char *src, const SgToken *t, uint32_t *out_len) {
    const char *s = src + t->off + 1;
    uint32_t n = t->len >= 2 ? t->len - 2 : 0;
    char *o = sg_arena_alloc(a, n + 1);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            o[k++] = s[i];
            continue;
        }
        char c = s[++i];
        switch (c) {
        case 'n': o[k++] = '\n'; break;
        case 't': o[k++] = '\t'; break;
        case 'r': o[k++] = '\r'; break;
        case '0': o[k++] = 0; break;
        case 'u': {
            uint32_t v = 0;
            i += 2;
            while (i < n && s[i] != '}') {
                v = v * 16 + (uint32_t)(is_digit(s[i]) ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
                i++;
            }
            k += put_utf8(o + k, v);
            break;
        }
        default: o[k++] = c; break;
        }
    }
    o[k] = 0;
    *out_len = k;
    return o;
}
