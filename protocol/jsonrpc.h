/* jsonrpc.h - JSON-RPC 2.0 over LSP's Content-Length framing.
 *
 * The framer is a pure byte-stream state machine: feed it whatever the
 * read gave (partial messages, several messages at once), and it hands out
 * each complete message body. Malformed headers are reported, the bad bytes
 * skipped, and framing resumes at the next header block; a body larger than
 * the limit is skipped whole. Nothing here does I/O. */
#ifndef SG_JSONRPC_H
#define SG_JSONRPC_H

#include <cJSON.h>

#include "../checker/base.h"

#define LSP_MAX_MESSAGE (64u * 1024u * 1024u)

typedef enum LspFrameEvent {
    LSP_FRAME_MESSAGE,      /* a complete body */
    LSP_FRAME_BAD_HEADER,   /* header block without a valid Content-Length: skipped */
    LSP_FRAME_TOO_LARGE,    /* Content-Length above the limit: body skipped */
} LspFrameEvent;

typedef void (*LspFrameFn)(void *ctx, LspFrameEvent ev, const char *body, size_t len);

typedef struct LspFramer {
    SgBuf buf;              /* unconsumed bytes */
    size_t skip;            /* body bytes still to discard (too large) */
    size_t limit;
    bool resync;            /* after a bad header: skip to the next "Content-Length" */
} LspFramer;

void lsp_framer_init(LspFramer *f, size_t limit);
void lsp_framer_feed(LspFramer *f, const char *data, size_t len, LspFrameFn fn, void *ctx);
void lsp_framer_free(LspFramer *f);

/* Frames a JSON value as a message (Content-Length header + body). */
void lsp_frame(cJSON *msg, SgBuf *out);

/* JSON-RPC error codes (LSP 3.17). */
enum {
    LSP_PARSE_ERROR = -32700,
    LSP_INVALID_REQUEST = -32600,
    LSP_METHOD_NOT_FOUND = -32601,
    LSP_INVALID_PARAMS = -32602,
    LSP_INTERNAL_ERROR = -32603,
    LSP_SERVER_NOT_INITIALIZED = -32002,
    LSP_REQUEST_CANCELLED = -32800,
    LSP_REQUEST_FAILED = -32803,    /* valid params, but the request cannot be done (the message says why) */
};

cJSON *lsp_response(const cJSON *id, cJSON *result);
cJSON *lsp_error(const cJSON *id, int code, const char *message);
cJSON *lsp_notification(const char *method, cJSON *params);

#endif
