/* lsp.h - the language server (`sigil --lsp`). */
#ifndef SG_LSP_H
#define SG_LSP_H

/* Serves LSP 3.17 on stdin/stdout until `exit`; returns the exit status
 * (0 after `shutdown`, 1 otherwise). Logs go to log_path or stderr. */
int sg_lsp_main(const char *std_dir, const char *log_path);

#include <stddef.h>
#include <stdint.h>
/* Fuzzing entry: framing + dispatch over one input, replies discarded. */
size_t sg_lsp_fuzz_one(const uint8_t *data, size_t len);

#endif
