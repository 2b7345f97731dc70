/* fuzz_lsp.c - libFuzzer target for the language server's framing and
 * message dispatch: arbitrary bytes in (headers, JSON, any method and
 * params), replies out to memory. Must never crash, leak or trip a
 * sanitizer. Seeds: tests/fuzz/lsp-seeds/. */
#include <stddef.h>
#include <stdint.h>

#include "../../server/lsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sg_lsp_fuzz_one(data, size);
    return 0;
}
