/* lsp.h - the language server (`sigil --lsp`). */
#ifndef SG_LSP_H
#define SG_LSP_H

/* Serves LSP 3.17 on stdin/stdout until `exit`; returns the exit status
 * (0 after `shutdown`, 1 otherwise). Logs go to log_path or stderr. */
int sg_lsp_main(const char *std_dir, const char *log_path);

#endif
