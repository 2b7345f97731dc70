/* convert.c - conversions between the protocol and the checker: params
 * read safely (strings, numbers clamped), positions and ranges (code-point
 * columns and byte spans -> LSP positions in the negotiated encoding),
 * the identifier character class, and item -> SymbolKind.
 *
 * Threads: the loop thread only (they read srv->enc). */
#include "../../checker/ast.h"
#include "../../checker/lex.h"
#include "internal.h"

const char *lsp_str_at(const cJSON *o, const char *a, const char *b) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* LSP numbers are doubles on the wire: clamp before converting (a huge or
 * negative position is the end or the start, never undefined behaviour). */
uint32_t lsp_u32(double v) { return v != v || v <= 0 ? 0 : v >= 4294967295.0 ? UINT32_MAX : (uint32_t)v; }
int64_t lsp_i64(double v) { return v != v ? 0 : v <= -9.0e18 ? INT64_MIN : v >= 9.0e18 ? INT64_MAX : (int64_t)v; }

bool lsp_num_at(const cJSON *o, const char *k, double *out) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(x)) return false;
    *out = x->valuedouble;
    return true;
}

cJSON *lsp_columns_range(const char *text, size_t len, uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2) {
    cJSON *r = cJSON_CreateObject();
    cJSON *s = cJSON_AddObjectToObject(r, "start"), *e = cJSON_AddObjectToObject(r, "end");
    cJSON_AddNumberToObject(s, "line", l1 ? l1 - 1 : 0);
    cJSON_AddNumberToObject(s, "character", lsp_character_of_column(text, len, l1, c1, srv->enc));
    cJSON_AddNumberToObject(e, "line", l2 ? l2 - 1 : 0);
    cJSON_AddNumberToObject(e, "character", lsp_character_of_column(text, len, l2, c2, srv->enc));
    return r;
}

cJSON *lsp_position_json(uint32_t line, uint32_t ch) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "line", line);
    cJSON_AddNumberToObject(p, "character", ch);
    return p;
}

cJSON *lsp_span_range(const char *text, size_t len, SgSpan s) {
    uint32_t l1, c1, l2, c2;
    lsp_position_of(text, len, s.start, srv->enc, &l1, &c1);
    lsp_position_of(text, len, s.end, srv->enc, &l2, &c2);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "start", lsp_position_json(l1, c1));
    cJSON_AddItemToObject(r, "end", lsp_position_json(l2, c2));
    return r;
}

size_t lsp_ident_start(const char *t, size_t end) {
    while (end > 0 && lsp_is_ident_char(t[end - 1])) end--;
    return end;
}

size_t lsp_ident_end(const char *t, size_t len, size_t start) {
    while (start < len && lsp_is_ident_char(t[start])) start++;
    return start;
}

bool lsp_valid_identifier(const char *s) {
    size_t n = strlen(s);
    if (!n || (s[0] >= '0' && s[0] <= '9') || lsp_ident_end(s, n, 0) != n) return false;
    return !sg_is_keyword(s, n) && strcmp(s, "_") != 0;
}

int lsp_item_symbol_kind(const SgItem *it) {
    switch (it->kind) {
    case IT_STRUCT: return LSP_SK_STRUCT;
    case IT_ENUM: return LSP_SK_ENUM;
    case IT_CONST: return LSP_SK_CONSTANT;
    case IT_FN: return LSP_SK_FUNCTION;
    default: return LSP_SK_TYPE_PARAMETER;  /* aliases and extern types */
    }
}

int lsp_def_symbol_kind(uint8_t k) {
    switch (k) {
    case SG_XDEF_FN: case SG_XDEF_EXTERN_FN: return LSP_SK_FUNCTION;
    case SG_XDEF_CONST: return LSP_SK_CONSTANT;
    case SG_XDEF_STRUCT: return LSP_SK_STRUCT;
    case SG_XDEF_ENUM: return LSP_SK_ENUM;
    case SG_XDEF_FIELD: return LSP_SK_FIELD;
    case SG_XDEF_CTOR: return LSP_SK_ENUM_MEMBER;
    default: return LSP_SK_TYPE_PARAMETER;     /* aliases and extern types, as lsp_item_symbol_kind */
    }
}

/* ---- JSON written directly (large answers built on the pool: no tree) ---- */
void lsp_json_str(SgBuf *b, const char *s, size_t n) {
    sg_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            sg_buf_putc(b, '\\');
            sg_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            sg_buf_printf(b, "\\u%04x", c);
        } else {
            sg_buf_putc(b, (char)c);
        }
    }
    sg_buf_putc(b, '"');
}

void lsp_json_range(SgBuf *b, const char *text, size_t len, SgSpan s) {
    uint32_t l1, c1, l2, c2;
    lsp_position_of(text, len, s.start, srv->enc, &l1, &c1);
    lsp_position_of(text, len, s.end, srv->enc, &l2, &c2);
    sg_buf_printf(b, "{\"start\":{\"line\":%u,\"character\":%u},\"end\":{\"line\":%u,\"character\":%u}}", l1, c1, l2,
                  c2);
}
