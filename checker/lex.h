/* lex.h - tokens of Sigil source and the statement-end rule.
 *
 * The lexer turns one file into an array of tokens in a single pass. It
 * inserts TK_NEWLINE tokens where LANGUAGE.md section 2 says a newline ends a
 * statement, so the parser never looks at whitespace. Every token records its
 * bracket depth, which the parser's error recovery uses to find the end of
 * the statement an error occurred in. An item keyword at column 1 closes
 * every open bracket (its depth is 0): it begins a new item whatever came
 * before (LANGUAGE.md section 6). */
#ifndef SG_LEX_H
#define SG_LEX_H

#include "base.h"
#include "diag.h"

typedef enum SgTokKind {
    TK_EOF,
    TK_NEWLINE,     /* a statement end produced by a newline */
    TK_IDENT,
    TK_INT,
    TK_FLOAT,
    TK_STRING,
    /* keywords, in the order of sg_lex_keywords */
    TK_IMPORT, TK_AS, TK_PUB, TK_FN, TK_STRUCT, TK_ENUM, TK_TYPE, TK_CONST,
    TK_EXTERN, TK_LET, TK_MUT, TK_IF, TK_ELSE, TK_MATCH, TK_FOR, TK_IN,
    TK_WHILE, TK_RETURN, TK_BREAK, TK_CONTINUE, TK_TRUE, TK_FALSE,
    /* punctuation */
    TK_LPAREN, TK_RPAREN, TK_LBRACKET, TK_RBRACKET, TK_LBRACE, TK_RBRACE,
    TK_COMMA, TK_COLON, TK_SEMI, TK_DOT, TK_ARROW, TK_FATARROW, TK_ASSIGN,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_PLUS, TK_MINUS, TK_STAR,
    TK_SLASH, TK_PERCENT, TK_BANG, TK_ANDAND, TK_OROR,
    TK_COUNT
} SgTokKind;

enum {
    SG_TOKF_BAD = 1,        /* literal already reported (E001/E002/E003) */
    SG_TOKF_INT_BIG = 2,    /* Int literal above INT64_MAX (fits only negated) */
    SG_TOKF_INT_HUGE = 4,   /* Int literal above 2^63: never fits */
    SG_TOKF_NEW_ITEM = 8,   /* an item keyword at column 1: always begins an item (section 6) */
    SG_TOKF_IN_COMMENT = 16,/* TK_EOF inside an unterminated block comment: its E002 says it all */
};

typedef struct SgToken {
    uint8_t kind;
    uint8_t flags;
    uint16_t depth;         /* open brackets around the token (closers: after closing) */
    uint32_t off, len;      /* byte range in the source */
} SgToken;

/* A run of `///` lines; `tok` is the index of the token it documents. */
typedef struct SgDoc {
    uint32_t off, end, tok;
} SgDoc;

typedef struct SgTokens {
    SgToken *toks;
    uint32_t len;
    SgDoc *docs;
    uint32_t ndocs;
} SgTokens;

/* Lexes src[0..len) (which must be followed by a NUL byte). Tokens and docs
 * are allocated from `arena`; lexical errors go to `diags`. */
void sg_lex(SgArena *arena, const char *src, uint32_t len, SgTokens *out, SgDiags *diags);

/* The same, but the token array is malloc'd (the caller frees out->toks):
 * the parser drops tokens as soon as the tree is built. */
void sg_lex_heap(SgArena *arena, const char *src, uint32_t len, SgTokens *out, SgDiags *diags);

const char *sg_tok_name(SgTokKind k);     /* "`(`", "identifier", ... */

/* Decodes the body of a string literal token that lexed without error. */
char *sg_lex_string_value(SgArena *a, const char *src, const SgToken *t, uint32_t *out_len);

/* Value of an Int literal token (wraps when SG_TOKF_INT_BIG). */
uint64_t sg_lex_int_value(const char *src, const SgToken *t);

bool sg_is_keyword(const char *s, size_t n);

/* The keywords' spelling, in token order: sg_lex_keywords[k - TK_IMPORT]. */
#define SG_LEX_NKEYWORDS (TK_FALSE - TK_IMPORT + 1)
extern const char *const sg_lex_keywords[SG_LEX_NKEYWORDS];

#endif
