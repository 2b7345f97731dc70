/* test_position.c - LSP positions: the cursor used for many offsets of one
 * text agrees with lsp_position_of, forwards and backwards. */
#include "helpers.h"

#include "../../protocol/position.h"

TEST(position_cursor_agrees) {
    /* ASCII, é (2 bytes), € (3), 😀 (4: two UTF-16 units), CRLF, empty lines */
    const char *text = "ab\xC3\xA9 \xE2\x82\xAC\n\n\xF0\x9F\x98\x80x\r\nlast \xF0\x9F\x98\x80";
    size_t len = strlen(text);
    for (int enc = LSP_UTF16; enc <= LSP_UTF8; enc++) {
        LspCursor c;
        lsp_cursor_init(&c, text, len, (LspEncoding)enc);
        /* every offset forwards, then a walk that jumps back and forth */
        size_t walk[64];
        uint32_t n = 0;
        for (size_t o = 0; o <= len; o++) walk[n++] = o;
        uint32_t seed = 7;
        for (int k = 0; k < 40 && n < SG_ARRAY_LEN(walk); k++) {
            seed = seed * 1103515245u + 12345u;
            walk[n++] = (seed >> 16) % (len + 3);   /* past the end clamps */
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t l1, c1, l2, c2;
            lsp_position_of(text, len, walk[i], (LspEncoding)enc, &l1, &c1);
            lsp_cursor_position(&c, walk[i], &l2, &c2);
            if (l1 != l2 || c1 != c2)
                FAIL("encoding %d, offset %zu (step %u): cursor %u:%u, lsp_position_of %u:%u", enc, walk[i], i, l2, c2,
                     l1, c1);
        }
    }
}
