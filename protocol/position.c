/* position.c - conversions between LSP positions and byte offsets. */
#include "position.h"

static size_t line_start(const char *t, size_t len, uint32_t line, int *found) {
    size_t i = 0;
    uint32_t l = 0;
    while (l < line && i < len) {
        if (t[i] == '\n') l++;
        i++;
    }
    *found = l == line;
    return i;
}

/* Length in bytes of the UTF-8 sequence starting with byte c (1 if invalid). */
static size_t seq_len(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return 1;
}

size_t lsp_offset_of(const char *text, size_t len, uint32_t line, uint32_t character, LspEncoding enc) {
    int found;
    size_t i = line_start(text, len, line, &found);
    if (!found) return len;
    uint32_t units = 0;
    while (i < len && text[i] != '\n' && !(text[i] == '\r' && (i + 1 == len || text[i + 1] == '\n'))) {
        size_t n = seq_len((unsigned char)text[i]);
        if (i + n > len) n = len - i;
        uint32_t w = enc == LSP_UTF8 ? (uint32_t)n : (n == 4 ? 2 : 1);
        if (units + w > character) break;
        units += w;
        i += n;
    }
    return i;
}

void lsp_position_of(const char *text, size_t len, size_t offset, LspEncoding enc, uint32_t *line,
                     uint32_t *character) {
    if (offset > len) offset = len;
    uint32_t l = 0;
    size_t start = 0;
    for (size_t i = 0; i < offset; i++)
        if (text[i] == '\n') l++, start = i + 1;
    uint32_t units = 0;
    for (size_t i = start; i < offset;) {
        size_t n = seq_len((unsigned char)text[i]);
        if (i + n > offset) n = offset - i;
        units += enc == LSP_UTF8 ? (uint32_t)n : (n == 4 ? 2 : 1);
        i += n;
    }
    *line = l;
    *character = units;
}

void lsp_cursor_init(LspCursor *c, const char *text, size_t len, LspEncoding enc) {
    *c = (LspCursor){.text = text, .len = len, .enc = enc};
}

void lsp_cursor_position(LspCursor *c, size_t offset, uint32_t *line, uint32_t *character) {
    if (offset > c->len) offset = c->len;
    if (c->off < c->len && ((unsigned char)c->text[c->off] & 0xC0) == 0x80) {
        /* the last offset cut a character (counted whole there): recount its line */
        c->off = c->line_start;
        c->units = 0;
    }
    if (offset < c->off) {
        /* backwards: from the start of its line */
        size_t i = offset;
        while (i > 0 && c->text[i - 1] != '\n') i--;
        uint32_t skipped = 0;
        for (size_t k = i; k < c->line_start; k++) skipped += c->text[k] == '\n';
        if (i < c->line_start) c->line -= skipped;
        c->line_start = i;
        c->off = i;
        c->units = 0;
    }
    for (size_t i = c->off; i < offset;) {
        if (c->text[i] == '\n') {
            c->line++;
            c->line_start = ++i;
            c->units = 0;
            continue;
        }
        size_t n = seq_len((unsigned char)c->text[i]);
        if (i + n > offset) n = offset - i;
        c->units += c->enc == LSP_UTF8 ? (uint32_t)n : (n == 4 ? 2 : 1);
        i += n;
    }
    c->off = offset;
    *line = c->line;
    *character = c->units;
}

uint32_t lsp_character_of_column(const char *text, size_t len, uint32_t line, uint32_t col, LspEncoding enc) {
    int found;
    size_t i = line_start(text, len, line ? line - 1 : 0, &found);
    if (!found) return col ? col - 1 : 0;
    uint32_t units = 0;
    for (uint32_t c = 1; c < col && i < len && text[i] != '\n'; c++) {
        size_t n = seq_len((unsigned char)text[i]);
        if (i + n > len) n = len - i;
        units += enc == LSP_UTF8 ? (uint32_t)n : (n == 4 ? 2 : 1);
        i += n;
    }
    return units;
}
