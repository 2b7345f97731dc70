/* remote_impl.h - what remote.c shares with its backends (remote_redis.c,
 * remote_http.c). Not for other callers. */
#ifndef SG_REMOTE_IMPL_H
#define SG_REMOTE_IMPL_H

#include "remote.h"

/* Frame: magic, format (u32 LE), key (16), value length (u64 LE), value,
 * XXH3-64 (u64 LE) of everything before it. */
#define SG_REMOTE_FRAME_HEAD 32
#define SG_REMOTE_FRAME_TAIL 8
#define SG_REMOTE_MAX_FRAME ((size_t)SG_REMOTE_MAX_VALUE + SG_REMOTE_FRAME_HEAD + SG_REMOTE_FRAME_TAIL)

/* The whole size of the frame that starts with `head` (at least
 * SG_REMOTE_FRAME_HEAD bytes), or 0 if that is not a frame of ours or it
 * would be over SG_REMOTE_MAX_FRAME: lets a backend stop reading early. */
size_t sg_remote_frame_size(const uint8_t *head);

typedef enum SgRemoteOp { SG_OP_GET, SG_OP_PUT, SG_OP_HAS } SgRemoteOp;

typedef enum SgReqStatus {
    SG_REQ_SKIPPED = 0,     /* not sent: the remote was disabled before */
    SG_REQ_OK,              /* get: data holds the frame; put: stored; has: present */
    SG_REQ_ABSENT,          /* get, has: no such entry */
    SG_REQ_TOO_LARGE,       /* get: the entry is over SG_REMOTE_MAX_FRAME (not downloaded) */
    SG_REQ_FAILED,          /* the request failed (already reported to sg_remote_failed) */
} SgReqStatus;

/* One request of a batch. The backend fills status (and data for a get). */
typedef struct SgRemoteReq {
    char hex[33];           /* the key in hex: the name of the entry on the server */
    const uint8_t *body;    /* put: the frame to store */
    size_t body_len;
    uint8_t *data;          /* get: the frame received (malloc'd) */
    size_t len;
    SgReqStatus status;
} SgRemoteReq;

typedef struct SgRemoteBackend {
    /* Runs every request; stops early (leaving SKIPPED) once sg_remote_off(). */
    void (*run)(SgRemote *r, SgRemoteOp op, SgRemoteReq *reqs, size_t n);
    void (*close)(SgRemote *r);
} SgRemoteBackend;

struct SgRemote {
    SgRemoteUrl url;
    int timeout_ms;
    bool write, quiet, warned;
    SgRemoteOp op;          /* the batch being run: a put's refusals stop only puts */
    int failures_in_row;
    SgRemoteStats stats;
    const SgRemoteBackend *be;
    void *conn;             /* the backend's state */
};

extern const SgRemoteBackend sg_remote_redis;
extern const SgRemoteBackend sg_remote_http;

/* A request failed. `fatal`: the connection is unusable (refused, timed
 * out, reset, authentication), so stop now; otherwise stop after
 * SG_REMOTE_MAX_FAILURES in a row (only writing, when puts are refused).
 * Prints the run's one warning line. */
void sg_remote_failed(SgRemote *r, bool fatal, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A request succeeded: the failures-in-a-row count starts again. */
static inline void sg_remote_succeeded(SgRemote *r) { r->failures_in_row = 0; }
static inline bool sg_remote_off(const SgRemote *r) { return r->stats.disabled || (r->op == SG_OP_PUT && r->stats.writes_disabled); }

#endif
