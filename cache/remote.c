/* remote.c - the second-level cache's front: URL parsing, the frame every
 * entry travels in, batches, statistics and the failure policy (remote.h).
 * The wire protocols are in remote_redis.c and remote_http.c. Owns one
 * SgRemote at a time per caller thread; no shared state but libcurl's
 * global initialisation (remote_http.c, done once). */
#include "remote_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <uv.h>

#include "../checker/base.h"

/* ---- URLs ---- */

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a malloc'd string; NULL on a bad escape or
 * an encoded NUL. */
static char *pct_decode(const char *s, size_t n) {
    char *out = sg_xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0 && (hi | lo)) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        free(out);
        return NULL;
    }
    *o = 0;
    return out;
}

/* A decimal number of 1 to `digits` digits, at most `max`. */
static bool parse_num(const char *s, size_t n, size_t digits, int max, int *out) {
    if (n == 0 || n > digits) return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max) return false;
    *out = v;
    return true;
}

static bool parse_port(const char *s, size_t n, int *port) { return parse_num(s, n, 5, 65535, port) && *port > 0; }
static bool parse_db(const char *s, size_t n, int *db) { return parse_num(s, n, 6, 999999, db); }

static bool has_ctl(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f) return true;
    return false;
}

/* user[:password] -> decoded parts. */
static bool parse_userinfo(const char *s, size_t n, SgRemoteUrl *u, const char **err) {
    const char *colon = memchr(s, ':', n);
    if (!colon) {
        *err = "a password goes after ':' in the URL (scheme://[user]:password@host)";
        return false;
    }
    if (colon > s && !(u->user = pct_decode(s, (size_t)(colon - s)))) goto bad;
    if (!(u->password = pct_decode(colon + 1, n - (size_t)(colon + 1 - s)))) goto bad;
    return true;
bad:
    *err = "bad percent-escape in the URL's user or password";
    return false;
}

/* host[:port] or [v6][:port]. */
static bool parse_hostport(const char *s, size_t n, SgRemoteUrl *u, const char **err) {
    const char *port = NULL;
    size_t hlen;
    const char *h = s;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close) return *err = "unterminated '[' in the URL's host", false;
        h = s + 1;
        hlen = (size_t)(close - h);
        if (close + 1 < s + n) {
            if (close[1] != ':') return *err = "unexpected text after ']' in the URL's host", false;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(s, ':', n);
        hlen = colon ? (size_t)(colon - s) : n;
        if (colon) port = colon + 1;
    }
    if (hlen == 0) return *err = "the URL has no host", false;
    for (size_t i = 0; i < hlen; i++)
        if (h[i] == '@' || h[i] == '/' || h[i] == '%' || (unsigned char)h[i] <= ' ')
            return *err = "bad character in the URL's host", false;
    if (port && !parse_port(port, (size_t)(s + n - port), &u->port))
        return *err = "the URL's port is not a number from 1 to 65535", false;
    u->host = strndup(h, hlen);
    if (!u->host) abort();
    return true;
}

void sg_remote_url_free(SgRemoteUrl *u) {
    free(u->host);
    free(u->socket_path);
    free(u->user);
    free(u->password);
    free(u->base);
    free(u->display);
    memset(u, 0, sizeof *u);
}

/* The URL with the password replaced by "***". */
static char *display_url(const char *url, const char *auth, size_t alen) {
    const char *at = alen ? memchr(auth, '@', alen) : NULL;
    for (const char *p = auth + alen; at && p > auth; p--)   /* the last '@' ends the userinfo */
        if (p[-1] == '@') {
            at = p - 1;
            break;
        }
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    SgBuf b = {0};
    if (!colon) {
        sg_buf_puts(&b, url);
    } else {
        sg_buf_put(&b, url, (size_t)(colon + 1 - url));
        sg_buf_puts(&b, "***");
        sg_buf_puts(&b, at);
    }
    return (char *)sg_buf_cstr(&b);
}

bool sg_remote_url_parse(const char *url, SgRemoteUrl *u, const char **err) {
    memset(u, 0, sizeof *u);
    const char *sep = strstr(url, "://");
    if (!sep || has_ctl(url)) {
        *err = "not a URL (expected redis://, redis+unix://, http:// or https://)";
        return false;
    }
    size_t slen = (size_t)(sep - url);
    const char *auth = sep + 3;
    const char *path = strchr(auth, '/');
    if (!path) path = auth + strlen(auth);
    /* userinfo ends at the last '@' of the authority */
    const char *at = NULL;
    for (const char *p = auth; p < path; p++)
        if (*p == '@') at = p;
    const char *host = at ? at + 1 : auth;
    if (at && !parse_userinfo(auth, (size_t)(at - auth), u, err)) goto fail;

    if (slen == 5 && strncasecmp(url, "redis", 5) == 0) {
        u->scheme = SG_REMOTE_REDIS;
        u->port = 6379;
        if (!parse_hostport(host, (size_t)(path - host), u, err)) goto fail;
        if (*path && path[1] && !parse_db(path + 1, strlen(path + 1), &u->db)) {
            *err = "a Redis URL's path is a database number (redis://host:port/N)";
            goto fail;
        }
    } else if (slen == 10 && strncasecmp(url, "redis+unix", 10) == 0) {
        u->scheme = SG_REMOTE_REDIS_UNIX;
        if (host != path) {
            *err = "a redis+unix URL has no host: redis+unix:///path/to/redis.sock";
            goto fail;
        }
        const char *q = strchr(path, '?');
        size_t plen = q ? (size_t)(q - path) : strlen(path);
        if (plen < 2) {
            *err = "a redis+unix URL needs the socket's path: redis+unix:///path/to/redis.sock";
            goto fail;
        }
        if (q && (strncmp(q, "?db=", 4) != 0 || !parse_db(q + 4, strlen(q + 4), &u->db))) {
            *err = "a redis+unix URL takes only ?db=N after the path";
            goto fail;
        }
        if (!(u->socket_path = pct_decode(path, plen))) {
            *err = "bad percent-escape in the socket path";
            goto fail;
        }
    } else if ((slen == 4 && strncasecmp(url, "http", 4) == 0) || (slen == 5 && strncasecmp(url, "https", 5) == 0)) {
        u->scheme = SG_REMOTE_HTTP;
        if (!parse_hostport(host, (size_t)(path - host), u, err)) goto fail;
        if (strpbrk(path, "?#")) {
            *err = "an HTTP cache URL takes no query or fragment (http://host[:port]/prefix)";
            goto fail;
        }
        SgBuf b = {0};
        for (size_t i = 0; i < slen; i++) sg_buf_putc(&b, (char)tolower((unsigned char)url[i]));
        sg_buf_puts(&b, "://");
        sg_buf_put(&b, host, strlen(host));
        while (b.len && b.data[b.len - 1] == '/') b.len--;
        u->base = (char *)sg_buf_cstr(&b);
    } else {
        *err = "unknown remote cache scheme (expected redis://, redis+unix://, http:// or https://)";
        goto fail;
    }
    u->display = display_url(url, auth, (size_t)(path - auth));
    return true;
fail:
    sg_remote_url_free(u);
    return false;
}

/* ---- frames ---- */

static const uint8_t MAGIC[4] = {'S', 'G', 'R', 'C'};

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

uint8_t *sg_remote_frame(const SgHash *key, uint32_t format, const void *value, size_t len, size_t *out_len) {
    size_t n = SG_REMOTE_FRAME_HEAD + len + SG_REMOTE_FRAME_TAIL;
    uint8_t *f = sg_xmalloc(n);
    memcpy(f, MAGIC, 4);
    put_u32(f + 4, format);
    memcpy(f + 8, key->b, 16);
    put_u64(f + 24, len);
    if (len) memcpy(f + SG_REMOTE_FRAME_HEAD, value, len);
    put_u64(f + SG_REMOTE_FRAME_HEAD + len, sg_checksum64(f, SG_REMOTE_FRAME_HEAD + len));
    *out_len = n;
    return f;
}

size_t sg_remote_frame_size(const uint8_t *head) {
    if (memcmp(head, MAGIC, 4) != 0) return 0;
    uint64_t len = get_u64(head + 24);
    if (len > SG_REMOTE_MAX_VALUE) return 0;
    return (size_t)len + SG_REMOTE_FRAME_HEAD + SG_REMOTE_FRAME_TAIL;
}

bool sg_remote_unframe(const SgHash *key, const uint8_t *f, size_t n, const uint8_t **value, size_t *vlen) {
    if (n < SG_REMOTE_FRAME_HEAD + SG_REMOTE_FRAME_TAIL || n > SG_REMOTE_MAX_FRAME) return false;
    if (memcmp(f, MAGIC, 4) != 0 || get_u32(f + 4) != SG_REMOTE_FORMAT) return false;
    if (memcmp(f + 8, key->b, 16) != 0) return false;
    uint64_t len = get_u64(f + 24);
    if (len != n - SG_REMOTE_FRAME_HEAD - SG_REMOTE_FRAME_TAIL) return false;
    if (get_u64(f + n - SG_REMOTE_FRAME_TAIL) != sg_checksum64(f, n - SG_REMOTE_FRAME_TAIL)) return false;
    *value = f + SG_REMOTE_FRAME_HEAD;
    *vlen = (size_t)len;
    return true;
}

/* ---- the front ---- */

SgRemote *sg_remote_open(const SgRemoteOptions *opt, const char **err) {
    SgRemote *r = sg_xcalloc(1, sizeof *r);
    if (!sg_remote_url_parse(opt->url, &r->url, err)) {
        free(r);
        return NULL;
    }
    r->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : SG_REMOTE_DEFAULT_TIMEOUT_MS;
    r->write = opt->write;
    r->quiet = opt->quiet;
    r->be = r->url.scheme == SG_REMOTE_HTTP ? &sg_remote_http : &sg_remote_redis;
    return r;
}

void sg_remote_close(SgRemote *r) {
    if (!r) return;
    if (r->conn) r->be->close(r);
    sg_remote_url_free(&r->url);
    free(r);
}

const SgRemoteStats *sg_remote_stats(const SgRemote *r) { return &r->stats; }
const char *sg_remote_display(const SgRemote *r) { return r->url.display; }
bool sg_remote_writable(const SgRemote *r) { return r->write; }

void sg_remote_failed(SgRemote *r, bool fatal, const char *fmt, ...) {
    r->stats.errors++;
    if (!r->warned && !r->quiet) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fprintf(stderr, "sigil: warning: remote cache %s: %s; %s\n", r->url.display, msg,
                fatal ? "continuing without it"
                      : r->op == SG_OP_PUT ? "not writing to it after repeated failures"
                                           : "continuing without it after repeated failures");
    }
    r->warned = true;
    if (fatal)
        r->stats.disabled = true;
    else if (++r->failures_in_row >= SG_REMOTE_MAX_FAILURES) {
        if (r->op == SG_OP_PUT)
            r->stats.writes_disabled = true;
        else
            r->stats.disabled = true;
    }
}

/* Failures in a row count within one kind of request: refused writes say
 * nothing about reads. */
static void begin(SgRemote *r, SgRemoteOp op) {
    if (r->op != op) r->failures_in_row = 0;
    r->op = op;
}

static SgRemoteReq *make_reqs(const SgRemoteItem *items, size_t n) {
    SgRemoteReq *reqs = sg_xcalloc(n ? n : 1, sizeof *reqs);
    for (size_t i = 0; i < n; i++) sg_hash_hex(&items[i].key, reqs[i].hex);
    return reqs;
}

void sg_remote_get(SgRemote *r, SgRemoteItem *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        items[i].value = NULL;
        items[i].len = 0;
        items[i].found = false;
    }
    begin(r, SG_OP_GET);
    if (!n || sg_remote_off(r)) return;
    double t0 = (double)uv_hrtime() / 1e6;
    SgRemoteReq *reqs = make_reqs(items, n);
    r->be->run(r, SG_OP_GET, reqs, n);
    for (size_t i = 0; i < n; i++) {
        SgRemoteReq *q = &reqs[i];
        const uint8_t *v;
        size_t vlen;
        switch (q->status) {
        case SG_REQ_OK:
            r->stats.bytes_read += q->len;
            if (sg_remote_unframe(&items[i].key, q->data, q->len, &v, &vlen)) {
                items[i].value = sg_xmalloc(vlen ? vlen : 1);
                memcpy(items[i].value, v, vlen);
                items[i].len = vlen;
                items[i].found = true;
                r->stats.hits++;
            } else {
                r->stats.misses++;
                r->stats.rejected++;
            }
            break;
        case SG_REQ_TOO_LARGE:
            r->stats.misses++;
            r->stats.rejected++;
            break;
        case SG_REQ_ABSENT:
            r->stats.misses++;
            break;
        case SG_REQ_FAILED:
        case SG_REQ_SKIPPED:
            break;
        }
        free(q->data);
    }
    free(reqs);
    r->stats.ms += (double)uv_hrtime() / 1e6 - t0;
}

void sg_remote_put(SgRemote *r, const SgRemoteItem *items, size_t n) {
    begin(r, SG_OP_PUT);
    if (!n || !r->write || sg_remote_off(r)) return;
    double t0 = (double)uv_hrtime() / 1e6;
    SgRemoteReq *reqs = make_reqs(items, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].len > SG_REMOTE_MAX_VALUE) continue;
        size_t flen;
        uint8_t *f = sg_remote_frame(&items[i].key, SG_REMOTE_FORMAT, items[i].value, items[i].len, &flen);
        memcpy(reqs[m].hex, reqs[i].hex, sizeof reqs[m].hex);
        reqs[m].body = f;
        reqs[m].body_len = flen;
        m++;
    }
    r->be->run(r, SG_OP_PUT, reqs, m);
    for (size_t i = 0; i < m; i++) {
        if (reqs[i].status == SG_REQ_OK) {
            r->stats.puts++;
            r->stats.bytes_written += reqs[i].body_len;
        }
        free((void *)reqs[i].body);
        free(reqs[i].data);
    }
    free(reqs);
    r->stats.ms += (double)uv_hrtime() / 1e6 - t0;
}

void sg_remote_has(SgRemote *r, SgRemoteItem *items, size_t n) {
    for (size_t i = 0; i < n; i++) items[i].found = false;
    begin(r, SG_OP_HAS);
    if (!n || sg_remote_off(r)) return;
    double t0 = (double)uv_hrtime() / 1e6;
    SgRemoteReq *reqs = make_reqs(items, n);
    r->be->run(r, SG_OP_HAS, reqs, n);
    for (size_t i = 0; i < n; i++) {
        items[i].found = reqs[i].status == SG_REQ_OK;
        free(reqs[i].data);
    }
    free(reqs);
    r->stats.ms += (double)uv_hrtime() / 1e6 - t0;
}
