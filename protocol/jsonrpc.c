/* jsonrpc.c - Content-Length framing and JSON-RPC message helpers. */
#include "jsonrpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

void lsp_framer_init(LspFramer *f, size_t limit) {
    memset(f, 0, sizeof *f);
    f->limit = limit ? limit : LSP_MAX_MESSAGE;
}

void lsp_framer_free(LspFramer *f) { sg_buf_free(&f->buf); }

static void consume(LspFramer *f, size_t n) {
    if (!n) return;
    memmove(f->buf.data, f->buf.data + n, f->buf.len - n);
    f->buf.len -= n;
}

/* Finds the end of the header block ("\r\n\r\n"; a bare "\n\n" is accepted
 * too). Returns the offset of the body or 0 if not complete. */
static size_t header_end(const char *s, size_t n) {
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '\n' && s[i + 1] == '\n') return i + 2;
        if (i + 3 < n && s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == '\r' && s[i + 3] == '\n') return i + 4;
    }
    return 0;
}

/* Parses the Content-Length out of a header block; -1 if absent or bad. */
static long long content_length(const char *h, size_t n) {
    long long len = -1;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && h[e] != '\n') e++;
        size_t le = e;
        if (le > i && h[le - 1] == '\r') le--;
        const char *key = "content-length:";
        size_t kl = strlen(key);
        if (le - i >= kl && strncasecmp(h + i, key, kl) == 0) {
            size_t p = i + kl;
            while (p < le && (h[p] == ' ' || h[p] == '\t')) p++;
            if (p == le) return -1;
            long long v = 0;
            for (; p < le; p++) {
                if (h[p] < '0' || h[p] > '9') {
                    while (p < le && (h[p] == ' ' || h[p] == '\t')) p++;
                    if (p != le) return -1;
                    break;
                }
                v = v * 10 + (h[p] - '0');
                if (v > (1LL << 40)) return -1;
            }
            len = v;
        }
        i = e + 1;
    }
    return len;
}

void lsp_framer_feed(LspFramer *f, const char *data, size_t len, LspFrameFn fn, void *ctx) {
    if (f->skip) {
        size_t k = len < f->skip ? len : f->skip;
        f->skip -= k;
        data += k;
        len -= k;
    }
    sg_buf_put(&f->buf, data, len);
    for (;;) {
        if (f->skip) {
            size_t k = f->buf.len < f->skip ? f->buf.len : f->skip;
            consume(f, k);
            f->skip -= k;
            if (f->skip) return;
        }
        if (f->resync) {
            /* the body of a message with a bad header has an unknown length:
             * the next message starts at the next Content-Length header */
            static const char key[] = "content-length:";
            size_t kl = sizeof key - 1, at = (size_t)-1;
            for (size_t i = 0; i + kl <= f->buf.len && at == (size_t)-1; i++)
                if (strncasecmp(f->buf.data + i, key, kl) == 0) at = i;
            if (at == (size_t)-1) {
                if (f->buf.len > kl) consume(f, f->buf.len - kl);
                return;
            }
            consume(f, at);
            f->resync = false;
        }
        /* stray line breaks between messages are tolerated */
        size_t lead = 0;
        while (lead < f->buf.len && (f->buf.data[lead] == '\r' || f->buf.data[lead] == '\n')) lead++;
        if (lead) consume(f, lead);
        if (!f->buf.len) return;
        size_t body = header_end(f->buf.data, f->buf.len);
        if (!body) {
            if (f->buf.len > 64 * 1024) {   /* no header end in sight: garbage */
                fn(ctx, LSP_FRAME_BAD_HEADER, NULL, 0);
                f->buf.len = 0;
            }
            return;
        }
        long long n = content_length(f->buf.data, body);
        if (n < 0) {
            fn(ctx, LSP_FRAME_BAD_HEADER, NULL, 0);
            consume(f, body);
            f->resync = true;
            continue;
        }
        if ((unsigned long long)n > f->limit) {
            fn(ctx, LSP_FRAME_TOO_LARGE, NULL, 0);
            consume(f, body);
            f->skip = (size_t)n;
            continue;
        }
        if (f->buf.len - body < (size_t)n) return;     /* body not complete yet */
        fn(ctx, LSP_FRAME_MESSAGE, f->buf.data + body, (size_t)n);
        consume(f, body + (size_t)n);
    }
}

void lsp_frame(cJSON *msg, SgBuf *out) {
    char *s = cJSON_PrintUnformatted(msg);
    size_t n = strlen(s);
    sg_buf_printf(out, "Content-Length: %zu\r\n\r\n", n);
    sg_buf_put(out, s, n);
    cJSON_free(s);
}

cJSON *lsp_response(const cJSON *id, cJSON *result) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
    return m;
}

cJSON *lsp_error(const cJSON *id, int code, const char *message) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    cJSON *e = cJSON_AddObjectToObject(m, "error");
    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    return m;
}

cJSON *lsp_notification(const char *method, cJSON *params) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddStringToObject(m, "method", method);
    if (params) cJSON_AddItemToObject(m, "params", params);
    return m;
}
