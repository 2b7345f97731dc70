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
/* Converts a 1-based code-point column on a 1-based line to an LSP character. */
uint32_t lsp_character_of_column(const char *text, size_t len, uint32_t line, uint32_t col, LspEncoding enc);

#endif
