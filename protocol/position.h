/* position.h - LSP positions (line + character in UTF-16 code units, or
 * UTF-8 bytes when negotiated) <-> byte offsets in UTF-8 text. Positions
 * past the end of a line clamp to its end; lines past the end of the text
 * clamp to the end of the text (as the specification asks). */
#ifndef SG_POSITION_H
#define SG_POSITION_H

#include <stddef.h>
#include <stdint.h>

typedef enum LspEncoding { LSP_UTF16, LSP_UTF8 } LspEncoding;

size_t lsp_offset_of(const char *text, size_t len, uint32_t line, uint32_t character, LspEncoding enc);
void lsp_position_of(const char *text, size_t len, size_t offset, LspEncoding enc, uint32_t *line,
                     uint32_t *character);
/* Positions of many offsets of one text (semantic tokens, folding ranges):
 * each in time proportional to its distance from the previous one on the
 * same line, else to its line's length (lsp_position_of scans from the
 * start of the text: a request over a large document was quadratic).
 * The text must not change while the cursor is used. */
typedef struct LspCursor {
    const char *text;
    size_t len;
    LspEncoding enc;
    size_t off, line_start;     /* the last offset asked for, and its line's start */
    uint32_t line, units;       /* its position */
} LspCursor;
void lsp_cursor_init(LspCursor *c, const char *text, size_t len, LspEncoding enc);
void lsp_cursor_position(LspCursor *c, size_t offset, uint32_t *line, uint32_t *character);
/* Converts a 1-based code-point column on a 1-based line to an LSP character. */
uint32_t lsp_character_of_column(const char *text, size_t len, uint32_t line, uint32_t col, LspEncoding enc);

#endif
