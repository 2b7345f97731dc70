/* transport.c - the byte streams: stdin through the framer into dispatch,
 * messages out through libuv writes (or into memory when fuzzing), and the
 * server's log.
 *
 * Threads: the loop thread only. */
#include <stdarg.h>
#include <stdlib.h>

#include "internal.h"

void lsp_log(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("sigil-lsp: ", srv->log);
    vfprintf(srv->log, fmt, ap);
    fputc('\n', srv->log);
    fflush(srv->log);
    va_end(ap);
}

/* ---- output ----
 * Back-pressure: a client that does not read its replies must not make us
 * buffer them without bound. Past WRITE_QUEUE_HIGH bytes waiting to be
 * written we stop reading requests; below WRITE_QUEUE_LOW we read again.
 * (What one read delivers is still answered: at most a read's worth of
 * requests past the bound.) */
#define WRITE_QUEUE_HIGH (1u << 20)
#define WRITE_QUEUE_LOW (256u << 10)

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

typedef struct WriteReq {
    uv_write_t req;
    char *data;
} WriteReq;

static void after_write(uv_write_t *req, int status) {
    WriteReq *w = (WriteReq *)req;
    if (status < 0) lsp_log("write failed: %s", uv_strerror(status));
    free(w->data);
    free(w);
    if (srv->read_paused && !srv->stopping && uv_stream_get_write_queue_size(srv->out) < WRITE_QUEUE_LOW) {
        srv->read_paused = false;
        uv_read_start(srv->in, alloc_cb, read_cb);
        lsp_log("the client reads again: reading requests again");
    }
}

void lsp_send(cJSON *msg) {
    SgBuf b = {0};
    lsp_frame(msg, &b);
    cJSON_Delete(msg);
    if (srv->sink) {
        sg_buf_put(srv->sink, b.data, b.len);
        sg_buf_free(&b);
        return;
    }
    WriteReq *w = sg_xmalloc(sizeof *w);
    w->data = b.data;
    uv_buf_t buf = uv_buf_init(b.data, (unsigned)b.len);
    int rc = uv_write(&w->req, srv->out, &buf, 1, after_write);
    if (rc < 0) {
        lsp_log("write failed: %s", uv_strerror(rc));
        free(w->data);
        free(w);
    } else if (!srv->read_paused && !srv->stopping && uv_stream_get_write_queue_size(srv->out) > WRITE_QUEUE_HIGH) {
        srv->read_paused = true;
        uv_read_stop(srv->in);
        lsp_log("over %u bytes of replies not read by the client: reading requests paused", WRITE_QUEUE_HIGH);
    }
}

void lsp_show_message(int type, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    SgBuf b = {0};
    sg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    lsp_log("%s", b.data);
    cJSON *params = cJSON_CreateObject();
    cJSON_AddNumberToObject(params, "type", type);
    cJSON_AddStringToObject(params, "message", b.data);
    lsp_send(lsp_notification("window/showMessage", params));
    sg_buf_free(&b);
}

int lsp_send_request(const char *method, cJSON *params) {
    cJSON *req = lsp_notification(method, params);
    int id = ++srv->next_request_id;
    cJSON_AddNumberToObject(req, "id", id);
    lsp_send(req);
    return id;
}

void lsp_on_frame(void *ctx, LspFrameEvent ev, const char *body, size_t len) {
    (void)ctx;
    if (ev == LSP_FRAME_BAD_HEADER) {
        lsp_log("malformed message header: skipped");
        lsp_send(lsp_error(NULL, LSP_PARSE_ERROR, "malformed message header (no valid Content-Length)"));
        return;
    }
    if (ev == LSP_FRAME_TOO_LARGE) {
        lsp_log("message above the size limit: skipped");
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "message too large"));
        return;
    }
    cJSON *msg = cJSON_ParseWithLength(body, len);
    if (!msg) {
        lsp_send(lsp_error(NULL, LSP_PARSE_ERROR, "invalid JSON"));
        return;
    }
    if (cJSON_IsArray(msg)) {
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "batches are not supported"));
    } else if (!cJSON_IsObject(msg)) {
        lsp_send(lsp_error(NULL, LSP_INVALID_REQUEST, "a message must be a JSON object"));
    } else {
        lsp_dispatch(msg);
    }
    cJSON_Delete(msg);
}

/* ---- input ---- */
static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)h;
    buf->base = sg_xmalloc(suggested);
    buf->len = suggested;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
    (void)s;
    if (n > 0) lsp_framer_feed(&srv->framer, buf->base, (size_t)n, lsp_on_frame, NULL);
    free(buf->base);
    if (n < 0) {
        /* the client went away without `exit` */
        if (n != UV_EOF) lsp_log("read failed: %s", uv_strerror((int)n));
        srv->exit_code = srv->state == 2 ? 0 : 1;
        srv->stopping = true;
        if (srv->loop) uv_stop(srv->loop);
    }
}

static uv_stream_t *open_stream(int fd, bool readable) {
    uv_handle_type t = uv_guess_handle(fd);
    if (t == UV_TTY) {
        uv_tty_t *tty = sg_xmalloc(sizeof *tty);
        uv_tty_init(srv->loop, tty, fd, readable);
        return (uv_stream_t *)tty;
    }
    uv_pipe_t *p = sg_xmalloc(sizeof *p);
    uv_pipe_init(srv->loop, p, 0);
    if (uv_pipe_open(p, fd) != 0) {
        free(p);
        return NULL;
    }
    return (uv_stream_t *)p;
}

bool lsp_transport_open(void) {
    srv->in = open_stream(0, true);
    srv->out = open_stream(1, false);
    if (!srv->in || !srv->out) return false;
    uv_read_start(srv->in, alloc_cb, read_cb);
    return true;
}

void lsp_transport_stop(void) { uv_read_stop(srv->in); }
