/* test_lex.c - the lexer: token kinds, the statement-end rule, lexical
 * errors (LANGUAGE.md section 2), number flags and string values. */
#include "helpers.h"

/* Lexes src and asserts its token kinds and diagnostic codes. */
#define ASSERT_LEX(src, kinds, codes)                         \
    do {                                                      \
        Lexed *lx_ = lex_src(src);                            \
        ASSERT_STR_EQ(tok_kinds(lx_), kinds);                 \
        ASSERT_STR_EQ(diag_codes(&lx_->diags), codes);        \
    } while (0)

TEST(lex_punctuation) {
    /* each punctuation token alone, so no other rule is involved */
    static const struct { const char *src; int kind; } cases[] = {
        {"(", TK_LPAREN}, {")", TK_RPAREN}, {"[", TK_LBRACKET}, {"]", TK_RBRACKET},
        {"{", TK_LBRACE}, {"}", TK_RBRACE}, {",", TK_COMMA}, {":", TK_COLON},
        {";", TK_SEMI}, {".", TK_DOT}, {"->", TK_ARROW}, {"=>", TK_FATARROW},
        {"=", TK_ASSIGN}, {"==", TK_EQ}, {"!=", TK_NE}, {"<", TK_LT}, {"<=", TK_LE},
        {">", TK_GT}, {">=", TK_GE}, {"+", TK_PLUS}, {"-", TK_MINUS}, {"*", TK_STAR},
        {"/", TK_SLASH}, {"%", TK_PERCENT}, {"!", TK_BANG}, {"&&", TK_ANDAND},
        {"||", TK_OROR},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(cases); i++) {
        Lexed *lx = lex_src(cases[i].src);
        if (lx->diags.len) FAIL("`%s`: unexpected diagnostics %s", cases[i].src, diag_codes(&lx->diags));
        if (lx->toks.len < 1 || lx->toks.toks[0].kind != cases[i].kind)
            FAIL("`%s`: lexed as %s, expected %s", cases[i].src, tok_kinds(lx), kind_str(cases[i].kind));
        ASSERT_EQ_UINT(lx->toks.toks[0].off, 0);
        ASSERT_EQ_UINT(lx->toks.toks[0].len, strlen(cases[i].src));
    }
    /* all together, maximal munch, no whitespace needed */
    ASSERT_LEX("()[]{},:;.->=>= ==!=<<=>>=+-*/%!&&||",
               "( ) [ ] { } , : ; . -> => = == != < <= > >= + - * / % ! && || EOF", "");
    ASSERT_LEX("a->b=>c", "IDENT -> IDENT => IDENT NL EOF", "");
    ASSERT_LEX("a<=-b", "IDENT <= - IDENT NL EOF", "");
    ASSERT_LEX("!!a", "! ! IDENT NL EOF", "");
}

TEST(lex_single_amp_pipe_are_invalid) {
    /* `&` and `|` alone are not tokens: one E001 each, skipped */
    ASSERT_LEX("a & b", "IDENT IDENT NL EOF", "E001");
    ASSERT_LEX("a | b", "IDENT IDENT NL EOF", "E001");
    ASSERT_LEX("a @ b # c", "IDENT IDENT IDENT NL EOF", "E001 E001");
    /* a valid non-ASCII character outside a string is one E001 covering it */
    Lexed *lx = lex_src("x \xC3\xA9 y");
    ASSERT_STR_EQ(tok_kinds(lx), "IDENT IDENT NL EOF");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E001@2");
    ASSERT_EQ_UINT(lx->diags.items[0].end, 4);
}

TEST(lex_keywords) {
    static const char *const kw[] = {
        "import", "as", "pub", "fn", "struct", "enum", "type", "const",
        "extern", "let", "mut", "if", "else", "match", "for", "in",
        "while", "return", "break", "continue", "true", "false",
    };
    static const int kinds[] = {
        TK_IMPORT, TK_AS, TK_PUB, TK_FN, TK_STRUCT, TK_ENUM, TK_TYPE, TK_CONST,
        TK_EXTERN, TK_LET, TK_MUT, TK_IF, TK_ELSE, TK_MATCH, TK_FOR, TK_IN,
        TK_WHILE, TK_RETURN, TK_BREAK, TK_CONTINUE, TK_TRUE, TK_FALSE,
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(kw); i++) {
        Lexed *lx = lex_src(kw[i]);
        if (lx->toks.toks[0].kind != kinds[i])
            FAIL("`%s` lexed as %s", kw[i], kind_str(lx->toks.toks[0].kind));
        if (!sg_is_keyword(kw[i], strlen(kw[i]))) FAIL("sg_is_keyword(\"%s\") is false", kw[i]);
        ASSERT_EQ_INT(lx->diags.len, 0);
    }
    /* near misses are identifiers */
    static const char *const idents[] = {
        "imports", "As", "fn_", "_fn", "iff", "i", "matches", "True", "nil", "self",
        "_", "__", "x1", "Int", "String", "elsewhere", "continue2", "a_b_c",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(idents); i++) {
        Lexed *lx = lex_src(idents[i]);
        if (lx->toks.toks[0].kind != TK_IDENT || lx->toks.toks[0].len != strlen(idents[i]))
            FAIL("`%s` lexed as %s", idents[i], tok_kinds(lx));
        if (sg_is_keyword(idents[i], strlen(idents[i]))) FAIL("sg_is_keyword(\"%s\") is true", idents[i]);
    }
    /* a keyword prefix of a longer slice is not a keyword */
    ASSERT_FALSE(sg_is_keyword("fnord", 2 + 3));
    ASSERT_TRUE(sg_is_keyword("fnord", 2));
}

TEST(lex_literal_kinds) {
    ASSERT_LEX("1 0x1F 1_000 1.5 1e9 2.5e-3 1E+2 \"s\" true false",
               "INT INT INT FLOAT FLOAT FLOAT FLOAT STRING true false NL EOF", "");
    /* a `.` not followed by a digit is member access */
    ASSERT_LEX("1.x", "INT . IDENT NL EOF", "");
    ASSERT_LEX("xs.0", "IDENT . INT NL EOF", "");
    ASSERT_LEX("1..2", "INT . . INT NL EOF", "");
    /* a `-` is never part of the literal token */
    ASSERT_LEX("-1", "- INT NL EOF", "");
}

TEST(lex_token_offsets_and_depth) {
    Lexed *lx = lex_src("f(a, {b})\n");
    ASSERT_STR_EQ(tok_kinds(lx), "IDENT ( IDENT , { IDENT } ) NL EOF");
    /* depth: open brackets around the token; closers after closing */
    static const uint16_t depth[] = {0, 0, 1, 1, 1, 2, 1, 0, 0, 0};
    static const uint32_t off[] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 10};
    for (uint32_t i = 0; i < SG_ARRAY_LEN(depth); i++) {
        if (lx->toks.toks[i].depth != depth[i])
            FAIL("token %u (%s) depth %u, expected %u", i, kind_str(lx->toks.toks[i].kind),
                 lx->toks.toks[i].depth, depth[i]);
        if (lx->toks.toks[i].off != off[i])
            FAIL("token %u (%s) offset %u, expected %u", i, kind_str(lx->toks.toks[i].kind),
                 lx->toks.toks[i].off, off[i]);
    }
    ASSERT_STR_EQ(tok_text(lx, 0), "f");
    ASSERT_STR_EQ(tok_text(lx, 5), "b");
    /* unbalanced closers never make the depth negative */
    Lexed *l2 = lex_src(")) x");
    ASSERT_EQ_UINT(l2->toks.toks[2].depth, 0);
    /* a closer closes up to its matching opener, so an unclosed `(` does
     * not swallow the rest of the block */
    Lexed *l3 = lex_src("{ f( }\nx");
    ASSERT_STR_EQ(tok_kinds(l3), "{ IDENT ( } NL IDENT NL EOF");
    ASSERT_EQ_UINT(l3->toks.toks[3].depth, 0);
    ASSERT_LEX("[(]\nx", "[ ( ] NL IDENT NL EOF", "");
    /* a closer with no opener of its kind changes nothing */
    Lexed *l4 = lex_src("(]\nx");
    ASSERT_STR_EQ(tok_kinds(l4), "( ] IDENT EOF");
    ASSERT_EQ_UINT(l4->toks.toks[2].depth, 1);
}

TEST(lex_newline_after_enders) {
    /* each kind of token that can end a statement, followed by a newline */
    static const char *const enders[] = {
        "x", "42", "1.5", "\"s\"", "true", "false", "()", "[]", "{}", "return", "break", "continue",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(enders); i++) {
        char *src = test_printf("%s\nnext", enders[i]);
        Lexed *lx = lex_src(src);
        /* the token before `next` must be a statement end */
        uint32_t n = lx->toks.len;
        if (n < 4 || lx->toks.toks[n - 4].kind != TK_NEWLINE || lx->toks.toks[n - 3].kind != TK_IDENT)
            FAIL("after `%s`: no statement end before the next line: %s", enders[i], tok_kinds(lx));
        if (lx->toks.toks[n - 4].off != strlen(enders[i]))
            FAIL("after `%s`: the statement end is at %u, expected at the newline (%zu)", enders[i],
                 lx->toks.toks[n - 4].off, strlen(enders[i]));
        ASSERT_EQ_INT(lx->diags.len, 0);
    }
}

TEST(lex_no_newline_after_operators) {
    /* a line ending in an operator, a comma or an opener continues */
    static const char *const cont[] = {
        "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!",
        "=", ",", ".", ":", "->", "=>", "{", "let", "mut", "else", "fn", "if", "in",
        "import", "pub", "as", "match", "while", "for", "const", "struct", "enum", "type",
        "extern",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(cont); i++) {
        char *src = test_printf("a %s\nb", cont[i]);
        Lexed *lx = lex_src(src);
        for (uint32_t k = 0; k + 2 < lx->toks.len; k++)   /* all but the end-of-file one */
            if (lx->toks.toks[k].kind == TK_NEWLINE)
                FAIL("a statement end after `%s`: %s", cont[i], tok_kinds(lx));
    }
    ASSERT_LEX("let x = a +\n  b\n", "let IDENT = IDENT + IDENT NL EOF", "");
    ASSERT_LEX("f(a,\n  b)\n", "IDENT ( IDENT , IDENT ) NL EOF", "");
}

TEST(lex_newline_inside_brackets) {
    /* directly inside ( ) or [ ], newlines are whitespace */
    ASSERT_LEX("f(a\n, b\n)\nx", "IDENT ( IDENT , IDENT ) NL IDENT NL EOF", "");
    ASSERT_LEX("[1\n2\n]\nx", "[ INT INT ] NL IDENT NL EOF", "");
    ASSERT_LEX("(\n(x)\n)", "( ( IDENT ) ) NL EOF", "");
    /* the innermost bracket decides: braces inside parens end statements */
    ASSERT_LEX("f({\na\nb\n})", "IDENT ( { IDENT NL IDENT NL } ) NL EOF", "");
    /* parens inside braces do not */
    ASSERT_LEX("{\n(a\nb)\n}", "{ ( IDENT IDENT ) NL } NL EOF", "");
    /* brackets inside braces inside brackets */
    ASSERT_LEX("[{[a\nb]\nc}]", "[ { [ IDENT IDENT ] NL IDENT } ] NL EOF", "");
}

TEST(lex_newline_at_top_level_and_braces) {
    ASSERT_LEX("a\nb", "IDENT NL IDENT NL EOF", "");
    ASSERT_LEX("{\na\n}", "{ IDENT NL } NL EOF", "");
    /* blank lines and comment lines give one statement end, not several */
    ASSERT_LEX("a\n\n\n// c\n\nb\n\n", "IDENT NL IDENT NL EOF", "");
    /* a line comment does not hide the newline that ends it */
    ASSERT_LEX("a // c\nb", "IDENT NL IDENT NL EOF", "");
    ASSERT_LEX("a // c", "IDENT NL EOF", "");
    /* `;` is its own token, and a newline after it adds nothing */
    ASSERT_LEX("a; b;\nc", "IDENT ; IDENT ; IDENT NL EOF", "");
    /* CRLF line ends behave like LF */
    ASSERT_LEX("a\r\nb\r\n", "IDENT NL IDENT NL EOF", "");
    /* the statement end sits at the newline */
    Lexed *lx = lex_src("ab \n");
    ASSERT_STR_EQ(tok_kinds(lx), "IDENT NL EOF");
    ASSERT_EQ_UINT(lx->toks.toks[1].off, 3);
    ASSERT_EQ_UINT(lx->toks.toks[2].off, 4);
}

TEST(lex_block_comment_newline) {
    /* a block comment containing a newline counts as a newline */
    ASSERT_LEX("a /* x\n y */ b", "IDENT NL IDENT NL EOF", "");
    /* one without a newline is plain whitespace */
    ASSERT_LEX("a /* x y */ b", "IDENT IDENT NL EOF", "");
    /* after an operator, even a multi-line comment continues the line */
    ASSERT_LEX("a + /*\n*/ b", "IDENT + IDENT NL EOF", "");
    /* inside parens it is whitespace too */
    ASSERT_LEX("(a /*\n*/ b)", "( IDENT IDENT ) NL EOF", "");
    // comments are not nested: the first "*/" closes
    ASSERT_LEX("/* /* */ a */", "IDENT * / EOF", "");
    // "/*/" does not close itself
    ASSERT_LEX("/*/ a */ b", "IDENT NL EOF", "");
}

TEST(lex_doc_comments) {
    Lexed *lx = lex_src("/// one\n/// two\nfn f() {}\n// plain\nfn g() {}\n//// four slashes\nfn h() {}\n");
    ASSERT_EQ_INT(lx->diags.len, 0);
    ASSERT_EQ_UINT(lx->toks.ndocs, 1);
    /* the doc run covers both lines and documents the `fn` token */
    ASSERT_EQ_UINT(lx->toks.docs[0].off, 0);
    ASSERT_EQ_UINT(lx->toks.docs[0].end, 15);
    ASSERT_EQ_UINT(lx->toks.docs[0].tok, 0);
    ASSERT_EQ_INT(lx->toks.toks[0].kind, TK_FN);
}

TEST(lex_bom_is_skipped) {
    Lexed *lx = lex_src("\xEF\xBB\xBF" "a");
    ASSERT_STR_EQ(tok_kinds(lx), "IDENT NL EOF");
    ASSERT_EQ_UINT(lx->toks.toks[0].off, 3);
    ASSERT_EQ_INT(lx->diags.len, 0);
}

TEST(lex_empty_input) {
    ASSERT_LEX("", "EOF", "");
    ASSERT_LEX("\n\n  \t\r\n", "EOF", "");
    ASSERT_LEX("// only a comment", "EOF", "");
}

/* ---- lexical errors: exactly one diagnostic each ---- */

TEST(lex_invalid_utf8) {
    /* a stray continuation byte between tokens */
    Lexed *lx = lex_src("let a = 1 \xFF\nlet b = 2\n");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E001@10");
    ASSERT_STR_EQ(tok_kinds(lx), "let IDENT = INT NL let IDENT = INT NL EOF");
    ASSERT_EQ_UINT(lx->diags.items[0].end, 11);
    /* inside a string and inside a comment */
    ASSERT_LEX("x = \"a\x80z\"", "IDENT = STRING NL EOF", "E001");
    ASSERT_LEX("x // \xC3\n", "IDENT NL EOF", "E001");
    ASSERT_LEX("x /* \xE2\x82 */ y", "IDENT IDENT NL EOF", "E001");
    /* overlong encodings and encoded surrogates are invalid UTF-8: one error */
    ASSERT_LEX("\"\xC0\x80\"", "STRING NL EOF", "E001");
    ASSERT_LEX("\"\xED\xA0\x80\"", "STRING NL EOF", "E001");
    /* above U+10FFFF */
    ASSERT_LEX("\"\xF4\x90\x80\x80\"", "STRING NL EOF", "E001");
    /* truncated at the end of the input */
    ASSERT_LEX("a \xF0\x9F", "IDENT NL EOF", "E001");
    /* valid multi-byte UTF-8 in strings and comments is fine */
    ASSERT_LEX("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\" // \xC3\xA9", "STRING NL EOF", "");
}

TEST(lex_unknown_escape) {
    Lexed *lx = lex_src("\"a\\qb\" x");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E001@2");
    ASSERT_EQ_UINT(lx->diags.items[0].end, 4);        /* the backslash and the q */
    ASSERT_STR_EQ(tok_kinds(lx), "STRING IDENT NL EOF");
    ASSERT_TRUE(lx->toks.toks[0].flags & SG_TOKF_BAD);
    /* the string still ends at its closing quote */
    ASSERT_EQ_UINT(lx->toks.toks[0].len, 6);
    ASSERT_LEX("\"\\x41\"", "STRING NL EOF", "E001");
    ASSERT_LEX("\"\\'\"", "STRING NL EOF", "E001");
    ASSERT_LEX("\"\\u0041\"", "STRING NL EOF", "E001");       /* needs braces */
    ASSERT_LEX("\"\\u{}\"", "STRING NL EOF", "E001");
    ASSERT_LEX("\"\\u{1234567}\"", "STRING NL EOF", "E001");  /* more than 6 digits */
    ASSERT_LEX("\"\\u{12G}\"", "STRING NL EOF", "E001");
    /* an escaped backslash followed by a letter is not an escape */
    ASSERT_LEX("\"\\\\q\"", "STRING NL EOF", "");
    /* an escaped quote does not end the string */
    ASSERT_LEX("\"a\\\"b\" c", "STRING IDENT NL EOF", "");
    /* a multi-byte character after the backslash */
    ASSERT_LEX("\"\\\xC3\xA9\" x", "STRING IDENT NL EOF", "E001");
}

TEST(lex_escape_not_scalar_value) {
    Lexed *lx = lex_src("\"\\u{D800}\"");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E001@1");
    ASSERT_EQ_UINT(lx->diags.items[0].end, 9);
    ASSERT_STR_EQ(tok_kinds(lx), "STRING NL EOF");
    ASSERT_LEX("\"\\u{DFFF}\"", "STRING NL EOF", "E001");
    ASSERT_LEX("\"\\u{110000}\"", "STRING NL EOF", "E001");
    /* the neighbours are fine */
    ASSERT_LEX("\"\\u{D7FF}\\u{E000}\\u{10FFFF}\\u{0}\"", "STRING NL EOF", "");
}

TEST(lex_unterminated_string) {
    Lexed *lx = lex_src("let s = \"abc\nlet t = 1\n");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E002@8");
    /* the literal ends at the end of its line; the next line lexes normally */
    ASSERT_STR_EQ(tok_kinds(lx), "let IDENT = STRING NL let IDENT = INT NL EOF");
    ASSERT_EQ_UINT(lx->toks.toks[3].len, 4);
    ASSERT_TRUE(lx->toks.toks[3].flags & SG_TOKF_BAD);
    ASSERT_EQ_UINT(lx->diags.items[0].end, 12);
    /* at the end of the file */
    ASSERT_LEX("x = \"abc", "IDENT = STRING NL EOF", "E002");
    /* CRLF: the range does not include the CR */
    Lexed *l2 = lex_src("\"ab\r\nx");
    ASSERT_STR_EQ(diag_codes(&l2->diags), "E002");
    ASSERT_EQ_UINT(l2->diags.items[0].end, 3);
    ASSERT_STR_EQ(tok_kinds(l2), "STRING NL IDENT NL EOF");
    /* a backslash just before the end of line: the string is unterminated */
    Lexed *l3 = lex_src("\"ab\\\nx");
    ASSERT_STR_EQ(tok_kinds(l3), "STRING NL IDENT NL EOF");
    ASSERT_EQ_UINT(count_code(&l3->diags, "E002"), 1);
    /* an unknown escape in an unterminated string: one diagnostic for each */
    ASSERT_LEX("\"a\\q\nx", "STRING NL IDENT NL EOF", "E001 E002");
}

TEST(lex_unterminated_block_comment) {
    Lexed *lx = lex_src("a /* never closed\nb c\n");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E002@2");
    ASSERT_STR_EQ(tok_kinds(lx), "IDENT NL EOF");
    ASSERT_LEX("/*", "EOF", "E002");
    ASSERT_LEX("x /*/", "IDENT NL EOF", "E002");
    ASSERT_LEX("x /* *", "IDENT NL EOF", "E002");
}

TEST(lex_malformed_ints) {
    static const char *const bad[] = {
        "0X1", "1_", "1__0", "0x", "0x_1", "0x1_", "0xG", "12abc", "1_000_", "0x1__2",
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(bad); i++) {
        Lexed *lx = lex_src(bad[i]);
        if (strcmp(diag_codes(&lx->diags), "E003") != 0)
            FAIL("`%s`: diagnostics \"%s\", expected exactly E003", bad[i], diag_codes(&lx->diags));
        /* one literal token covering the whole malformed text */
        if (lx->toks.toks[0].kind != TK_INT || lx->toks.toks[0].len != strlen(bad[i]) ||
            !(lx->toks.toks[0].flags & SG_TOKF_BAD))
            FAIL("`%s`: tokens %s, first of length %u", bad[i], tok_kinds(lx), lx->toks.toks[0].len);
        ASSERT_EQ_UINT(lx->diags.items[0].start, 0);
        ASSERT_EQ_UINT(lx->diags.items[0].end, strlen(bad[i]));
    }
    static const struct { const char *src; uint64_t v; } good[] = {
        {"0", 0}, {"7", 7}, {"1_000", 1000}, {"1_2_3", 123}, {"0x1F", 31}, {"0xff_ff", 65535},
        {"0xDEAD_beef", 0xDEADBEEFu}, {"007", 7}, {"9223372036854775807", 9223372036854775807ull},
        {"0x7FFFFFFFFFFFFFFF", 0x7FFFFFFFFFFFFFFFull},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(good); i++) {
        Lexed *lx = lex_src(good[i].src);
        if (lx->diags.len) FAIL("`%s`: unexpected %s", good[i].src, diag_codes(&lx->diags));
        if (lx->toks.toks[0].kind != TK_INT || lx->toks.toks[0].flags)
            FAIL("`%s`: %s with flags %u", good[i].src, tok_kinds(lx), lx->toks.toks[0].flags);
        if (sg_lex_int_value(lx->src, &lx->toks.toks[0]) != good[i].v)
            FAIL("`%s`: value %llu, expected %llu", good[i].src,
                 (unsigned long long)sg_lex_int_value(lx->src, &lx->toks.toks[0]),
                 (unsigned long long)good[i].v);
    }
}

TEST(lex_malformed_floats) {
    Lexed *lx = lex_src("1e999");
    ASSERT_STR_EQ(diag_codes_at(&lx->diags), "E003@0");
    ASSERT_STR_EQ(tok_kinds(lx), "FLOAT NL EOF");
    ASSERT_TRUE(lx->toks.toks[0].flags & SG_TOKF_BAD);
    ASSERT_LEX("1.5e400", "FLOAT NL EOF", "E003");
    ASSERT_LEX("1e", "INT NL EOF", "E003");
    ASSERT_LEX("1.5x", "FLOAT NL EOF", "E003");
    /* large but finite, and underflow to zero, are fine */
    ASSERT_LEX("1e308 1.7976931348623157e308 1e-400", "FLOAT FLOAT FLOAT NL EOF", "");
}

TEST(lex_int_range_flags) {
    static const struct { const char *src; uint8_t flags; } cases[] = {
        {"9223372036854775807", 0},
        {"9223372036854775808", SG_TOKF_INT_BIG},
        {"9_223_372_036_854_775_808", SG_TOKF_INT_BIG},
        {"0x8000000000000000", SG_TOKF_INT_BIG},
        {"9223372036854775809", SG_TOKF_INT_HUGE},
        {"18446744073709551615", SG_TOKF_INT_HUGE},
        {"18446744073709551616", SG_TOKF_INT_HUGE},
        {"0xFFFFFFFFFFFFFFFF", SG_TOKF_INT_HUGE},
        {"0x10000000000000000", SG_TOKF_INT_HUGE},
        {"99999999999999999999999999999999999999", SG_TOKF_INT_HUGE},
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(cases); i++) {
        Lexed *lx = lex_src(cases[i].src);
        /* the range check is the parser's: the lexer reports nothing */
        if (lx->diags.len) FAIL("`%s`: unexpected %s", cases[i].src, diag_codes(&lx->diags));
        if (lx->toks.toks[0].kind != TK_INT || lx->toks.toks[0].flags != cases[i].flags)
            FAIL("`%s`: %s with flags %u, expected flags %u", cases[i].src, tok_kinds(lx),
                 lx->toks.toks[0].flags, cases[i].flags);
    }
    Lexed *lx = lex_src("9223372036854775808");
    ASSERT_EQ_UINT(sg_lex_int_value(lx->src, &lx->toks.toks[0]), 9223372036854775808ull);
}

TEST(lex_string_values) {
    Lexed *lx = lex_src("\"a\\n\\t\\r\\\\\\\"\\0\\u{1F600}\\u{41}\\u{e9}\\u{20AC}z\xC3\xA9\"");
    ASSERT_STR_EQ(diag_codes(&lx->diags), "");
    ASSERT_STR_EQ(tok_kinds(lx), "STRING NL EOF");
    uint32_t n = 0;
    char *v = sg_lex_string_value(&lx->arena, lx->src, &lx->toks.toks[0], &n);
    static const char want[] = "a\n\t\r\\\"\0" "\xF0\x9F\x98\x80" "A" "\xC3\xA9" "\xE2\x82\xAC" "z\xC3\xA9";
    ASSERT_EQ_UINT(n, sizeof want - 1);
    ASSERT_MEM_EQ(v, want, sizeof want - 1);
    ASSERT_EQ_INT(v[n], 0);
    /* the empty string */
    Lexed *l2 = lex_src("\"\"");
    char *v2 = sg_lex_string_value(&l2->arena, l2->src, &l2->toks.toks[0], &n);
    ASSERT_EQ_UINT(n, 0);
    ASSERT_STR_EQ(v2, "");
    /* leading zeros and upper-case hex in \u{...} */
    Lexed *l3 = lex_src("\"\\u{00000A}\\u{1f600}\\u{1F600}\"");
    ASSERT_STR_EQ(diag_codes(&l3->diags), "");
    char *v3 = sg_lex_string_value(&l3->arena, l3->src, &l3->toks.toks[0], &n);
    ASSERT_EQ_UINT(n, 9);
    ASSERT_MEM_EQ(v3, "\n\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 9);
}

TEST(lex_token_names) {
    ASSERT_STR_EQ(sg_tok_name(TK_LPAREN), "`(`");
    ASSERT_STR_EQ(sg_tok_name(TK_IDENT), "identifier");
    ASSERT_STR_EQ(sg_tok_name(TK_FN), "`fn`");
    ASSERT_STR_EQ(sg_tok_name(TK_OROR), "`||`");
    for (int k = 0; k < TK_COUNT; k++)
        if (!sg_tok_name((SgTokKind)k) || !*sg_tok_name((SgTokKind)k)) FAIL("kind %d has no name", k);
}
