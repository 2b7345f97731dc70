/* remote_redis.c - the Redis backend of the remote cache (hiredis,
 * blocking, pipelined). Entries are string keys "sigil:<key hex>".
 *
 * A batch is sent as pipelined commands, a slice at a time (so neither side
 * buffers a whole 10,000-module run), and the replies are read in order.
 * Reads use GETRANGE: the first FIRST_READ bytes, which hold a whole entry
 * of a typical module, then, for the longer ones whose head announces a
 * sane size, the rest in a second pipelined pass. So an absurdly large or
 * foreign value is never downloaded whole. The socket has the per-request timeout on every read and
 * write; a timeout or any I/O error ends the connection and disables the
 * remote for the run. Used by the thread that owns the SgRemote. */
#include <errno.h>
#include <hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "../checker/base.h"
#include "remote_impl.h"

/* The bytes of an entry asked for first. */
#define FIRST_READ 65536

/* Commands in flight at once, and bytes of values queued before reading. */
#define SLICE_CMDS 512
#define SLICE_BYTES (8u << 20)

typedef struct RedisConn {
    redisContext *c;
} RedisConn;

/* hiredis writes with write(2): a server gone away would raise SIGPIPE,
 * which kills the process by default. Block it on this thread around our
 * I/O and swallow one raised meanwhile (the signal is thread-directed). */
typedef struct PipeGuard {
    sigset_t old;
    bool was_pending;
} PipeGuard;

static void pipe_guard_on(PipeGuard *g) {
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_guard_off(PipeGuard *g) {
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    if (!g->was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static void redis_drop(SgRemote *r) {
    RedisConn *rc = r->conn;
    if (!rc) return;
    if (rc->c) redisFree(rc->c);
    free(rc);
    r->conn = NULL;
}

static void redis_close(SgRemote *r) { redis_drop(r); }

/* Reports the I/O failure of a connection (fatal: the connection is gone). */
static void io_failed(SgRemote *r, redisContext *c) {
    if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
        sg_remote_failed(r, true, "timed out after %d ms", r->timeout_ms);
    else if (c->err == REDIS_ERR_EOF)
        sg_remote_failed(r, true, "the server closed the connection");
    else
        sg_remote_failed(r, true, "%s", c->errstr[0] ? c->errstr : "I/O error");
}

/* Sends the commands that start a session (AUTH, SELECT) and reads their
 * replies. False (reported) when the server cannot be used. */
static bool redis_hello(SgRemote *r, redisContext *c) {
    int sent = 0;
    if (r->url.password) {
        if (r->url.user)
            redisAppendCommand(c, "AUTH %s %s", r->url.user, r->url.password);
        else
            redisAppendCommand(c, "AUTH %s", r->url.password);
        sent++;
    }
    if (r->url.db) {
        redisAppendCommand(c, "SELECT %d", r->url.db);
        sent++;
    }
    bool ok = true;
    for (int i = 0; i < sent; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK) {
            io_failed(r, c);
            return false;
        }
        if (rep->type == REDIS_REPLY_ERROR && ok) {
            sg_remote_failed(r, true, "%s: %s", r->url.password && i == 0 ? "authentication failed" : "SELECT failed",
                             rep->str);
            ok = false;
        }
        freeReplyObject(rep);
    }
    return ok;
}

static RedisConn *redis_connect(SgRemote *r) {
    if (r->conn) return r->conn;
    struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
    redisContext *c = r->url.scheme == SG_REMOTE_REDIS_UNIX ? redisConnectUnixWithTimeout(r->url.socket_path, tv)
                                                            : redisConnectWithTimeout(r->url.host, r->url.port, tv);
    if (!c) {
        sg_remote_failed(r, true, "cannot connect: out of memory");
        return NULL;
    }
    if (c->err) {
        sg_remote_failed(r, true, "cannot connect: %s", c->errstr);
        redisFree(c);
        return NULL;
    }
    if (redisSetTimeout(c, tv) != REDIS_OK || !redis_hello(r, c)) {
        if (!sg_remote_off(r)) sg_remote_failed(r, true, "cannot set the socket timeout");
        redisFree(c);
        return NULL;
    }
    RedisConn *rc = sg_xcalloc(1, sizeof *rc);
    rc->c = c;
    r->conn = rc;
    return rc;
}

static void append(redisContext *c, SgRemoteOp op, const SgRemoteReq *q) {
    switch (op) {
    case SG_OP_GET:
        /* the first pass; a second asks for the rest of a longer entry */
        if (!q->len)
            redisAppendCommand(c, "GETRANGE sigil:%s 0 %d", q->hex, FIRST_READ - 1);
        else
            redisAppendCommand(c, "GETRANGE sigil:%s %llu %llu", q->hex, (unsigned long long)q->len,
                               (unsigned long long)(sg_remote_frame_size(q->data) - 1));
        break;
    case SG_OP_PUT:
        redisAppendCommand(c, "SET sigil:%s %b", q->hex, (const char *)q->body, q->body_len);
        break;
    case SG_OP_HAS:
        redisAppendCommand(c, "EXISTS sigil:%s", q->hex);
        break;
    }
}

/* An error reply: the server refuses us as a client (fatal) or this one
 * command (OOM under maxmemory with noeviction, a key of another type). */
static void error_reply(SgRemote *r, SgRemoteOp op, const char *msg) {
    bool fatal = strncmp(msg, "NOAUTH", 6) == 0 || strncmp(msg, "WRONGPASS", 9) == 0 ||
                 strncmp(msg, "NOPERM", 6) == 0 || strncmp(msg, "LOADING", 7) == 0;
    sg_remote_failed(r, fatal, "%s: %s", op == SG_OP_PUT ? "SET" : op == SG_OP_GET ? "GETRANGE" : "EXISTS", msg);
}

static void take_reply(SgRemote *r, SgRemoteOp op, SgRemoteReq *q, redisReply *rep) {
    if (rep->type == REDIS_REPLY_ERROR) {
        q->status = SG_REQ_FAILED;
        error_reply(r, op, rep->str);
        return;
    }
    sg_remote_succeeded(r);
    switch (op) {
    case SG_OP_GET:
        /* GETRANGE of a missing key is the empty string */
        if (rep->type == REDIS_REPLY_NIL || (rep->type == REDIS_REPLY_STRING && rep->len == 0)) {
            q->status = SG_REQ_ABSENT;
        } else if (rep->type != REDIS_REPLY_STRING) {
            q->status = SG_REQ_ABSENT;
        } else if (q->len) {     /* the rest of a long entry */
            q->data = sg_xrealloc(q->data, q->len + (size_t)rep->len);
            memcpy(q->data + q->len, rep->str, (size_t)rep->len);
            q->len += (size_t)rep->len;
            q->status = SG_REQ_OK;
        } else if (rep->len >= SG_REMOTE_FRAME_HEAD && !sg_remote_frame_size((const uint8_t *)rep->str)) {
            q->status = SG_REQ_TOO_LARGE;   /* not ours, or announcing an absurd size */
        } else {
            q->data = sg_xmalloc((size_t)rep->len);
            memcpy(q->data, rep->str, (size_t)rep->len);
            q->len = (size_t)rep->len;
            q->status = SG_REQ_OK;
        }
        break;
    case SG_OP_PUT:
        q->status = SG_REQ_OK;
        break;
    case SG_OP_HAS:
        q->status = rep->type == REDIS_REPLY_INTEGER && rep->integer > 0 ? SG_REQ_OK : SG_REQ_ABSENT;
        break;
    }
}

/* Sends the requests reqs[i] for i in `idx` (pipelined, slice by slice)
 * and takes their replies. */
static void pipeline(SgRemote *r, SgRemoteOp op, SgRemoteReq *reqs, const size_t *idx, size_t n) {
    if (!n || sg_remote_off(r)) return;
    RedisConn *rc = redis_connect(r);
    for (size_t start = 0; rc && start < n && !sg_remote_off(r);) {
        size_t end = start, bytes = 0;
        while (end < n && end - start < SLICE_CMDS && bytes < SLICE_BYTES) {
            append(rc->c, op, &reqs[idx[end]]);
            bytes += reqs[idx[end]].body_len;
            end++;
        }
        for (size_t i = start; i < end; i++) {
            redisReply *rep = NULL;
            if (redisGetReply(rc->c, (void **)&rep) != REDIS_OK) {
                io_failed(r, rc->c);
                for (; i < end; i++) reqs[idx[i]].status = SG_REQ_FAILED;
                redis_drop(r);
                rc = NULL;
                break;
            }
            take_reply(r, op, &reqs[idx[i]], rep);
            freeReplyObject(rep);
        }
        start = end;
    }
}

static void redis_run(SgRemote *r, SgRemoteOp op, SgRemoteReq *reqs, size_t n) {
    PipeGuard g;
    pipe_guard_on(&g);
    size_t *idx = sg_xmalloc(sizeof *idx * (n + 1)), m = 0;
    for (size_t i = 0; i < n; i++) idx[i] = i;
    pipeline(r, op, reqs, idx, n);
    /* entries longer than the first read: the rest */
    for (size_t i = 0; op == SG_OP_GET && i < n; i++) {
        SgRemoteReq *q = &reqs[i];
        if (q->status == SG_REQ_OK && q->len == FIRST_READ && sg_remote_frame_size(q->data) > FIRST_READ) idx[m++] = i;
    }
    pipeline(r, op, reqs, idx, m);
    free(idx);
    pipe_guard_off(&g);
}

const SgRemoteBackend sg_remote_redis = {redis_run, redis_close};
