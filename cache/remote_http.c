/* remote_http.c - the HTTP backend of the remote cache (libcurl multi).
 * Entries are PREFIX/<2 hex>/<key hex>, the layout ccache uses, so a plain
 * WebDAV server (nginx, Apache) or an S3-like gateway serves them:
 * GET (200 = entry, 404/410 = none), PUT (any 2xx = stored), HEAD.
 *
 * A batch runs up to PARALLEL transfers at once over kept-alive
 * connections (HTTP/2 multiplexed where the server offers it). Redirects
 * are followed (http and https only, a few hops). A response longer than a
 * frame can be is cut off and is a miss. Connection failures and timeouts
 * disable the remote for the run at once (the transfers in flight are
 * abandoned); other HTTP errors do after SG_REMOTE_MAX_FAILURES in a row.
 * Used by the thread that owns the SgRemote; libcurl's global state is set
 * up once per process.
 *
 * libcurl is loaded with dlopen the first time an HTTP cache is used: linked
 * in, it and the thirty libraries it pulls (TLS, HTTP/2, IDN, LDAP...) cost
 * every sigil process about 5 ms of start-up, a tenth of a warm check. */
#define CURL_DISABLE_TYPECHECK 1   /* its macros would hide our function pointers */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "../checker/base.h"
#include "../include/sigil.h"
#include "remote_impl.h"

#define PARALLEL 16

typedef struct Xfer {
    CURL *easy;
    SgRemoteReq *q;
    SgBuf body;             /* get: the response so far */
    size_t sent;            /* put: bytes of q->body handed to libcurl */
    bool too_large;
} Xfer;

typedef struct HttpConn {
    CURLM *multi;
    Xfer xf[PARALLEL];
    struct curl_slist *headers;
} HttpConn;

/* The libcurl functions we use, from the library loaded at run time. */
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;

static uv_once_t curl_once = UV_ONCE_INIT;
static const char *curl_error;  /* why libcurl cannot be used, or NULL */

static void curl_init_once(void) {
    /* the soname of Debian's libcurl4 (OpenSSL) and libcurl3-gnutls, then the -dev symlink */
    static const char *const names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
    void *lib = NULL;
    for (size_t i = 0; i < SG_ARRAY_LEN(names) && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        curl_error = "libcurl is not installed (Debian: libcurl4)";
        return;
    }
    static const struct {
        const char *name;
        size_t offset;
    } syms[] = {
#define SYM(f) {"curl_" #f, offsetof(__typeof__(api), f)}
        SYM(global_init),     SYM(easy_init),        SYM(easy_cleanup),        SYM(easy_reset),
        SYM(easy_setopt),     SYM(easy_getinfo),     SYM(easy_strerror),       SYM(multi_init),
        SYM(multi_cleanup),   SYM(multi_setopt),     SYM(multi_add_handle),    SYM(multi_remove_handle),
        SYM(multi_perform),   SYM(multi_poll),       SYM(multi_info_read),     SYM(slist_append),
        SYM(slist_free_all),
#undef SYM
    };
    for (size_t i = 0; i < SG_ARRAY_LEN(syms); i++) {
        void *f = dlsym(lib, syms[i].name);
        if (!f) {
            curl_error = "the installed libcurl is too old (7.66 or later is needed)";
            return;
        }
        memcpy((char *)&api + syms[i].offset, &f, sizeof f);
    }
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) curl_error = "libcurl cannot be initialised";
    /* the library stays loaded for the life of the process */
}

static void http_close(SgRemote *r) {
    HttpConn *h = r->conn;
    if (!h) return;
    for (int i = 0; i < PARALLEL; i++) {
        if (h->xf[i].easy) api.easy_cleanup(h->xf[i].easy);
        sg_buf_free(&h->xf[i].body);
    }
    api.multi_cleanup(h->multi);
    api.slist_free_all(h->headers);
    free(h);
    r->conn = NULL;
}

static HttpConn *http_conn(SgRemote *r) {
    if (r->conn) return r->conn;
    uv_once(&curl_once, curl_init_once);
    if (curl_error) {
        sg_remote_failed(r, true, "%s", curl_error);
        return NULL;
    }
    HttpConn *h = sg_xcalloc(1, sizeof *h);
    h->multi = api.multi_init();
    for (int i = 0; i < PARALLEL && h->multi; i++)
        if (!(h->xf[i].easy = api.easy_init())) break;
    if (!h->multi || !h->xf[PARALLEL - 1].easy) {
        r->conn = h;
        http_close(r);
        sg_remote_failed(r, true, "libcurl cannot be initialised");
        return NULL;
    }
    api.multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)PARALLEL);
    api.multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)PARALLEL);
    /* no "Expect: 100-continue" round trip before each upload */
    h->headers = api.slist_append(NULL, "Expect:");
    h->headers = api.slist_append(h->headers, "Content-Type: application/octet-stream");
    r->conn = h;
    return h;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg) {
    Xfer *x = arg;
    size_t n = size * nmemb, before = x->body.len;
    if (before + n > SG_REMOTE_MAX_FRAME) {
        x->too_large = true;
        return 0;   /* aborts the transfer */
    }
    sg_buf_put(&x->body, p, n);
    /* a head that is not ours, or announces an absurd size: stop here */
    if (before < SG_REMOTE_FRAME_HEAD && x->body.len >= SG_REMOTE_FRAME_HEAD &&
        !sg_remote_frame_size((const uint8_t *)x->body.data)) {
        x->too_large = true;
        return 0;
    }
    return n;
}

static size_t on_upload(char *p, size_t size, size_t nmemb, void *arg) {
    Xfer *x = arg;
    size_t n = size * nmemb, left = x->q->body_len - x->sent;
    if (n > left) n = left;
    memcpy(p, x->q->body + x->sent, n);
    x->sent += n;
    return n;
}

/* A redirect or an authentication retry re-sends the body from the start. */
static int on_seek(void *arg, curl_off_t off, int origin) {
    Xfer *x = arg;
    if (origin != SEEK_SET || off < 0 || (size_t)off > x->q->body_len) return CURL_SEEKFUNC_CANTSEEK;
    x->sent = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static void start(SgRemote *r, HttpConn *h, Xfer *x, SgRemoteOp op, SgRemoteReq *q) {
    CURL *e = x->easy;
    api.easy_reset(e);
    x->q = q;
    x->body.len = 0;
    x->sent = 0;
    x->too_large = false;
    char url[4096];
    snprintf(url, sizeof url, "%s/%.2s/%s", r->url.base, q->hex, q->hex);
    api.easy_setopt(e, CURLOPT_URL, url);
    api.easy_setopt(e, CURLOPT_PRIVATE, x);
    api.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
    api.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)r->timeout_ms);
    api.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    api.easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    api.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    api.easy_setopt(e, CURLOPT_MAXREDIRS, 4L);
    api.easy_setopt(e, CURLOPT_USERAGENT, "sigil/" SIGIL_VERSION);
    api.easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SG_REMOTE_MAX_FRAME);
    api.easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    api.easy_setopt(e, CURLOPT_WRITEDATA, x);
    if (r->url.user) api.easy_setopt(e, CURLOPT_USERNAME, r->url.user);
    if (r->url.password) api.easy_setopt(e, CURLOPT_PASSWORD, r->url.password);
    switch (op) {
    case SG_OP_GET:
        api.easy_setopt(e, CURLOPT_HTTPGET, 1L);
        break;
    case SG_OP_HAS:
        api.easy_setopt(e, CURLOPT_NOBODY, 1L);
        break;
    case SG_OP_PUT:
        api.easy_setopt(e, CURLOPT_UPLOAD, 1L);
        api.easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
        api.easy_setopt(e, CURLOPT_READFUNCTION, on_upload);
        api.easy_setopt(e, CURLOPT_READDATA, x);
        api.easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
        api.easy_setopt(e, CURLOPT_SEEKDATA, x);
        api.easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
        break;
    }
    api.multi_add_handle(h->multi, e);
}

/* Transport failures: the server cannot be reached or does not answer. */
static bool transport_failure(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return true;
    default:
        return false;
    }
}

static const char *method(SgRemoteOp op) { return op == SG_OP_GET ? "GET" : op == SG_OP_PUT ? "PUT" : "HEAD"; }

static void finish(SgRemote *r, SgRemoteOp op, Xfer *x, CURLcode rc) {
    SgRemoteReq *q = x->q;
    long code = 0;
    api.easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && x->too_large)) {
        sg_remote_succeeded(r);
        q->status = SG_REQ_TOO_LARGE;
        return;
    }
    if (rc != CURLE_OK) {
        q->status = SG_REQ_FAILED;
        if (rc == CURLE_OPERATION_TIMEDOUT)
            sg_remote_failed(r, true, "%s: timed out after %d ms", method(op), r->timeout_ms);
        else
            sg_remote_failed(r, transport_failure(rc), "%s: %s", method(op), api.easy_strerror(rc));
        return;
    }
    bool ok = op == SG_OP_PUT ? code >= 200 && code < 300 : code == 200;
    if (!ok && op != SG_OP_PUT && (code == 404 || code == 410)) {
        sg_remote_succeeded(r);
        q->status = SG_REQ_ABSENT;
        return;
    }
    if (!ok) {
        q->status = SG_REQ_FAILED;
        sg_remote_failed(r, false, "%s: HTTP status %ld", method(op), code);
        return;
    }
    sg_remote_succeeded(r);
    q->status = SG_REQ_OK;
    if (op == SG_OP_GET) {
        q->len = x->body.len;
        q->data = sg_xmalloc(q->len ? q->len : 1);
        if (q->len) memcpy(q->data, x->body.data, q->len);
    }
}

static void http_run(SgRemote *r, SgRemoteOp op, SgRemoteReq *reqs, size_t n) {
    HttpConn *h = http_conn(r);
    if (!h) return;
    Xfer *idle[PARALLEL];
    int nidle = 0;
    for (int i = PARALLEL - 1; i >= 0; i--) idle[nidle++] = &h->xf[i];
    size_t next = 0;
    while (!sg_remote_off(r) && (next < n || nidle < PARALLEL)) {
        while (nidle > 0 && next < n) start(r, h, idle[--nidle], op, &reqs[next++]);
        int running = 0;
        if (api.multi_perform(h->multi, &running) != CURLM_OK) {
            sg_remote_failed(r, true, "libcurl failed");
            break;
        }
        CURLMsg *msg;
        int left;
        while ((msg = api.multi_info_read(h->multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            Xfer *x;
            api.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            CURLcode rc = msg->data.result;
            api.multi_remove_handle(h->multi, x->easy);
            finish(r, op, x, rc);
            x->q = NULL;
            idle[nidle++] = x;
        }
        if (running && !sg_remote_off(r)) api.multi_poll(h->multi, NULL, 0, 1000, NULL);
    }
    /* disabled: abandon the transfers still in flight (their requests stay SKIPPED) */
    for (int i = 0; i < PARALLEL; i++)
        if (h->xf[i].q) {
            api.multi_remove_handle(h->multi, h->xf[i].easy);
            h->xf[i].q = NULL;
        }
    /* keep the sockets of a working server for the next batch; drop a failed one's */
    if (sg_remote_off(r)) http_close(r);
}

const SgRemoteBackend sg_remote_http = {http_run, http_close};
